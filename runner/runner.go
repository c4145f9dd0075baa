// Package runner executes the runs of an expanded grid: it skips the runs
// the store already holds as finished, loads each run's data, trains it,
// and records its life cycle and per-epoch metrics in the store.
package runner

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/results"
	"github.com/replicate-emd/replicate/train"
)

// Store is what the runner needs from the results database.
type Store interface {
	StartRun(ctx context.Context, r results.Run) error
	AppendMetrics(ctx context.Context, key string, ms []results.Metric) error
	FinishRun(ctx context.Context, key, status, errText string) error
}

// Reporter is told about progress; implementations must be quick.
type Reporter interface {
	RunSkipped(spec experiments.RunSpec)
	RunStarted(spec experiments.RunSpec, index, total int)
	Epoch(spec experiments.RunSpec, m train.EpochMetrics)
	RunFinished(spec experiments.RunSpec, res train.Result, wall time.Duration)
}

// Summary counts what a call to Run did.
type Summary struct {
	Skipped, Finished, Failed, Diverged int
}

// ErrPartial is returned when every run was attempted but some failed or
// diverged.
var ErrPartial = errors.New("some runs failed or diverged")

// Runner runs specs against a store.
type Runner struct {
	Store    Store
	Reporter Reporter
	Env      results.Env
	// Now is the clock used for wall times; tests replace it.
	Now func() time.Time

	cache map[string]*datasets.Memory
}

// Run executes specs in order. It stops at the first error that is not a
// run's own failure (a store error, a cancelled ctx); a cancelled run is
// recorded as interrupted and the context's error returned.
func (r *Runner) Run(ctx context.Context, specs []experiments.RunSpec) (Summary, error) {
	var sum Summary
	if r.Now == nil {
		r.Now = time.Now
	}
	for i, spec := range specs {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		res, skipped, err := r.runOne(ctx, spec, i, len(specs))
		switch {
		case skipped:
			sum.Skipped++
			continue
		case err != nil:
			return sum, err
		case res.Status == train.StatusFinished:
			sum.Finished++
		case res.Status == train.StatusDiverged:
			sum.Diverged++
		default:
			sum.Failed++
		}
	}
	if sum.Failed+sum.Diverged > 0 {
		return sum, fmt.Errorf("%d failed, %d diverged: %w", sum.Failed, sum.Diverged, ErrPartial)
	}
	return sum, nil
}

func (r *Runner) runOne(ctx context.Context, spec experiments.RunSpec, index, total int) (train.Result, bool, error) {
	key := spec.Key()
	err := r.Store.StartRun(ctx, results.Run{
		Key: key, Experiment: spec.Experiment, Dataset: spec.Dataset.Name, Loss: spec.Loss,
		Fold: spec.Fold, Seed: spec.Seed, Profile: spec.Profile, Config: string(spec.Canonical()), Env: r.Env,
	})
	if errors.Is(err, results.ErrFinished) {
		r.report(func(rep Reporter) { rep.RunSkipped(spec) })
		return train.Result{}, true, nil
	}
	if err != nil {
		return train.Result{}, false, err
	}
	r.report(func(rep Reporter) { rep.RunStarted(spec, index, total) })
	start := r.Now()
	res, runErr := r.train(ctx, spec, key)
	r.report(func(rep Reporter) { rep.RunFinished(spec, res, r.Now().Sub(start)) })
	// Record the end even when ctx is cancelled: use a fresh context.
	fin, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := r.Store.FinishRun(fin, key, string(res.Status), res.Reason); err != nil {
		return res, false, err
	}
	if res.Status == train.StatusInterrupted {
		return res, false, runErr
	}
	return res, false, nil
}

func (r *Runner) train(ctx context.Context, spec experiments.RunSpec, key string) (train.Result, error) {
	data, err := r.load(spec.Dataset, spec.Folds, spec.Seed)
	if err != nil {
		return train.Result{Status: train.StatusFailed, Reason: err.Error()}, err
	}
	cfg := train.Config{
		Loss: spec.Loss, Hidden: spec.Model.Hidden, Epochs: spec.Epochs, BatchSize: spec.BatchSize,
		LR: spec.LR, Momentum: spec.Momentum, WeightDecay: spec.WeightDecay, LRDecay: spec.LRDecay, Seed: spec.Seed,
	}
	return train.Run(ctx, cfg, data, spec.Fold, func(m train.EpochMetrics) error {
		r.report(func(rep Reporter) { rep.Epoch(spec, m) })
		return r.Store.AppendMetrics(ctx, key, toRows(m))
	})
}

func toRows(m train.EpochMetrics) []results.Metric {
	names := make([]string, 0, len(m.Values))
	for n := range m.Values {
		names = append(names, n)
	}
	sort.Strings(names)
	rows := make([]results.Metric, 0, len(names))
	for _, n := range names {
		rows = append(rows, results.Metric{Epoch: m.Epoch, Split: m.Split, Metric: n, Value: m.Values[n]})
	}
	return rows
}

// load returns the dataset of a spec, generating it once per runner.
func (r *Runner) load(d experiments.DataSpec, folds int, seed uint64) (*datasets.Memory, error) {
	id := fmt.Sprintf("%+v/%d/%d", d, folds, seed)
	if m, ok := r.cache[id]; ok {
		return m, nil
	}
	var m *datasets.Memory
	var err error
	switch d.Name {
	case "synthetic":
		m, err = datasets.Synthetic(datasets.SyntheticOptions{
			Classes: d.Classes, PerClass: d.PerClass, Dim: d.Dim, Noise: d.Noise, Folds: folds, Seed: seed,
		})
	default:
		err = fmt.Errorf("dataset %q cannot be loaded yet", d.Name)
	}
	if err != nil {
		return nil, err
	}
	if r.cache == nil {
		r.cache = map[string]*datasets.Memory{}
	}
	r.cache[id] = m
	return m, nil
}

func (r *Runner) report(f func(Reporter)) {
	if r.Reporter != nil {
		f(r.Reporter)
	}
}
