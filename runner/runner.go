// Package runner executes the runs of an expanded grid: it skips the runs
// the store already holds as finished (or another live process holds),
// records each run's facts when it starts (its task, from the datasets
// registry, and its setting), loads its data through the datasets
// registry, trains it, and records its life cycle and per-epoch metrics in
// the store. Several runs may train at once (Jobs); the store serialises
// the writes. With Rerun, every run trains again from scratch, its
// recorded attempt kept by the store as superseded.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/losses"
	"github.com/replicate-emd/replicate/results"
	"github.com/replicate-emd/replicate/train"
)

// Store is what the runner needs from the results database (*results.DB).
type Store interface {
	// StartRun records that the run starts, held by r.Owner, and returns
	// the epochs an earlier attempt recorded. It returns
	// results.ErrFinished for a finished run and results.ErrBusy for one
	// another live process holds.
	StartRun(ctx context.Context, r results.Run) (int, error)
	// PutArtifact, Heartbeat, AppendMetrics and FinishRun write to a run
	// the owner holds; they return results.ErrNotOwner once another
	// process has taken it over.
	PutArtifact(ctx context.Context, key, owner string, a results.Artifact) error
	Heartbeat(ctx context.Context, key, owner string) error
	AppendMetrics(ctx context.Context, key, owner string, ms []results.Metric) error
	FinishRun(ctx context.Context, key, owner string, status results.RunStatus, errText string) error
	// Supersede keeps the recorded attempt of run key as a superseded one
	// (results.DB.Supersede) and returns its new key, "" when there is
	// none; results.ErrBusy when another live process holds it.
	Supersede(ctx context.Context, key, owner string, relocate func(path, oldKey, newKey string) (string, error)) (string, error)
}

// Reporter is told about progress; calls may come from several goroutines.
type Reporter interface {
	RunSkipped(spec experiments.RunSpec, why string)
	RunStarted(spec experiments.RunSpec, index, total int)
	Epoch(spec experiments.RunSpec, m train.EpochMetrics)
	Progress(spec experiments.RunSpec, p train.Progress)
	Warn(spec experiments.RunSpec, msg string)
	RunFinished(spec experiments.RunSpec, res train.Result, wall time.Duration)
}

// Summary counts what a call to Run did.
type Summary struct {
	Skipped, Busy, Finished, Failed, Diverged, Interrupted int
	// Superseded counts the recorded attempts a rerun kept as superseded.
	Superseded int
}

// ErrPartial is returned when every run was attempted but some failed or
// diverged.
var ErrPartial = errors.New("some runs failed or diverged")

// Runner runs specs against a store.
type Runner struct {
	Store    Store
	Reporter Reporter
	Data     DataLoader
	Env      results.Env
	// Jobs is the number of runs trained at once (at least 1).
	Jobs int
	// Rerun trains every run again from scratch, a finished one too: the
	// recorded attempt is kept as superseded (Store.Supersede), with its
	// final checkpoint, and the run's resumable checkpoint is dropped.
	Rerun bool
	// CheckpointDir holds one checkpoint file per run (<key>.ckpt), written
	// after every epoch; a run started again resumes from it. Empty
	// disables checkpoints.
	CheckpointDir string
	// Owner names this process in the store; NewOwner gives a unique one.
	Owner string
	// HeartbeatEvery is how often a running run's heartbeat is refreshed.
	HeartbeatEvery time.Duration
	// Now is the clock used for wall times; tests replace it.
	Now func() time.Time
}

// Run executes specs with up to Jobs runs at once. A run's own failure is
// recorded and counted; so is a panic in a run's goroutine, which fails
// that run only (status failed, error "panic: …", the stack to the
// Reporter's Warn). A store error or a cancelled ctx stops the runner (runs
// in flight are recorded as interrupted) and is returned.
func (r *Runner) Run(ctx context.Context, specs []experiments.RunSpec) (Summary, error) {
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Owner == "" {
		r.Owner = NewOwner()
	}
	if r.HeartbeatEvery <= 0 {
		r.HeartbeatEvery = results.DefaultStaleAfter / 4
	}
	if r.Data == nil {
		r.Data = NewDataLoader(DataOptions{})
	}
	jobs := max(r.Jobs, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		sum      Summary
		firstErr error
		wg       sync.WaitGroup
	)
	next := make(chan int)
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				outcome, superseded, err := r.runOne(ctx, specs[i], i, len(specs))
				mu.Lock()
				count(&sum, outcome)
				if superseded {
					sum.Superseded++
				}
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for i := range specs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return sum, firstErr
	}
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	if sum.Failed+sum.Diverged > 0 {
		return sum, fmt.Errorf("%d failed, %d diverged: %w", sum.Failed, sum.Diverged, ErrPartial)
	}
	return sum, nil
}

