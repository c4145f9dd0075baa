// Package train runs one training run: batches from an in-memory dataset,
// a gorgonia network and loss, Nesterov SGD with weight decay and a
// per-epoch learning-rate decay, and per-epoch evaluation on the training
// and test samples.
package train

import (
	"fmt"
	"math"
)

// Config is everything that decides the outcome of one run.
type Config struct {
	Loss        string  // a name known to losses (ce, emd2, …)
	Hidden      []int   // hidden widths of the MLP
	Epochs      int     // number of passes over the training samples
	BatchSize   int     // samples per step
	LR          float64 // initial learning rate
	Momentum    float64 // Nesterov momentum
	WeightDecay float64 // L2 weight decay added to the gradient
	LRDecay     float64 // learning rate multiplier after each epoch
	Seed        uint64  // initialisation and shuffling seed
	// ValFraction is the share of the training samples held out as a
	// validation split (for model selection without the test fold); 0
	// means none.
	ValFraction float64
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.Epochs < 1:
		return fmt.Errorf("train: epochs must be at least 1, got %d", c.Epochs)
	case c.BatchSize < 1:
		return fmt.Errorf("train: batch size must be at least 1, got %d", c.BatchSize)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("train: learning rate must be positive and finite, got %v", c.LR)
	case c.Momentum < 0 || c.Momentum >= 1:
		return fmt.Errorf("train: momentum must lie in [0, 1), got %v", c.Momentum)
	case c.WeightDecay < 0:
		return fmt.Errorf("train: weight decay must not be negative, got %v", c.WeightDecay)
	case !(c.LRDecay > 0) || c.LRDecay > 1:
		return fmt.Errorf("train: lr decay must lie in (0, 1], got %v", c.LRDecay)
	case c.ValFraction < 0 || c.ValFraction >= 1:
		return fmt.Errorf("train: validation fraction must lie in [0, 1), got %v", c.ValFraction)
	}
	return nil
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
	Split  string             // "train" or "test"
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

// Options are the settings of a run that do not change its outcome.
type Options struct {
	// Checkpoint is the file the run's state is saved to after every epoch
	// and resumed from at the start; empty disables checkpoints.
	Checkpoint string
	// Progress, if set, is called after every training batch.
	Progress func(Progress)
	// Warn, if set, receives non-fatal problems (an unusable checkpoint).
	Warn func(msg string)
	// MaxResume is the latest epoch count a checkpoint may resume from: the
	// epochs whose metrics the caller already holds. A later checkpoint is
	// ignored (with a warning) and the run starts from scratch.
	MaxResume int
}

// Progress describes the position of a run inside its training.
type Progress struct {
	Epoch, Epochs  int     // current epoch (0-based) and total
	Batch, Batches int     // batches done in this epoch and per epoch
	BatchSize      int     // samples per batch
	Loss           float64 // running mean training loss of the epoch
}

// Sink receives the metrics of each epoch as soon as they exist; an error
// from it stops the run.
type Sink func(EpochMetrics) error
