package launch

// Slurm returns a job-array script running the shards, a merge script,
// and a submit script that chains them with a dependency.
//
// Only values checked against a narrow pattern reach the #SBATCH lines,
// which sbatch reads with rules of its own (quotes, backslashes, '#'): the
// job name we derive, the numbers, --partition and --time. The log files'
// --output, which holds the results folder, is given to sbatch by the
// submit script instead, as one shell-quoted argument.
func Slurm(o Options) ([]File, error) {
	if o.CPUs < 1 {
		o.CPUs = 2
	}
	if err := o.validate(kindSlurm); err != nil {
		return nil, err
	}
	name := o.jobName()
	return []File{
		{Name: name + ".sbatch", Body: []byte(o.slurmArray(name)), Mode: 0o755},
		{Name: name + "-merge.sbatch", Body: []byte(o.slurmMerge(name)), Mode: 0o755},
		{Name: "submit-slurm.sh", Body: []byte(o.slurmSubmit(name)), Mode: 0o755},
	}, nil
}

func (o *Options) slurmArray(name string) string {
	var s script
	s.line(`#!/bin/bash`)
	s.line(`# Shards of %s as a Slurm job array: task i runs shard i/%d`, quoted(o.Experiment), o.Shards)
	s.line(`# and writes its own database. Written by 'replicate launch --slurm';`)
	s.line(`# submit with ./submit-slurm.sh, which also sends the logs to the results folder.`)
	s.line(`#SBATCH --job-name=%s`, name)
	s.line(`#SBATCH --array=0-%d`, o.Shards-1)
	s.line(`#SBATCH --cpus-per-task=%d`, o.CPUs)
	o.sbatchLimits(&s)
	s.line(`set -euo pipefail`)
	s.line(`# A requeued or resubmitted task resumes: finished runs are skipped.`)
	s.line(`results=%s`, shellQuote(o.Results))
	cmd := shellQuote(o.Binary)
	for _, a := range o.runArgs() {
		cmd += " " + shellQuote(a)
	}
	s.line(`%s --shard="$SLURM_ARRAY_TASK_ID/%d" --db="$results/shard-$SLURM_ARRAY_TASK_ID.db"`, cmd, o.Shards)
	return s.String()
}

func (o *Options) slurmMerge(name string) string {
	var s script
	s.line(`#!/bin/bash`)
	s.line(`# Merge of the shard databases of %s, then the report;`, quoted(o.Experiment))
	s.line(`# submitted to start after every array task succeeded.`)
	s.line(`#SBATCH --job-name=%s-merge`, name)
	if o.Partition != "" {
		s.line(`#SBATCH --partition=%s`, o.Partition)
	}
	s.line(`set -euo pipefail`)
	s.line(`bin=%s`, shellQuote(o.Binary))
	s.line(`results=%s`, shellQuote(o.Results))
	s.mergeShards(`"$bin"`, o.Shards)
	return s.String()
}

// sbatchLimits writes the optional --partition and --time lines, whose
// values validate has held to Slurm's own syntax.
func (o *Options) sbatchLimits(s *script) {
	if o.Partition != "" {
		s.line(`#SBATCH --partition=%s`, o.Partition)
	}
	if o.Time != "" {
		s.line(`#SBATCH --time=%s`, o.Time)
	}
}

func (o *Options) slurmSubmit(name string) string {
	var s script
	s.line(`#!/bin/sh`)
	s.line(`# Submit the shards of %s and a merge that waits for all of them.`, quoted(o.Experiment))
	s.line(`set -eu`)
	s.line(`cd "$(dirname "$0")"`)
	s.line(`results=%s`, shellQuote(o.Results))
	s.line(`# The logs' file names are Slurm patterns, in which %%%% stands for %%.`)
	s.line(`logs=%s`, shellQuote(slurmFilename(o.Results)))
	s.line(`mkdir -p -- "$results"`)
	s.line(`array=$(sbatch --parsable --output="$logs/slurm-%%A_%%a.out" %s.sbatch)`, name)
	s.line(`sbatch --dependency=afterok:"${array%%%%;*}" --output="$logs/slurm-merge-%%j.out" %s-merge.sbatch`, name)
	s.line(`printf 'submitted array job %%s; the merge writes %%s/replicate.db\n' "$array" "$results"`)
	return s.String()
}
