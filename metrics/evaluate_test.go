package metrics_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/replicate-emd/replicate/metrics"
)

// summaryOpts compares summaries value by value, NaN equal to NaN.
var summaryOpts = []cmp.Option{cmpopts.EquateApprox(0, metricTol), cmpopts.EquateNaNs()}

func TestEvaluate_Paper(t *testing.T) {
	scores := []float64{0.1, 0.05, 0.9, 0.7}
	got := metrics.Evaluate(paperProbs, paperLabels, 4, true, scores)
	want := metrics.Summary{
		// Hand, from argmax [1 0 0 2] against labels [0 0 3 2].
		metrics.NameAcc:     0.5,
		metrics.NameTop1:    0.5,
		metrics.NameAcc1Off: 0.75,
		metrics.NameMAE:     1,
		// Hand: expected indices [1.4 0.6 1.3 1.95], |E − y| sum 3.75.
		metrics.NameMAEExp: 0.9375,
		// PAPER.md §1 reference values.
		metrics.NameRPS:  0.506875,
		metrics.NameEMD2: 0.12671875,
		// Python exact fractions (testdata/reference_other.py): 1/21.
		metrics.NameQWK: 1.0 / 21,
		// Hand: ranks [3 1 2 4] and [2 1 4 3], Σd² = 6, 1 − 36/60.
		metrics.NameSpearman: 0.4,
	}
	if diff := cmp.Diff(want, got, summaryOpts...); diff != "" {
		t.Errorf("Evaluate mismatch (-want +got):\n%s", diff)
	}
}

func TestEvaluate_Names(t *testing.T) {
	tests := []struct {
		name    string
		classes int
		ordered bool
		scored  bool
		want    []string
	}{
		{"Orderless1000", 1000, false, false, []string{"acc", "top1", "top5"}},
		{"Orderless5", 5, false, false, []string{"acc", "top1"}},
		{"Adience", 8, true, false, []string{"acc", "acc1off", "emd2", "mae", "mae_exp", "qwk", "rps", "top1", "top5"}},
		{"AADB", 5, true, true, []string{"acc", "acc1off", "emd2", "mae", "mae_exp", "qwk", "rps", "spearman", "top1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names := metrics.MetricNames(tt.classes, tt.ordered, tt.scored)
			if diff := cmp.Diff(tt.want, names); diff != "" {
				t.Errorf("MetricNames mismatch (-want +got):\n%s", diff)
			}
			rng := rand.New(rand.NewPCG(1, 1))
			probs := randomProbs(rng, 20, tt.classes, 1, false)
			labels := randomLabels(rng, 20, tt.classes)
			var scores []float64
			if tt.scored {
				scores = make([]float64, 20)
				for i := range scores {
					scores[i] = rng.Float64()
				}
			}
			s := metrics.Evaluate(probs, labels, tt.classes, tt.ordered, scores)
			if diff := cmp.Diff(tt.want, s.Names()); diff != "" {
				t.Errorf("Summary.Names mismatch (-want +got):\n%s", diff)
			}
		})
	}
	all := metrics.AllNames()
	if !slices.IsSorted(all) || len(all) != 10 {
		t.Errorf("AllNames: got %v, want 10 sorted names", all)
	}
	all[0] = "changed"
	if metrics.AllNames()[0] != metrics.NameAcc {
		t.Error("AllNames returned shared storage")
	}
	for _, n := range metrics.AllNames() {
		if _, ok := metrics.HigherIsBetter(n); !ok {
			t.Errorf("HigherIsBetter(%q) unknown", n)
		}
	}
	if _, ok := metrics.HigherIsBetter("loss"); ok {
		t.Error(`HigherIsBetter("loss") claims to know the name`)
	}
	if b, _ := metrics.HigherIsBetter(metrics.NameRPS); b {
		t.Error("rps should be lower-is-better")
	}
	checkPanics(t, "classes", func() { metrics.MetricNames(0, true, false) })
	checkPanics(t, "scored orderless", func() { metrics.MetricNames(3, false, true) })
}

