// Package train runs one training run of the paper's protocol (PAPER.md
// §2–3) on a gorgonia network: batches from a dataset, every loss of the
// losses registry, Nesterov SGD with weight decay and a per-epoch
// learning-rate decay, the CE-only warm-up and the learned ground distance
// refreshed after every epoch, test-time mirror averaging, evaluation on
// the training, validation and test samples after every epoch, checkpoints
// and exact resume.
package train

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"
)

// Config is everything that decides the outcome of one run.
type Config struct {
	Loss      string  // a name of the losses registry (ce, emd2, xe-emd1, …)
	CEWeight  float64 // weight of CE in a combined loss (0: the registry's default)
	EMDWeight float64 // weight of EMD² in a combined loss (0: the registry's default)
	// WarmupEpochs train a learned-distance loss with CE alone, at
	// WarmupLR, before the first learned distance exists (the paper: 4).
	WarmupEpochs int
	WarmupLR     float64
	// GroundDistance is the user-given D of a DistanceGiven loss.
	GroundDistance [][]float64

	Model  string // mlp, cnn or face-alexnet
	Hidden []int  // hidden widths (mlp; fully connected layers of the cnn)
	// Channels are the widths of the cnn's 3×3 convolution blocks, each
	// with ReLU and 2×2 max-pool (empty: models.DefaultConvs).
	Channels []int
	Dtype    string // float64 (default) or float32

	Epochs      int     // number of passes over the training samples
	BatchSize   int     // samples per step
	LR          float64 // initial learning rate (after any warm-up)
	Momentum    float64 // Nesterov momentum
	WeightDecay float64 // L2 weight decay added to the gradient
	LRDecay     float64 // learning rate multiplier after each epoch
	Seed        uint64  // initialisation, shuffling and augmentation seed
	// ValFraction is the share of the training samples held out as a
	// validation split (for model selection without the test fold).
	ValFraction float64
	// ValFold, when set, makes the samples of that fold the validation
	// split (a dataset's official validation set) instead of ValFraction.
	ValFold *int
	// Augment draws the training augmentation of image datasets.
	Augment bool
	// Mirror averages predictions (and the features of the learned
	// distance) over each image and its horizontal mirror.
	Mirror bool
}

func (c Config) dtype() (tensor.Dtype, error) {
	switch c.Dtype {
	case "", "float64":
		return tensor.Float64, nil
	case "float32":
		return tensor.Float32, nil
	}
	return tensor.Dtype{}, fmt.Errorf("train: unknown dtype %q (float32 or float64)", c.Dtype)
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	pos := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	switch {
	case c.Epochs < 1:
		return fmt.Errorf("train: epochs must be at least 1, got %d", c.Epochs)
	case c.BatchSize < 1:
		return fmt.Errorf("train: batch size must be at least 1, got %d", c.BatchSize)
	case !pos(c.LR):
		return fmt.Errorf("train: learning rate must be positive and finite, got %v", c.LR)
	case c.WarmupEpochs < 0 || (c.WarmupEpochs > 0 && !pos(c.WarmupLR)):
		return fmt.Errorf("train: warm-up needs a non-negative epoch count and a positive learning rate, got %d and %v", c.WarmupEpochs, c.WarmupLR)
	case c.Momentum < 0 || c.Momentum >= 1:
		return fmt.Errorf("train: momentum must lie in [0, 1), got %v", c.Momentum)
	case c.WeightDecay < 0:
		return fmt.Errorf("train: weight decay must not be negative, got %v", c.WeightDecay)
	case !(c.LRDecay > 0) || c.LRDecay > 1:
		return fmt.Errorf("train: lr decay must lie in (0, 1], got %v", c.LRDecay)
	case c.ValFraction < 0 || c.ValFraction >= 1:
		return fmt.Errorf("train: validation fraction must lie in [0, 1), got %v", c.ValFraction)
	case c.CEWeight < 0 || c.EMDWeight < 0:
		return fmt.Errorf("train: loss weights must not be negative, got %v and %v", c.CEWeight, c.EMDWeight)
	}
	_, err := c.dtype()
	return err
}

// Status says why a run ended.
type Status string

// The statuses a run can end with.
const (
	StatusFinished    Status = "finished"    // all epochs done
	StatusDiverged    Status = "diverged"    // the loss became NaN or Inf
	StatusFailed      Status = "failed"      // an error stopped it
	StatusInterrupted Status = "interrupted" // the context was cancelled
)

// EpochMetrics are the measures of one split after one epoch.
type EpochMetrics struct {
	Epoch  int                // 0-based epoch index
	Split  string             // "train", "val" or "test"
	Values map[string]float64 // metric name → value
}

// Result is the outcome of a run.
type Result struct {
	Status  Status
	Epochs  int                // epochs completed
	Resumed int                // epochs restored from a checkpoint at the start
	Test    map[string]float64 // test metrics after the last completed epoch
	Reason  string             // why it did not finish, if it did not
}

// Sink receives the metrics of each epoch as soon as they exist; an error
// from it stops the run.
type Sink func(EpochMetrics) error

// Artifact is a by-product of a run: the learned ground distance of an
// epoch, the final confusion matrix.
type Artifact struct {
	Name  string // e.g. ground_distance/epoch-003
	Kind  string // matrix, confusion
	Epoch int
	Data  []byte // JSON
}

// Options are the settings of a run that do not change its outcome.
type Options struct {
	// Checkpoint is the file the run's state is saved to after every epoch
	// and resumed from at the start; empty disables checkpoints.
	Checkpoint string
	// MaxResume is the latest epoch count a checkpoint may resume from: the
	// epochs whose metrics the caller already holds. A later checkpoint is
	// ignored (with a warning) and the run starts from scratch.
	MaxResume int
	// Progress, if set, is called after every training batch.
	Progress func(Progress)
	// Warn, if set, receives non-fatal problems (an unusable checkpoint).
	Warn func(msg string)
	// Artifact, if set, receives the run's artifacts; an error stops the run.
	Artifact func(Artifact) error
}

// Progress describes the position of a run inside its training.
type Progress struct {
	Epoch, Epochs  int     // current epoch (0-based) and total
	Batch, Batches int     // batches done in this epoch and per epoch
	BatchSize      int     // samples per batch
	Loss           float64 // running mean training loss of the epoch
}
