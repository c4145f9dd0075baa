package metrics

import (
	"math"
	"slices"
)

// Accumulator computes the metrics of Evaluate sample by sample, so an epoch
// can be evaluated batch by batch; accumulators of disjoint parts can be
// merged. Counts are exact and the floating sums differ from a single pass
// only by rounding. Memory is O(C²) plus, with scores, two float64 per
// sample (Spearman's ρ needs every pair). The zero value is not usable; call
// NewAccumulator. An Accumulator is not safe for concurrent use: give each
// goroutine its own and Merge them.
type Accumulator struct {
	classes         int
	ordered, scored bool

	n       int        // samples added
	invalid int        // samples whose row had NaN or ±Inf
	conf    *Confusion // argmax prediction vs label, valid rows only
	top1    int        // valid rows whose label ranks first
	top5    int        // valid rows whose label ranks in the first five
	rps     float64    // Σ RPS over valid rows
	maeExp  float64    // Σ |E − y| over valid rows
	expect  []float64  // expected class index per sample (scored only)
	scores  []float64  // true score per sample (scored only)
}

// NewAccumulator returns an empty accumulator for a task with the given
// number of classes; ordered says the class indices are ordered (adds the
// ordinal metrics) and scored that each sample comes with a true continuous
// score (adds Spearman's ρ). It panics if classes < 1 or if scored is set
// without ordered.
func NewAccumulator(classes int, ordered, scored bool) *Accumulator {
	if scored && !ordered {
		panic(errScores)
	}
	return &Accumulator{
		classes: classes,
		ordered: ordered,
		scored:  scored,
		conf:    NewConfusion(classes),
	}
}

// Add counts one sample: its predicted class probabilities (length C), its
// label and its true score (ignored unless the accumulator is scored). The
// row is read, not kept. A row with NaN or ±Inf makes every metric of the
// summary NaN; a NaN score makes spearman NaN. It panics if len(probs) != C
// or label is outside [0, C).
func (a *Accumulator) Add(probs []float64, label int, score float64) {
	a.add(probs, math.NaN(), label, float64(label), score)
}

// AddTarget counts one sample whose truth is a target distribution over
// the classes (e.g. normalised rater histograms) instead of one label. The
// class metrics (acc, acc1off, mae, qwk, top1, top5, rps, emd2 and the
// confusion matrix) take the target's most likely class as the label (the
// first of equals); the expected-value metric mae_exp compares the
// predicted expected class with the target's mean class,
//
//	|Σ_k k·p_k − Σ_k k·t_k|;
//
// spearman takes score as Add does. The rows are read, not kept. It panics
// if len(probs) or len(target) is not C.
func (a *Accumulator) AddTarget(probs, target []float64, score float64) {
	if len(target) != a.classes {
		panic(errRowLength)
	}
	label, mean := 0, 0.0
	for k, t := range target {
		if t > target[label] {
			label = k
		}
		mean += float64(k) * t
	}
	a.add(probs, math.NaN(), label, mean, score)
}

// AddRegression counts one sample of a regression head: probs is the
// one-hot row of its predicted class (the rounded, clamped output) and
// value the raw output on the class-index scale. The class metrics use
// probs; the expected-value metrics (mae_exp, and spearman's predicted
// score) use value instead of probs' expectation, so that they measure
// the regression itself rather than its rounding. A NaN or ±Inf value
// counts like a non-finite row.
func (a *Accumulator) AddRegression(probs []float64, value float64, label int, score float64) {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		checkLabel(label, a.classes)
		a.addInvalid(score)
		return
	}
	a.add(probs, value, label, float64(label), score)
}

// addInvalid counts a sample whose prediction is not finite.
func (a *Accumulator) addInvalid(score float64) {
	a.n++
	a.invalid++
	if a.scored {
		a.expect = append(a.expect, math.NaN())
		a.scores = append(a.scores, score)
	}
}

