package experiments

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/settings"
)

const validGrid = `
name: t
dataset: {name: synthetic, classes: 4}
folds: 2
losses: [ce, emd2]
seeds: [1, 2]
default_profile: smoke
profiles:
  smoke:
    model: {name: mlp, hidden: [8]}
    epochs: 1
    batch_size: 4
    learning_rates: [0.1, 0.01]
    momentum: 0.9
    weight_decay: 0
    lr_decay: 1
`

func TestParse_OK(t *testing.T) {
	g, err := Parse(strings.NewReader(validGrid), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	runs, err := g.Expand("")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2*2*2*2 { // losses × lrs × seeds × folds
		t.Fatalf("got %d runs, want 16", len(runs))
	}
	keys := map[string]bool{}
	for _, r := range runs {
		keys[r.Key()] = true
	}
	if len(keys) != len(runs) {
		t.Errorf("%d distinct keys for %d runs", len(keys), len(runs))
	}
}

func TestParse_Errors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"empty", "", "t.yaml: empty grid"},
		{"unknown key", strings.Replace(validGrid, "folds: 2", "folds: 2\nfoldz: 3", 1), `t.yaml:5: unknown key "foldz" (did you mean "folds"?)`},
		{"unknown loss", strings.Replace(validGrid, "[ce, emd2]", "[ce, emd3]", 1), `t.yaml: losses[1]: unknown loss "emd3"`},
		{"unknown dataset", strings.Replace(validGrid, "name: synthetic", "name: mnist-x", 1), `t.yaml: dataset.name: unknown dataset "mnist-x"`},
		{"no losses", strings.Replace(validGrid, "[ce, emd2]", "[]", 1), "t.yaml: losses: empty"},
		{"bad epochs", strings.Replace(validGrid, "epochs: 1", "epochs: 0", 1), "t.yaml: profiles.smoke.epochs: must be at least 1"},
		{"bad default", strings.Replace(validGrid, "default_profile: smoke", "default_profile: paper", 1), `default_profile: "paper" is not one of the profiles`},
		{"bad lr", strings.Replace(validGrid, "[0.1, 0.01]", "[0.1, -1]", 1), "profiles.smoke.learning_rates[1]: must be positive"},
		{"wrong type", strings.Replace(validGrid, "folds: 2", "folds: two", 1), `t.yaml:4: folds: want an integer, got "two"`},
		{"not yaml", "name: [", "t.yaml:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.yaml), "t.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInvalidGrid) {
				t.Errorf("error %v does not wrap ErrInvalidGrid", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q spans several lines", err)
			}
		})
	}
}

// TestRunSpec_Key pins the key of one spec: it must not change across
// machines or releases unless the spec's canonical form changes on purpose.
func TestRunSpec_Key(t *testing.T) {
	s := RunSpec{Experiment: "smoke", Profile: "smoke", Dataset: datasets.Spec{Name: "synthetic", Classes: 8},
		Folds: 2, Fold: 1, Loss: "emd2", Run: settings.Run{Model: settings.Model{Name: "mlp", Hidden: []int{32}}, Epochs: 8,
			BatchSize: 32, LR: 0.05, Momentum: 0.9, WeightDecay: 1e-4, LRDecay: 0.995}, Seed: 1}
	wantJSON := `{"experiment":"smoke","profile":"smoke","dataset":{"name":"synthetic","classes":8},"folds":2,"fold":1,"loss":"emd2","loss_options":{},"model":{"name":"mlp","hidden":[32]},"epochs":8,"batch_size":32,"lr":0.05,"momentum":0.9,"weight_decay":0.0001,"lr_decay":0.995,"seed":1}`
	if got := string(s.Canonical()); got != wantJSON {
		t.Fatalf("canonical form\n got %s\nwant %s", got, wantJSON)
	}
	if got, want := s.Key(), "deda14490474698b"; got != want { // from: printf %s "$json" | sha256sum | cut -c1-16
		t.Errorf("key %s, want %s (sha256 of the canonical JSON, first 8 bytes)", got, want)
	}
}

func TestRegistry(t *testing.T) {
	grids, err := Registry()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lookup("smoke"); err != nil {
		t.Fatal(err)
	}
	if _, err := Lookup("nope"); err == nil || !strings.Contains(err.Error(), "unknown experiment") {
		t.Errorf("Lookup(nope) = %v", err)
	}
	if len(grids) == 0 {
		t.Error("empty registry")
	}
}

