package train

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/replicate-emd/replicate/datasets"
)

// withTargets returns a copy of m whose samples carry target rows: row(i,
// label) gives sample i's distribution.
func withTargets(m *datasets.Memory, row func(i, label int) []float64) *datasets.Memory {
	c := *m
	c.Targets = nil
	for i, y := range m.Y {
		c.Targets = append(c.Targets, row(i, y)...)
	}
	return &c
}

// allMetrics trains cfg on data and returns every epoch's metrics.
func allMetrics(t *testing.T, cfg Config, data datasets.Dataset) []EpochMetrics {
	t.Helper()
	var out []EpochMetrics
	res, err := Run(t.Context(), cfg, data, 0, func(m EpochMetrics) error { out = append(out, m); return nil }, Options{})
	if err != nil || res.Outcome != Finished {
		t.Fatalf("%s: %v, %+v", cfg.Loss, err, res)
	}
	return out
}

// TestRun_OneHotTargets: target distributions that are one-hot rows train
// and evaluate bit for bit like the labels they encode, for every loss
// that takes target distributions.
func TestRun_OneHotTargets(t *testing.T) {
	data := smokeData(t)
	onehot := withTargets(data, func(_, y int) []float64 {
		r := make([]float64, data.Classes)
		r[y] = 1
		return r
	})
	for _, loss := range []string{"ce", "emd2", "emd2-sum", "ce+emd2"} {
		t.Run(loss, func(t *testing.T) {
			cfg := smokeConfig(loss)
			cfg.Epochs = 2
			if diff := cmp.Diff(allMetrics(t, cfg, data), allMetrics(t, cfg, onehot)); diff != "" {
				t.Errorf("one-hot targets differ from labels (-labels +targets):\n%s", diff)
			}
		})
	}
}

// TestRun_SoftTargets trains on smoothed targets (rater-like histograms):
// the run finishes, trains on the distributions (its loss differs from the
// labels'), and evaluates against their mean class.
func TestRun_SoftTargets(t *testing.T) {
	data := smokeData(t)
	smooth := withTargets(data, func(_, y int) []float64 {
		r := make([]float64, data.Classes)
		r[y] = 0.6
		r[max(y-1, 0)] += 0.2
		r[min(y+1, data.Classes-1)] += 0.2
		return r
	})
	cfg := smokeConfig("emd2")
	cfg.Epochs = 2
	hard, soft := allMetrics(t, cfg, data), allMetrics(t, cfg, smooth)
	if hard[0].Values["loss"] == soft[0].Values["loss"] {
		t.Error("the training loss ignores the target distributions")
	}
	for _, m := range soft {
		if m.Values["acc"] < 0 || m.Values["mae_exp"] < 0 {
			t.Errorf("epoch %d %s: %v", m.Epoch, m.Split, m.Values)
		}
	}
}

// TestCheckData_SoftTargets refuses the losses that need one label per
// sample on target distributions, naming those that take them.
func TestCheckData_SoftTargets(t *testing.T) {
	info := datasets.Info{Name: "features", Classes: 4, Ordered: true, SoftTargets: true}
	for _, loss := range []string{"ce", "emd2", "emd2-sum", "ce+emd2"} {
		if err := CheckData(loss, info); err != nil {
			t.Errorf("%s: %v", loss, err)
		}
	}
	for _, loss := range []string{"l2", "xe-emd1", "xe-emd2", "ce+emd2-given"} {
		err := CheckData(loss, info)
		if err == nil || !strings.Contains(err.Error(), "needs one label per sample") || !strings.Contains(err.Error(), "ce, emd2, emd2-sum, ce+emd2") {
			t.Errorf("%s: %v, want a refusal naming the losses that take distributions", loss, err)
		}
	}
	info.SoftTargets = false
	if err := CheckData("xe-emd1", info); err != nil {
		t.Errorf("xe-emd1 on labels: %v", err)
	}
}
