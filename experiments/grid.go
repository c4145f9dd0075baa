// Package experiments holds the declarative registry of the paper's
// experiment grids (one YAML file per grid, embedded in the binary), and
// the code that parses, validates and expands a grid into runs with stable
// keys.
package experiments

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/replicate-emd/replicate/losses"
)

// Grid is one experiment as declared in YAML: a dataset, the losses to
// compare, the folds and seeds, and named profiles of training settings.
type Grid struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Dataset     DataSpec `yaml:"dataset"`
	Folds       int      `yaml:"folds"`
	// TestFolds lists the folds (splits) to test on, each a run; empty
	// means every fold 0..Folds−1 (cross-validation).
	TestFolds []int `yaml:"test_folds"`
	// ValFold, when set, is a fixed validation split (e.g. AADB's official
	// validation set); else each profile's val_fraction of the training
	// folds is held out.
	ValFold        *int               `yaml:"val_fold"`
	Losses         []string           `yaml:"losses"`
	Seeds          []uint64           `yaml:"seeds"`
	DefaultProfile string             `yaml:"default_profile"`
	Profiles       map[string]Profile `yaml:"profiles"`
}

// DataSpec names a dataset and its generation or loading options. A zero
// field means the dataset's default.
type DataSpec struct {
	Name     string  `yaml:"name" json:"name"`
	Classes  int     `yaml:"classes,omitempty" json:"classes,omitempty"`     // synthetic: ordered classes
	PerClass int     `yaml:"per_class,omitempty" json:"per_class,omitempty"` // synthetic: samples per class
	Dim      int     `yaml:"dim,omitempty" json:"dim,omitempty"`             // synthetic: input dimension
	Noise    float64 `yaml:"noise,omitempty" json:"noise,omitempty"`         // synthetic: noise standard deviation
	Limit    int     `yaml:"limit,omitempty" json:"limit,omitempty"`         // use at most this many samples (mnist: the first N)
	Size     int     `yaml:"size,omitempty" json:"size,omitempty"`           // image side in pixels after resizing
	Bins     int     `yaml:"bins,omitempty" json:"bins,omitempty"`           // aadb: ordered score bins
	Subset   int     `yaml:"subset,omitempty" json:"subset,omitempty"`       // imagenet: the first N synsets
	Lenient  bool    `yaml:"lenient,omitempty" json:"lenient,omitempty"`     // skip malformed metadata lines instead of failing
}

// merge returns d with the non-zero fields of o written over it.
func (d DataSpec) merge(o DataSpec) DataSpec {
	if o.Name != "" {
		d.Name = o.Name
	}
	set := func(dst *int, v int) {
		if v != 0 {
			*dst = v
		}
	}
	set(&d.Classes, o.Classes)
	set(&d.PerClass, o.PerClass)
	set(&d.Dim, o.Dim)
	set(&d.Limit, o.Limit)
	set(&d.Size, o.Size)
	set(&d.Bins, o.Bins)
	set(&d.Subset, o.Subset)
	if o.Noise != 0 {
		d.Noise = o.Noise
	}
	d.Lenient = d.Lenient || o.Lenient
	return d
}

// ModelSpec names a network and its widths.
type ModelSpec struct {
	Name   string `yaml:"name" json:"name"`                         // mlp, cnn or face-alexnet
	Hidden []int  `yaml:"hidden,omitempty" json:"hidden,omitempty"` // mlp: hidden widths; cnn: fully connected layers
	Dtype  string `yaml:"dtype,omitempty" json:"dtype,omitempty"`   // float64 (default) or float32
	// Channels are the widths of the cnn's 3×3 convolution blocks (each
	// with ReLU and 2×2 max-pool); empty means 32, 64.
	Channels []int `yaml:"channels,omitempty" json:"channels,omitempty"`
}

// LossOptions are the settings of the combined and learned losses.
type LossOptions struct {
	CEWeight       float64 `yaml:"ce_weight,omitempty" json:"ce_weight,omitempty"`             // weight of CE in CE + EMD² (default 1)
	EMDWeight      float64 `yaml:"emd_weight,omitempty" json:"emd_weight,omitempty"`           // weight of EMD² in CE + EMD² (default 1)
	WarmupEpochs   int     `yaml:"warmup_epochs,omitempty" json:"warmup_epochs,omitempty"`     // CE-only epochs before a learned-D loss
	WarmupLR       float64 `yaml:"warmup_lr,omitempty" json:"warmup_lr,omitempty"`             // learning rate of those epochs
	GroundDistance string  `yaml:"ground_distance,omitempty" json:"ground_distance,omitempty"` // CSV file of D for ce+emd2-given
}

