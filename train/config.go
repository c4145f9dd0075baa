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
	Status Status
	Epochs int                // epochs completed
	Test   map[string]float64 // test metrics after the last completed epoch
	Reason string             // why it did not finish, if it did not
}

// Sink receives the metrics of each epoch as soon as they exist; an error
// from it stops the run.
type Sink func(EpochMetrics) error
