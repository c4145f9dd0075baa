package claims

import (
	"fmt"
	"math"

	"github.com/replicate-emd/replicate/metrics"
)

// The levels every decision uses.
const (
	// Alpha is the two-sided level of the difference test (after Holm's
	// adjustment) and the level of the equivalence test.
	Alpha = 0.05
	// Level is the confidence level of the reported interval of Δ.
	Level = 0.95
	// Power is the power an inconclusive claim's "pairs needed" aims at.
	Power = 0.8
	// MinPairs is the fewest fold × seed pairs a claim is decided on.
	MinPairs = 3
	// MaxPairs bounds the search for the pairs needed.
	MaxPairs = 1000
)

// Verdict is the outcome of a claim on one experiment.
type Verdict string

// The verdicts; see the package documentation.
const (
	Supported    Verdict = "supported"
	NoEffect     Verdict = "no effect"
	Contradicted Verdict = "contradicted"
	Differs      Verdict = "differs"
	Inconclusive Verdict = "inconclusive"
)

// Evidence is what one claim has on one experiment.
type Evidence struct {
	Claim      Claim
	Experiment string
	// Treatment and Baseline hold the metric of the two losses paired by
	// split: index i of both is the same fold and seed. For
	// GroundDistanceOrder, Treatment holds Spearman's ρ per split and
	// Baseline is nil (ρ is compared with 0).
	Treatment, Baseline []float64
	// Ratio is n_test / n_train of one split, the Nadeau–Bengio correction
	// (1/(k−1) for k-fold cross-validation; 0 for independent test sets).
	Ratio float64
}

// Decision is the verdict on one claim and experiment, with its numbers.
type Decision struct {
	Evidence
	metrics.Comparison         // Δ = treatment − baseline, its interval and corrected test
	PHolm              float64 // P adjusted by Holm across the experiment's claims
	PEquivalence       float64 // TOST p-value for |Δ| < margin
	Verdict            Verdict
	Reason             string
	// NeededPairs is the number of fold × seed pairs that 80% power at the
	// margin would need with the observed spread; 0 when not computed.
	// NeededReachable is false when no number of pairs would do (the
	// corrected variance has a floor of Ratio·s²).
	NeededPairs     int
	NeededReachable bool
	// Power is the power of the corrected test at the margin with the
	// pairs at hand and their observed spread (metrics.Power); NaN with
	// fewer than 2 pairs or no spread.
	Power float64
}

// Decide decides the claims of one experiment. Holm's adjustment runs
// across all of ev, which should be every claim of that experiment.
func Decide(ev []Evidence) []Decision {
	out := make([]Decision, len(ev))
	ps := make([]float64, len(ev))
	for i, e := range ev {
		base := e.Baseline
		if e.Claim.Kind == GroundDistanceOrder {
			base = make([]float64, len(e.Treatment))
		}
		out[i] = Decision{Evidence: e, Comparison: metrics.CorrectedResampledTTest(e.Treatment, base, e.Ratio, Level)}
		ps[i] = out[i].P
		if out[i].N < MinPairs {
			ps[i] = math.NaN() // not tested, so not counted by Holm
		}
	}
	adj := metrics.Holm(ps)
	for i := range out {
		out[i].PHolm = adj[i]
		out[i].decide()
	}
	return out
}

func (d *Decision) decide() {
	c := d.Claim
	d.PEquivalence = d.Equivalence(c.Margin)
	d.Power = metrics.Power(d.N, d.StdDiff, c.Margin, d.Evidence.Ratio, Alpha)
	if d.N < MinPairs || d.Status == metrics.TestTooFew || d.Status == metrics.TestInvalid {
		d.Verdict = Inconclusive
		d.Reason = fmt.Sprintf("%d pairs (fold × seed); at least %d are needed", d.N, MinPairs)
		if d.Status == metrics.TestInvalid {
			d.Reason = "a value is NaN or infinite"
		}
		return
	}
	gain := d.MeanDiff
	if !c.HigherIsBetter() {
		gain = -gain
	}
	size := math.Abs(d.MeanDiff)
	significant := d.PHolm < Alpha
	switch {
	case significant && c.Direction == Either && size >= c.Margin:
		d.Verdict = Differs
		d.Reason = fmt.Sprintf("%s is %s than %s by %.4g", c.Treatment, betterWorse(gain), c.Baseline, size)
		return
	case significant && c.Direction == Better && gain > 0 && gain >= c.Margin:
		d.Verdict = Supported
		return
	case significant && c.Direction == Better && gain < 0:
		d.Verdict = Contradicted
		return
	case d.PEquivalence < Alpha:
		d.Verdict = NoEffect
		return
	}
	d.Verdict = Inconclusive
	if significant {
		d.Reason = fmt.Sprintf("a difference (%.4g) smaller than the margin %g, not shown inside it", size, c.Margin)
	} else {
		d.Reason = fmt.Sprintf("the interval [%.4g, %.4g] holds both 0 and a difference of the margin %g", d.Lo, d.Hi, c.Margin)
	}
	d.NeededPairs, d.NeededReachable = metrics.RequiredPairs(d.StdDiff, c.Margin, d.Evidence.Ratio, Alpha, Power, MaxPairs)
	switch {
	case d.NeededReachable:
		d.Reason += fmt.Sprintf("; 80%% power at the margin needs about %d pairs (have %d)", d.NeededPairs, d.N)
	case d.NeededPairs > 0:
		d.Reason += fmt.Sprintf("; no number of pairs reaches 80%% power at the margin with this spread (s = %.3g) and test/train ratio %.3g: lower the spread", d.StdDiff, d.Evidence.Ratio)
	}
}

func betterWorse(gain float64) string {
	if gain > 0 {
		return "better"
	}
	return "worse"
}
