package metrics_test

import (
	"fmt"

	"github.com/replicate-emd/replicate/metrics"
)

func ExampleSpearman() {
	// Expected class index under the predicted distribution vs the true
	// aesthetic score; ties get average ranks.
	expected := []float64{1, 2, 3, 4, 5}
	truth := []float64{5, 6, 7, 8, 7}
	fmt.Printf("ρ = %.4f\n", metrics.Spearman(expected, truth))
	// Output:
	// ρ = 0.8208
}

func ExampleQWK() {
	pred := []int{0, 1, 1, 1, 2, 0}
	label := []int{0, 0, 1, 1, 2, 2}
	fmt.Printf("κ = %.4f (2/7)\n", metrics.QWK(pred, label, 3))
	fmt.Printf("perfect κ = %.1f\n", metrics.QWK(label, label, 3))
	// Output:
	// κ = 0.2857 (2/7)
	// perfect κ = 1.0
}

func ExampleTInterval() {
	// Exact accuracy over five folds.
	acc := []float64{0.61, 0.64, 0.59, 0.66, 0.62}
	iv := metrics.TInterval(acc, 0.95)
	fmt.Printf("%.3f ± %.3f (sd %.3f, n=%d), %.0f%% CI [%.4f, %.4f]\n",
		iv.Mean, iv.HalfWidth(), iv.Std, iv.N, 100*iv.Level, iv.Lo, iv.Hi)
	// Output:
	// 0.624 ± 0.034 (sd 0.027, n=5), 95% CI [0.5905, 0.6575]
}

func ExamplePairedTTest() {
	// Exact accuracy of two losses on the same five folds.
	emd := []float64{0.652, 0.631, 0.668, 0.645, 0.659}
	ce := []float64{0.641, 0.629, 0.655, 0.640, 0.650}
	r := metrics.PairedTTest(emd, ce)
	fmt.Printf("mean diff %.3f, t(%d) = %.2f, p = %.4f (%v)\n", r.MeanDiff, r.DF, r.T, r.P, r.Status)

	same := metrics.PairedTTest(ce, ce)
	fmt.Printf("identical runs: p = %v (%v)\n", same.P, same.Status)
	// Output:
	// mean diff 0.008, t(4) = 4.00, p = 0.0161 (ok)
	// identical runs: p = NaN (no difference)
}

func ExampleWilcoxon() {
	emd := []float64{0.652, 0.631, 0.668, 0.645, 0.659}
	ce := []float64{0.641, 0.629, 0.655, 0.640, 0.650}
	r := metrics.Wilcoxon(emd, ce)
	// Five folds, all in favour: the smallest exact p-value, 2/2⁵.
	fmt.Printf("W+ = %.0f, W− = %.0f, p = %.4f, exact %v\n", r.WPlus, r.WMinus, r.P, r.Exact)
	// Output:
	// W+ = 15, W− = 0, p = 0.0625, exact true
}

func ExampleEvaluate() {
	probs := [][]float64{
		{.2, .4, .2, .2},
		{.7, .1, .1, .1},
		{.5, .05, .1, .35},
		{.1, .05, .65, .2},
	}
	labels := []int{0, 0, 3, 2}
	s := metrics.Evaluate(probs, labels, 4, true, nil)
	for _, name := range s.Names() {
		fmt.Printf("%-8s %.6f\n", name, s[name])
	}
	// Output:
	// acc      0.500000
	// acc1off  0.750000
	// emd2     0.126719
	// mae      1.000000
	// mae_exp  0.937500
	// qwk      0.047619
	// rps      0.506875
	// top1     0.500000
}

func ExampleAccumulator() {
	a := metrics.NewAccumulator(3, true, false)
	// Two batches of an epoch's evaluation.
	a.AddBatch([][]float64{{.8, .1, .1}, {.2, .5, .3}}, []int{0, 2}, nil)
	a.AddBatch([][]float64{{.1, .2, .7}}, []int{2}, nil)
	s := a.Summary()
	// By hand: argmax [0 1 2]; RPS per sample .05, .53, .10, mean .68/3.
	fmt.Printf("n=%d acc=%.4f acc1off=%.4f rps=%.4f\n", a.N(), s[metrics.NameAcc], s[metrics.NameAcc1Off], s[metrics.NameRPS])
	// Output:
	// n=3 acc=0.6667 acc1off=1.0000 rps=0.2267
}
