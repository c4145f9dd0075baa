// Package features holds the example grids of the features dataset: the
// features-CSV format that heads trained on features extracted elsewhere
// read (datasets.ReadFeatures). Its test makes the example files from a
// fixed seed (go test ./examples/features -update rewrites them) and
// trains every run of both grids.
package features

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/results"
	"github.com/replicate-emd/replicate/runner"
)

var update = flag.Bool("update", false, "rewrite the example CSV files")

// The examples' data: 8 ordered classes of 30 samples, 16 features that
// drift with the class (datasets.Synthetic).
const (
	classes  = 8
	perClass = 30
	dim      = 16
	raters   = 10
)

// labelled is features.csv: one integer label and a given fold per row,
// as a backbone's features with their labels would be written.
func labelled(t *testing.T) []byte {
	t.Helper()
	m, err := datasets.Synthetic(datasets.SyntheticOptions{Classes: classes, PerClass: perClass, Dim: dim, Folds: 5, Seed: 14})
	if err != nil {
		t.Fatal(err)
	}
	m.IDs = make([]string, m.Len())
	for i := range m.IDs {
		m.IDs[i] = fmt.Sprintf("img%03d", i)
	}
	var b bytes.Buffer
	b.WriteString("# features of 8 ordered classes, one label and one of 5 folds per row (examples/features/grid.yaml)\n")
	if err := datasets.WriteFeatures(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// histograms is histograms.csv: per row the votes of 10 raters over the 8
// classes (a target distribution), the true continuous score, and no fold
// (the loader deals the folds, stratified).
func histograms(t *testing.T) []byte {
	t.Helper()
	m, err := datasets.Synthetic(datasets.SyntheticOptions{Classes: classes, PerClass: perClass, Dim: dim, Seed: 15})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(15, 0x4a7e))
	var b bytes.Buffer
	b.WriteString("# rater histograms over 8 ordered classes, a true score, no folds (examples/features/histograms.yaml)\n")
	b.WriteString("id,label,score")
	for j := range dim {
		fmt.Fprintf(&b, ",f%d", j)
	}
	b.WriteString("\n")
	for i := range m.Len() {
		latent := min(max(float64(m.Y[i])+rng.Float64()-0.5, 0), classes-1)
		votes := make([]string, classes)
		counts := make([]int, classes)
		for range raters {
			v := int(math.Round(latent + 0.7*rng.NormFloat64()))
			counts[min(max(v, 0), classes-1)]++
		}
		for k, c := range counts {
			votes[k] = fmt.Sprint(c)
		}
		fmt.Fprintf(&b, "r%03d,%s,%.4f", i, strings.Join(votes, ";"), latent/(classes-1))
		for _, v := range m.Row(i) {
			fmt.Fprintf(&b, ",%.4f", v)
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// TestExampleFiles checks that the example CSV files are those the fixed
// seeds make, and that they read.
func TestExampleFiles(t *testing.T) {
	for name, gen := range map[string]func(*testing.T) []byte{"features.csv": labelled, "histograms.csv": histograms} {
		want := gen(t)
		if *update {
			if err := os.WriteFile(name, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(name)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not the file the seed makes (%v); go test ./examples/features -update rewrites it", name, err)
		}
		if _, err := datasets.LoadFeatures(t.Context(), name, datasets.FeaturesOptions{Ordered: true}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestExampleGrids trains every run of both example grids at their
// default profile into a fresh database: each must finish, and record the
// task its file gives.
func TestExampleGrids(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the example grids")
	}
	for grid, task := range map[string]datasets.Task{"grid.yaml": datasets.TaskOrdinal, "histograms.yaml": datasets.TaskScored} {
		t.Run(grid, func(t *testing.T) {
			g, err := experiments.Lookup(grid)
			if err != nil {
				t.Fatal(err)
			}
			specs, err := g.Expand("")
			if err != nil {
				t.Fatal(err)
			}
			db, err := results.Open(context.Background(), filepath.Join(t.TempDir(), "r.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			r := &runner.Runner{Store: db, Data: runner.NewDataLoader(runner.DataOptions{}), Jobs: 2}
			if sum, err := r.Run(t.Context(), specs); err != nil || sum.Finished != len(specs) {
				t.Fatalf("summary %+v, error %v; want all %d finished", sum, err, len(specs))
			}
			runs, err := db.Runs(t.Context(), results.RunFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, run := range runs {
				if run.Task != string(task) {
					t.Errorf("run %s (%s): task %q, want %q", run.Key, run.Loss, run.Task, task)
				}
			}
		})
	}
}
