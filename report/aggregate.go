package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
)

// stats is the mean, sample standard deviation (n − 1 denominator) and
// count of the finite values of one group.
type stats struct {
	Mean, Std float64
	N         int
}

// groupKey joins the parts of a group key with a NUL byte, which no name
// of the database contains (see aggregate).
func groupKey(parts ...string) string { return strings.Join(parts, "\x00") }

// aggregate computes stats of values per group key with a gota data frame
// (one string column "key", one float column "value", GroupBy, then the
// MEAN, STD and COUNT aggregations). It works around three traits of
// gota v0.12:
//
//   - its Mean and StdDev propagate NaN (gota's NA): non-finite values are
//     dropped before the frame is built, so each group counts the values
//     it averages, and a group with none is absent;
//   - GroupBy on several columns joins their printed values with "_",
//     which merges distinct keys ("a_b"+"c" and "a"+"b_c"): the key is one
//     column whose parts are joined by groupKey;
//   - Aggregation returns the groups in map order: the result is a map,
//     and callers iterate over their own sorted keys.
//
// A group with one value has Std NaN (one value has no spread).
func aggregate(keys []string, values []float64) (map[string]stats, error) {
	if len(keys) != len(values) {
		panic("report: aggregate: keys and values lengths differ")
	}
	var ks []string
	var vs []float64
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		ks, vs = append(ks, keys[i]), append(vs, v)
	}
	out := map[string]stats{}
	if len(ks) == 0 {
		return out, nil
	}
	df := dataframe.New(series.New(ks, series.String, "key"), series.New(vs, series.Float, "value"))
	agg := df.GroupBy("key").Aggregation(
		[]dataframe.AggregationType{dataframe.Aggregation_MEAN, dataframe.Aggregation_STD, dataframe.Aggregation_COUNT},
		[]string{"value", "value", "value"})
	if agg.Err != nil {
		return nil, fmt.Errorf("aggregate: %w", agg.Err)
	}
	means, stds, counts := agg.Col("value_MEAN").Float(), agg.Col("value_STD").Float(), agg.Col("value_COUNT").Float()
	for i, k := range agg.Col("key").Records() {
		s := stats{Mean: means[i], Std: stds[i], N: int(counts[i])}
		if s.N < 2 {
			s.Std = math.NaN()
		}
		out[k] = s
	}
	if len(out) != len(uniq(ks)) {
		return nil, fmt.Errorf("aggregate: %d groups came back for %d keys", len(out), len(uniq(ks)))
	}
	return out, nil
}

func uniq(ks []string) map[string]bool {
	m := make(map[string]bool, len(ks))
	for _, k := range ks {
		m[k] = true
	}
	return m
}
