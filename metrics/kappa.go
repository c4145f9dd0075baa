package metrics

import "math"

// QWK returns the quadratic weighted Cohen's kappa between predicted and
// true class indices over classes ordered classes; see Confusion.QWK for the
// formula and the degenerate cases. It panics if the lengths differ, if
// classes < 1, or if a prediction or label is outside [0, classes).
func QWK(pred, label []int, classes int) float64 {
	return ConfusionMatrix(pred, label, classes).QWK()
}

// QWK returns the quadratic weighted Cohen's kappa of the confusion matrix,
//
//	κ = 1 − Σ_{t,p} w_tp O_tp / Σ_{t,p} w_tp E_tp,
//	w_tp = (t − p)² / (C − 1)²,  E_tp = R_t · K_p / N,
//
// where O = Counts, R_t = Σ_p O_tp (true-class totals), K_p = Σ_t O_tp
// (predicted-class totals) and N the total; the (C − 1)² cancels. κ is 1 for
// perfect agreement, 0 for agreement at chance level and negative below.
//
// Degenerate cases return NaN: an empty matrix, and a zero denominator,
// which happens exactly when labels and predictions all fall in one and the
// same class (so that chance agreement is already perfect; this includes
// C = 1). With both raters constant but on different classes the
// denominator is positive and κ = 0.
func (m *Confusion) QWK() float64 {
	c := m.Classes()
	rows := make([]float64, c)
	cols := make([]float64, c)
	var n, obs float64
	for t, row := range m.Counts {
		for p, v := range row {
			f := float64(v)
			rows[t] += f
			cols[p] += f
			n += f
			d := float64(t - p)
			obs += d * d * f
		}
	}
	if n == 0 {
		return math.NaN()
	}
	exp := 0.0
	for t, r := range rows {
		if r == 0 {
			continue
		}
		for p, k := range cols {
			d := float64(t - p)
			exp += d * d * r * k
		}
	}
	exp /= n
	if exp == 0 {
		return math.NaN()
	}
	return 1 - obs/exp
}
