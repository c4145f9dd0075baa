package claims

import (
	"math"
	"strings"
	"testing"

	"github.com/replicate-emd/replicate/metrics"

	"github.com/replicate-emd/replicate/experiments"
)

func TestEmbedded(t *testing.T) {
	cs, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		for _, e := range c.Experiments {
			if _, err := experiments.Lookup(e); err != nil {
				t.Errorf("claim %s: experiment %s: %v", c.ID, e, err)
			}
		}
	}
	if len(cs) < 6 {
		t.Errorf("%d claims", len(cs))
	}
}

func TestParseErrors(t *testing.T) {
	good := "claims:\n  - id: a\n    claim: s\n    experiments: [smoke]\n    treatment: ce+emd2\n    baseline: ce\n    metric: acc\n    direction: better\n    margin: 0.01\n"
	if _, err := Parse(strings.NewReader(good), "c.yaml"); err != nil {
		t.Fatalf("good file: %v", err)
	}
	tests := []struct{ name, from, to, want string }{
		{"UnknownKey", "margin: 0.01", "margin: 0.01\n    margni: 1", "margni"},
		{"Direction", "direction: better", "direction: up", "direction"},
		{"MarginZero", "margin: 0.01", "margin: 0", "margin"},
		{"MarginNaN", "margin: 0.01", "margin: .nan", "margin"},
		{"MarginInf", "margin: 0.01", "margin: .inf", "margin"},
		{"Loss", "treatment: ce+emd2", "treatment: emd3", "treatment"},
		{"SameLoss", "treatment: ce+emd2", "treatment: ce", "same loss"},
		{"Metric", "metric: acc", "metric: accuracy", "metric"},
		{"ID", "id: a", "id: A b", "id"},
		{"NoExperiments", "experiments: [smoke]", "experiments: []", "experiments"},
		{"Kind", "metric: acc", "metric: acc\n    kind: odd", "kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(strings.Replace(good, tt.from, tt.to, 1)), "c.yaml")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "c.yaml:") {
				t.Errorf("got %v, want an error naming c.yaml and %q", err, tt.want)
			}
		})
	}
	if _, err := Parse(strings.NewReader(good+strings.TrimPrefix(good, "claims:\n")), "c.yaml"); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate id: %v", err)
	}
	if _, err := Parse(strings.NewReader(""), "c.yaml"); err == nil {
		t.Error("empty file accepted")
	}
}

var accClaim = Claim{ID: "acc", Text: "s", Experiments: []string{"x"}, Kind: Paired, Treatment: "ce+emd2",
	Baseline: "ce", Metric: "acc", Direction: Better, Margin: 0.01}

// splits returns n paired values: baseline 0.6 + noise, treatment shifted
// by delta, with a deterministic spread.
func splits(n int, delta, spread float64) (treat, base []float64) {
	for i := range n {
		b := 0.6 + 0.01*float64(i%3)
		noise := spread * float64((i*7)%5-2) / 2
		treat = append(treat, b+delta+noise)
		base = append(base, b)
	}
	return
}

