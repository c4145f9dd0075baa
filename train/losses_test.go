package train

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/losses"
)

// TestRun_EveryLoss trains every loss of the registry briefly on the
// synthetic ordinal data: the training loss falls and the test accuracy is
// well above chance (1/8 exact, about 0.34 one-off).
func TestRun_EveryLoss(t *testing.T) {
	data := smokeData(t)
	for _, name := range losses.Names() {
		t.Run(name, func(t *testing.T) {
			cfg := smokeConfig(name)
			cfg.Epochs, cfg.LossOptions.WarmupEpochs, cfg.LossOptions.WarmupLR = 10, 2, 0.05
			if name == "l2" {
				cfg.LR = 0.005 // a regression on raw class indices takes larger gradients
			}
			if name == "ce+emd2-given" {
				cfg.GroundDistance = losses.OrderedDistance(8, 1)
			}
			var trainLoss []float64
			var artifacts []Artifact
			res, err := Run(t.Context(), cfg, data, 0, func(m EpochMetrics) error {
				if m.Split == "train" {
					trainLoss = append(trainLoss, m.Values["loss"])
				}
				return nil
			}, Options{Artifact: func(a Artifact) error { artifacts = append(artifacts, a); return nil }})
			if err != nil || res.Outcome != Finished {
				t.Fatalf("%v %+v", err, res)
			}
			first, last := trainLoss[0], trainLoss[len(trainLoss)-1]
			if !(last < first) {
				t.Errorf("training loss went from %.4f to %.4f", first, last)
			}
			if res.Test["acc"] < 0.3 || res.Test["acc1off"] < 0.7 {
				t.Errorf("test accuracy %.3f, 1-off %.3f: not clearly above chance", res.Test["acc"], res.Test["acc1off"])
			}
			spec, _ := losses.Lookup(name)
			wantMatrices := 0
			if spec.Distance == losses.DistanceLearned {
				wantMatrices = cfg.Epochs - cfg.LossOptions.WarmupEpochs // after epochs 1..8; none after the last
			}
			matrices := 0
			for _, a := range artifacts {
				if a.Kind == "matrix" {
					matrices++
				}
			}
			if matrices != wantMatrices || artifacts[len(artifacts)-1].Kind != "confusion" {
				t.Errorf("%d learned matrices (want %d), artifacts %v", matrices, wantMatrices, kinds(artifacts))
			}
		})
	}
}

func kinds(as []Artifact) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	return out
}

// TestRun_LearnedDistanceOrder trains xe-emd2 on ordered data: the learned
// distance must put neighbouring classes closer than distant ones.
func TestRun_LearnedDistanceOrder(t *testing.T) {
	data := smokeData(t)
	cfg := smokeConfig("xe-emd1")
	cfg.Epochs, cfg.LossOptions.WarmupEpochs, cfg.LossOptions.WarmupLR = 6, 4, 0.05
	var last []byte
	_, err := Run(t.Context(), cfg, data, 0, func(EpochMetrics) error { return nil }, Options{Artifact: func(a Artifact) error {
		if a.Kind == "matrix" {
			last = a.Data
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Values [][]float64 }
	if err := json.Unmarshal(last, &m); err != nil {
		t.Fatal(err)
	}
	near, far := 0.0, 0.0
	nNear, nFar := 0, 0
	for i, row := range m.Values {
		for j, v := range row {
			switch d := math.Abs(float64(i - j)); {
			case d == 1:
				near += v
				nNear++
			case d >= 4:
				far += v
				nFar++
			}
		}
	}
	near, far = near/float64(nNear), far/float64(nFar)
	if !(near < far) {
		t.Errorf("mean learned distance of neighbours %.3f, of classes ≥ 4 apart %.3f: want neighbours closer", near, far)
	}
	if m.Values[0][0] != 1 {
		t.Errorf("diagonal %v, want 1", m.Values[0][0])
	}
}

// TestRun_Diverged: a huge learning rate makes the loss overflow; the run
// ends as diverged, naming the epoch and batch, without an error.
func TestRun_Diverged(t *testing.T) {
	data := smokeData(t)
	cfg := smokeConfig("l2")
	cfg.LR = 1e6
	res, err := Run(t.Context(), cfg, data, 0, func(EpochMetrics) error { return nil }, Options{})
	if err != nil || res.Outcome != Diverged {
		t.Fatalf("got %v, %+v; want a diverged run", err, res)
	}
	if !strings.Contains(res.Reason, "at epoch ") || !strings.Contains(res.Reason, "batch ") {
		t.Errorf("reason %q does not name the epoch and batch", res.Reason)
	}
}

// TestRun_BadInput: an orderless dataset with an ordinal loss, an unknown
// loss, a missing given distance — each a clear error, never a panic.
func TestRun_BadInput(t *testing.T) {
	data := smokeData(t)
	orderless := *data
	orderless.Ordered = false
	tests := []struct {
		name string
		cfg  Config
		data datasets.Dataset
		want string
	}{
		{"ordinal loss on orderless data", smokeConfig("emd2"), &orderless, "orderless"},
		{"unknown loss", smokeConfig("emd3"), data, "unknown loss"},
		{"given distance missing", smokeConfig("ce+emd2-given"), data, "ground distance"},
		{"bad model", func() Config { c := smokeConfig("ce"); c.Model.Name = "resnet"; return c }(), data, "unknown model"},
		{"cnn on vectors", func() Config { c := smokeConfig("ce"); c.Model.Name = "cnn"; return c }(), data, "wants images"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Run(t.Context(), tt.cfg, tt.data, 0, func(EpochMetrics) error { return nil }, Options{})
			if err == nil || res.Outcome != Failed || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, %+v; want a failure about %q", err, res, tt.want)
			}
		})
	}
}
