package launch

import "text/template"

var slurmArray = template.Must(template.New("array").Parse(`#!/bin/bash
# Shards of {{.O.Experiment}} as a Slurm job array: task i runs shard i/{{.O.Shards}}
# and writes its own database. Written by 'replicate launch --slurm'.
#SBATCH --job-name={{.Name}}
#SBATCH --array=0-{{.Last}}
#SBATCH --cpus-per-task={{.O.CPUs}}
#SBATCH --output={{.O.Results}}/slurm-%A_%a.out
{{- if .O.Partition}}
#SBATCH --partition={{.O.Partition}}
{{- end}}
{{- if .O.Time}}
#SBATCH --time={{.O.Time}}
{{- end}}
set -euo pipefail
# A requeued or resubmitted task resumes: finished runs are skipped.
"{{.O.Binary}}" {{.Args}} --shard "$SLURM_ARRAY_TASK_ID/{{.O.Shards}}" --db "{{.O.Results}}/shard-$SLURM_ARRAY_TASK_ID.db"
`))

var slurmMerge = template.Must(template.New("merge").Parse(`#!/bin/bash
# Merge of the shard databases of {{.O.Experiment}}; submitted to start after every array task succeeded.
#SBATCH --job-name={{.Name}}-merge
#SBATCH --output={{.O.Results}}/slurm-merge-%j.out
{{- if .O.Partition}}
#SBATCH --partition={{.O.Partition}}
{{- end}}
set -euo pipefail
"{{.O.Binary}}" merge "{{.O.Results}}/replicate.db"{{range .Indexes}} "{{$.O.Results}}/shard-{{.}}.db"{{end}}
"{{.O.Binary}}" report --db "{{.O.Results}}/replicate.db" --out "{{.O.Results}}"
`))

var slurmSubmit = template.Must(template.New("submit").Parse(`#!/bin/sh
# Submit the shards of {{.O.Experiment}} and a merge that waits for all of them.
set -eu
cd "$(dirname "$0")"
mkdir -p "{{.O.Results}}"
array=$(sbatch --parsable {{.Name}}.sbatch)
sbatch --dependency=afterok:"${array%%;*}" {{.Name}}-merge.sbatch
echo "submitted array job $array; the merge writes {{.O.Results}}/replicate.db"
`))

// Slurm returns a job-array script running the shards, a merge script,
// and a submit script that chains them with a dependency.
func Slurm(o Options) ([]File, error) {
	if o.CPUs < 1 {
		o.CPUs = 2
	}
	if err := o.validate("slurm"); err != nil {
		return nil, err
	}
	data := struct {
		tdata
		Last int
	}{templateData(o), o.Shards - 1}
	return renderAll(data, []fileSpec{
		{data.Name + ".sbatch", slurmArray, 0o755},
		{data.Name + "-merge.sbatch", slurmMerge, 0o755},
		{"submit-slurm.sh", slurmSubmit, 0o755},
	})
}
