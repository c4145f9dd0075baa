package train

import (
	"math"
	"testing"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/settings"
)

func smokeData(t *testing.T) *datasets.Memory {
	t.Helper()
	m, err := datasets.Synthetic(datasets.SyntheticOptions{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func smokeConfig(loss string) Config {
	return Config{Loss: loss, Seed: 1, Run: settings.Run{Model: settings.Model{Hidden: []int{32}}, Epochs: 8, BatchSize: 32, LR: 0.05,
		Momentum: 0.9, WeightDecay: 1e-4, LRDecay: 0.995}}
}

// TestRun_AboveChance trains each loss briefly on the synthetic ordinal data:
// chance is 1/8 exact and about 0.34 one-off; a working loss must clear both
// by a wide margin.
func TestRun_AboveChance(t *testing.T) {
	data := smokeData(t)
	for _, loss := range []string{"ce", "emd2"} {
		t.Run(loss, func(t *testing.T) {
			var epochs int
			res, err := Run(t.Context(), smokeConfig(loss), data, 0, func(m EpochMetrics) error {
				if m.Split == "test" {
					epochs++
				}
				return nil
			}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != Finished || epochs != 8 {
				t.Fatalf("status %s after %d epochs, want finished after 8", res.Outcome, epochs)
			}
			t.Logf("%s: test %v", loss, res.Test)
			if res.Test["acc"] < 0.4 || res.Test["acc1off"] < 0.7 {
				t.Errorf("test accuracy %.3f, 1-off %.3f: not clearly above chance (0.125, 0.34)", res.Test["acc"], res.Test["acc1off"])
			}
		})
	}
}

// TestRun_Deterministic checks that the same seed and config give the same
// metrics bit for bit.
func TestRun_Deterministic(t *testing.T) {
	data := smokeData(t)
	cfg := smokeConfig("emd2")
	cfg.Epochs = 2
	run := func() []float64 {
		var out []float64
		_, err := Run(t.Context(), cfg, data, 1, func(m EpochMetrics) error {
			out = append(out, m.Values["acc"], m.Values["mae"])
			return nil
		}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b := run(), run()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("run differs at %d: %v vs %v", i, a, b)
		}
	}
}

// TestRun_CombinedWarmup: a combined loss with an ordered distance trains
// its warm-up epochs with CE alone at the warm-up rate (PAPER.md §1.4), so
// those epochs match a CE run at that rate bit for bit; then it trains the
// combined loss and parts from CE.
func TestRun_CombinedWarmup(t *testing.T) {
	data := smokeData(t)
	collect := func(cfg Config) [][3]float64 {
		var out [][3]float64
		_, err := Run(t.Context(), cfg, data, 1, func(m EpochMetrics) error {
			if m.Split == "test" {
				out = append(out, [3]float64{m.Values["acc"], m.Values["mae"], m.Values["rps"]})
			}
			return nil
		}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	comb := smokeConfig("ce+emd2")
	comb.Epochs, comb.LossOptions.WarmupEpochs, comb.LossOptions.WarmupLR, comb.LossOptions.EMDWeight = 4, 2, 0.05, 8
	ce := smokeConfig("ce")
	ce.Epochs, ce.LR = 4, 0.05
	got, want := collect(comb), collect(ce)
	for e := range 2 {
		if got[e] != want[e] {
			t.Errorf("warm-up epoch %d: ce+emd2 %v, CE %v: want equal", e, got[e], want[e])
		}
	}
	if got[3] == want[3] {
		t.Errorf("epoch 3: ce+emd2 equals CE (%v): the combined phase did not start", got[3])
	}
}

// TestRun_L2RawOutput: the expected-value MAE of the regression head is
// measured on its raw output, so it differs from the MAE of the rounded
// class (before, both were the rounded class's).
func TestRun_L2RawOutput(t *testing.T) {
	cfg := smokeConfig("l2")
	cfg.Epochs, cfg.LR = 2, 0.002
	res, err := Run(t.Context(), cfg, smokeData(t), 0, func(EpochMetrics) error { return nil }, Options{})
	if err != nil || res.Outcome != Finished {
		t.Fatalf("%v, %+v", err, res)
	}
	if m := res.Test; m["mae_exp"] == m["mae"] || math.IsNaN(m["mae_exp"]) {
		t.Errorf("mae_exp %v, mae %v: want the raw output's error, not the rounded class's", m["mae_exp"], m["mae"])
	}
}
