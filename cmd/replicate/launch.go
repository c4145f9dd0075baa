package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/launch"
)

// launchOptions are the flags of replicate launch.
type launchOptions struct {
	io         *streams
	k8s, slurm bool
	dir        string
	launch.Options
}

func newLaunchCmd(g *globalOptions) *cobra.Command {
	opts := &launchOptions{io: g.io}
	o := &opts.Options
	cmd := &cobra.Command{
		Use:   "launch {--k8s | --slurm} --experiment <name> --shards <N> [--dir <folder>]",
		Short: "Write cluster job files that run a grid in shards, then merge",
		Long: fmt.Sprintf(`Write ready-to-submit files that run the shards of one experiment with this same
binary, each shard into its own database, and then merge them into one database and
write the report:
  --k8s    a Kubernetes Indexed Job, a merge Job and submit-k8s.sh (apply, wait, merge);
  --slurm  a Slurm job array, a merge job and submit-slurm.sh (the merge depends on the array).
A shard that is killed and started again resumes: finished runs are skipped.

--experiment must name a grid (see 'replicate list') or a grid file, and --profile one
of its profiles; --shards is at most %d. Every value reaches the files quoted for
the shell or the YAML it lands in, so folders and names may hold spaces, quotes,
$, ; or #.`, launch.MaxShards),
		Example: `  replicate launch --k8s --experiment adience --shards 8 --image registry/replicate:v1 --claim results
  replicate launch --slurm --experiment adience --shards 8 --binary $HOME/bin/replicate --results /scratch/adience`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.k8s == opts.slurm {
				return fmt.Errorf("choose exactly one of --k8s and --slurm")
			}
			o.Profile = g.profile
			return runLaunch(opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.k8s, "k8s", false, "write Kubernetes manifests")
	f.BoolVar(&opts.slurm, "slurm", false, "write Slurm scripts")
	f.StringVar(&opts.dir, "dir", "launch", "`folder` to write the files into")
	f.StringVarP(&o.Experiment, "experiment", "e", "", "experiment `name` to run, or a grid file ending in .yaml")
	_ = cmd.RegisterFlagCompletionFunc("experiment", completeExperiments)
	f.IntVar(&o.Shards, "shards", 4, fmt.Sprintf("number of shards (at most %d)", launch.MaxShards))
	f.IntVarP(&o.Jobs, "jobs", "j", 1, "runs trained at once inside each shard")
	f.StringVar(&o.Results, "results", "/results", "`folder` shared by every shard (the volume mount, or a shared file system)")
	f.StringVar(&o.Image, "image", "", "container `image` with replicate on its PATH (--k8s)")
	f.StringVar(&o.Claim, "claim", "", "PersistentVolumeClaim `name` mounted at --results (--k8s)")
	f.StringVar(&o.Binary, "binary", "replicate", "`path` of the replicate binary on the cluster (--slurm)")
	f.StringVar(&o.Partition, "partition", "", "Slurm `partition` (--slurm)")
	f.StringVar(&o.Time, "time", "", "time limit per shard: minutes or [D-]HH:MM:SS, e.g. 24:00:00 (--slurm)")
	f.IntVar(&o.CPUs, "cpus", 2, "CPUs per shard (--slurm)")
	return cmd
}

// runLaunch renders the job files, checks the experiment and profile
// against the grid, and only then writes anything.
func runLaunch(opts *launchOptions) error {
	var files []launch.File
	var err error
	if opts.k8s {
		files, err = launch.Kubernetes(opts.Options)
	} else {
		files, err = launch.Slurm(opts.Options)
	}
	if err != nil {
		return err
	}
	runs, err := gridRuns(opts.Experiment, opts.Profile)
	if err != nil {
		return err
	}
	if runs < opts.Shards {
		fmt.Fprintf(opts.io.ErrOut, "warning: %d shards for %d runs: %d shards will have nothing to train\n",
			opts.Shards, runs, opts.Shards-runs)
	}
	if err := launch.Write(opts.dir, files); err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintf(opts.io.Out, "wrote %s/%s\n", opts.dir, f.Name)
	}
	return nil
}

// gridRuns returns how many runs the experiment has under the profile
// (empty: the grid's default), or an error naming the flag at fault and
// listing the valid names.
func gridRuns(experiment, profile string) (int, error) {
	grid, err := experiments.Lookup(experiment)
	if err != nil {
		return 0, fmt.Errorf("--experiment: %w", err)
	}
	specs, err := grid.Expand(profile) // fails only on an unknown profile
	if err != nil {
		return 0, fmt.Errorf("--profile: %w", err)
	}
	return len(specs), nil
}
