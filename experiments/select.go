package experiments

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/replicate-emd/replicate/suggest"
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

// FilterError says why a filter selects no run. With Field set ("loss" or
// "fold"), Values are the listed values that no run has and Valid the
// values the runs do have; with Field empty, each listed value matches
// some run but no run matches the filter as a whole (a loss of one grid
// with a fold of another).
type FilterError struct {
	Field  string
	Values []string
	Valid  []string
	Runs   int // the runs the filter was applied to
}

func (e *FilterError) Error() string {
	switch e.Field {
	case "":
		return fmt.Sprintf("none of the %d runs has both a listed loss and a listed fold", e.Runs)
	case "loss":
		hint := ""
		for _, v := range e.Values {
			if name, err := strconv.Unquote(v); err == nil {
				if s, ok := suggest.Closest(name, e.Valid); ok {
					hint = fmt.Sprintf("did you mean %q? ", s)
					break
				}
			}
		}
		return fmt.Sprintf("no run has loss %s (%slosses: %s)", strings.Join(e.Values, ", "), hint, strings.Join(e.Valid, ", "))
	}
	return fmt.Sprintf("no run has %s %s (%ss: %s)", e.Field, strings.Join(e.Values, ", "), e.Field, strings.Join(e.Valid, ", "))
}

// Select is Apply that fails when the filter cannot be what was meant: a
// listed loss or fold that none of specs has, or a filter that selects no
// run at all, gives a *FilterError. An empty filter selects every spec.
func (f Filter) Select(specs []RunSpec) ([]RunSpec, error) {
	losses := map[string]bool{}
	folds := map[int]bool{}
	for _, s := range specs {
		losses[s.Loss] = true
		folds[s.Fold] = true
	}
	if err := missing("loss", f.Losses, losses, strconv.Quote, identity); err != nil {
		err.Runs = len(specs)
		return nil, err
	}
	if err := missing("fold", f.Folds, folds, strconv.Itoa, strconv.Itoa); err != nil {
		err.Runs = len(specs)
		return nil, err
	}
	out := f.Apply(specs)
	if len(out) == 0 && len(specs) > 0 {
		return nil, &FilterError{Runs: len(specs)}
	}
	return out, nil
}

// missing returns a *FilterError listing the values absent from present
// (written by bad) and the present ones in order (written by good), or nil
// when every value is present.
func missing[T cmp.Ordered](field string, values []T, present map[T]bool, bad, good func(T) string) *FilterError {
	var absent []string
	for _, v := range values {
		if !present[v] {
			absent = append(absent, bad(v))
		}
	}
	if len(absent) == 0 {
		return nil
	}
	e := &FilterError{Field: field, Values: absent}
	for _, v := range slices.Sorted(maps.Keys(present)) {
		e.Valid = append(e.Valid, good(v))
	}
	return e
}

func identity(s string) string { return s }

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
