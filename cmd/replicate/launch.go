package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/replicate-emd/replicate/launch"
)

func newLaunchCmd(g *globalOptions) *cobra.Command {
	var k8s, slurm bool
	var dir string
	o := launch.Options{}
	cmd := &cobra.Command{
		Use:   "launch {--k8s | --slurm} --experiment <name> --shards <N> [--dir <folder>]",
		Short: "Write cluster job files that run a grid in shards, then merge",
		Long: `Write ready-to-submit files that run the shards of one experiment with this same
binary, each shard into its own database, and then merge them into one database and
write the report:
  --k8s    a Kubernetes Indexed Job, a merge Job and submit-k8s.sh (apply, wait, merge);
  --slurm  a Slurm job array, a merge job and submit-slurm.sh (the merge depends on the array).
A shard that is killed and started again resumes: finished runs are skipped.`,
		Example: `  replicate launch --k8s --experiment adience --shards 8 --image registry/replicate:v1 --claim results
  replicate launch --slurm --experiment adience --shards 8 --binary $HOME/bin/replicate --results /scratch/adience`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if k8s == slurm {
				return fmt.Errorf("choose exactly one of --k8s and --slurm")
			}
			o.Profile = g.profile
			var files []launch.File
			var err error
			if k8s {
				files, err = launch.Kubernetes(o)
			} else {
				files, err = launch.Slurm(o)
			}
			if err != nil {
				return err
			}
			if err := launch.Write(dir, files); err != nil {
				return err
			}
			for _, f := range files {
				fmt.Fprintf(g.io.Out, "wrote %s/%s\n", dir, f.Name)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&k8s, "k8s", false, "write Kubernetes manifests")
	f.BoolVar(&slurm, "slurm", false, "write Slurm scripts")
	f.StringVar(&dir, "dir", "launch", "`folder` to write the files into")
	f.StringVarP(&o.Experiment, "experiment", "e", "", "experiment `name` to run")
	f.IntVar(&o.Shards, "shards", 4, "number of shards")
	f.IntVarP(&o.Jobs, "jobs", "j", 1, "runs trained at once inside each shard")
	f.StringVar(&o.Results, "results", "/results", "`folder` shared by every shard (the volume mount, or a shared file system)")
	f.StringVar(&o.Image, "image", "", "container `image` with replicate on its PATH (--k8s)")
	f.StringVar(&o.Claim, "claim", "", "PersistentVolumeClaim `name` mounted at --results (--k8s)")
	f.StringVar(&o.Binary, "binary", "replicate", "`path` of the replicate binary on the cluster (--slurm)")
	f.StringVar(&o.Partition, "partition", "", "Slurm `partition` (--slurm)")
	f.StringVar(&o.Time, "time", "", "time limit per shard, e.g. 24:00:00 (--slurm)")
	f.IntVar(&o.CPUs, "cpus", 2, "CPUs per shard (--slurm)")
	return cmd
}
