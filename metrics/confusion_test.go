package metrics_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/replicate-emd/replicate/metrics"
)

func TestConfusionMatrix(t *testing.T) {
	pred := []int{0, 1, 1, 1, 2, 0}
	label := []int{0, 0, 1, 1, 2, 2}
	m := metrics.ConfusionMatrix(pred, label, 3)
	want := [][]int{ // hand-counted, rows true, columns predicted
		{1, 1, 0},
		{0, 2, 0},
		{1, 0, 1},
	}
	if diff := cmp.Diff(want, m.Counts); diff != "" {
		t.Errorf("Counts mismatch (-want +got):\n%s", diff)
	}
	if got := m.Classes(); got != 3 {
		t.Errorf("Classes: got %d, want 3", got)
	}
	if got := m.Total(); got != 6 {
		t.Errorf("Total: got %d, want 6", got)
	}
	checkNear(t, "Accuracy", m.Accuracy(), metrics.Accuracy(pred, label), 0)
	checkNear(t, "OneOff", m.OffByAtMost(1), metrics.OneOff(pred, label), 0)
	checkNear(t, "MAE", m.MAE(), metrics.MAE(pred, label), metricTol)

	c := m.Clone()
	c.Add(2, 2)
	if m.Counts[2][2] != 1 || c.Counts[2][2] != 2 {
		t.Error("Clone shares storage with the original")
	}
	m.Merge(c)
	if got := m.Total(); got != 13 {
		t.Errorf("Total after Merge: got %d, want 13", got)
	}

	empty := metrics.NewConfusion(4)
	checkNear(t, "empty Accuracy", empty.Accuracy(), math.NaN(), 0)
	checkNear(t, "empty MAE", empty.MAE(), math.NaN(), 0)
}

func TestConfusion_AgainstIndexMetrics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range []int{1, 2, 5, 9} {
		pred := randomLabels(rng, 300, c)
		label := randomLabels(rng, 300, c)
		m := metrics.ConfusionMatrix(pred, label, c)
		checkNear(t, "Accuracy", m.Accuracy(), metrics.Accuracy(pred, label), metricTol)
		for k := 0; k < 3; k++ {
			checkNear(t, "OffByAtMost", m.OffByAtMost(k), metrics.OffByAtMost(pred, label, k), metricTol)
		}
		checkNear(t, "MAE", m.MAE(), metrics.MAE(pred, label), metricTol)
		if m.Total() != 300 {
			t.Errorf("Total: got %d, want 300", m.Total())
		}
	}
}

func TestConfusion_Panics(t *testing.T) {
	checkPanics(t, "classes 0", func() { metrics.NewConfusion(0) })
	checkPanics(t, "lengths", func() { metrics.ConfusionMatrix([]int{0}, []int{0, 1}, 2) })
	checkPanics(t, "pred high", func() { metrics.ConfusionMatrix([]int{2}, []int{0}, 2) })
	checkPanics(t, "pred -1", func() { metrics.ConfusionMatrix([]int{-1}, []int{0}, 2) })
	checkPanics(t, "label high", func() { metrics.ConfusionMatrix([]int{0}, []int{5}, 2) })
	checkPanics(t, "merge", func() { metrics.NewConfusion(2).Merge(metrics.NewConfusion(3)) })
}