// Profile is one named set of training settings (paper, cpu, smoke).
type Profile struct {
	Data          DataSpec  `yaml:"data"` // overrides of the grid's dataset options
	Model         ModelSpec `yaml:"model"`
	Epochs        int       `yaml:"epochs"`
	BatchSize     int       `yaml:"batch_size"`
	LearningRates []float64 `yaml:"learning_rates"`
	// LossLearningRates replaces LearningRates for the losses it names.
	LossLearningRates map[string][]float64 `yaml:"loss_learning_rates"`
	// EMDWeights are the weights of the EMD² term that every combined
	// loss (CE + EMD², given or learned distance) is tried with, one run
	// per weight like a learning rate; the report picks among them on the
	// validation split. Empty: the one loss.emd_weight.
	EMDWeights []float64 `yaml:"emd_weights"`
	// LossEMDWeights replaces EMDWeights for the combined losses it names.
	LossEMDWeights map[string][]float64 `yaml:"loss_emd_weights"`
	Momentum       float64              `yaml:"momentum"`
	WeightDecay    float64              `yaml:"weight_decay"`
	LRDecay        float64              `yaml:"lr_decay"`
	// ValFraction is the share of the training folds held out for
	// validation (model selection); 0 holds out nothing.
	ValFraction float64     `yaml:"val_fraction"`
	Loss        LossOptions `yaml:"loss"`
	// Augment switches on the training augmentation of image datasets.
	Augment bool `yaml:"augment"`
	// Mirror averages the prediction (and the features of the learned
	// distance) over the image and its horizontal mirror.
	Mirror bool `yaml:"mirror"`
}

// ErrInvalidGrid is wrapped by every validation error of a grid.
var ErrInvalidGrid = errors.New("invalid grid")

// GridError says which grid file and which key are wrong.
type GridError struct {
	File string // file name, or the grid name for embedded grids
	Key  string // dotted YAML key, e.g. profiles.smoke.epochs
	Msg  string
}

func (e *GridError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.File, e.Key, e.Msg)
}

// Unwrap makes errors.Is(err, ErrInvalidGrid) true.
func (e *GridError) Unwrap() error { return ErrInvalidGrid }

// Parse reads one grid from r strictly (an unknown key is an error) and
// validates it; file names the source in error messages.
func Parse(r io.Reader, file string) (*Grid, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var g Grid
	if err := dec.Decode(&g); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &GridError{File: file, Msg: "empty grid"}
		}
		return nil, &GridError{File: file, Msg: yamlMessage(err)}
	}
	if err := g.Validate(file); err != nil {
		return nil, err
	}
	return &g, nil
}

func yamlMessage(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return te.Errors[0]
	}
	return err.Error()
}

// knownLosses are the loss names of the losses registry.
var knownLosses = losses.Names()

// knownDatasets are the dataset names the runner can load.
var knownDatasets = []string{"synthetic", "mnist-rotation", "mnist-digits", "adience", "imageofgroups", "aadb", "imagenet"}

// orderlessDatasets are the datasets whose classes have no order: the
// ordinal losses (a regression on the class index, the closed-form EMD²)
// do not apply to them.
var orderlessDatasets = []string{"mnist-digits", "imagenet"}

// knownModels are the network names of the models package.
var knownModels = []string{"mlp", "cnn", "face-alexnet"}

