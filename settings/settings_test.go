package settings

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// valid is a Run that trains.
var valid = Run{Model: Model{Name: "mlp", Hidden: []int{8}}, Epochs: 2, BatchSize: 4, LR: 0.1, Momentum: 0.9, LRDecay: 1}

func TestRun_Validate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Run)
		field string // "" for OK
		want  string
	}{
		{"OK", func(*Run) {}, "", ""},
		{"OK warm-up", func(r *Run) { r.LossOptions.WarmupEpochs, r.LossOptions.WarmupLR = 2, 0.01 }, "", ""},
		{"epochs", func(r *Run) { r.Epochs = 0 }, "epochs", "must be at least 1, got 0"},
		{"batch", func(r *Run) { r.BatchSize = -1 }, "batch_size", "must be at least 1"},
		{"lr zero", func(r *Run) { r.LR = 0 }, "lr", "must be positive, got 0"},
		{"lr NaN", func(r *Run) { r.LR = math.NaN() }, "lr", "must be positive"},
		{"lr Inf", func(r *Run) { r.LR = math.Inf(1) }, "lr", "must be positive"},
		{"momentum", func(r *Run) { r.Momentum = 1 }, "momentum", "must lie in [0, 1), got 1"},
		{"weight decay", func(r *Run) { r.WeightDecay = -1e-4 }, "weight_decay", "must not be negative"},
		{"lr decay zero", func(r *Run) { r.LRDecay = 0 }, "lr_decay", "must lie in (0, 1]"},
		{"lr decay above 1", func(r *Run) { r.LRDecay = 1.5 }, "lr_decay", "must lie in (0, 1]"},
		{"val fraction", func(r *Run) { r.ValFraction = 1 }, "val_fraction", "must lie in [0, 1)"},
		{"ce weight", func(r *Run) { r.LossOptions.CEWeight = -1 }, "loss", "weights must not be negative, got ce -1, emd 0"},
		{"warm-up without rate", func(r *Run) { r.LossOptions.WarmupEpochs = 2 }, "loss.warmup_lr", "a warm-up of 2 epochs needs a positive learning rate, got 0"},
		{"negative warm-up", func(r *Run) { r.LossOptions.WarmupEpochs = -1 }, "loss.warmup_lr", "a warm-up of -1 epochs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid
			tt.edit(&r)
			err := r.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !strings.Contains(fe.Msg, tt.want) {
				t.Errorf("got %v, want field %s with %q", err, tt.field, tt.want)
			}
		})
	}
}

// spec mirrors the shape of a run's canonical configuration: coordinates,
// a nested section, an embedded Run, omitempty fields, a pointer and a map.
type spec struct {
	Experiment string `json:"experiment"`
	Data       struct {
		Name  string  `json:"name"`
		Noise float64 `json:"noise,omitempty"`
	} `json:"dataset"`
	Fold    int  `json:"fold"`
	ValFold *int `json:"val_fold,omitempty"`
	Run
	Extra  map[string]int `json:"extra,omitempty"`
	Hidden string         `json:"-"`
	Seed   uint64         `json:"seed"`
}

// flatten is an independent reading of a configuration: decode its JSON
// into maps (numbers kept as text) and flatten the leaves, lists whole.
func flatten(t *testing.T, v any, skip ...string) Setting {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	for _, k := range skip {
		delete(m, k)
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(join(prefix, k), x)
			}
		case string:
			out[prefix] = v
		default:
			b, _ := json.Marshal(v)
			out[prefix] = string(b)
		}
	}
	walk("", m)
	var s Setting
	for k, v := range out {
		s = append(s, Field{k, v})
	}
	slices.SortFunc(s, func(a, b Field) int { return strings.Compare(a.Name, b.Name) })
	return s
}

func TestOf(t *testing.T) {
	two := 2
	var a, b spec
	a.Experiment, a.Data.Name, a.Fold, a.Seed, a.Run = "x", "synthetic", 1, 3, valid
	a.LossOptions.GroundDistance = `"odd", path=here`
	a.LR = 1e-5
	b = a
	b.Data.Noise, b.ValFold, b.Extra, b.Hidden, b.Augment = 0.5, &two, map[string]int{"z": 1, "a": 2}, "never", true
	b.Model.Channels = []int{16, 32}
	for _, v := range []spec{a, b} {
		got := Of(v, "experiment", "fold", "seed")
		if diff := cmp.Diff(flatten(t, v, "experiment", "fold", "seed"), got); diff != "" {
			t.Errorf("Of disagrees with the JSON's leaves (-want +got):\n%s", diff)
		}
	}
	got := Of(&a, "experiment", "fold", "seed").String()
	want := `batch_size=4, dataset.name=synthetic, epochs=2, loss_options.ground_distance="\"odd\", path=here", lr=0.00001, lr_decay=1, model.hidden=[8], model.name=mlp, momentum=0.9, weight_decay=0`
	if got != want {
		t.Errorf("String\n got %s\nwant %s", got, want)
	}
}

func TestParse(t *testing.T) {
	for _, s := range []Setting{
		nil,
		{{"lr", "0.01"}},
		{{"a", `"x", y`}, {"b", "[1,2]"}, {"c", "p=q"}, {"d", ""}, {"e", `"`}, {"f", "ünï, cödé"}},
	} {
		got, err := Parse(s.String())
		if err != nil {
			t.Fatalf("Parse(%q): %v", s.String(), err)
		}
		if diff := cmp.Diff(s, got); diff != "" {
			t.Errorf("round trip of %q (-want +got):\n%s", s.String(), diff)
		}
	}
	for _, bad := range []string{"lr", "=1", `a="unterminated`, `a="x"y`} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

func TestVarying_Label(t *testing.T) {
	a := Setting{{"dataset.name", "d"}, {"lr", "0.01"}, {"model.hidden", "[8]"}}
	b := Setting{{"dataset.name", "d"}, {"lr", "1e-1"}, {"model.hidden", "[8]"}}
	c := Setting{{"dataset.name", "d"}, {"lr", "0.01"}, {"model.hidden", "[8]"}, {"val_fraction", "0.1"}}
	vary := Varying([]Setting{a, b, c})
	if diff := cmp.Diff([]string{"lr", "val_fraction"}, vary); diff != "" {
		t.Errorf("varying (-want +got):\n%s", diff)
	}
	if got := b.Label(vary); got != "lr=1e-1" {
		t.Errorf("label %q", got)
	}
	if got := a.Label(nil); got != "" {
		t.Errorf("label of no field %q", got)
	}
	if got := Varying([]Setting{a, a}); got != nil {
		t.Errorf("equal settings vary in %v", got)
	}
}
