package experiments

import (
	"errors"
	"strings"
	"testing"
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
		{"unknown key", strings.Replace(validGrid, "folds: 2", "folds: 2\nfoldz: 3", 1), "field foldz not found"},
		{"unknown loss", strings.Replace(validGrid, "[ce, emd2]", "[ce, emd3]", 1), `t.yaml: losses[1]: unknown loss "emd3"`},
		{"unknown dataset", strings.Replace(validGrid, "name: synthetic", "name: mnist-x", 1), `t.yaml: dataset.name: unknown dataset "mnist-x"`},
		{"no losses", strings.Replace(validGrid, "[ce, emd2]", "[]", 1), "t.yaml: losses: empty"},
		{"bad epochs", strings.Replace(validGrid, "epochs: 1", "epochs: 0", 1), "t.yaml: profiles.smoke.epochs: must be at least 1"},
		{"bad default", strings.Replace(validGrid, "default_profile: smoke", "default_profile: paper", 1), `default_profile: "paper" is not one of the profiles`},
		{"bad lr", strings.Replace(validGrid, "[0.1, 0.01]", "[0.1, -1]", 1), "profiles.smoke.learning_rates[1]: must be positive"},
		{"wrong type", strings.Replace(validGrid, "folds: 2", "folds: two", 1), "cannot unmarshal"},
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
	s := RunSpec{Experiment: "smoke", Profile: "smoke", Dataset: DataSpec{Name: "synthetic", Classes: 8},
		Folds: 2, Fold: 1, Loss: "emd2", Model: ModelSpec{Name: "mlp", Hidden: []int{32}}, Epochs: 8,
		BatchSize: 32, LR: 0.05, Momentum: 0.9, WeightDecay: 1e-4, LRDecay: 0.995, Seed: 1}
	wantJSON := `{"experiment":"smoke","profile":"smoke","dataset":{"name":"synthetic","classes":8},"folds":2,"fold":1,"loss":"emd2","model":{"name":"mlp","hidden":[32]},"epochs":8,"batch_size":32,"lr":0.05,"momentum":0.9,"weight_decay":0.0001,"lr_decay":0.995,"seed":1}`
	if got := string(s.Canonical()); got != wantJSON {
		t.Fatalf("canonical form\n got %s\nwant %s", got, wantJSON)
	}
	if got, want := s.Key(), "a76a15341ca75412"; got != want { // from: printf %s "$json" | sha256sum | cut -c1-16
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
