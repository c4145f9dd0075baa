// Package settings holds the training settings of one run, declared once:
// the struct a grid's profile is read into (YAML) and a run's canonical
// configuration is written from (JSON), validated by one method that the
// grid and the training loop both call. It also renders a run's setting,
// the canonical text of the fields that tell settings of one loss apart,
// which the store records and the report reads back.
//
// The package imports nothing of the project and no numerical library, so
// that the grid, the runner, the store and the report can all share it.
package settings

import (
	"fmt"
	"math"
)

// Model names a network and its widths; models.Lookup knows the names.
type Model struct {
	Name   string `yaml:"name" json:"name"`                         // mlp, cnn or face-alexnet (models.Names)
	Hidden []int  `yaml:"hidden,omitempty" json:"hidden,omitempty"` // mlp: hidden widths; cnn: fully connected layers
	Dtype  string `yaml:"dtype,omitempty" json:"dtype,omitempty"`   // float64 (default) or float32
	// Channels are the widths of the cnn's 3×3 convolution blocks (each
	// with ReLU and 2×2 max-pool); empty means 32, 64.
	Channels []int `yaml:"channels,omitempty" json:"channels,omitempty"`
}

// Loss holds the settings of the combined and learned losses.
type Loss struct {
	CEWeight  float64 `yaml:"ce_weight,omitempty" json:"ce_weight,omitempty"`   // weight of CE in CE + EMD² (0: the registry's 1)
	EMDWeight float64 `yaml:"emd_weight,omitempty" json:"emd_weight,omitempty"` // weight of EMD² in CE + EMD² (0: the registry's 1)
	// WarmupEpochs train a combined loss with CE alone, at WarmupLR,
	// before the combined loss starts (the paper: 4).
	WarmupEpochs   int     `yaml:"warmup_epochs,omitempty" json:"warmup_epochs,omitempty"`
	WarmupLR       float64 `yaml:"warmup_lr,omitempty" json:"warmup_lr,omitempty"`
	GroundDistance string  `yaml:"ground_distance,omitempty" json:"ground_distance,omitempty"` // CSV file of D for ce+emd2-given
}

// Run is everything about how one run trains, apart from its data, its
// loss name, its fold and its seed. A grid profile holds one (without LR,
// which its learning_rates list gives); a run spec and the training
// configuration embed one. The JSON names and order are those of the run's
// canonical configuration, whose hash keys the run: never reorder or
// rename them.
type Run struct {
	LossOptions Loss  `yaml:"loss" json:"loss_options"`
	Model       Model `yaml:"model" json:"model"`
	Epochs      int   `yaml:"epochs" json:"epochs"`         // passes over the training samples
	BatchSize   int   `yaml:"batch_size" json:"batch_size"` // samples per step
	// LR is the initial learning rate (after any warm-up). A profile lists
	// its rates under learning_rates instead.
	LR          float64 `yaml:"-" json:"lr"`
	Momentum    float64 `yaml:"momentum" json:"momentum"`         // Nesterov momentum
	WeightDecay float64 `yaml:"weight_decay" json:"weight_decay"` // L2 weight decay added to the gradient
	LRDecay     float64 `yaml:"lr_decay" json:"lr_decay"`         // learning-rate multiplier after each epoch
	// ValFraction is the share of the training folds held out for
	// validation (model selection); 0 holds out nothing.
	ValFraction float64 `yaml:"val_fraction" json:"val_fraction,omitempty"`
	// Augment switches on the training augmentation of image datasets.
	Augment bool `yaml:"augment" json:"augment,omitempty"`
	// Mirror averages the prediction (and the features of the learned
	// distance) over the image and its horizontal mirror.
	Mirror bool `yaml:"mirror" json:"mirror,omitempty"`
}

// FieldError names the field of a Run that is out of range, by its YAML
// key under a profile (e.g. "momentum", "loss.warmup_lr").
type FieldError struct {
	Field string
	Msg   string
}

// Error is "field: message".
func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Validate reports the first setting that cannot train, as a *FieldError:
//
//   - epochs and batch_size at least 1;
//   - the learning rate positive and finite;
//   - momentum in [0, 1), weight_decay ≥ 0, lr_decay in (0, 1];
//   - val_fraction in [0, 1);
//   - the loss weights not negative, and a warm-up of a non-negative
//     number of epochs with a positive warm-up rate.
//
// The model's name and dtype are the models registry's to check, the loss
// name the losses registry's, and the sizes against the machine the grid's
// (experiments).
func (r Run) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	o := r.LossOptions
	switch {
	case r.Epochs < 1:
		return bad("epochs", "must be at least 1, got %d", r.Epochs)
	case r.BatchSize < 1:
		return bad("batch_size", "must be at least 1, got %d", r.BatchSize)
	case !(r.LR > 0) || math.IsInf(r.LR, 0):
		return bad("lr", "must be positive, got %v", r.LR)
	case r.Momentum < 0 || r.Momentum >= 1:
		return bad("momentum", "must lie in [0, 1), got %v", r.Momentum)
	case r.WeightDecay < 0:
		return bad("weight_decay", "must not be negative, got %v", r.WeightDecay)
	case !(r.LRDecay > 0) || r.LRDecay > 1:
		return bad("lr_decay", "must lie in (0, 1], got %v", r.LRDecay)
	case r.ValFraction < 0 || r.ValFraction >= 1:
		return bad("val_fraction", "must lie in [0, 1), got %v", r.ValFraction)
	case o.CEWeight < 0 || o.EMDWeight < 0:
		return bad("loss", "weights must not be negative, got ce %v, emd %v", o.CEWeight, o.EMDWeight)
	case o.WarmupEpochs < 0 || (o.WarmupEpochs > 0 && !(o.WarmupLR > 0 && !math.IsInf(o.WarmupLR, 0))):
		return bad("loss.warmup_lr", "a warm-up of %d epochs needs a positive learning rate, got %v", o.WarmupEpochs, o.WarmupLR)
	}
	return nil
}
