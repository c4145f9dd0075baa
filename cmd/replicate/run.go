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

	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/results"
	"github.com/replicate-emd/replicate/runner"
)

// runOptions are the flags of the commands that run grids.
type runOptions struct {
	losses   []string
	folds    []int
	jobs     int
	dryRun   bool
	shard    string
	rerun    bool
	sets     []string // --set key=value, in order
	out      string   // the report's folder; "": the folder of --db
	noReport bool
}

// addRunFlags adds the flags of the commands that run grids (the root
// command and all).
func addRunFlags(cmd *cobra.Command, o *runOptions) {
	fs := cmd.Flags()
	fs.StringSliceVar(&o.losses, "loss", nil, "run only these losses (comma-separated, e.g. ce,emd2); a loss no selected run has is an error")
	fs.IntSliceVar(&o.folds, "fold", nil, "run only these test folds (comma-separated, 0-based); a fold no selected run has is an error")
	fs.IntVarP(&o.jobs, "jobs", "j", 0, "train this many runs at once (default: the number of CPUs)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the runs that would train, and train nothing")
	fs.StringVar(&o.shard, "shard", "", "run only shard `i/N` of the runs (0 ≤ i < N), for several machines; a shard left empty (N > runs) trains nothing and exits 0")
	fs.BoolVar(&o.rerun, "rerun", false, "train the selected runs again from scratch, finished ones too; each recorded attempt is kept as superseded (see 'replicate runs --all')")
	addSetFlag(cmd, &o.sets)
	addOutFlag(cmd, &o.out)
	fs.BoolVar(&o.noReport, "no-report", false, "write no report at the end")
	_ = cmd.RegisterFlagCompletionFunc("loss", completeLosses)
}

// addSetFlag adds the repeatable --set key=value.
func addSetFlag(cmd *cobra.Command, sets *[]string) {
	cmd.Flags().StringArrayVar(sets, "set", nil, "override `key=value` of the selected profile (repeatable; dotted keys, lists as [a,b]: "+
		"epochs=3, learning_rates=[0.01,0.001], model.channels=[8,16], loss.warmup_epochs=1); checked like the grid's YAML")
	_ = cmd.RegisterFlagCompletionFunc("set", completeSetKeys)
}

// addOutFlag adds --out, the report's folder, to a command that writes
// the report.
func addOutFlag(cmd *cobra.Command, out *string) {
	cmd.Flags().StringVar(out, "out", "", "`folder` for the report files (default: the folder of --db)")
}

// reportDir is the folder the report of database db goes to: out, or the
// folder of the database.
func reportDir(db, out string) string {
	if out != "" {
		return out
	}
	return filepath.Dir(db)
}

// resolveJobs checks --jobs and replaces its default, 0, with the number
// of CPUs.
func (o *runOptions) resolveJobs(cmd *cobra.Command) error {
	if cmd.Flags().Changed("jobs") && o.jobs < 1 {
		return fmt.Errorf("--jobs must be at least 1, got %d", o.jobs)
	}
	if o.jobs == 0 {
		o.jobs = runtime.NumCPU()
	}
	return nil
}

func newAllCmd(g *globalOptions) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "all",
		Short: "Run every experiment whose data is present",
		Long: `Run every declared experiment whose data is present on this machine, at each
experiment's default profile (or --profile). Finished runs are skipped. For each
experiment whose data is missing, print what is missing and how to get it.

--set overrides each experiment's selected profile; --rerun trains the selected runs
again, keeping each recorded attempt as superseded. At the end the report of the
database is written into --out, and the path of its index.html is the last line of
stdout (--no-report skips it; a shard writes none).`,
		Example: `  replicate all
  replicate all --jobs 2
  replicate all --dry-run --set epochs=1
  replicate all --no-report`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.resolveJobs(cmd); err != nil {
				return err
			}
			names, err := experiments.Names()
			if err != nil {
				return err
			}
			return runExperiments(cmd.Context(), g, o, names, true)
		},
	}
	addRunFlags(cmd, o)
	return cmd
}

// selectRuns expands the named grids under the global profile, with the
// overrides of --set, and applies the filters and the shard.
func selectRuns(g *globalOptions, o *runOptions, names []string) ([]experiments.RunSpec, error) {
	specs, _, err := selectAndExpand(g, o, names)
	return specs, err
}