// Validate checks every field; file names the source in the error.
func (g *Grid) Validate(file string) error {
	bad := func(key, format string, args ...any) error {
		return &GridError{File: file, Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	if key, v, ok := checkFinite(g); ok {
		return bad(key, "must be a finite number, got %v", v)
	}
	switch {
	case g.Name == "":
		return bad("name", "missing")
	case !slices.Contains(knownDatasets, g.Dataset.Name):
		return bad("dataset.name", "unknown dataset %q (known: %v)", g.Dataset.Name, knownDatasets)
	case g.Folds < 1:
		return bad("folds", "must be at least 1, got %d", g.Folds)
	case len(g.Losses) == 0:
		return bad("losses", "empty: nothing to run")
	case len(g.Seeds) == 0:
		return bad("seeds", "empty: nothing to run")
	case len(g.Profiles) == 0:
		return bad("profiles", "empty: nothing to run")
	}
	if err := g.checkGridSizes(bad); err != nil {
		return err
	}
	for i, f := range g.TestFolds {
		if f < 0 || f >= g.Folds {
			return bad(fmt.Sprintf("test_folds[%d]", i), "fold %d outside [0, %d)", f, g.Folds)
		}
	}
	if g.ValFold != nil && (*g.ValFold < 0 || *g.ValFold >= g.Folds || slices.Contains(g.testFolds(), *g.ValFold)) {
		return bad("val_fold", "fold %d must lie in [0, %d) and not be a test fold", *g.ValFold, g.Folds)
	}
	if i, ok := duplicate(g.Losses); ok {
		return bad(fmt.Sprintf("losses[%d]", i), "%q is listed twice", g.Losses[i])
	}
	if i, ok := duplicate(g.Seeds); ok {
		return bad(fmt.Sprintf("seeds[%d]", i), "%d is listed twice", g.Seeds[i])
	}
	for i, l := range g.Losses {
		key := fmt.Sprintf("losses[%d]", i)
		spec, err := losses.Lookup(l)
		if err != nil {
			return bad(key, "unknown loss %q (known: %v)", l, knownLosses)
		}
		if slices.Contains(orderlessDatasets, g.Dataset.Name) && (spec.Head == losses.HeadScalar || spec.EMD == losses.EMDOrdered) {
			return bad(key, "loss %q needs ordered classes; %s is orderless", l, g.Dataset.Name)
		}
		if spec.Distance == losses.DistanceGiven {
			for _, name := range g.ProfileNames() {
				if g.Profiles[name].Loss.GroundDistance == "" {
					return bad("profiles."+name+".loss.ground_distance", "loss %q needs a ground-distance CSV file", l)
				}
			}
		}
	}
	if _, ok := g.Profiles[g.DefaultProfile]; !ok {
		return bad("default_profile", "%q is not one of the profiles %v", g.DefaultProfile, g.ProfileNames())
	}
	for _, name := range g.ProfileNames() {
		p := g.Profiles[name]
		key := "profiles." + name
		switch {
		case !slices.Contains(knownModels, p.Model.Name):
			return bad(key+".model.name", "unknown model %q (known: %v)", p.Model.Name, knownModels)
		case p.Model.Dtype != "" && p.Model.Dtype != "float32" && p.Model.Dtype != "float64":
			return bad(key+".model.dtype", "unknown dtype %q (float32 or float64)", p.Model.Dtype)
		case p.Epochs < 1:
			return bad(key+".epochs", "must be at least 1, got %d", p.Epochs)
		case p.BatchSize < 1:
			return bad(key+".batch_size", "must be at least 1, got %d", p.BatchSize)
		case len(p.LearningRates) == 0:
			return bad(key+".learning_rates", "empty: nothing to run")
		case p.Momentum < 0 || p.Momentum >= 1:
			return bad(key+".momentum", "must lie in [0, 1), got %v", p.Momentum)
		case p.WeightDecay < 0:
			return bad(key+".weight_decay", "must not be negative, got %v", p.WeightDecay)
		case p.LRDecay <= 0 || p.LRDecay > 1:
			return bad(key+".lr_decay", "must lie in (0, 1], got %v", p.LRDecay)
		case p.ValFraction < 0 || p.ValFraction >= 1:
			return bad(key+".val_fraction", "must lie in [0, 1), got %v", p.ValFraction)
		}
		if i, ok := duplicate(p.LearningRates); ok {
			return bad(fmt.Sprintf("%s.learning_rates[%d]", key, i), "%v is listed twice", p.LearningRates[i])
		}
		for i, lr := range p.LearningRates {
			if !(lr > 0) {
				return bad(fmt.Sprintf("%s.learning_rates[%d]", key, i), "must be positive, got %v", lr)
			}
		}
		for _, loss := range slices.Sorted(maps.Keys(p.LossLearningRates)) {
			lrs := p.LossLearningRates[loss]
			k := key + ".loss_learning_rates." + loss
			if !slices.Contains(g.Losses, loss) {
				return bad(k, "loss %q is not in the grid's losses %v", loss, g.Losses)
			}
			if len(lrs) == 0 {
				return bad(k, "empty: nothing to run")
			}
			if i, ok := duplicate(lrs); ok {
				return bad(fmt.Sprintf("%s[%d]", k, i), "%v is listed twice", lrs[i])
			}
			for i, lr := range lrs {
				if !(lr > 0) {
					return bad(fmt.Sprintf("%s[%d]", k, i), "must be positive, got %v", lr)
				}
			}
		}
		if err := g.checkEMDWeights(bad, key, p); err != nil {
			return err
		}
		switch o := p.Loss; {
		case o.CEWeight < 0 || o.EMDWeight < 0:
			return bad(key+".loss", "weights must not be negative, got ce %v, emd %v", o.CEWeight, o.EMDWeight)
		case o.WarmupEpochs < 0 || (o.WarmupEpochs > 0 && !(o.WarmupLR > 0)):
			return bad(key+".loss.warmup_lr", "a warm-up of %d epochs needs a positive learning rate, got %v", o.WarmupEpochs, o.WarmupLR)
		case p.Data.Name != "":
			return bad(key+".data.name", "a profile may not change the dataset")
		}
		if err := g.checkProfileSizes(bad, name, p); err != nil {
			return err
		}
	}
	return nil
}

// ProfileNames returns the profile names in sorted order.
func (g *Grid) ProfileNames() []string {
	names := make([]string, 0, len(g.Profiles))
	for n := range g.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// testFolds returns the folds tested on: TestFolds, or 0..Folds−1.
func (g *Grid) testFolds() []int {
	if len(g.TestFolds) > 0 {
		return g.TestFolds
	}
	out := make([]int, g.Folds)
	for i := range out {
		out[i] = i
	}
	return out
}

// duplicate returns the index of the first value that repeats an earlier one.
func duplicate[T comparable](xs []T) (int, bool) {
	seen := make(map[T]bool, len(xs))
	for i, x := range xs {
		if seen[x] {
			return i, true
		}
		seen[x] = true
	}
	return 0, false
}

// checkEMDWeights validates emd_weights and loss_emd_weights: positive,
// not repeated, not given beside loss.emd_weight, and only for combined
// losses of the grid.
func (g *Grid) checkEMDWeights(bad func(key, format string, args ...any) error, key string, p Profile) error {
	if (len(p.EMDWeights) > 0 || len(p.LossEMDWeights) > 0) && p.Loss.EMDWeight != 0 {
		return bad(key+".emd_weights", "give the EMD² weight once: emd_weights (or loss_emd_weights) or loss.emd_weight, not both")
	}
	check := func(k string, ws []float64) error {
		if len(ws) == 0 {
			return bad(k, "empty: nothing to run")
		}
		if i, ok := duplicate(ws); ok {
			return bad(fmt.Sprintf("%s[%d]", k, i), "%v is listed twice", ws[i])
		}
		for i, w := range ws {
			if !(w > 0) {
				return bad(fmt.Sprintf("%s[%d]", k, i), "must be positive, got %v", w)
			}
		}
		return nil
	}
	if p.EMDWeights != nil {
		if err := check(key+".emd_weights", p.EMDWeights); err != nil {
			return err
		}
	}
	for _, loss := range slices.Sorted(maps.Keys(p.LossEMDWeights)) {
		k := key + ".loss_emd_weights." + loss
		if !slices.Contains(g.Losses, loss) {
			return bad(k, "loss %q is not in the grid's losses %v", loss, g.Losses)
		}
		if spec, err := losses.Lookup(loss); err != nil || !spec.Combined() {
			return bad(k, "loss %q has no EMD² term beside CE to weigh", loss)
		}
		if err := check(k, p.LossEMDWeights[loss]); err != nil {
			return err
		}
	}
	return nil
}

// emdWeights are the EMD² weights the loss is run with under p: those of
// loss_emd_weights or emd_weights for a combined loss, else the one
// loss.emd_weight (0: the loss's default).
func (p Profile) emdWeights(loss string) []float64 {
	if spec, err := losses.Lookup(loss); err == nil && spec.Combined() {
		if ws, ok := p.LossEMDWeights[loss]; ok {
			return ws
		}
		if len(p.EMDWeights) > 0 {
			return p.EMDWeights
		}
	}
	return []float64{p.Loss.EMDWeight}
}
