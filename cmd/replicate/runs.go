package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/losses"
	"github.com/replicate-emd/replicate/report"
	"github.com/replicate-emd/replicate/results"
	"github.com/replicate-emd/replicate/suggest"
)

// runsOptions are the flags of replicate runs.
type runsOptions struct {
	io         *streams
	db         string
	experiment string
	loss       string
	status     string
	profile    string
	all        bool // superseded attempts too
	asJSON     bool
	now        func() time.Time
}

func newRunsCmd(g *globalOptions, runF func(*runsOptions) error) *cobra.Command {
	opts := &runsOptions{io: g.io, now: time.Now}
	cmd := &cobra.Command{
		Use:   "runs [--experiment <name>] [--loss <name>] [--status <status>] [--profile <name>] [--all] [--json]",
		Short: "List the recorded runs with their last metrics, wall time and commit",
		Long: `List the runs the database records, one line per run: its key, status, experiment,
profile, loss, fold and seed; its headline metric (exact accuracy for an ordinal task,
Spearman's rho for a scored one, top-1 for an orderless one) on the test and validation
splits at the run's last epoch; its wall time, when it started, and the commit of the
binary that ran it with its dirty flag ("-" when the binary had no VCS stamp).

On a terminal the table is aligned, with short commits and relative times; piped, it
is tab-separated without a header, in the columns key, status, experiment, profile,
loss, fold, seed, metric, test, val, wall_seconds, started (RFC 3339), commit, dirty.
--json prints every field of every run, with all its last test and validation metrics,
its configuration and where it ran.

Superseded attempts of rerun runs (key KEY~N) are left out unless --all or
--status superseded. The database is opened read-only.`,
		Example: `  replicate runs
  replicate runs --experiment smoke --loss emd2
  replicate runs --status failed
  replicate runs --all --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.db, opts.profile = g.db, g.profile
			if opts.status != "" && !slices.Contains(recordedStatuses, opts.status) {
				return fmt.Errorf("--status: %s", suggest.Unknown("status", opts.status, recordedStatuses))
			}
			if opts.loss != "" && !slices.Contains(losses.Names(), opts.loss) {
				return fmt.Errorf("--loss: %s", suggest.Unknown("loss", opts.loss, losses.Names()))
			}
			if runF != nil {
				return runF(opts)
			}
			return runRuns(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.experiment, "experiment", "e", "", "only the runs of the experiment `name`")
	f.StringVar(&opts.loss, "loss", "", "only the runs of the loss `name`")
	f.StringVar(&opts.status, "status", "", "only the runs of `status` ("+strings.Join(recordedStatuses, ", ")+")")
	f.BoolVar(&opts.all, "all", false, "include the superseded attempts of rerun runs")
	f.BoolVar(&opts.asJSON, "json", false, "print a JSON array with every field")
	_ = cmd.RegisterFlagCompletionFunc("experiment", completeExperiments)
	_ = cmd.RegisterFlagCompletionFunc("loss", completeLosses)
	_ = cmd.RegisterFlagCompletionFunc("status", completeStatuses)
	return cmd
}

// runRuns prints the runs the filters select.
func runRuns(ctx context.Context, opts *runsOptions) error {
	db, err := openForReport(ctx, opts.db)
	if err != nil {
		return err
	}
	defer db.Close()
	f := results.RunFilter{Experiment: opts.experiment, Loss: opts.loss, Profile: opts.profile,
		Status: results.RunStatus(opts.status), WithSuperseded: opts.all}
	runs, err := db.Runs(ctx, f)
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		if err := checkRunFilter(ctx, db, opts); err != nil {
			return err
		}
	}
	last, err := db.LastMetrics(ctx, f, "test", "val")
	if err != nil {
		return err
	}
	rows := make([]runJSON, len(runs))
	for i, r := range runs {
		rows[i] = newRunJSON(r, last[r.Key])
	}
	switch {
	case opts.asJSON:
		return writeJSON(opts.io.Out, rows)
	case len(rows) == 0:
		fmt.Fprintln(opts.io.ErrOut, "no recorded run matches")
		return nil
	case opts.io.outTTY:
		return writeRunsTable(opts.io.Out, rows, opts.now())
	}
	return writeRunsTSV(opts.io.Out, rows)
}

// checkRunFilter explains a filter that selects nothing because of a
// name no recorded run has (a misspelt experiment or profile), with the
// name it most likely meant.
func checkRunFilter(ctx context.Context, db *results.DB, opts *runsOptions) error {
	if opts.experiment == "" && opts.profile == "" {
		return nil
	}
	all, err := db.Runs(ctx, results.RunFilter{WithSuperseded: true})
	if err != nil {
		return err
	}
	var exps, profiles []string
	for _, r := range all {
		if !slices.Contains(exps, r.Experiment) {
			exps = append(exps, r.Experiment)
		}
		if !slices.Contains(profiles, r.Profile) {
			profiles = append(profiles, r.Profile)
		}
	}
	slices.Sort(exps)
	slices.Sort(profiles)
	if opts.experiment != "" && !slices.Contains(exps, opts.experiment) {
		return fmt.Errorf("--experiment: no recorded run: %s", suggest.Unknown("experiment", opts.experiment, exps))
	}
	if opts.profile != "" && !slices.Contains(profiles, opts.profile) {
		return fmt.Errorf("--profile: no recorded run: %s", suggest.Unknown("profile", opts.profile, profiles))
	}
	return nil
}

// runJSON is one run as runs --json and show --json print it; its field
// names are part of the commands' interface.
type runJSON struct {
	Key         string `json:"key"`
	Experiment  string `json:"experiment"`
	Profile     string `json:"profile"`
	Dataset     string `json:"dataset"`
	Task        string `json:"task"`
	Loss        string `json:"loss"`
	Fold        int    `json:"fold"`
	Seed        uint64 `json:"seed"`
	Status      string `json:"status"`
	PriorStatus string `json:"prior_status"` // the status a superseded attempt had
	Error       string `json:"error"`
	EpochsDone  int    `json:"epochs_done"`
	// Metric is the headline metric of the run's task; Test and Val hold
	// every metric of the split at the run's last epoch (null: undefined).
	Metric      string              `json:"metric"`
	Test        map[string]*float64 `json:"test"`
	Val         map[string]*float64 `json:"val"`
	Setting     string              `json:"setting"`
	Overrides   []string            `json:"overrides"`
	Config      json.RawMessage     `json:"config"`
	Started     string              `json:"started"`  // RFC 3339
	Finished    string              `json:"finished"` // RFC 3339; "" while running
	WallSeconds float64             `json:"wall_seconds"`
	Env         envJSON             `json:"env"`
}

// envJSON is where a run ran.
type envJSON struct {
	Host      string `json:"host"`
	Owner     string `json:"owner"`
	GoVersion string `json:"go_version"`
	OSArch    string `json:"os_arch"`
	CPU       string `json:"cpu"`
	BLAS      string `json:"blas"`
	Commit    string `json:"commit"` // "" when the binary had no VCS stamp
	Dirty     bool   `json:"dirty"`
}

// newRunJSON describes run r with its last metrics.
func newRunJSON(r results.Run, last []results.Metric) runJSON {
	j := runJSON{Key: r.Key, Experiment: r.Experiment, Profile: r.Profile, Dataset: r.Dataset, Task: r.Task, Loss: r.Loss,
		Fold: r.Fold, Seed: r.Seed, Status: string(r.Status), PriorStatus: string(r.PriorStatus), Error: r.Error,
		EpochsDone: r.EpochsDone, Test: map[string]*float64{}, Val: map[string]*float64{}, Setting: r.Setting,
		Overrides: r.Overrides, Config: json.RawMessage(r.Config), Started: timeText(r.Started), Finished: timeText(r.Finished),
		WallSeconds: r.WallSeconds, Env: envJSON{Host: ownerHost(r.Owner), Owner: r.Owner, GoVersion: r.Env.GoVersion,
			OSArch: r.Env.OSArch, CPU: r.Env.CPUModel, BLAS: r.Env.BLAS, Commit: r.Env.GitCommit, Dirty: r.Env.GitDirty}}
	if j.Overrides == nil {
		j.Overrides = []string{}
	}
	if !json.Valid(j.Config) { // a configuration that is not JSON is kept as text
		j.Config, _ = json.Marshal(r.Config)
	}
	for _, m := range last {
		v := m.Value
		p := &v
		if math.IsNaN(v) || math.IsInf(v, 0) {
			p = nil
		}
		switch m.Split {
		case "test":
			j.Test[m.Metric] = p
		case "val":
			j.Val[m.Metric] = p
		}
	}
	j.Metric = headlineMetric(r.Task, j.Test)
	return j
}

// headlineMetric is the metric the report chooses settings by for the
// task (report.Primary); for a run without a task, the first of acc and
// top1 it recorded.
func headlineMetric(task string, test map[string]*float64) string {
	if task != "" {
		return report.Primary(datasets.Task(task))
	}
	for _, m := range []string{"acc", "top1"} {
		if _, ok := test[m]; ok {
			return m
		}
	}
	return ""
}

// ownerHost is the host of an owner written host:pid:nonce.
func ownerHost(owner string) string {
	parts := strings.Split(owner, ":")
	if len(parts) < 3 {
		return owner
	}
	return strings.Join(parts[:len(parts)-2], ":")
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// value returns the metric's value as text, or missing when it is absent
// or undefined.
func value(m map[string]*float64, name, missing string) string {
	if p, ok := m[name]; ok && p != nil {
		return strconv.FormatFloat(*p, 'f', 4, 64)
	}
	return missing
}

// writeRunsTable prints the runs as an aligned table for a terminal.
func writeRunsTable(w io.Writer, rows []runJSON, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tSTATUS\tEXPERIMENT\tPROFILE\tLOSS\tFOLD\tSEED\tMETRIC\tTEST\tVAL\tWALL\tSTARTED\tCOMMIT\tDIRTY")
	for _, r := range rows {
		metric := r.Metric
		if metric == "" {
			metric = "-"
		}
		commit, dirty := "-", "-"
		if r.Env.Commit != "" {
			commit, dirty = shortCommit(r.Env.Commit), map[bool]string{true: "dirty", false: "clean"}[r.Env.Dirty]
		}
		started, _ := time.Parse(time.RFC3339, r.Started)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Key, r.Status, r.Experiment, r.Profile,
			r.Loss, r.Fold, r.Seed, metric, value(r.Test, r.Metric, "-"), value(r.Val, r.Metric, "-"),
			wallText(r.WallSeconds, r.Finished != ""), ago(now, started), commit, dirty)
	}
	return tw.Flush()
}

// writeRunsTSV prints the runs tab-separated, without a header, for a
// program.
func writeRunsTSV(w io.Writer, rows []runJSON) error {
	for _, r := range rows {
		dirty := ""
		if r.Env.Commit != "" {
			dirty = strconv.FormatBool(r.Env.Dirty)
		}
		_, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Key, r.Status, r.Experiment,
			r.Profile, r.Loss, r.Fold, r.Seed, r.Metric, value(r.Test, r.Metric, ""), value(r.Val, r.Metric, ""),
			strconv.FormatFloat(r.WallSeconds, 'f', 1, 64), r.Started, r.Env.Commit, dirty)
		if err != nil {
			return err
		}
	}
	return nil
}

// shortCommit is the first 12 digits of a commit.
func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// wallText is a wall time for people; "-" for a run that has not ended.
func wallText(seconds float64, ended bool) string {
	if !ended {
		return "-"
	}
	return time.Duration(seconds * float64(time.Second)).Round(100 * time.Millisecond).String()
}

// ago says how long before now t was, for people.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}