// selectAndExpand returns the runs selectRuns selects and every run of the
// named grids (the tune folds' runs decide which of the selected runs
// train; see keepChosen).
func selectAndExpand(g *globalOptions, o *runOptions, names []string) (specs, all []experiments.RunSpec, err error) {
	sets, err := experiments.ParseOverrides(o.sets)
	if err != nil {
		return nil, nil, err
	}
	for _, name := range names {
		grid, err := experiments.Load(name, g.profile, sets)
		if err != nil {
			return nil, nil, err
		}
		s, err := grid.Expand(g.profile)
		if err != nil {
			return nil, nil, err
		}
		all = append(all, s...)
	}
	specs, err = experiments.Filter{Losses: o.losses, Folds: o.folds}.Select(all)
	if err != nil {
		return nil, nil, filterFlagError(o, err)
	}
	if o.shard != "" {
		sh, err := experiments.ParseShard(o.shard)
		if err != nil {
			return nil, nil, fmt.Errorf("--shard: %w", err)
		}
		n := len(specs)
		if specs = sh.Select(specs); len(specs) == 0 {
			// Legitimate in a job array sized for a larger grid: not an error.
			fmt.Fprintf(g.io.ErrOut, "shard %s selects none of the %d runs (more shards than runs): nothing to do\n", o.shard, n)
		}
	}
	return specs, all, nil
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
// progress on stderr and a summary on stdout, then writes the report. With
// skipMissing, grids whose data is absent are reported and skipped
// instead of failing.
func runExperiments(ctx context.Context, g *globalOptions, o *runOptions, names []string, skipMissing bool) error {
	specs, all, err := selectAndExpand(g, o, names)
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
		return printPlan(g, specs, o)
	}
	db, err := results.Open(ctx, g.db)
	if err != nil {
		return err
	}
	// Open while the report reads the database, so that closing this
	// writer, the last connection, removes the WAL files.
	defer db.Close()
	err = trainRuns(ctx, g, o, db, loader, specs, all)
	return reportAfterRun(ctx, g, o, err)
}

// trainRuns trains specs against the database and prints the summary. The
// runs that train only for the setting chosen on their profile's tune
// folds wait for the rest, then train if chosen (keepChosen); all is the
// whole expanded grid.
func trainRuns(ctx context.Context, g *globalOptions, o *runOptions, db *results.DB, loader runner.DataLoader, specs, all []experiments.RunSpec) error {
	db.OwnerAlive = runner.OwnerAlive
	if err := loadData(ctx, db, loader, specs, o.rerun); err != nil {
		return err
	}
	rep := newTextReporter(g.io.ErrOut, g.io.errTTY)
	r := &runner.Runner{Store: db, Data: loader, Reporter: rep, Env: runner.CurrentEnv(), Jobs: o.jobs,
		CheckpointDir: checkpointDir(g.db), Rerun: o.rerun}
	first, later := splitTuned(specs)
	sum, err := r.Run(ctx, first)
	notChosen, waiting := 0, 0
	switch {
	case len(later) == 0:
	case err != nil && !errors.Is(err, runner.ErrPartial):
		waiting = len(later) // stopped before the tuning ended: none of them started
	default:
		rep.Close() // the tuning lines below go between the two phases' progress
		runs, kerr := db.Runs(ctx, results.RunFilter{})
		var kept []experiments.RunSpec
		if kerr == nil {
			kept, kerr = keepChosen(ctx, g.io.ErrOut, db, runs, all, later, !o.rerun)
		}
		if kerr != nil {
			// Stopped while choosing (an interruption, a store error): what
			// the tune folds recorded stays, and the summary says so.
			waiting = len(later)
			err = phasesError(err, kerr, sum)
			break
		}
		notChosen = len(later) - len(kept)
		rep = newTextReporter(g.io.ErrOut, g.io.errTTY)
		r.Reporter = rep
		more, merr := r.Run(ctx, kept)
		addSummary(&sum, more)
		err = phasesError(err, merr, sum)
	}
	rep.Close()
	superseded := ""
	if sum.Superseded > 0 {
		superseded = fmt.Sprintf(", %d earlier attempts kept as superseded", sum.Superseded)
	}
	tuned := ""
	if notChosen > 0 {
		tuned = fmt.Sprintf(", %d not trained (settings not chosen on the tune folds)", notChosen)
	}
	if waiting > 0 {
		tuned += fmt.Sprintf(", %d not started (they wait for the tune folds)", waiting)
	}
	fmt.Fprintf(g.io.Out, "%d runs: %d trained, %d already finished, %d running elsewhere, %d failed, %d diverged, %d interrupted%s%s (database %s)\n",
		len(specs), sum.Finished, sum.Skipped, sum.Busy, sum.Failed, sum.Diverged, sum.Interrupted, superseded, tuned, db.Path())
	return err
}

