package experiments

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// withProfileLine adds one line to the smoke profile of validGrid.
func withProfileLine(y, line string) string {
	return strings.Replace(y, "    momentum: 0.9", "    "+line+"\n    momentum: 0.9", 1)
}

// checkKeyError fails unless err is an invalid-grid error of t.yaml naming
// key and containing want.
func checkKeyError(t *testing.T, err error, key, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one naming %s", key)
	}
	if !errors.Is(err, ErrInvalidGrid) {
		t.Errorf("error %v does not wrap ErrInvalidGrid", err)
	}
	var ge *GridError
	if !errors.As(err, &ge) || ge.File != "t.yaml" || ge.Key != key {
		t.Errorf("error %q: want file t.yaml and key %s", err, key)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}

// TestValidate_NonFinite puts NaN, +Inf and −Inf into each float of a grid:
// each must be an error naming the key, not a panic later in
// RunSpec.Canonical or in training.
func TestValidate_NonFinite(t *testing.T) {
	fields := []struct {
		key  string
		edit func(y, v string) string
	}{
		{"dataset.noise", func(y, v string) string { return strings.Replace(y, "classes: 4}", "classes: 4, noise: "+v+"}", 1) }},
		{"profiles.smoke.data.noise", func(y, v string) string { return withProfileLine(y, "data: {noise: "+v+"}") }},
		{"profiles.smoke.learning_rates[0]", func(y, v string) string { return strings.Replace(y, "[0.1, 0.01]", "["+v+", 0.01]", 1) }},
		{"profiles.smoke.loss_learning_rates.emd2[1]", func(y, v string) string {
			return withProfileLine(y, "loss_learning_rates: {emd2: [0.5, "+v+"]}")
		}},
		{"profiles.smoke.momentum", func(y, v string) string { return strings.Replace(y, "momentum: 0.9", "momentum: "+v, 1) }},
		{"profiles.smoke.weight_decay", func(y, v string) string { return strings.Replace(y, "weight_decay: 0", "weight_decay: "+v, 1) }},
		{"profiles.smoke.lr_decay", func(y, v string) string { return strings.Replace(y, "lr_decay: 1", "lr_decay: "+v, 1) }},
		{"profiles.smoke.val_fraction", func(y, v string) string { return withProfileLine(y, "val_fraction: "+v) }},
		{"profiles.smoke.loss.ce_weight", func(y, v string) string { return withProfileLine(y, "loss: {ce_weight: "+v+"}") }},
		{"profiles.smoke.loss.emd_weight", func(y, v string) string { return withProfileLine(y, "loss: {emd_weight: "+v+"}") }},
		{"profiles.smoke.loss.warmup_lr", func(y, v string) string {
			return withProfileLine(y, "loss: {warmup_epochs: 1, warmup_lr: "+v+"}")
		}},
	}
	for _, f := range fields {
		for _, v := range []string{".nan", ".inf", "-.inf", ".NaN", "+.Inf"} {
			t.Run(f.key+"="+v, func(t *testing.T) {
				y := f.edit(validGrid, v)
				if y == validGrid {
					t.Fatal("the edit changed nothing")
				}
				_, err := Parse(strings.NewReader(y), "t.yaml")
				checkKeyError(t, err, f.key, "finite")
			})
		}
	}
}