func TestDecide(t *testing.T) {
	mae := accClaim
	mae.Metric = "mae"
	either := accClaim
	either.Direction = Either
	order := Claim{ID: "o", Text: "s", Experiments: []string{"x"}, Kind: GroundDistanceOrder, Treatment: "xe-emd1", Direction: Better, Margin: 0.3}
	tests := []struct {
		name        string
		claim       Claim
		delta, sd   float64
		n           int
		want        Verdict
		reasonWants string
	}{
		{"KnownEffect", accClaim, 0.03, 0.004, 10, Supported, ""},
		{"NoEffect", accClaim, 0.0005, 0.002, 10, NoEffect, ""},
		{"Opposite", accClaim, -0.03, 0.004, 10, Contradicted, ""},
		// A large spread: neither side can be shown.
		{"Noisy", accClaim, 0.01, 0.05, 10, Inconclusive, "power"},
		{"TooFew", accClaim, 0.03, 0.004, 2, Inconclusive, "at least 3"},
		// Real but below the margin, and not shown inside it.
		{"SmallReal", accClaim, 0.006, 0.005, 10, Inconclusive, "smaller than the margin"},
		// Real, below the margin and shown inside it: no effect worth finding.
		{"SmallRealInside", accClaim, 0.006, 0.001, 10, NoEffect, ""},
		// MAE: lower is better, so a negative Δ supports.
		{"MAELower", mae, -0.03, 0.004, 10, Supported, ""},
		{"MAEHigher", mae, 0.03, 0.004, 10, Contradicted, ""},
		{"EitherWorse", either, -0.03, 0.004, 10, Differs, "worse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			treat, base := splits(tt.n, tt.delta, tt.sd)
			d := Decide([]Evidence{{Claim: tt.claim, Experiment: "x", Treatment: treat, Baseline: base, Ratio: 0.25}})[0]
			if d.Verdict != tt.want || !strings.Contains(d.Reason, tt.reasonWants) {
				t.Errorf("verdict %q (%s), want %q with %q; Δ %.4g [%.4g, %.4g] p %.3g TOST %.3g", d.Verdict, d.Reason, tt.want, tt.reasonWants,
					d.MeanDiff, d.Lo, d.Hi, d.PHolm, d.PEquivalence)
			}
			if math.Abs(d.MeanDiff-tt.delta) > 1e-9 && tt.n > 2 && d.Status == 0 {
				t.Errorf("Δ %v, want %v", d.MeanDiff, tt.delta)
			}
			// Every decided row carries the power at its margin.
			want := metrics.Power(d.N, d.StdDiff, tt.claim.Margin, 0.25, Alpha)
			if (math.IsNaN(want) != math.IsNaN(d.Power)) || (!math.IsNaN(want) && (d.Power != want || !(d.Power > 0 && d.Power < 1))) {
				t.Errorf("power %v, want %v", d.Power, want)
			}
		})
	}
	t.Run("Order", func(t *testing.T) {
		d := Decide([]Evidence{{Claim: order, Experiment: "x", Treatment: []float64{0.81, 0.77, 0.85, 0.79, 0.83}, Ratio: 0.25}})[0]
		if d.Verdict != Supported || math.Abs(d.MeanDiff-0.81) > 1e-12 {
			t.Errorf("order: %q Δ %v", d.Verdict, d.MeanDiff)
		}
		d = Decide([]Evidence{{Claim: order, Experiment: "x", Treatment: []float64{0.01, -0.02, 0.02, 0, -0.01}, Ratio: 0.25}})[0]
		if d.Verdict != NoEffect {
			t.Errorf("no order: %q (%s)", d.Verdict, d.Reason)
		}
	})
}

func TestDecideHolm(t *testing.T) {
	// Alone, each claim's corrected p is below 0.05; Holm over two claims
	// doubles the smaller and lifts the larger to match.
	treat, base := splits(10, 0.012, 0.03)
	alone := Decide([]Evidence{{Claim: accClaim, Treatment: treat, Baseline: base, Ratio: 0.25}})[0]
	if !(alone.P < 0.05) {
		t.Skipf("setup: p %v", alone.P)
	}
	other := accClaim
	other.ID = "b"
	both := Decide([]Evidence{
		{Claim: accClaim, Treatment: treat, Baseline: base, Ratio: 0.25},
		{Claim: other, Treatment: treat, Baseline: base, Ratio: 0.25},
	})
	for _, d := range both {
		if math.Abs(d.PHolm-math.Min(1, 2*alone.P)) > 1e-15 {
			t.Errorf("Holm p %v, want %v", d.PHolm, 2*alone.P)
		}
	}
	// A claim with too few pairs takes no share of the correction.
	few := Decide([]Evidence{
		{Claim: accClaim, Treatment: treat, Baseline: base, Ratio: 0.25},
		{Claim: other, Treatment: treat[:2], Baseline: base[:2], Ratio: 0.25},
	})
	if few[0].PHolm != alone.P || few[1].Verdict != Inconclusive {
		t.Errorf("too few: %v %q", few[0].PHolm, few[1].Verdict)
	}
}
