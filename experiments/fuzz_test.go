package experiments

import (
	"bytes"
	"errors"
	"io/fs"
	"strings"
	"testing"
)

// FuzzParseGrid feeds arbitrary YAML to Parse. A rejected grid must give an
// invalid-grid error; an accepted one must expand under every profile, and
// every run must have a canonical form and a key, distinct from the other
// runs' keys, without a panic. Seeds: the embedded grids, the test grid,
// and non-finite and huge values in its fields.
func FuzzParseGrid(f *testing.F) {
	files, err := fs.Glob(embedded, "*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := embedded.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(validGrid))
	for _, r := range [][2]string{
		{"momentum: 0.9", "momentum: .nan"},
		{"[0.1, 0.01]", "[.inf]"},
		{"[0.1, 0.01]", "[-.inf, 0.1]"},
		{"lr_decay: 1", "lr_decay: .NaN"},
		{"classes: 4}", "classes: 4, noise: .inf}"},
		{"classes: 4}", "classes: 4, per_class: 1e9, dim: 1e6}"},
		{"classes: 4}", "classes: 4, per_class: 65536, dim: 4096}"},
		{"folds: 2", "folds: 4611686018427387904"},
		{"folds: 2", "folds: 3\ntest_folds: [2]\nval_fold: 1"},
		{"hidden: [8]", "hidden: [4611686018427387904]"},
		{"hidden: [8]", "hidden: [8], channels: [16, 32]"},
		{"epochs: 1", "epochs: 4611686018427387904"},
		{"batch_size: 4", "batch_size: 4611686018427387904"},
		{"name: synthetic, classes: 4", "name: imagenet, size: 4096"},
		{"    momentum: 0.9", "    loss_learning_rates: {emd2: [0.5]}\n    loss: {warmup_epochs: 2, warmup_lr: 0.1}\n    momentum: 0.9"},
	} {
		f.Add([]byte(strings.Replace(validGrid, r[0], r[1], 1)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Parse(bytes.NewReader(data), "fuzz.yaml")
		if err != nil {
			if !errors.Is(err, ErrInvalidGrid) {
				t.Fatalf("error %v does not wrap ErrInvalidGrid", err)
			}
			return
		}
		for _, p := range g.ProfileNames() {
			runs, err := g.Expand(p)
			if err != nil {
				t.Fatalf("expand valid grid under %s: %v", p, err)
			}
			if len(runs) == 0 || len(runs) > maxRuns {
				t.Fatalf("profile %s: %d runs, want 1..%d", p, len(runs), maxRuns)
			}
			keys := make(map[string]RunSpec, len(runs))
			for _, r := range runs {
				_ = r.Canonical()
				k := r.Key()
				if prev, ok := keys[k]; ok {
					t.Fatalf("runs %s and %s share key %s", prev, r, k)
				}
				keys[k] = r
			}
		}
	})
}
