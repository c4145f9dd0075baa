package launch

import "text/template"

var k8sShards = template.Must(template.New("shards").Parse(`# Shards of {{.O.Experiment}}: one pod per index; each writes its own database.
# Written by 'replicate launch --k8s'. Submit with ./submit-k8s.sh.
apiVersion: batch/v1
kind: Job
metadata:
  name: {{.Name}}
spec:
  completionMode: Indexed
  completions: {{.O.Shards}}
  parallelism: {{.O.Shards}}
  backoffLimitPerIndex: 2
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: replicate
          image: {{.O.Image}}
          command: ["sh", "-c"]
          # A pod that is killed and restarted resumes: finished runs are skipped.
          args:
            - replicate {{.Args}} --shard "$JOB_COMPLETION_INDEX/{{.O.Shards}}" --db "{{.O.Results}}/shard-$JOB_COMPLETION_INDEX.db"
          volumeMounts:
            - name: results
              mountPath: {{.O.Results}}
      volumes:
        - name: results
          persistentVolumeClaim:
            claimName: {{.O.Claim}}
`))

var k8sMerge = template.Must(template.New("merge").Parse(`# Merge of the shard databases of {{.O.Experiment}}, applied once every shard is done.
apiVersion: batch/v1
kind: Job
metadata:
  name: {{.Name}}-merge
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: merge
          image: {{.O.Image}}
          command: ["sh", "-c"]
          args:
            - replicate merge "{{.O.Results}}/replicate.db" {{range .Indexes}}"{{$.O.Results}}/shard-{{.}}.db" {{end}}&& replicate report --db "{{.O.Results}}/replicate.db" --out "{{.O.Results}}"
          volumeMounts:
            - name: results
              mountPath: {{.O.Results}}
      volumes:
        - name: results
          persistentVolumeClaim:
            claimName: {{.O.Claim}}
`))

var k8sSubmit = template.Must(template.New("submit").Parse(`#!/bin/sh
# Run the shards of {{.O.Experiment}} on Kubernetes, wait for them, then merge.
set -eu
cd "$(dirname "$0")"
kubectl apply -f {{.Name}}-shards.yaml
kubectl wait --for=condition=complete --timeout=168h job/{{.Name}}
kubectl apply -f {{.Name}}-merge.yaml
kubectl wait --for=condition=complete --timeout=1h job/{{.Name}}-merge
echo "merged into {{.O.Results}}/replicate.db (on the volume {{.O.Claim}})"
`))

// Kubernetes returns an Indexed Job running the shards, a Job merging
// their databases, and a script that applies one after the other.
func Kubernetes(o Options) ([]File, error) {
	if err := o.validate("k8s"); err != nil {
		return nil, err
	}
	data := templateData(o)
	return renderAll(data, []fileSpec{
		{data.Name + "-shards.yaml", k8sShards, 0o644},
		{data.Name + "-merge.yaml", k8sMerge, 0o644},
		{"submit-k8s.sh", k8sSubmit, 0o755},
	})
}

type tdata struct {
	O       Options
	Name    string
	Args    string
	Indexes []int
}

func templateData(o Options) tdata {
	idx := make([]int, o.Shards)
	for i := range idx {
		idx[i] = i
	}
	return tdata{O: o, Name: o.jobName(), Args: o.runArgs(), Indexes: idx}
}