// outcome is how one run ended, for the summary.
type outcome int

const (
	outSkipped outcome = iota
	outBusy
	outFinished
	outFailed
	outDiverged
	outInterrupted
	outNone // a store error before the run started
)

func count(s *Summary, o outcome) {
	switch o {
	case outSkipped:
		s.Skipped++
	case outBusy:
		s.Busy++
	case outFinished:
		s.Finished++
	case outFailed:
		s.Failed++
	case outDiverged:
		s.Diverged++
	case outInterrupted:
		s.Interrupted++
	}
}

// runOne trains one run and records how it ended. A panic anywhere in it
// fails this run only: inside the training it becomes the run's failed
// result (trainRecovered); elsewhere (the store, the reporter) it is
// recorded by recordPanic.
func (r *Runner) runOne(ctx context.Context, spec experiments.RunSpec, index, total int) (out outcome, superseded bool, err error) {
	if ctx.Err() != nil {
		return outNone, false, nil
	}
	var key string
	started := false
	defer func() {
		if v := recover(); v != nil {
			out, err = r.recordPanic(ctx, spec, key, started, v)
		}
	}()
	key = spec.Key()
	if r.Rerun {
		switch old, err := r.supersede(ctx, spec, key); {
		case errors.Is(err, results.ErrBusy):
			r.report(func(rep Reporter) { rep.RunSkipped(spec, "running in another process") })
			return outBusy, false, nil
		case err != nil:
			return outNone, false, err
		default:
			superseded = old != ""
		}
	}
	out, err = r.startAndTrain(ctx, spec, key, index, total, &started)
	return out, superseded, err
}

// startAndTrain records that the run starts, trains it and records how it
// ended; started tells runOne's panic handler that the run was recorded
// as started.
func (r *Runner) startAndTrain(ctx context.Context, spec experiments.RunSpec, key string, index, total int, started *bool) (outcome, error) {
	// A task the registry cannot tell (the data's file is unreadable) is
	// left unknown: the load fails the run with the reason.
	task, _ := r.Data.Task(spec)
	prev, err := r.Store.StartRun(ctx, results.Run{
		Key: key, Experiment: spec.Experiment, Dataset: spec.Dataset.Name, Loss: spec.Loss,
		Fold: spec.Fold, Seed: spec.Seed, Profile: spec.Profile, Config: string(spec.Canonical()),
		Task: string(task), Setting: spec.Setting().String(), Overrides: spec.Overrides,
		Owner: r.Owner, Env: r.Env,
	})
	switch {
	case errors.Is(err, results.ErrFinished):
		r.report(func(rep Reporter) { rep.RunSkipped(spec, "already finished") })
		return outSkipped, nil
	case errors.Is(err, results.ErrBusy):
		r.report(func(rep Reporter) { rep.RunSkipped(spec, "running in another process") })
		return outBusy, nil
	case err != nil:
		return outNone, err
	}
	*started = true
	r.report(func(rep Reporter) { rep.RunStarted(spec, index, total) })
	start := r.Now()
	stopBeat := r.heartbeat(ctx, key)
	res, runErr := r.trainRecovered(ctx, spec, key, prev)
	beatErr := stopBeat()
	r.report(func(rep Reporter) { rep.RunFinished(spec, res, r.Now().Sub(start)) })
	if errors.Is(beatErr, results.ErrNotOwner) || errors.Is(runErr, results.ErrNotOwner) {
		// Another process took the run over; it records the outcome.
		return outBusy, nil
	}
	// Record the end even when ctx is cancelled: use a fresh context.
	fin, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if res.Outcome == train.Finished {
		if err := r.keepFinalCheckpoint(fin, key); err != nil {
			return outNone, err
		}
	}
	if err := r.Store.FinishRun(fin, key, r.Owner, runStatus(res.Outcome), res.Reason); err != nil {
		return outNone, err
	}
	switch res.Outcome {
	case train.Finished:
		return outFinished, nil
	case train.Diverged:
		return outDiverged, nil
	case train.Interrupted:
		return outInterrupted, runErr
	}
	if runErr != nil && isStoreError(runErr) {
		return outFailed, runErr
	}
	return outFailed, nil
}

// runStatus is the status the store records for a run that ended with o:
// the outcomes are statuses of the run's life cycle, by value.
func runStatus(o train.Outcome) results.RunStatus { return results.RunStatus(o) }

// isStoreError tells a failure of the results database (which stops the
// runner) from a failure of the run itself (which is recorded).
func isStoreError(err error) bool {
	var se *storeError
	return errors.As(err, &se)
}

