package experiments

import (
	"errors"
	"strings"
	"testing"
)

// weightsGrid is validGrid with a combined loss.
var weightsGrid = strings.Replace(validGrid, "[ce, emd2]", "[ce, emd2, ce+emd2]", 1)

func TestExpand_EMDWeights(t *testing.T) {
	plain, err := Parse(strings.NewReader(weightsGrid), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	g, err := Parse(strings.NewReader(strings.Replace(weightsGrid, "    momentum: 0.9", "    emd_weights: [1, 4]\n    momentum: 0.9", 1)), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	before, _ := plain.Expand("")
	after, err := g.Expand("")
	if err != nil {
		t.Fatal(err)
	}
	perSetting := 2 * 2 * 2 // learning rates × seeds × folds
	count := map[string]map[float64]int{}
	for _, s := range after {
		if count[s.Loss] == nil {
			count[s.Loss] = map[float64]int{}
		}
		count[s.Loss][s.LossOptions.EMDWeight]++
	}
	if len(count["ce+emd2"]) != 2 || count["ce+emd2"][1] != perSetting || count["ce+emd2"][4] != perSetting {
		t.Errorf("ce+emd2 runs per weight %v, want %d at 1 and at 4", count["ce+emd2"], perSetting)
	}
	if count["ce"][0] != perSetting || count["emd2"][0] != perSetting || len(count["ce"]) != 1 {
		t.Errorf("ce, emd2 runs %v %v: want one setting each, weight unset", count["ce"], count["emd2"])
	}
	// Losses without a weight keep their keys: records made before the
	// axis existed still count.
	keys := map[string]bool{}
	for _, s := range after {
		keys[s.Key()] = true
	}
	for _, s := range before {
		if s.Loss != "ce+emd2" && !keys[s.Key()] {
			t.Errorf("%s: key changed", s)
		}
	}
	// A per-loss list wins.
	g2, err := Parse(strings.NewReader(strings.Replace(weightsGrid, "    momentum: 0.9", "    emd_weights: [1, 4]\n    loss_emd_weights: {ce+emd2: [8]}\n    momentum: 0.9", 1)), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := g2.Expand("")
	for _, s := range runs {
		if s.Loss == "ce+emd2" && s.LossOptions.EMDWeight != 8 {
			t.Errorf("ce+emd2 weight %v, want 8", s.LossOptions.EMDWeight)
		}
	}
}

func TestParse_EMDWeightErrors(t *testing.T) {
	with := func(lines string) string {
		return strings.Replace(weightsGrid, "    momentum: 0.9", lines+"\n    momentum: 0.9", 1)
	}
	tests := []struct{ name, yaml, want string }{
		{"both", with("    emd_weights: [1, 4]\n    loss: {emd_weight: 2}"), "emd_weights: give the EMD² weight once"},
		{"twice", with("    emd_weights: [4, 4]"), "emd_weights[1]: 4 is listed twice"},
		{"zero", with("    emd_weights: [0]"), "emd_weights[0]: must be positive"},
		{"empty", with("    emd_weights: []"), "emd_weights: empty"},
		{"not combined", with("    loss_emd_weights: {emd2: [2]}"), `loss_emd_weights.emd2: loss "emd2" has no EMD² term beside CE`},
		{"not in grid", with("    loss_emd_weights: {xe-emd1: [2]}"), `loss_emd_weights.xe-emd1: loss "xe-emd1" is not in the grid`},
		{"nan", with("    emd_weights: [.nan]"), "emd_weights"},
		{"warm-up eats every epoch", with("    loss: {warmup_epochs: 1, warmup_lr: 0.1}"), "loss.warmup_epochs: a warm-up of 1 epochs leaves no epoch of 1 for the combined loss ce+emd2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.yaml), "t.yaml")
			if err == nil || !errors.Is(err, ErrInvalidGrid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an invalid-grid error containing %q", err, tt.want)
			}
		})
	}
}