// addSummary adds the counts of b to a.
func addSummary(a *runner.Summary, b runner.Summary) {
	a.Skipped += b.Skipped
	a.Busy += b.Busy
	a.Finished += b.Finished
	a.Failed += b.Failed
	a.Diverged += b.Diverged
	a.Interrupted += b.Interrupted
	a.Superseded += b.Superseded
}

// phasesError is the error of two runner phases: the second's stop (a
// store error, an interruption) first, else a partial result counted over
// both (sum), else nil.
func phasesError(first, second error, sum runner.Summary) error {
	if second != nil && !errors.Is(second, runner.ErrPartial) {
		return second
	}
	if first != nil && !errors.Is(first, runner.ErrPartial) {
		return first
	}
	if sum.Failed+sum.Diverged > 0 {
		return fmt.Errorf("%d failed, %d diverged: %w", sum.Failed, sum.Diverged, runner.ErrPartial)
	}
	return nil
}

// reportAfterRun writes the report of the database after a grid ran, and
// prints the path of its index.html as stdout's last line. It writes none
// with --no-report, for a shard (the merged database's report covers it),
// or when the grid stopped on an interruption or a store error; runs that
// failed or diverged do not stop it.
func reportAfterRun(ctx context.Context, g *globalOptions, o *runOptions, runErr error) error {
	switch {
	case o.noReport || (runErr != nil && !errors.Is(runErr, runner.ErrPartial)):
		return runErr
	case o.shard != "":
		fmt.Fprintln(g.io.ErrOut, "no report for a shard: merge the shards' databases, then run 'replicate report'")
		return runErr
	}
	index, err := writeReport(ctx, g.io.ErrOut, g.db, reportDir(g.db, o.out), nil)
	if err != nil {
		return errors.Join(runErr, fmt.Errorf("report: %w", err))
	}
	fmt.Fprintln(g.io.Out, index)
	return runErr
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
func loadData(ctx context.Context, db *results.DB, loader runner.DataLoader, specs []experiments.RunSpec, rerun bool) error {
	done := map[string]bool{}
	if !rerun { // a rerun trains the finished runs too
		finished, err := db.Runs(ctx, results.RunFilter{Status: results.StatusFinished})
		if err != nil {
			return err
		}
		for _, r := range finished {
			done[r.Key] = true
		}
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

func printPlan(g *globalOptions, specs []experiments.RunSpec, o *runOptions) error {
	tw := tabwriter.NewWriter(g.io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tEXPERIMENT\tPROFILE\tLOSS\tFOLD\tLR\tEMD_W\tSEED")
	chosenOnly := 0
	for _, s := range specs {
		fold := strconv.Itoa(s.Fold)
		if s.ChosenOnly() {
			fold += "*"
			chosenOnly++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%g\t%s\t%d\n", s.Key(), s.Experiment, s.Profile, s.Loss, fold, s.LR, emdWeightText(s.LossOptions.EMDWeight), s.Seed)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if chosenOnly > 0 {
		fmt.Fprintf(g.io.Out, "*: %d runs on folds outside their profile's tune_folds train only if their setting is the one chosen for their loss on the tune folds' validation split\n", chosenOnly)
	}
	if len(o.sets) > 0 {
		fmt.Fprintf(g.io.Out, "overrides: %s\n", strings.Join(o.sets, " "))
	}
	what := "dry run: nothing trained"
	if o.rerun {
		what = "dry run: nothing trained; --rerun would train each again, keeping any recorded attempt as superseded"
	}
	_, err := fmt.Fprintf(g.io.Out, "%d runs (%s)\n", len(specs), what)
	return err
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