// add counts one sample; value is the expected class, or NaN to take it
// from probs, and truth the true class value mae_exp compares it with (the
// label, or a target distribution's mean class).
func (a *Accumulator) add(probs []float64, value float64, label int, truth, score float64) {
	if len(probs) != a.classes {
		panic(errRowLength)
	}
	checkLabel(label, a.classes)
	if !finite(probs) {
		a.addInvalid(score)
		return
	}
	a.n++
	a.conf.Add(argmaxFinite(probs), label)
	rank := labelRank(probs, label, 5)
	if rank < 1 {
		a.top1++
	}
	if rank < 5 {
		a.top5++
	}
	if a.ordered {
		e := value
		if math.IsNaN(e) {
			e = expectedFinite(probs)
		}
		a.rps += rpsRow(probs, label)
		a.maeExp += math.Abs(e - truth)
		if a.scored {
			a.expect = append(a.expect, e)
			a.scores = append(a.scores, score)
		}
	}
}

// AddBatch adds the samples of a batch in order; scores must be nil unless
// the accumulator is scored, and then have one entry per label. It panics
// on the conditions of Add and if the lengths differ.
func (a *Accumulator) AddBatch(probs [][]float64, labels []int, scores []float64) {
	checkLen(len(probs), len(labels))
	if a.scored != (scores != nil) || (scores != nil && len(scores) != len(labels)) {
		panic(errScoreLength)
	}
	for i, row := range probs {
		s := math.NaN()
		if scores != nil {
			s = scores[i]
		}
		a.Add(row, labels[i], s)
	}
}

// Merge adds the samples counted by b to a, as if they had been added to a
// after its own. It panics if the two differ in classes, ordered or scored.
func (a *Accumulator) Merge(b *Accumulator) {
	if a.classes != b.classes || a.ordered != b.ordered || a.scored != b.scored {
		panic(errMerge)
	}
	a.n += b.n
	a.invalid += b.invalid
	a.conf.Merge(b.conf)
	a.top1 += b.top1
	a.top5 += b.top5
	a.rps += b.rps
	a.maeExp += b.maeExp
	a.expect = append(a.expect, b.expect...)
	a.scores = append(a.scores, b.scores...)
}

// Reset empties the accumulator, keeping its task and its memory.
func (a *Accumulator) Reset() {
	*a = Accumulator{
		classes: a.classes,
		ordered: a.ordered,
		scored:  a.scored,
		conf:    NewConfusion(a.classes),
		expect:  a.expect[:0],
		scores:  a.scores[:0],
	}
}

// N returns the number of samples added.
func (a *Accumulator) N() int { return a.n }

// Confusion returns a copy of the confusion matrix of the argmax
// predictions of the samples whose rows were finite.
func (a *Accumulator) Confusion() *Confusion { return a.conf.Clone() }

// Summary returns the metrics of the samples added so far, under the names
// listed by MetricNames. Every value is NaN when no sample was added or when
// some row held NaN or ±Inf; qwk and spearman are also NaN in their own
// degenerate cases (Confusion.QWK, Spearman).
func (a *Accumulator) Summary() Summary {
	names := MetricNames(a.classes, a.ordered, a.scored)
	s := make(Summary, len(names))
	if a.n == 0 || a.invalid > 0 {
		for _, n := range names {
			s[n] = math.NaN()
		}
		return s
	}
	n := float64(a.n)
	s[NameAcc] = a.conf.Accuracy()
	s[NameTop1] = float64(a.top1) / n
	if slices.Contains(names, NameTop5) {
		s[NameTop5] = float64(a.top5) / n
	}
	if a.ordered {
		s[NameAcc1Off] = a.conf.OffByAtMost(1)
		s[NameMAE] = a.conf.MAE()
		s[NameMAEExp] = a.maeExp / n
		s[NameRPS] = a.rps / n
		s[NameEMD2] = a.rps / n / float64(a.classes)
		s[NameQWK] = a.conf.QWK()
	}
	if a.scored {
		s[NameSpearman] = Spearman(a.expect, a.scores)
	}
	return s
}