// TestValidate_Huge gives each size of a grid a value past what a machine
// can hold (or past int64 products): each must be an error naming the key,
// not a panic in the dataset generator, the fold list or gorgonia.
func TestValidate_Huge(t *testing.T) {
	const big = "4611686018427387904" // 2^62
	prof := func(line string) func(string) string {
		return func(y string) string { return withProfileLine(y, line) }
	}
	repl := func(old, new string) func(string) string {
		return func(y string) string { return strings.Replace(y, old, new, 1) }
	}
	seeds := make([]string, maxSeeds+1)
	for i := range seeds {
		seeds[i] = fmt.Sprint(i + 1)
	}
	tests := []struct {
		name, key, want string
		edit            func(string) string
	}{
		{"folds 2^62", "folds", "at most", repl("folds: 2", "folds: "+big)},
		{"folds 1e9", "folds", "at most", repl("folds: 2", "folds: 1e9")},
		{"per_class 1e9", "dataset.per_class", "at most", repl("classes: 4}", "classes: 4, per_class: 1e9, dim: 1e6}")},
		{"dim 2^62", "dataset.dim", "at most", repl("classes: 4}", "classes: 4, dim: "+big+"}")},
		{"classes 2^62", "dataset.classes", "at most", repl("classes: 4}", "classes: "+big+"}")},
		{"limit 2^62", "dataset.limit", "at most", repl("classes: 4}", "classes: 4, limit: "+big+"}")},
		{"size 2^62", "dataset.size", "at most", repl("classes: 4}", "classes: 4, size: "+big+"}")},
		{"bins 2^62", "dataset.bins", "at most", repl("classes: 4}", "classes: 4, bins: "+big+"}")},
		{"subset 2^62", "dataset.subset", "at most", repl("classes: 4}", "classes: 4, subset: "+big+"}")},
		{"samples per_class × classes", "dataset", "samples", repl("classes: 4}", "classes: 10000, per_class: 10000}")},
		{"tensor per_class × classes × dim", "dataset", "per_class × classes × dim", repl("classes: 4}", "classes: 4, per_class: 100000, dim: 100000}")},
		{"profile data tensor", "profiles.smoke.data", "per_class × classes × dim", prof("data: {per_class: 100000, dim: 100000}")},
		{"profile data per_class 2^62", "profiles.smoke.data.per_class", "at most", prof("data: {per_class: " + big + "}")},
		{"hidden 2^62", "profiles.smoke.model.hidden[0]", "at most", repl("hidden: [8]", "hidden: ["+big+"]")},
		{"hidden product", "profiles.smoke.model.hidden[1]", "weights", repl("hidden: [8]", "hidden: [65536, 65536]")},
		{"hidden first layer", "profiles.smoke.model.hidden[0]", "weights", func(y string) string {
			y = strings.Replace(y, "classes: 4}", "classes: 4, dim: 1000000}", 1)
			return strings.Replace(y, "hidden: [8]", "hidden: [4096]", 1)
		}},
		{"hidden zero", "profiles.smoke.model.hidden[0]", "at least 1", repl("hidden: [8]", "hidden: [0]")},
		{"hidden depth", "profiles.smoke.model.hidden", "layers", repl("hidden: [8]", "hidden: ["+strings.Repeat("8, ", maxLayers)+"8]")},
		{"channels 2^62", "profiles.smoke.model.channels[0]", "at most", repl("hidden: [8]", "hidden: [8], channels: ["+big+"]")},
		{"channels negative", "profiles.smoke.model.channels[0]", "at least 1", repl("hidden: [8]", "hidden: [8], channels: [-3]")},
		{"epochs 2^62", "profiles.smoke.epochs", "at most", repl("epochs: 1", "epochs: "+big)},
		{"batch_size 2^62", "profiles.smoke.batch_size", "at most", repl("batch_size: 4", "batch_size: "+big)},
		{"batch tensor", "profiles.smoke.batch_size", "batch_size × sample", func(y string) string {
			y = strings.Replace(y, "classes: 4}", "classes: 4, dim: 100000}", 1)
			return strings.Replace(y, "batch_size: 4", "batch_size: 65536", 1)
		}},
		{"warmup_epochs 2^62", "profiles.smoke.loss.warmup_epochs", "at most", prof("loss: {warmup_epochs: " + big + ", warmup_lr: 0.1}")},
		{"seeds", "seeds", "at most", repl("seeds: [1, 2]", "seeds: ["+strings.Join(seeds, ", ")+"]")},
		{"runs", "profiles.smoke", "runs", func(y string) string {
			y = strings.Replace(y, "folds: 2", "folds: 10000", 1)
			return strings.Replace(y, "seeds: [1, 2]", "seeds: ["+strings.Join(seeds[:maxSeeds], ", ")+"]", 1)
		}},
		{"negative noise", "dataset.noise", "negative", repl("classes: 4}", "classes: 4, noise: -1}")},
		{"negative limit", "dataset.limit", "negative", repl("classes: 4}", "classes: 4, limit: -1}")},
		{"one class", "dataset.classes", "at least 2", repl("classes: 4}", "classes: 1}")},
		{"test fold twice", "test_folds[1]", "listed twice", repl("folds: 2", "folds: 2\ntest_folds: [1, 1]")},
		{"loss lr twice", "profiles.smoke.loss_learning_rates.emd2[1]", "listed twice", prof("loss_learning_rates: {emd2: [0.5, 0.5]}")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := tt.edit(validGrid)
			if y == validGrid {
				t.Fatal("the edit changed nothing")
			}
			_, err := Parse(strings.NewReader(y), "t.yaml")
			checkKeyError(t, err, tt.key, tt.want)
		})
	}
}

// TestValidate_LargeButHoldable accepts sizes near the bounds that a machine
// holds, so the bounds do not refuse real grids.
func TestValidate_LargeButHoldable(t *testing.T) {
	tests := []struct{ name, old, new string }{
		{"synthetic at the tensor bound", "classes: 4}", "classes: 4, per_class: 65536, dim: 4096}"},
		{"imagenet-sized labels", "classes: 4}", "classes: 1000, per_class: 1300}"},
		{"wide hidden layers", "hidden: [8]", "hidden: [4096, 4096]"},
		{"paper epochs", "epochs: 1", "epochs: 160"},
		{"big batch", "batch_size: 4", "batch_size: 4096"},
		{"many folds", "folds: 2", "folds: 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := strings.Replace(validGrid, tt.old, tt.new, 1)
			if _, err := Parse(strings.NewReader(y), "t.yaml"); err != nil {
				t.Fatal(err)
			}
		})
	}
}
