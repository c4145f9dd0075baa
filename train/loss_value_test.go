package train

import (
	"math"
	"testing"
)

// TestEpoch_LossValue checks the training loss read from the graph against
// the cross-entropy of the evaluation graph's probabilities on the same
// samples, with a learning rate so small that the weights do not move.
func TestEpoch_LossValue(t *testing.T) {
	for _, dtype := range []string{"float64", "float32"} {
		t.Run(dtype, func(t *testing.T) {
			cfg := smokeConfig("ce")
			cfg.LR, cfg.Momentum, cfg.WeightDecay, cfg.Model.Dtype = 1e-300, 0, 0, dtype
			if dtype == "float32" {
				cfg.LR = 1e-30
			}
			r, err := newRun(cfg, smokeData(t), 0)
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.epoch(t.Context(), 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			order := shuffled(r.trainIdx, cfg.Seed, 0)
			used := order[:len(order)/r.batch*r.batch]
			sum := 0.0
			if err := r.predict(t.Context(), used, func(i int, probs, _ []float64, _ float64) {
				sum -= math.Log(probs[r.labels[used[i]]])
			}, false); err != nil {
				t.Fatal(err)
			}
			want := sum / float64(len(used))
			tol := 1e-9
			if dtype == "float32" {
				tol = 1e-4
			}
			if math.Abs(got-want) > tol*math.Max(1, want) || math.IsNaN(got) {
				t.Errorf("mean training loss %.12g, cross-entropy of the predictions %.12g", got, want)
			}
		})
	}
}