// referenceSummary computes every metric with the standalone functions,
// a second path to the numbers of the Accumulator.
func referenceSummary(probs [][]float64, labels []int, classes int, ordered bool, scores []float64) metrics.Summary {
	pred := metrics.Argmax(nil, probs)
	s := metrics.Summary{
		metrics.NameAcc:  metrics.Accuracy(pred, labels),
		metrics.NameTop1: metrics.TopK(probs, labels, 1),
	}
	if classes > 5 {
		s[metrics.NameTop5] = metrics.TopK(probs, labels, 5)
	}
	if ordered {
		s[metrics.NameAcc1Off] = metrics.OneOff(pred, labels)
		s[metrics.NameMAE] = metrics.MAE(pred, labels)
		s[metrics.NameMAEExp] = metrics.ExpectedMAE(probs, labels)
		s[metrics.NameRPS] = refRPS(probs, labels)
		s[metrics.NameEMD2] = refRPS(probs, labels) / float64(classes)
		s[metrics.NameQWK] = refQWK(pred, labels)
	}
	if scores != nil {
		s[metrics.NameSpearman] = metrics.Spearman(metrics.ExpectedClass(nil, probs), scores)
	}
	return s
}

// randomTask draws a scored ordinal task: labels from a true score in
// [0, 1) cut into classes bins, probabilities peaked near the label.
func randomTask(rng *rand.Rand, n, classes int, coarse bool) ([][]float64, []int, []float64) {
	probs := randomProbs(rng, n, classes, 1.5, coarse)
	labels := make([]int, n)
	scores := make([]float64, n)
	for i := range labels {
		scores[i] = rng.Float64()
		labels[i] = min(classes-1, int(scores[i]*float64(classes)))
		if !coarse {
			probs[i][labels[i]] += 1 // pull mass towards the label
			for k := range probs[i] {
				probs[i][k] /= 2
			}
		}
	}
	return probs, labels, scores
}

func TestAccumulator_BatchesEqualWhole(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		classes int
		coarse  bool
	}{{8, false}, {8, true}, {3, false}, {12, true}} {
		probs, labels, scores := randomTask(rng, 257, tc.classes, tc.coarse)
		whole := metrics.Evaluate(probs, labels, tc.classes, true, scores)
		if diff := cmp.Diff(referenceSummary(probs, labels, tc.classes, true, scores), whole, summaryOpts...); diff != "" {
			t.Errorf("C=%d coarse=%v: Evaluate vs standalone (-want +got):\n%s", tc.classes, tc.coarse, diff)
		}
		// Random batch boundaries: one accumulator fed batch by batch, and
		// one accumulator per batch merged at the end.
		fed := metrics.NewAccumulator(tc.classes, true, true)
		merged := metrics.NewAccumulator(tc.classes, true, true)
		for lo := 0; lo < len(probs); {
			hi := min(len(probs), lo+1+rng.IntN(40))
			fed.AddBatch(probs[lo:hi], labels[lo:hi], scores[lo:hi])
			part := metrics.NewAccumulator(tc.classes, true, true)
			part.AddBatch(probs[lo:hi], labels[lo:hi], scores[lo:hi])
			merged.Merge(part)
			lo = hi
		}
		for name, acc := range map[string]*metrics.Accumulator{"fed": fed, "merged": merged} {
			if acc.N() != len(probs) {
				t.Errorf("%s: N got %d, want %d", name, acc.N(), len(probs))
			}
			if diff := cmp.Diff(whole, acc.Summary(), summaryOpts...); diff != "" {
				t.Errorf("C=%d %s: batches vs whole (-want +got):\n%s", tc.classes, name, diff)
			}
			pred := metrics.Argmax(nil, probs)
			if diff := cmp.Diff(metrics.ConfusionMatrix(pred, labels, tc.classes).Counts, acc.Confusion().Counts); diff != "" {
				t.Errorf("%s: confusion mismatch (-want +got):\n%s", name, diff)
			}
		}
		// Counts are exact, so the count-based metrics agree bit for bit.
		got := merged.Summary()
		exact := []string{metrics.NameAcc, metrics.NameAcc1Off, metrics.NameMAE, metrics.NameQWK,
			metrics.NameTop1, metrics.NameTop5, metrics.NameSpearman}
		for _, n := range exact {
			if v, ok := got[n]; ok && v != whole[n] {
				t.Errorf("%s: got %v, want exactly %v", n, v, whole[n])
			}
		}
		checkNear(t, "top1 = acc", whole[metrics.NameTop1], whole[metrics.NameAcc], 0)
	}
}

func TestEvaluate_OrderInvariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	probs, labels, scores := randomTask(rng, 300, 8, false)
	want := metrics.Evaluate(probs, labels, 8, true, scores)
	perm := rng.Perm(len(probs))
	pp := make([][]float64, len(probs))
	pl := make([]int, len(probs))
	ps := make([]float64, len(probs))
	for i, j := range perm {
		pp[i], pl[i], ps[i] = probs[j], labels[j], scores[j]
	}
	got := metrics.Evaluate(pp, pl, 8, true, ps)
	if diff := cmp.Diff(want, got, summaryOpts...); diff != "" {
		t.Errorf("permuted samples (-want +got):\n%s", diff)
	}
}

