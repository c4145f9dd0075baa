package main

import (
	"bytes"
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

	"github.com/replicate-emd/replicate/results"
	"github.com/replicate-emd/replicate/runner"
)

// showOptions are the flags of replicate show.
type showOptions struct {
	io     *streams
	db     string
	key    string // a key or a unique prefix of one
	asJSON bool
	now    func() time.Time
}

func newShowCmd(g *globalOptions, runF func(*showOptions) error) *cobra.Command {
	opts := &showOptions{io: g.io, now: time.Now}
	cmd := &cobra.Command{
		Use:   "show <key> [--json]",
		Short: "Show everything the database records of one run",
		Long: `Show one recorded run: its coordinates, setting and task, the --set overrides that
gave its profile, its configuration (pretty-printed JSON), where it ran (host and owner,
Go version, OS/arch, CPU, BLAS, the commit of the binary and its dirty flag), when it
started and finished, its metrics per epoch in one table per split (train, val, test),
and its artifacts.

The key may be shortened, as git's commit hashes: any prefix of at least 4 characters
that only one run's key starts with (an ambiguous prefix is an error listing the runs
it matches). A superseded attempt of a rerun run is named by its key KEY~N. The
database is opened read-only.`,
		Example: `  replicate show deda1449
  replicate show deda14490474698b~1
  replicate show deda --json`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeRunKeys(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.db, opts.key = g.db, args[0]
			if runF != nil {
				return runF(opts)
			}
			return runShow(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.asJSON, "json", false, "print the run as a JSON object")
	return cmd
}

// showJSON is a run as show --json prints it.
type showJSON struct {
	runJSON
	// Metrics holds every split's metrics, one entry per epoch.
	Metrics   map[string][]epochJSON `json:"metrics"`
	Artifacts []artifactJSON         `json:"artifacts"`
}

type epochJSON struct {
	Epoch  int                 `json:"epoch"`
	Values map[string]*float64 `json:"values"`
}

type artifactJSON struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Epoch *int   `json:"epoch"` // null when it belongs to no epoch
	Path  string `json:"path"`  // where it lives when stored in a file
	Bytes int    `json:"bytes"` // its size when stored in the database
}

// runShow prints the run opts.key names.
func runShow(ctx context.Context, opts *showOptions) error {
	db, err := openForReport(ctx, opts.db)
	if err != nil {
		return err
	}
	defer db.Close()
	key, err := db.ResolveKey(ctx, opts.key)
	if err != nil {
		return err
	}
	r, err := db.Run(ctx, key)
	if err != nil {
		return err
	}
	ms, err := db.Metrics(ctx, key)
	if err != nil {
		return err
	}
	arts, err := db.RunArtifacts(ctx, key)
	if err != nil {
		return err
	}
	j := showJSON{runJSON: newRunJSON(r, lastOf(ms)), Metrics: epochsBySplit(ms), Artifacts: []artifactJSON{}}
	for _, a := range arts {
		aj := artifactJSON{Name: a.Name, Kind: a.Kind, Path: a.Path, Bytes: a.Size}
		if a.Epoch >= 0 {
			aj.Epoch = &a.Epoch
		}
		j.Artifacts = append(j.Artifacts, aj)
	}
	if opts.asJSON {
		return writeJSON(opts.io.Out, j)
	}
	return writeShow(opts.io.Out, j, opts.io.outTTY, opts.now())
}

// lastOf returns each split's metrics at its last epoch.
func lastOf(ms []results.Metric) []results.Metric {
	last := map[string]int{}
	for _, m := range ms {
		last[m.Split] = max(last[m.Split], m.Epoch)
	}
	var out []results.Metric
	for _, m := range ms {
		if m.Epoch == last[m.Split] {
			out = append(out, m)
		}
	}
	return out
}

// epochsBySplit groups metrics by split, then epoch.
func epochsBySplit(ms []results.Metric) map[string][]epochJSON {
	out := map[string][]epochJSON{}
	for _, m := range ms {
		rows := out[m.Split]
		if len(rows) == 0 || rows[len(rows)-1].Epoch != m.Epoch {
			rows = append(rows, epochJSON{Epoch: m.Epoch, Values: map[string]*float64{}})
		}
		v := m.Value
		p := &v
		if math.IsNaN(v) || math.IsInf(v, 0) {
			p = nil
		}
		rows[len(rows)-1].Values[m.Metric] = p
		out[m.Split] = rows
	}
	return out
}

// writeShow prints a run for people.
func writeShow(w io.Writer, j showJSON, tty bool, now time.Time) error {
	var b bytes.Buffer
	status := j.Status
	if j.PriorStatus != "" {
		status += " (was " + j.PriorStatus + ")"
	}
	fmt.Fprintf(&b, "run %s  %s\n\n", j.Key, status)
	when := func(s string) string {
		if s == "" {
			return "-"
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil && tty {
			return s + " (" + ago(now, t) + ")"
		}
		return s
	}
	overrides := strings.Join(j.Overrides, " ")
	if overrides == "" {
		overrides = "none"
	}
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, kv := range [][2]string{
		{"experiment", j.Experiment}, {"profile", j.Profile}, {"dataset", j.Dataset}, {"task", orDash(j.Task)},
		{"loss", j.Loss}, {"fold", strconv.Itoa(j.Fold)}, {"seed", strconv.FormatUint(j.Seed, 10)},
		{"setting", orDash(j.Setting)}, {"overrides", overrides},
		{"epochs", strconv.Itoa(j.EpochsDone)}, {"error", orDash(j.Error)},
		{"started", when(j.Started)}, {"finished", when(j.Finished)}, {"wall", wallText(j.WallSeconds, j.Finished != "")},
	} {
		fmt.Fprintf(tw, "%s\t%s\n", kv[0], kv[1])
	}
	tw.Flush()
	commit, dirty := runner.NoStamp, "unknown"
	if j.Env.Commit != "" {
		commit, dirty = j.Env.Commit, strconv.FormatBool(j.Env.Dirty)
	}
	fmt.Fprintf(&b, "\nwhere it ran\n")
	for _, kv := range [][2]string{
		{"host", orDash(j.Env.Host)}, {"owner", orDash(j.Env.Owner)}, {"go", orDash(j.Env.GoVersion)},
		{"os/arch", orDash(j.Env.OSArch)}, {"cpu", orDash(j.Env.CPU)}, {"blas", orDash(j.Env.BLAS)},
		{"commit", commit}, {"dirty", dirty},
	} {
		fmt.Fprintf(tw, "  %s\t%s\n", kv[0], kv[1])
	}
	tw.Flush()
	fmt.Fprintf(&b, "\nconfig\n")
	var pretty bytes.Buffer
	if json.Indent(&pretty, j.Config, "  ", "  ") == nil {
		fmt.Fprintf(&b, "  %s\n", pretty.String())
	}
	for _, split := range splitOrder(j.Metrics) {
		fmt.Fprintf(&b, "\nmetrics (%s)\n", split)
		writeEpochs(&b, j.Metrics[split])
	}
	fmt.Fprintf(&b, "\nartifacts\n")
	if len(j.Artifacts) == 0 {
		fmt.Fprintf(&b, "  none\n")
	}
	for _, a := range j.Artifacts {
		epoch, where := "-", fmt.Sprintf("%d bytes", a.Bytes)
		if a.Epoch != nil {
			epoch = strconv.Itoa(*a.Epoch)
		}
		if a.Path != "" {
			where = a.Path
		}
		fmt.Fprintf(tw, "  %s\t%s\tepoch %s\t%s\n", a.Name, a.Kind, epoch, where)
	}
	tw.Flush()
	_, err := w.Write(b.Bytes())
	return err
}

// splitOrder is train, val, test, then any other split by name.
func splitOrder(m map[string][]epochJSON) []string {
	var out, rest []string
	for _, s := range []string{"train", "val", "test"} {
		if _, ok := m[s]; ok {
			out = append(out, s)
		}
	}
	for s := range m {
		if !slices.Contains(out, s) {
			rest = append(rest, s)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// writeEpochs prints one split's metrics, a row per epoch and a column per
// metric (the training loss first).
func writeEpochs(w io.Writer, rows []epochJSON) {
	var names []string
	for _, r := range rows {
		for n := range r.Values {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == "loss":
			return -1
		case b == "loss":
			return 1
		}
		return strings.Compare(a, b)
	})
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "  epoch\t%s\t\n", strings.Join(names, "\t"))
	for _, r := range rows {
		cells := make([]string, len(names))
		for i, n := range names {
			cells[i] = value(r.Values, n, "-")
		}
		fmt.Fprintf(tw, "  %d\t%s\t\n", r.Epoch, strings.Join(cells, "\t"))
	}
	tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
