package launch

import (
	"bytes"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// The manifests are these structs marshalled with yaml.v3: only the fields
// of a batch/v1 Job that we set. A value is always one YAML scalar, quoted
// by the encoder as it needs, so nothing in it can add a key or a document.
type (
	k8sJob struct {
		APIVersion string      `yaml:"apiVersion"`
		Kind       string      `yaml:"kind"`
		Metadata   k8sMetadata `yaml:"metadata"`
		Spec       k8sJobSpec  `yaml:"spec"`
	}
	k8sMetadata struct {
		Name string `yaml:"name"`
	}
	k8sJobSpec struct {
		CompletionMode       string         `yaml:"completionMode,omitempty"`
		Completions          int            `yaml:"completions,omitempty"`
		Parallelism          int            `yaml:"parallelism,omitempty"`
		BackoffLimit         int            `yaml:"backoffLimit,omitempty"`
		BackoffLimitPerIndex int            `yaml:"backoffLimitPerIndex,omitempty"`
		Template             k8sPodTemplate `yaml:"template"`
	}
	k8sPodTemplate struct {
		Spec k8sPodSpec `yaml:"spec"`
	}
	k8sPodSpec struct {
		RestartPolicy   string         `yaml:"restartPolicy"`
		SecurityContext k8sPodSecurity `yaml:"securityContext"`
		Containers      []k8sContainer `yaml:"containers"`
		Volumes         []k8sVolume    `yaml:"volumes"`
	}
	k8sPodSecurity struct {
		FSGroup int `yaml:"fsGroup"`
	}
	k8sContainer struct {
		Name         string           `yaml:"name"`
		Image        string           `yaml:"image"`
		Command      []string         `yaml:"command"`
		Args         []string         `yaml:"args"`
		VolumeMounts []k8sVolumeMount `yaml:"volumeMounts"`
	}
	k8sVolumeMount struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	}
	k8sVolume struct {
		Name                  string      `yaml:"name"`
		PersistentVolumeClaim k8sClaimRef `yaml:"persistentVolumeClaim"`
	}
	k8sClaimRef struct {
		ClaimName string `yaml:"claimName"`
	}
)

// Kubernetes returns an Indexed Job running the shards, a Job merging
// their databases, and a script that applies one after the other.
//
// The shard pods run replicate with no shell: command and args are the
// argv itself, and the shard index comes from the kubelet's expansion of
// $(JOB_COMPLETION_INDEX), the variable the Job controller sets in every
// container of an Indexed Job. The kubelet expands $(VAR) in any command
// or args, so every $ of a value is doubled (kubeEscape) and "$$" reads
// back as "$"; a value holding "$(" stays literal.
//
// The merge pod needs a loop over the shards, so it runs sh -c with one
// script in which every value is single-quoted (shellQuote); the script is
// kubeEscaped too, since the kubelet expands it before sh sees it.
func Kubernetes(o Options) ([]File, error) {
	if err := o.validate(kindKubernetes); err != nil {
		return nil, err
	}
	name := o.jobName()
	shards, err := manifest(shardsHeader(o), o.shardsJob(name))
	if err != nil {
		return nil, err
	}
	merge, err := manifest(mergeHeader(o), o.mergeJob(name))
	if err != nil {
		return nil, err
	}
	return []File{
		{Name: name + "-shards.yaml", Body: shards, Mode: 0o644},
		{Name: name + "-merge.yaml", Body: merge, Mode: 0o644},
		{Name: "submit-k8s.sh", Body: []byte(o.k8sSubmit(name)), Mode: 0o755},
	}, nil
}

func shardsHeader(o Options) string {
	return fmt.Sprintf(`# Shards of %s: one pod per index; each writes its own database.
# Written by 'replicate launch --k8s'. Submit with ./submit-k8s.sh.
# A pod that is killed and restarted resumes: finished runs are skipped.
# The kubelet expands $(JOB_COMPLETION_INDEX) in args; $$ there stands for $.
`, quoted(o.Experiment))
}

func mergeHeader(o Options) string {
	return fmt.Sprintf(`# Merge of the shard databases of %s, applied once every shard is done.
# The kubelet expands $(VAR) in command and args; $$ there stands for $.
`, quoted(o.Experiment))
}

func (o *Options) shardsJob(name string) k8sJob {
	index := "$(JOB_COMPLETION_INDEX)"
	args := o.runArgs()
	for i := range args {
		args[i] = kubeEscape(args[i])
	}
	args = append(args,
		"--shard="+index+"/"+strconv.Itoa(o.Shards),
		"--db="+kubeEscape(o.Results+"/shard-")+index+".db")
	job := o.job(name, k8sContainer{Name: "replicate", Command: []string{"replicate"}, Args: args})
	job.Spec.CompletionMode = "Indexed"
	job.Spec.Completions = o.Shards
	job.Spec.Parallelism = o.Shards
	job.Spec.BackoffLimitPerIndex = 2
	return job
}

func (o *Options) mergeJob(name string) k8sJob {
	var s script
	s.line(`set -eu`)
	s.line(`results=%s`, shellQuote(o.Results))
	s.mergeShards("replicate", o.Shards)
	c := k8sContainer{Name: "merge", Command: []string{"sh", "-c"}, Args: []string{kubeEscape(s.String())}}
	job := o.job(name+"-merge", c)
	job.Spec.BackoffLimit = 2
	return job
}

// ImageGID is the group id the project's container image (Dockerfile) runs
// as; the Jobs set it as the pod's fsGroup.
const ImageGID = 10001

// job is a Job of one pod running c with the results volume mounted.
func (o *Options) job(name string, c k8sContainer) k8sJob {
	c.Image = o.Image
	c.VolumeMounts = []k8sVolumeMount{{Name: "results", MountPath: o.Results}}
	return k8sJob{
		APIVersion: "batch/v1",
		Kind:       "Job",
		Metadata:   k8sMetadata{Name: name},
		Spec: k8sJobSpec{Template: k8sPodTemplate{Spec: k8sPodSpec{
			RestartPolicy: "Never",
			// The project's image (Dockerfile) runs as uid and gid 10001;
			// the volume's files are given that group so the pods can
			// write the shard databases.
			SecurityContext: k8sPodSecurity{FSGroup: ImageGID},
			Containers:      []k8sContainer{c},
			Volumes:         []k8sVolume{{Name: "results", PersistentVolumeClaim: k8sClaimRef{ClaimName: o.Claim}}},
		}}},
	}
}

// manifest is header, a comment, followed by job as YAML.
func manifest(header string, job k8sJob) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(job); err != nil {
		return nil, fmt.Errorf("launch: job %s: %w", job.Metadata.Name, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("launch: job %s: %w", job.Metadata.Name, err)
	}
	return b.Bytes(), nil
}

func (o *Options) k8sSubmit(name string) string {
	var s script
	s.line(`#!/bin/sh`)
	s.line(`# Run the shards of %s on Kubernetes, wait for them, then merge.`, quoted(o.Experiment))
	s.line(`set -eu`)
	s.line(`cd "$(dirname "$0")"`)
	s.line(`kubectl apply -f %s-shards.yaml`, name)
	s.line(`kubectl wait --for=condition=complete --timeout=168h job/%s`, name)
	s.line(`kubectl apply -f %s-merge.yaml`, name)
	s.line(`kubectl wait --for=condition=complete --timeout=1h job/%s-merge`, name)
	s.line(`printf 'merged into %%s/replicate.db (on the volume %%s)\n' %s %s`, shellQuote(o.Results), shellQuote(o.Claim))
	return s.String()
}
