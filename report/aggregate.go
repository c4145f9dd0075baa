// Package report rebuilds the paper's tables from the results database:
// it aggregates the final test metrics of the finished runs over folds and
// seeds and writes them as markdown and CSV.
package report

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"

	"github.com/replicate-emd/replicate/results"
)

// Source is what the report reads from the results database.
type Source interface {
	Experiments(ctx context.Context) ([]string, error)
	Runs(ctx context.Context, f results.RunFilter) ([]results.Run, error)
	FinalMetrics(ctx context.Context, experiment, split string) (map[string][]results.Metric, error)
}

// Metrics are the columns of every table, in order, with their headers.
var Metrics = []struct{ Name, Header string }{
	{"acc", "exact accuracy"},
	{"acc1off", "1-off accuracy"},
	{"mae", "MAE"},
}

// Cell is one aggregated metric: mean and sample standard deviation over
// the N runs (folds × seeds) that recorded a finite value.
type Cell struct {
	Mean, Std float64
	N         int
}

// Row is one method (loss) of one experiment under one profile.
type Row struct {
	Profile string
	Loss    string
	Runs    int             // finished runs aggregated
	Cells   map[string]Cell // metric name → cell; missing if no run has it
}

// Table is the result table of one experiment.
type Table struct {
	Experiment string
	Rows       []Row // sorted by profile, then loss
	Unfinished int   // runs not finished (running, failed, …), not aggregated
}

// Build aggregates every experiment in src.
func Build(ctx context.Context, src Source) ([]Table, error) {
	names, err := src.Experiments(ctx)
	if err != nil {
		return nil, err
	}
	tables := make([]Table, 0, len(names))
	for _, name := range names {
		t, err := buildTable(ctx, src, name)
		if err != nil {
			return nil, fmt.Errorf("report %s: %w", name, err)
		}
		tables = append(tables, t)
	}
	return tables, nil
}

// group identifies one row: the runs of one loss under one profile.
type group struct{ profile, loss string }

func buildTable(ctx context.Context, src Source, experiment string) (Table, error) {
	t := Table{Experiment: experiment}
	runs, err := src.Runs(ctx, results.RunFilter{Experiment: experiment})
	if err != nil {
		return t, err
	}
	final, err := src.FinalMetrics(ctx, experiment, "test")
	if err != nil {
		return t, err
	}
	var groups []group
	ids := map[group]int{}
	runCount := map[group]int{}
	var gid []int
	var metric []string
	var value []float64
	for _, r := range runs {
		if r.Status != results.StatusFinished {
			t.Unfinished++
			continue
		}
		g := group{r.Profile, r.Loss}
		id, ok := ids[g]
		if !ok {
			id = len(groups)
			ids[g] = id
			groups = append(groups, g)
		}
		runCount[g]++
		for _, m := range final[r.Key] {
			// gota's Mean and StdDev propagate NaN (its NA): keep only
			// finite values, so each cell counts what it averages.
			if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
				continue
			}
			gid, metric, value = append(gid, id), append(metric, m.Metric), append(value, m.Value)
		}
	}
	cells, err := aggregate(gid, metric, value)
	if err != nil {
		return t, err
	}
	for id, g := range groups {
		t.Rows = append(t.Rows, Row{Profile: g.profile, Loss: g.loss, Runs: runCount[g], Cells: cells[id]})
	}
	sort.Slice(t.Rows, func(i, j int) bool {
		a, b := t.Rows[i], t.Rows[j]
		if a.Profile != b.Profile {
			return a.Profile < b.Profile
		}
		return a.Loss < b.Loss
	})
	return t, nil
}

// aggregate computes mean, sample std and count of value per (gid,
// metric) with a gota data frame. gota groups by the printed form of the
// key columns joined by "_", which can merge distinct keys, so the group
// key is one string column whose parts are separated by a NUL byte.
func aggregate(gid []int, metric []string, value []float64) (map[int]map[string]Cell, error) {
	out := map[int]map[string]Cell{}
	if len(gid) == 0 {
		return out, nil
	}
	keys := make([]string, len(gid))
	for i := range gid {
		keys[i] = fmt.Sprintf("%d\x00%s", gid[i], metric[i])
	}
	df := dataframe.New(series.New(keys, series.String, "key"), series.New(value, series.Float, "value"))
	agg := df.GroupBy("key").Aggregation(
		[]dataframe.AggregationType{dataframe.Aggregation_MEAN, dataframe.Aggregation_STD, dataframe.Aggregation_COUNT},
		[]string{"value", "value", "value"})
	if agg.Err != nil {
		return nil, fmt.Errorf("aggregate: %w", agg.Err)
	}
	means, stds, counts := agg.Col("value_MEAN").Float(), agg.Col("value_STD").Float(), agg.Col("value_COUNT").Float()
	for i, k := range agg.Col("key").Records() {
		idPart, name, _ := strings.Cut(k, "\x00")
		id, err := strconv.Atoi(idPart)
		if err != nil {
			return nil, fmt.Errorf("aggregate: bad group key %q", k)
		}
		c := Cell{Mean: means[i], Std: stds[i], N: int(counts[i])}
		if c.N < 2 {
			c.Std = math.NaN() // one value has no spread
		}
		if out[id] == nil {
			out[id] = map[string]Cell{}
		}
		out[id][name] = c
	}
	return out, nil
}
