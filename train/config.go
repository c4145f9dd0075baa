// Package train runs one training run of the paper's protocol (PAPER.md
// §2–3) on a gorgonia network: batches from a dataset, every loss of the
// losses registry, Nesterov SGD with weight decay and a per-epoch
// learning-rate decay, the CE-only warm-up and the learned ground distance
// refreshed after every epoch, test-time mirror averaging, evaluation on
// the training, validation and test samples after every epoch, checkpoints
// and exact resume.
//
// A run's Config embeds the training settings of the grid (settings.Run,
// validated by the same method the grid calls); the network comes from
// the models registry, the loss from the losses registry, and the data is
// any datasets.Dataset (samples may carry target distributions, which the
// losses that accept them train on: CheckData). The optimiser, Nesterov,
// is exported for the benchmark against PyTorch (bench).
package train

import (
	"fmt"

	"github.com/replicate-emd/replicate/models"
	"github.com/replicate-emd/replicate/settings"
)

// Config is everything that decides the outcome of one run: the loss, the
// training settings (settings.Run, the struct the grid declares them in,
// validated by the same method), the seed, the validation split and a
// given ground distance.
type Config struct {
	Loss string // a name of the losses registry (ce, emd2, xe-emd1, …)
	settings.Run
	Seed uint64 // initialisation, shuffling and augmentation seed
	// ValFold, when set, makes the samples of that fold the validation
	// split (a dataset's official validation set) instead of ValFraction.
	ValFold *int
	// GroundDistance is the user-given D of a DistanceGiven loss.
	GroundDistance [][]float64
}

// Validate reports the first setting that cannot work: settings.Run's
// rules, then the model's name and dtype against the models registry.
func (c Config) Validate() error {
	if err := c.Run.Validate(); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if c.Model.Name != "" {
		if _, err := models.Lookup(c.Model.Name); err != nil {
			return fmt.Errorf("train: %w", err)
		}
	}
	if _, err := models.ParseDtype(c.Model.Dtype); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// Outcome says why a run ended. Its values are the run statuses of the
// store (results.RunStatus) a run can end with.
type Outcome string

// The outcomes of a run.
const (
	Finished    Outcome = "finished"    // all epochs done
	Diverged    Outcome = "diverged"    // the loss became NaN or Inf
	Failed      Outcome = "failed"      // an error stopped it
	Interrupted Outcome = "interrupted" // the context was cancelled
)

// EpochMetrics are the measures of one split after one epoch.
type EpochMetrics struct {
	Epoch  int                // 0-based epoch index
	Split  string             // "train", "val" or "test"
	Values map[string]float64 // metric name → value
}

// Result is how a run ended.
type Result struct {
	Outcome Outcome
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
