package experiments

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// tuneGrid is validGrid with three folds; TUNE is replaced by the
// profile's tune_folds line (or nothing) and TEST by the grid's test_folds
// line (or nothing).
var tuneGrid = strings.Replace(validGrid, "folds: 2\n", "folds: 3\nTEST\n", 1) + "    TUNE\n"

func tuneGridText(test, tune string) string {
	return strings.NewReplacer("TEST", test, "TUNE", tune).Replace(tuneGrid)
}

// TestParse_TuneFolds: tune_folds must name test folds of the grid, each
// once; valid ones reach every run of the profile.
func TestParse_TuneFolds(t *testing.T) {
	tests := []struct {
		name, test, tune string
		want             string // "" for a valid grid
		chosenOnly       int    // runs on folds outside the tune folds, of 24 (or 16 with test_folds)
	}{
		{"none", "", "", "", 0},
		{"empty", "", "tune_folds: []", "", 0},
		{"one", "", "tune_folds: [0]", "", 16},
		{"two, any order", "", "tune_folds: [2, 0]", "", 8},
		{"every test fold", "", "tune_folds: [0, 1, 2]", "", 0},
		{"a test fold of test_folds", "test_folds: [1, 2]", "tune_folds: [2]", "", 8},
		{"duplicate", "", "tune_folds: [0, 1, 0]", "profiles.smoke.tune_folds[2]: fold 0 is listed twice", 0},
		{"out of range", "", "tune_folds: [3]", "profiles.smoke.tune_folds[0]: fold 3 is not a test fold of the grid [0 1 2]", 0},
		{"negative", "", "tune_folds: [0, -1]", "profiles.smoke.tune_folds[1]: fold -1 is not a test fold of the grid [0 1 2]", 0},
		{"not in test_folds", "test_folds: [1, 2]", "tune_folds: [0]", "profiles.smoke.tune_folds[0]: fold 0 is not a test fold of the grid [1 2]", 0},
		{"not a list", "", "tune_folds: 0", "tune_folds", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Parse(strings.NewReader(tuneGridText(tt.test, tt.tune)), "t.yaml")
			if tt.want != "" {
				if err == nil || !errors.Is(err, ErrInvalidGrid) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %v, want one containing %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			runs, err := g.Expand("")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, r := range runs {
				// Sorted: [2,0] and [0,2] are one configuration, one key.
				if want := slices.Sorted(slices.Values(g.Profiles["smoke"].TuneFolds)); !slices.Equal(r.TuneFolds, want) {
					t.Errorf("run %s: tune folds %v, want the profile's, sorted: %v", r, r.TuneFolds, want)
				}
				if r.ChosenOnly() {
					n++
				}
			}
			if n != tt.chosenOnly {
				t.Errorf("%d chosen-only runs of %d, want %d", n, len(runs), tt.chosenOnly)
			}
		})
	}
}

// TestRunSpec_ChosenOnly is the truth table of ChosenOnly.
func TestRunSpec_ChosenOnly(t *testing.T) {
	tests := []struct {
		tune []int
		fold int
		want bool
	}{
		{nil, 0, false},
		{[]int{}, 3, false},
		{[]int{0}, 0, false},
		{[]int{0}, 1, true},
		{[]int{0}, 2, true},
		{[]int{2, 0}, 0, false},
		{[]int{2, 0}, 2, false},
		{[]int{2, 0}, 1, true},
		{[]int{1}, 0, true},
	}
	for _, tt := range tests {
		s := RunSpec{Fold: tt.fold, TuneFolds: tt.tune}
		if got := s.ChosenOnly(); got != tt.want {
			t.Errorf("tune folds %v, fold %d: ChosenOnly %v, want %v", tt.tune, tt.fold, got, tt.want)
		}
	}
}