func TestParse_MoreErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"ordinal loss on orderless data", strings.Replace(validGrid, "name: synthetic, classes: 4", "name: mnist-digits", 1), `losses[1]: loss "emd2" needs ordered classes`},
		{"given distance without file", strings.Replace(validGrid, "[ce, emd2]", "[ce, ce+emd2-given]", 1), "profiles.smoke.loss.ground_distance"},
		{"test fold out of range", strings.Replace(validGrid, "folds: 2", "folds: 2\ntest_folds: [2]", 1), "test_folds[0]: fold 2 outside [0, 2)"},
		{"val fold is a test fold", strings.Replace(validGrid, "folds: 2", "folds: 2\ntest_folds: [1]\nval_fold: 1", 1), "val_fold: fold 1"},
		{"lr for a loss not in the grid", strings.Replace(validGrid, "    momentum: 0.9", "    loss_learning_rates: {l2: [0.1]}\n    momentum: 0.9", 1), `loss_learning_rates.l2: loss "l2" is not in the grid`},
		{"warm-up without lr", strings.Replace(validGrid, "    momentum: 0.9", "    loss: {warmup_epochs: 2}\n    momentum: 0.9", 1), "loss.warmup_lr"},
		{"bad dtype", strings.Replace(validGrid, "hidden: [8]", "hidden: [8], dtype: float16", 1), `model.dtype: unknown dtype "float16"`},
		{"unknown model", strings.Replace(validGrid, "name: mlp", "name: resnet", 1), `model.name: unknown model "resnet"`},
		{"loss twice", strings.Replace(validGrid, "[ce, emd2]", "[ce, emd2, ce]", 1), `losses[2]: "ce" is listed twice`},
		{"lr twice", strings.Replace(validGrid, "[0.1, 0.01]", "[0.1, 0.1]", 1), "learning_rates[1]: 0.1 is listed twice"},
		{"features without a path", strings.Replace(validGrid, "name: synthetic, classes: 4", "name: features, ordered: true", 1), "dataset.path: dataset features reads one file"},
		{"a path for a folder dataset", strings.Replace(validGrid, "name: synthetic, classes: 4", "name: synthetic, path: x.csv", 1), "dataset.path: dataset synthetic reads no file"},
		{"ordinal loss on unordered features", strings.Replace(validGrid, "name: synthetic, classes: 4", "name: features, path: f.csv", 1), `losses[1]: loss "emd2" needs ordered classes; features is orderless (dataset.ordered is not set)`},
		{"a profile's path override checked", strings.Replace(strings.Replace(validGrid, "name: synthetic, classes: 4", "name: features, path: f.csv, ordered: true", 1), "    momentum: 0.9", "    data: {ordered: true}\n    momentum: 0.9", 1), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.yaml), "t.yaml")
			if tt.want == "" {
				if err != nil {
					t.Errorf("got %v, want a valid grid", err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalidGrid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an invalid-grid error containing %q", err, tt.want)
			}
		})
	}
}

func TestExpand_Options(t *testing.T) {
	y := strings.Replace(validGrid, "folds: 2", "folds: 3\ntest_folds: [2]\nval_fold: 1", 1)
	y = strings.Replace(y, "    momentum: 0.9", "    loss_learning_rates: {emd2: [0.5]}\n    data: {dim: 5}\n    momentum: 0.9", 1)
	g, err := Parse(strings.NewReader(y), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	runs, err := g.Expand("")
	if err != nil {
		t.Fatal(err)
	}
	// ce: 2 lrs × 2 seeds; emd2: 1 lr × 2 seeds; one test fold each.
	if len(runs) != 6 {
		t.Fatalf("%d runs, want 6", len(runs))
	}
	for _, r := range runs {
		if r.Fold != 2 || r.ValFold == nil || *r.ValFold != 1 {
			t.Errorf("run %s: fold %d, val fold %v; want 2 and 1", r, r.Fold, r.ValFold)
		}
		if r.Dataset.Dim != 5 || r.Dataset.Classes != 4 {
			t.Errorf("run %s: dataset %+v, want the profile's dim over the grid's classes", r, r.Dataset)
		}
		if r.Loss == "emd2" && r.LR != 0.5 {
			t.Errorf("emd2 run with lr %v, want its own 0.5", r.LR)
		}
	}
	if _, err := g.Expand("paper"); err == nil {
		t.Error("expanding an unknown profile succeeded")
	}
}

// TestRegistry_AllGrids expands every profile of every embedded grid.
func TestRegistry_AllGrids(t *testing.T) {
	grids, err := Registry()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, g := range grids {
		names[g.Name] = true
		for _, p := range g.ProfileNames() {
			runs, err := g.Expand(p)
			if err != nil || len(runs) == 0 {
				t.Errorf("%s/%s: %d runs, %v", g.Name, p, len(runs), err)
			}
		}
	}
	for _, want := range []string{"smoke", "mnist-rotation", "mnist-digits", "adience", "imageofgroups", "aadb", "imagenet"} {
		if !names[want] {
			t.Errorf("registry lacks %s", want)
		}
	}
}

// TestParse_BadCorpus reads every file of testdata/bad: each must fail with
// a one-line error naming the file and containing the text of its first
// line ("# want: …").
func TestParse_BadCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(body), "\n")
			want := strings.TrimPrefix(first, "# want: ")
			_, err = Lookup(f)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, f+":") || !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line starting %q and containing %q", msg, f+":", want)
			}
		})
	}
}

// TestLookup_FileDir: a grid read from a file resolves a relative dataset
// path against the file's folder, and the folder is not part of the runs'
// keys (a grid moved with its data keeps them).
func TestLookup_FileDir(t *testing.T) {
	path := filepath.Join("..", "examples", "features", "grid.yaml")
	g, err := Lookup(path)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := g.Expand("")
	if err != nil {
		t.Fatal(err)
	}
	r := runs[0]
	if got, want := r.Request().Path(), filepath.Join("..", "examples", "features", "features.csv"); got != want {
		t.Errorf("dataset path %q, want %q", got, want)
	}
	moved := r
	moved.Dir = "elsewhere"
	if moved.Key() != r.Key() || strings.Contains(r.Setting().String(), "examples") {
		t.Errorf("the grid's folder is part of the run's key or setting: %s", r.Setting())
	}
}
