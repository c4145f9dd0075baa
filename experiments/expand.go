package experiments

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/settings"
	"github.com/replicate-emd/replicate/suggest"
)

// RunSpec is one fully specified run of a grid. Its JSON form is canonical
// (fixed field order, no maps), so its hash is the same on any machine.
// The training settings are settings.Run, embedded: their JSON fields sit
// between loss and seed.
type RunSpec struct {
	Experiment string        `json:"experiment"`
	Profile    string        `json:"profile"`
	Dataset    datasets.Spec `json:"dataset"`
	Folds      int           `json:"folds"`
	Fold       int           `json:"fold"`               // the test fold
	ValFold    *int          `json:"val_fold,omitempty"` // a fixed validation fold, if any
	// TuneFolds are the profile's tune_folds: the test folds on which every
	// setting trains (see ChosenOnly); empty when every setting trains on
	// every fold.
	TuneFolds    []int  `json:"tune_folds,omitempty"`
	Loss         string `json:"loss"`
	settings.Run        // loss_options, model, epochs, batch_size, lr, …
	Seed         uint64 `json:"seed"`
	// Dir is the folder of the grid's file, against which a relative
	// dataset path is resolved. It is not part of the configuration: a grid
	// moved with its data keeps its keys.
	Dir string `json:"-"`
	// Overrides are the --set overrides ("key=value") that changed the
	// run's profile. They are not part of the configuration: the
	// configuration they give is, whatever gave it.
	Overrides []string `json:"-"`
}

// Coordinates are the fields of a run's configuration that place it in its
// grid rather than set how it trains: the report groups runs by the first
// three and aggregates over the last two (folds × seeds). The rest is the
// run's setting.
var Coordinates = []string{"experiment", "profile", "loss", "fold", "seed"}

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

// ChosenOnly reports whether the run trains only if its setting is the
// one chosen for its loss on the validation split of the tune folds: its
// profile names tune folds and its test fold is not one of them.
func (s RunSpec) ChosenOnly() bool {
	return len(s.TuneFolds) > 0 && !slices.Contains(s.TuneFolds, s.Fold)
}

// Key returns the run's stable key: the first 16 hex digits of the SHA-256
// of its canonical JSON.
func (s RunSpec) Key() string {
	sum := sha256.Sum256(s.Canonical())
	return hex.EncodeToString(sum[:8])
}

// Setting returns the run's setting: every field of its canonical
// configuration but the Coordinates (settings.Of).
func (s RunSpec) Setting() settings.Setting { return settings.Of(s, Coordinates...) }

// Request returns what the run asks of its dataset; the caller adds where
// this machine keeps the data (Root, MNISTDir, CacheDir).
func (s RunSpec) Request() datasets.Request {
	return datasets.Request{Spec: s.Dataset, Folds: s.Folds, Seed: s.Seed, Augment: s.Augment, Dir: s.Dir}
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
		return nil, g.noProfile(profile)
	}
	var overrides []string
	if profile == g.Overridden {
		for _, o := range g.Overrides {
			overrides = append(overrides, o.String())
		}
	}
	var runs []RunSpec
	data := g.Dataset.Merge(p.Data)
	tune := slices.Sorted(slices.Values(p.TuneFolds)) // [2,0] and [0,2] are one configuration
	for _, loss := range g.Losses {
		lrs := p.LearningRates
		if l, ok := p.LossLearningRates[loss]; ok {
			lrs = l
		}
		for _, w := range p.emdWeights(loss) {
			run := p.Run
			run.LossOptions.EMDWeight = w
			for _, lr := range lrs {
				run.LR = lr
				for _, seed := range g.seedsOf(p) {
					for _, fold := range g.testFolds() {
						runs = append(runs, RunSpec{
							Experiment: g.Name, Profile: profile, Dataset: data, Folds: g.Folds, Fold: fold, ValFold: g.ValFold, TuneFolds: tune,
							Loss: loss, Run: run, Seed: seed, Dir: g.Dir, Overrides: overrides,
						})
					}
				}
			}
		}
	}
	return runs, nil
}

// noProfile is the error for a profile the grid lacks.
func (g *Grid) noProfile(profile string) error {
	known := g.ProfileNames()
	hint := ""
	if s, ok := suggest.Closest(profile, known); ok {
		hint = fmt.Sprintf("did you mean %q? ", s)
	}
	return fmt.Errorf("experiment %s has no profile %q (%sprofiles: %s)", g.Name, profile, hint, strings.Join(known, ", "))
}