// TestTuneFolds_KeysUnchanged: runs of a profile without tune folds keep
// the keys they had before tune_folds existed (the field is left out of
// the canonical JSON and the setting when empty). The smoke grid's keys
// are pinned: they were computed by the commit before tune folds.
func TestTuneFolds_KeysUnchanged(t *testing.T) {
	g, err := Lookup("smoke")
	if err != nil {
		t.Fatal(err)
	}
	runs, err := g.Expand("")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"ce 0": "a81a2c2af375a164", "ce 1": "f243ba1a51841bc9",
		"emd2 0": "9e3412f4f726f0d2", "emd2 1": "df2c590487e85b5c",
	}
	if len(runs) != len(want) {
		t.Fatalf("%d smoke runs, want %d", len(runs), len(want))
	}
	for _, r := range runs {
		id := r.Loss + " " + string(rune('0'+r.Fold))
		if r.Key() != want[id] {
			t.Errorf("smoke %s: key %s, want %s", id, r.Key(), want[id])
		}
		if strings.Contains(string(r.Canonical()), "tune_folds") || strings.Contains(r.Setting().String(), "tune_folds") {
			t.Errorf("smoke %s: tune_folds in %s / %s", id, r.Canonical(), r.Setting())
		}
		// An empty, non-nil list is no tune folds either.
		r2 := r
		r2.TuneFolds = []int{}
		if r2.Key() != r.Key() {
			t.Errorf("smoke %s: TuneFolds [] changed the key", id)
		}
		// Tune folds are part of the configuration, hence the key and the
		// setting.
		r2.TuneFolds = []int{0}
		if r2.Key() == r.Key() || !strings.Contains(r2.Setting().String(), "tune_folds=[0]") {
			t.Errorf("smoke %s: tune folds [0] left the key or the setting %q alone", id, r2.Setting())
		}
	}
	// Every embedded grid: no profile names tune folds yet, so none of
	// their keys moved.
	grids, err := Registry()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range grids {
		for _, p := range g.ProfileNames() {
			runs, err := g.Expand(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range runs {
				if len(r.TuneFolds) > 0 {
					continue // a grid that names tune folds on purpose
				}
				if strings.Contains(string(r.Canonical()), "tune_folds") {
					t.Errorf("%s/%s: tune_folds in %s", g.Name, p, r.Canonical())
				}
			}
		}
	}
}

// TestLoad_TuneFoldsOverride: --set tune_folds=… goes through the
// override path: [0] makes the other folds chosen-only and changes the
// keys; [] keeps the keys of the grid without it; a bad value gets the
// grid's message, attributed to the override.
func TestLoad_TuneFoldsOverride(t *testing.T) {
	path := writeGrid(t, "tune.yaml", tuneGridText("", ""))
	base, err := Lookup(path)
	if err != nil {
		t.Fatal(err)
	}
	baseKeys := keysOf(t, base, "")
	withTune := writeGrid(t, "tune2.yaml", tuneGridText("", "tune_folds: [0, 1]"))
	tests := []struct {
		set        string
		chosenOnly int
		sameKeys   bool
	}{
		{"tune_folds=[0]", 16, false},
		{"tune_folds=[2,1]", 8, false},
		{"tune_folds=[]", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.set, func(t *testing.T) {
			g, err := Load(path, "", mustOverrides(t, tt.set))
			if err != nil {
				t.Fatal(err)
			}
			runs, err := g.Expand("")
			if err != nil {
				t.Fatal(err)
			}
			n, same := 0, 0
			for _, r := range runs {
				if r.ChosenOnly() {
					n++
				}
				if slices.Contains(baseKeys, r.Key()) {
					same++
				}
				if !slices.Equal(r.Overrides, []string{tt.set}) {
					t.Errorf("run %s: overrides %q", r, r.Overrides)
				}
			}
			if n != tt.chosenOnly {
				t.Errorf("%d chosen-only runs, want %d", n, tt.chosenOnly)
			}
			if tt.sameKeys && same != len(runs) || !tt.sameKeys && same != 0 {
				t.Errorf("%d of %d runs kept their key (same keys wanted: %v)", same, len(runs), tt.sameKeys)
			}
		})
	}
	// The order of the tune folds is no part of the configuration.
	a, err := Load(path, "", mustOverrides(t, "tune_folds=[2,1]"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(path, "", mustOverrides(t, "tune_folds=[1,2]"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keysOf(t, a, ""), keysOf(t, b, "")) {
		t.Errorf("tune_folds [2,1] and [1,2] give different keys")
	}
	// An override clears the tune folds a file names.
	g, err := Load(withTune, "", mustOverrides(t, "tune_folds=[]"))
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(t, g, ""); !slices.Equal(got, baseKeys) {
		t.Errorf("tune_folds=[] over a file's [0, 1]: keys differ from the grid without tune folds")
	}
	for _, tt := range []struct{ set, want string }{
		{"tune_folds=[0,0]", "tune.yaml: --set tune_folds=[0,0]: profiles.smoke.tune_folds[1]: fold 0 is listed twice"},
		{"tune_folds=[5]", "tune.yaml: --set tune_folds=[5]: profiles.smoke.tune_folds[0]: fold 5 is not a test fold of the grid [0 1 2]"},
		{"tune_folds=[-1]", "--set tune_folds=[-1]: profiles.smoke.tune_folds[0]: fold -1 is not a test fold"},
		{"tune_folds=x", "--set tune_folds=x"},
	} {
		_, err := Load(path, "", mustOverrides(t, tt.set))
		if err == nil || !errors.Is(err, ErrInvalidGrid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("--set %s: error %v, want one containing %q", tt.set, err, tt.want)
		}
	}
}
