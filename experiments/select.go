package experiments

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Filter keeps the runs whose loss and fold are listed; an empty list keeps
// every value.
type Filter struct {
	Losses []string
	Folds  []int
}

// Apply returns the specs that pass the filter, in their original order.
func (f Filter) Apply(specs []RunSpec) []RunSpec {
	var out []RunSpec
	for _, s := range specs {
		if len(f.Losses) > 0 && !slices.Contains(f.Losses, s.Loss) {
			continue
		}
		if len(f.Folds) > 0 && !slices.Contains(f.Folds, s.Fold) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// Shard is one part of a grid split over N machines: Index in [0, Count).
type Shard struct {
	Index, Count int
}

// ParseShard reads "i/N" with 0 ≤ i < N.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("invalid shard %q: want i/N with 0 ≤ i < N, e.g. 0/4", s)
	}
	return Shard{Index: i, Count: n}, nil
}

// Select returns the specs of this shard. The specs are ordered by key
// and dealt round-robin, so the split depends only on the set of runs, not
// on the machine or the order of the grid files, and the shards differ in
// size by at most one run. Shard{} (Count 0) selects everything.
func (sh Shard) Select(specs []RunSpec) []RunSpec {
	if sh.Count <= 1 {
		return specs
	}
	type keyed struct {
		key  string
		spec RunSpec
	}
	sorted := make([]keyed, len(specs))
	for i, s := range specs {
		sorted[i] = keyed{s.Key(), s}
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].key < sorted[j].key })
	var out []RunSpec
	for i, k := range sorted {
		if i%sh.Count == sh.Index {
			out = append(out, k.spec)
		}
	}
	return out
}
