package metrics

import "math"

// Confusion is a C×C confusion matrix: Counts[t][p] is the number of samples
// of true class t predicted as class p (rows true, columns predicted).
type Confusion struct {
	Counts [][]int
}

// NewConfusion returns an empty confusion matrix for the given number of
// classes. It panics if classes < 1.
func NewConfusion(classes int) *Confusion {
	if classes < 1 {
		panic(errClasses)
	}
	m := &Confusion{Counts: make([][]int, classes)}
	cells := make([]int, classes*classes)
	for t := range m.Counts {
		m.Counts[t] = cells[t*classes : (t+1)*classes : (t+1)*classes]
	}
	return m
}

// ConfusionMatrix counts the pairs (label_i, pred_i) into a new confusion
// matrix. It panics if the lengths differ, if classes < 1, or if a
// prediction or label is outside [0, classes).
func ConfusionMatrix(pred, label []int, classes int) *Confusion {
	checkLen(len(pred), len(label))
	m := NewConfusion(classes)
	for i := range pred {
		m.Add(pred[i], label[i])
	}
	return m
}

// Classes returns C, the number of classes.
func (m *Confusion) Classes() int { return len(m.Counts) }

// Add counts one sample of true class label predicted as pred. It panics if
// either is outside [0, C).
func (m *Confusion) Add(pred, label int) {
	c := m.Classes()
	checkLabel(label, c)
	if pred < 0 || pred >= c {
		panic(errPred)
	}
	m.Counts[label][pred]++
}

// Merge adds the counts of o to m. It panics if the numbers of classes
// differ.
func (m *Confusion) Merge(o *Confusion) {
	if o.Classes() != m.Classes() {
		panic(errMerge)
	}
	for t, row := range o.Counts {
		for p, n := range row {
			m.Counts[t][p] += n
		}
	}
}

// Clone returns a deep copy of m.
func (m *Confusion) Clone() *Confusion {
	c := NewConfusion(m.Classes())
	c.Merge(m)
	return c
}

// Total returns N, the number of samples counted.
func (m *Confusion) Total() int {
	n := 0
	for _, row := range m.Counts {
		for _, v := range row {
			n += v
		}
	}
	return n
}

// Accuracy returns the fraction of samples on the diagonal, Σ_t n_tt / N, or
// NaN if the matrix is empty. It equals Accuracy over the counted pairs.
func (m *Confusion) Accuracy() float64 { return m.OffByAtMost(0) }

// OffByAtMost returns the fraction of samples with |t − p| ≤ k,
//
//	(1/N) Σ_{|t−p| ≤ k} n_tp,
//
// or NaN if the matrix is empty; k = 1 gives the 1-off accuracy.
func (m *Confusion) OffByAtMost(k int) float64 {
	hits, n := 0, 0
	for t, row := range m.Counts {
		for p, v := range row {
			n += v
			if absInt(t-p) <= k {
				hits += v
			}
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return float64(hits) / float64(n)
}

// MAE returns the mean absolute class difference (1/N) Σ_{t,p} |t − p| n_tp,
// or NaN if the matrix is empty.
func (m *Confusion) MAE() float64 {
	s, n := 0, 0
	for t, row := range m.Counts {
		for p, v := range row {
			n += v
			s += absInt(t-p) * v
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return float64(s) / float64(n)
}

func absInt(d int) int {
	if d < 0 {
		return -d
	}
	return d
}
