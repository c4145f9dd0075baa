package experiments

import (
	"slices"
	"strings"
	"testing"
)

// TestProfileSeeds: a profile's seeds replace the grid's for its runs; the
// runs of a seed both lists hold keep their keys, so a --set seeds=[…]
// that adds seeds trains only the new ones.
func TestProfileSeeds(t *testing.T) {
	path := writeGrid(t, "seeds.yaml", tuneGridText("", ""))
	base, err := Lookup(path)
	if err != nil {
		t.Fatal(err)
	}
	baseRuns, err := base.Expand("")
	if err != nil {
		t.Fatal(err)
	}
	g, err := Load(path, "", mustOverrides(t, "seeds=[2,3,4]"))
	if err != nil {
		t.Fatal(err)
	}
	runs, err := g.Expand("")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2*2*3*3 { // losses × rates × seeds × folds
		t.Fatalf("%d runs, want 36", len(runs))
	}
	bySeed := map[uint64]int{}
	for _, r := range runs {
		bySeed[r.Seed]++
	}
	if bySeed[1] != 0 || bySeed[2] != 12 || bySeed[3] != 12 || bySeed[4] != 12 {
		t.Errorf("runs per seed %v, want 12 each of 2, 3, 4 and none of 1", bySeed)
	}
	var kept, want []string
	for _, r := range baseRuns {
		if r.Seed == 2 {
			want = append(want, r.Key())
		}
	}
	for _, r := range runs {
		if r.Seed == 2 {
			kept = append(kept, r.Key())
		}
	}
	if !slices.Equal(kept, want) {
		t.Errorf("seed 2's keys changed when the profile listed more seeds")
	}
	for _, tt := range []struct{ set, want string }{
		{"seeds=[1,1]", "profiles.smoke.seeds[1]: 1 is listed twice"},
		{"seeds=[-1]", "seeds"},
		{"seeds=1", "seeds"},
	} {
		if _, err := Load(path, "", mustOverrides(t, tt.set)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("--set %s: error %v, want one containing %q", tt.set, err, tt.want)
		}
	}
}