func TestEvaluate_InputsUnmodified(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	probs, labels, scores := randomTask(rng, 100, 6, true)
	p0, l0, s0 := cloneRows(probs), slices.Clone(labels), slices.Clone(scores)
	metrics.Evaluate(probs, labels, 6, true, scores)
	metrics.RPS(probs, labels)
	metrics.TopK(probs, labels, 3)
	metrics.ExpectedMAE(probs, labels)
	metrics.Spearman(scores, scores)
	if diff := cmp.Diff(p0, probs); diff != "" {
		t.Errorf("probs modified:\n%s", diff)
	}
	if diff := cmp.Diff(l0, labels); diff != "" {
		t.Errorf("labels modified:\n%s", diff)
	}
	if diff := cmp.Diff(s0, scores); diff != "" {
		t.Errorf("scores modified:\n%s", diff)
	}
}

func TestEvaluate_DataProblems(t *testing.T) {
	names := metrics.MetricNames(8, true, true)
	allNaN := metrics.Summary{}
	for _, n := range names {
		allNaN[n] = math.NaN()
	}
	t.Run("Empty", func(t *testing.T) {
		got := metrics.Evaluate(nil, nil, 8, true, []float64{})
		if diff := cmp.Diff(allNaN, got, summaryOpts...); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("NaNRow", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 1))
		probs, labels, scores := randomTask(rng, 10, 8, false)
		probs[4][2] = math.NaN()
		got := metrics.Evaluate(probs, labels, 8, true, scores)
		if diff := cmp.Diff(allNaN, got, summaryOpts...); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("DegenerateQWKAndSpearman", func(t *testing.T) {
		// Every sample in class 2, predicted as class 2, with one score:
		// κ and ρ are NaN, the rest are numbers.
		probs := [][]float64{{0, 0, 1}, {0.1, 0.2, 0.7}}
		got := metrics.Evaluate(probs, []int{2, 2}, 3, true, []float64{0.9, 0.9})
		if !math.IsNaN(got[metrics.NameQWK]) || !math.IsNaN(got[metrics.NameSpearman]) {
			t.Errorf("qwk, spearman: got %v, %v, want NaN, NaN", got[metrics.NameQWK], got[metrics.NameSpearman])
		}
		checkNear(t, "acc", got[metrics.NameAcc], 1, 0)
	})
}

func TestAccumulator_Reset(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	probs, labels, scores := randomTask(rng, 50, 8, false)
	a := metrics.NewAccumulator(8, true, true)
	a.AddBatch(probs, labels, scores)
	a.Add([]float64{math.NaN(), 0, 0, 0, 0, 0, 0, 1}, 0, 0.5)
	a.Reset()
	if a.N() != 0 {
		t.Errorf("N after Reset: got %d, want 0", a.N())
	}
	a.AddBatch(probs, labels, scores)
	if diff := cmp.Diff(metrics.Evaluate(probs, labels, 8, true, scores), a.Summary(), summaryOpts...); diff != "" {
		t.Errorf("after Reset (-want +got):\n%s", diff)
	}
}

func TestAccumulator_Panics(t *testing.T) {
	a := metrics.NewAccumulator(3, true, false)
	checkPanics(t, "row length", func() { a.Add([]float64{1, 0}, 0, 0) })
	checkPanics(t, "label", func() { a.Add([]float64{1, 0, 0}, 3, 0) })
	checkPanics(t, "scores given to unscored", func() { a.AddBatch([][]float64{{1, 0, 0}}, []int{0}, []float64{1}) })
	checkPanics(t, "batch lengths", func() { a.AddBatch([][]float64{{1, 0, 0}}, []int{0, 1}, nil) })
	checkPanics(t, "merge", func() { a.Merge(metrics.NewAccumulator(3, true, true)) })
	checkPanics(t, "classes", func() { metrics.NewAccumulator(0, false, false) })
	checkPanics(t, "scored orderless", func() { metrics.NewAccumulator(4, false, true) })
	s := metrics.NewAccumulator(3, true, true)
	checkPanics(t, "missing scores", func() { s.AddBatch([][]float64{{1, 0, 0}}, []int{0}, nil) })
	checkPanics(t, "score length", func() { s.AddBatch([][]float64{{1, 0, 0}}, []int{0}, []float64{1, 2}) })
	checkPanics(t, "Evaluate scores orderless", func() { metrics.Evaluate(nil, nil, 3, false, []float64{}) })
}
