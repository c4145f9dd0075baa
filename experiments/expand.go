package experiments

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// RunSpec is one fully specified run of a grid. Its JSON form is canonical
// (fixed field order, no maps), so its hash is the same on any machine.
type RunSpec struct {
	Experiment  string      `json:"experiment"`
	Profile     string      `json:"profile"`
	Dataset     DataSpec    `json:"dataset"`
	Folds       int         `json:"folds"`
	Fold        int         `json:"fold"`               // the test fold
	ValFold     *int        `json:"val_fold,omitempty"` // a fixed validation fold, if any
	Loss        string      `json:"loss"`
	LossOptions LossOptions `json:"loss_options"`
	Model       ModelSpec   `json:"model"`
	Epochs      int         `json:"epochs"`
	BatchSize   int         `json:"batch_size"`
	LR          float64     `json:"lr"`
	Momentum    float64     `json:"momentum"`
	WeightDecay float64     `json:"weight_decay"`
	LRDecay     float64     `json:"lr_decay"`
	ValFraction float64     `json:"val_fraction,omitempty"`
	Augment     bool        `json:"augment,omitempty"`
	Mirror      bool        `json:"mirror,omitempty"`
	Seed        uint64      `json:"seed"`
}

// Canonical returns the canonical JSON of the spec. It panics on a NaN or
// ±Inf float, which JSON cannot encode; the specs of a validated grid never
// hold one (Grid.Validate refuses them).
func (s RunSpec) Canonical() []byte {
	b, err := json.Marshal(s)
	if err != nil {
		panic("experiments: marshal run spec: " + err.Error())
	}
	return b
}

// Key returns the run's stable key: the first 16 hex digits of the SHA-256
// of its canonical JSON.
func (s RunSpec) Key() string {
	sum := sha256.Sum256(s.Canonical())
	return hex.EncodeToString(sum[:8])
}

// String names the run for people.
func (s RunSpec) String() string {
	return fmt.Sprintf("%s/%s loss=%s fold=%d lr=%g seed=%d", s.Experiment, s.Profile, s.Loss, s.Fold, s.LR, s.Seed)
}

// Expand lists the runs of the grid under the named profile (the grid's
// default when profile is empty), in a fixed order: loss, EMD² weight,
// learning rate, seed, fold.
func (g *Grid) Expand(profile string) ([]RunSpec, error) {
	if profile == "" {
		profile = g.DefaultProfile
	}
	p, ok := g.Profiles[profile]
	if !ok {
		return nil, fmt.Errorf("experiment %s has no profile %q (profiles: %v)", g.Name, profile, g.ProfileNames())
	}
	var runs []RunSpec
	data := g.Dataset.merge(p.Data)
	for _, loss := range g.Losses {
		lrs := p.LearningRates
		if l, ok := p.LossLearningRates[loss]; ok {
			lrs = l
		}
		for _, w := range p.emdWeights(loss) {
			opts := p.Loss
			opts.EMDWeight = w
			for _, lr := range lrs {
				for _, seed := range g.Seeds {
					for _, fold := range g.testFolds() {
						runs = append(runs, RunSpec{
							Experiment: g.Name, Profile: profile, Dataset: data, Folds: g.Folds, Fold: fold, ValFold: g.ValFold,
							Loss: loss, LossOptions: opts, Model: p.Model, Epochs: p.Epochs, BatchSize: p.BatchSize,
							LR: lr, Momentum: p.Momentum, WeightDecay: p.WeightDecay, LRDecay: p.LRDecay,
							ValFraction: p.ValFraction, Augment: p.Augment, Mirror: p.Mirror, Seed: seed,
						})
					}
				}
			}
		}
	}
	return runs, nil
}
