package datasets

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSynthetic_Deterministic(t *testing.T) {
	o := SyntheticOptions{Classes: 5, PerClass: 20, Dim: 4, Folds: 2, Seed: 7}
	a, err := Synthetic(o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Synthetic(o)
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(a, b) {
		t.Error("same options gave different data")
	}
	o.Seed = 8
	c, err := Synthetic(o)
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Equal(a.X, c.X) {
		t.Error("another seed gave the same values")
	}
	if !cmp.Equal(a.Y, c.Y) || !cmp.Equal(a.Fold, c.Fold) {
		t.Error("labels and folds should not depend on the seed")
	}
}

func TestSynthetic_Shape(t *testing.T) {
	m, err := Synthetic(SyntheticOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Defaults: 8 classes × 100, dimension 16, 2 folds.
	if m.Len() != 800 || m.Dim() != 16 || m.Classes != 8 || !m.Ordered {
		t.Fatalf("got %d samples of %d, %d classes", m.Len(), m.Dim(), m.Classes)
	}
	counts := make([]int, m.Classes)
	folds := make([]int, 2)
	for i := range m.Y {
		counts[m.Y[i]]++
		folds[m.Fold[i]]++
	}
	if !cmp.Equal(counts, []int{100, 100, 100, 100, 100, 100, 100, 100}) || !cmp.Equal(folds, []int{400, 400}) {
		t.Errorf("class counts %v, fold counts %v", counts, folds)
	}
	train, test := m.Split(1)
	if len(train) != 400 || len(test) != 400 {
		t.Errorf("split: %d, %d", len(train), len(test))
	}
}

// TestSynthetic_Ordinal checks the property the generator promises:
// neighbouring classes are closer than distant ones (class means).
func TestSynthetic_Ordinal(t *testing.T) {
	m, err := Synthetic(SyntheticOptions{Classes: 6, PerClass: 400, Dim: 8, Noise: 0.5, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	mean := make([][]float64, m.Classes)
	for k := range mean {
		mean[k] = make([]float64, m.Dim())
	}
	for i := 0; i < m.Len(); i++ {
		for j, v := range m.Row(i) {
			mean[m.Y[i]][j] += float64(v) / 400
		}
	}
	dist := func(a, b int) float64 {
		s := 0.0
		for j := range mean[a] {
			d := mean[a][j] - mean[b][j]
			s += d * d
		}
		return s
	}
	if dist(0, 1) >= dist(0, 5) {
		t.Errorf("d(0,1)=%g not below d(0,5)=%g", dist(0, 1), dist(0, 5))
	}
}

func TestSynthetic_Err(t *testing.T) {
	for _, o := range []SyntheticOptions{
		{Classes: 1},
		{PerClass: -1},
		{Noise: -1},
		{PerClass: 2, Folds: 3},
	} {
		if _, err := Synthetic(o); err == nil {
			t.Errorf("%+v: want an error", o)
		}
	}
}

func TestMemory_Dataset(t *testing.T) {
	m := &Memory{Name: "m", Classes: 2, SampleShape: []int{1, 2, 3}, X: []float32{1, 2, 3, 4, 5, 6}, Y: []int{1}, Fold: []int{0}}
	var d Dataset = m
	got, err := d.Tensor(t.Context(), 0, View{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(got, []float32{1, 2, 3, 4, 5, 6}) {
		t.Errorf("tensor %v", got)
	}
	got, _ = d.Tensor(t.Context(), 0, View{Mirror: true}, got)
	if !cmp.Equal(got, []float32{3, 2, 1, 6, 5, 4}) {
		t.Errorf("mirrored tensor %v", got)
	}
	if s := d.Sample(0); s.Label != 1 || s.Fold != 0 {
		t.Errorf("sample %+v", s)
	}
	m.Score = []float64{1, 2}
	if err := m.Validate(); err == nil {
		t.Error("want an error for a score count mismatch")
	}
}