type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// heartbeat refreshes the run's heartbeat until the returned function is
// called; that function returns the first heartbeat error, if any.
func (r *Runner) heartbeat(ctx context.Context, key string) func() error {
	done := make(chan struct{})
	var err error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(r.HeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if e := r.beat(ctx, key); e != nil && err == nil && ctx.Err() == nil {
					err = e
				}
			}
		}
	}()
	return func() error {
		close(done)
		wg.Wait()
		return err
	}
}

// beat refreshes the heartbeat once; a panic in the store is returned as
// an error, since no recover outside this goroutine can catch it.
func (r *Runner) beat(ctx context.Context, key string) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = newPanicError(v)
		}
	}()
	return r.Store.Heartbeat(ctx, key, r.Owner)
}

func (r *Runner) train(ctx context.Context, spec experiments.RunSpec, key string, prevEpochs int) (train.Result, error) {
	failed := func(err error) (train.Result, error) {
		return train.Result{Outcome: train.Failed, Reason: err.Error()}, err
	}
	data, err := r.Data.Load(ctx, spec)
	if err != nil {
		return failed(err)
	}
	if err := r.recordSkips(ctx, spec, key); err != nil {
		return failed(err)
	}
	if err := CheckData(spec, data); err != nil {
		return failed(err)
	}
	cfg, err := trainConfig(spec)
	if err != nil {
		return failed(err)
	}
	opts := train.Options{
		Progress: func(p train.Progress) { r.report(func(rep Reporter) { rep.Progress(spec, p) }) },
		Warn:     func(msg string) { r.report(func(rep Reporter) { rep.Warn(spec, msg) }) },
		// Never skip epochs whose metrics this database does not hold.
		MaxResume: prevEpochs,
		Artifact: func(a train.Artifact) error {
			err := r.Store.PutArtifact(ctx, key, r.Owner, results.Artifact{Name: a.Name, Kind: a.Kind, Epoch: a.Epoch, Data: a.Data})
			if err != nil {
				return &storeError{err}
			}
			return nil
		},
	}
	if r.CheckpointDir != "" {
		opts.Checkpoint = r.checkpointPath(key)
	}
	return train.Run(ctx, cfg, data, spec.Fold, func(m train.EpochMetrics) error {
		r.report(func(rep Reporter) { rep.Epoch(spec, m) })
		if err := r.Store.AppendMetrics(ctx, key, r.Owner, toRows(m)); err != nil {
			return &storeError{err}
		}
		return nil
	}, opts)
}

// recordSkips prints what a lenient load of the run's data left out and
// records it as the run's artifact SkipsArtifact.
func (r *Runner) recordSkips(ctx context.Context, spec experiments.RunSpec, key string) error {
	sr, ok := r.Data.(skipsReporter)
	if !ok {
		return nil
	}
	s, first := sr.Skipped(spec)
	if s.Empty() {
		return nil
	}
	if first {
		r.report(func(rep Reporter) { rep.Warn(spec, s.String()) })
	}
	if err := r.Store.PutArtifact(ctx, key, r.Owner, results.Artifact{Name: SkipsArtifact, Kind: "data", Data: s.json()}); err != nil {
		return &storeError{err}
	}
	return nil
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

func (r *Runner) report(f func(Reporter)) {
	if r.Reporter != nil {
		f(r.Reporter)
	}
}

// checkpointPath is where the run's resumable state lives.
func (r *Runner) checkpointPath(key string) string {
	return filepath.Join(r.CheckpointDir, key+".ckpt")
}

// keepFinalCheckpoint moves a finished run's last checkpoint aside (a
// finished run is never resumed, but its weights stay available) and
// records it as an artifact.
func (r *Runner) keepFinalCheckpoint(ctx context.Context, key string) error {
	if r.CheckpointDir == "" {
		return nil
	}
	final := filepath.Join(r.CheckpointDir, key+".final.ckpt")
	if err := os.Rename(r.checkpointPath(key), final); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("keep checkpoint of run %s: %w", key, err)
	}
	return r.Store.PutArtifact(ctx, key, r.Owner, results.Artifact{Name: "checkpoint/final", Kind: "checkpoint", Epoch: -1, Path: final})
}

// trainConfig maps a run spec onto the training configuration, reading a
// given ground distance from its CSV file.
func trainConfig(spec experiments.RunSpec) (train.Config, error) {
	cfg := train.Config{Loss: spec.Loss, Run: spec.Run, Seed: spec.Seed, ValFold: spec.ValFold}
	if path := spec.LossOptions.GroundDistance; path != "" {
		f, err := os.Open(path)
		if err != nil {
			return cfg, fmt.Errorf("ground distance: %w", err)
		}
		defer f.Close()
		if cfg.GroundDistance, err = losses.ReadDistanceCSV(f, path, 0); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}
