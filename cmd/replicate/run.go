package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/results"
	"github.com/replicate-emd/replicate/runner"
)

// runOptions are the flags of the commands that run grids.
type runOptions struct {
	losses []string
	folds  []int
	jobs   int
	dryRun bool
	shard  string
}

func addRunFlags(fs *pflag.FlagSet, o *runOptions) {
	fs.StringSliceVar(&o.losses, "loss", nil, "run only these losses (comma-separated, e.g. ce,emd2); a loss no selected run has is an error")
	fs.IntSliceVar(&o.folds, "fold", nil, "run only these test folds (comma-separated, 0-based); a fold no selected run has is an error")
	fs.IntVarP(&o.jobs, "jobs", "j", runtime.NumCPU(), "train this many runs at once (default: the number of CPUs)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the runs that would train, and train nothing")
	fs.StringVar(&o.shard, "shard", "", "run only shard `i/N` of the runs (0 ≤ i < N), for several machines; a shard left empty (N > runs) trains nothing and exits 0")
}

func newAllCmd(g *globalOptions) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "all",
		Short: "Run every experiment whose data is present",
		Long: `Run every declared experiment whose data is present on this machine, at each
experiment's default profile (or --profile). Finished runs are skipped. For each
experiment whose data is missing, print what is missing and how to get it.`,
		Example: `  replicate all
  replicate all --jobs 2
  replicate all --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			grids, err := experiments.Registry()
			if err != nil {
				return err
			}
			names := make([]string, len(grids))
			for i, gr := range grids {
				names[i] = gr.Name
			}
			return runExperiments(cmd.Context(), g, o, names, true)
		},
	}
	addRunFlags(cmd.Flags(), o)
	return cmd
}

// selectRuns expands the named grids under the global profile and applies
// the filters and the shard.
func selectRuns(g *globalOptions, o *runOptions, names []string) ([]experiments.RunSpec, error) {
	var specs []experiments.RunSpec
	for _, name := range names {
		grid, err := experiments.Lookup(name)
		if err != nil {
			return nil, err
		}
		s, err := grid.Expand(g.profile)
		if err != nil {
			return nil, err
		}
		specs = append(specs, s...)
	}
	specs, err := experiments.Filter{Losses: o.losses, Folds: o.folds}.Select(specs)
	if err != nil {
		return nil, filterFlagError(o, err)
	}
	if o.shard != "" {
		sh, err := experiments.ParseShard(o.shard)
		if err != nil {
			return nil, fmt.Errorf("--shard: %w", err)
		}
		all := len(specs)
		if specs = sh.Select(specs); len(specs) == 0 {
			// Legitimate in a job array sized for a larger grid: not an error.
			fmt.Fprintf(g.io.ErrOut, "shard %s selects none of the %d runs (more shards than runs): nothing to do\n", o.shard, all)
		}
	}
	return specs, nil
}

// filterFlagError names the flags of a filter that selects no run: a
// --loss or --fold value no selected run has, or a combination of them
// that matches no run.
func filterFlagError(o *runOptions, err error) error {
	var fe *experiments.FilterError
	if !errors.As(err, &fe) {
		return err
	}
	if fe.Field != "" {
		return fmt.Errorf("--%s: %w", fe.Field, err)
	}
	folds := make([]string, len(o.folds))
	for i, f := range o.folds {
		folds[i] = strconv.Itoa(f)
	}
	return fmt.Errorf("--loss %s --fold %s: %w", strings.Join(o.losses, ","), strings.Join(folds, ","), err)
}

// runExperiments runs the named grids against the database, printing
// progress on stderr and a summary on stdout. With skipMissing, grids whose
// data is absent are reported and skipped instead of failing.
func runExperiments(ctx context.Context, g *globalOptions, o *runOptions, names []string, skipMissing bool) error {
	if o.jobs < 1 {
		return fmt.Errorf("--jobs must be at least 1, got %d", o.jobs)
	}
	specs, err := selectRuns(g, o, names)
	if err != nil {
		return err
	}
	loader := runner.NewDataLoader(runner.DataOptions{Root: g.dataRoot, MNISTDir: g.mnistDir,
		CacheDir: filepath.Join(filepath.Dir(g.db), "cache")})
	specs, err = presentOnly(g, loader, specs, skipMissing)
	if err != nil {
		return err
	}
	if o.dryRun {
		return printPlan(g, specs)
	}
	db, err := results.Open(ctx, g.db)
	if err != nil {
		return err
	}
	defer db.Close()
	db.OwnerAlive = runner.OwnerAlive
	if err := loadData(ctx, db, loader, specs); err != nil {
		return err
	}
	rep := newTextReporter(g.io.ErrOut, g.io.errTTY)
	r := &runner.Runner{Store: db, Data: loader, Reporter: rep, Env: runner.CurrentEnv(), Jobs: o.jobs,
		CheckpointDir: checkpointDir(g.db)}
	sum, err := r.Run(ctx, specs)
	rep.Close()
	fmt.Fprintf(g.io.Out, "%d runs: %d trained, %d already finished, %d running elsewhere, %d failed, %d diverged, %d interrupted (database %s)\n",
		len(specs), sum.Finished, sum.Skipped, sum.Busy, sum.Failed, sum.Diverged, sum.Interrupted, db.Path())
	return err
}

// presentOnly drops the runs whose data is missing, telling the user once
// per dataset what is missing, or fails on the first one when !skip.
func presentOnly(g *globalOptions, loader runner.DataLoader, specs []experiments.RunSpec, skip bool) ([]experiments.RunSpec, error) {
	missing := map[string]error{}
	var out []experiments.RunSpec
	for _, s := range specs {
		err, seen := missing[s.Experiment]
		if !seen {
			err = loader.Check(s)
			missing[s.Experiment] = err
			if err != nil && skip {
				fmt.Fprintf(g.io.ErrOut, "skip experiment %s: %v\n", s.Experiment, err)
			}
		}
		if err != nil {
			if !skip {
				return nil, fmt.Errorf("experiment %s: %w", s.Experiment, err)
			}
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

// loadData loads the data of every run still to train before any run
// starts, so that bad data (a malformed line, an unreadable file, data a
// loss cannot train on) is bad input: one message naming the file and
// line, exit status 1, nothing trained. The loader keeps what it loaded
// for the runs.
func loadData(ctx context.Context, db *results.DB, loader runner.DataLoader, specs []experiments.RunSpec) error {
	finished, err := db.Runs(ctx, results.RunFilter{Status: results.StatusFinished})
	if err != nil {
		return err
	}
	done := make(map[string]bool, len(finished))
	for _, r := range finished {
		done[r.Key] = true
	}
	for _, s := range specs {
		if done[s.Key()] {
			continue
		}
		d, err := loader.Load(ctx, s)
		if err != nil {
			return fmt.Errorf("experiment %s: %w", s.Experiment, err)
		}
		if err := runner.CheckData(s, d); err != nil {
			return fmt.Errorf("experiment %s: %w", s.Experiment, err)
		}
	}
	return nil
}

func printPlan(g *globalOptions, specs []experiments.RunSpec) error {
	tw := tabwriter.NewWriter(g.io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tEXPERIMENT\tPROFILE\tLOSS\tFOLD\tLR\tEMD_W\tSEED")
	for _, s := range specs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%g\t%s\t%d\n", s.Key(), s.Experiment, s.Profile, s.Loss, s.Fold, s.LR, emdWeightText(s.LossOptions.EMDWeight), s.Seed)
	}
	fmt.Fprintf(tw, "%d runs (dry run: nothing trained)\n", len(specs))
	return tw.Flush()
}

// checkpointDir is the folder of the checkpoints of the runs of database
// path: checkpoints/<database name> beside it, so that two databases never
// share checkpoints.
func checkpointDir(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	return filepath.Join(filepath.Dir(path), "checkpoints", base)
}

// emdWeightText prints a run's EMD² weight, "-" when the loss has none or
// keeps its default.
func emdWeightText(w float64) string {
	if w == 0 {
		return "-"
	}
	return strconv.FormatFloat(w, 'g', -1, 64)
}
