package runner

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/results"
	"github.com/replicate-emd/replicate/train"
)

// fakeRun is one run as fakeStore holds it.
type fakeRun struct {
	run     results.Run // what StartRun was given (facts included)
	status  results.RunStatus
	owner   string
	epochs  int // epochs with metrics
	errText string
	metrics []results.Metric
}

// fakeStore is an in-memory Store with the life cycle of results.DB: a
// finished run is refused with ErrFinished, a running one held by a live
// owner with ErrBusy, any other taken over; writes by a process that does
// not hold the run fail with ErrNotOwner. The function fields, when set,
// are asked first and may fail a call (or panic) instead.
type fakeStore struct {
	mu   sync.Mutex
	runs map[string]*fakeRun
	// live names the owners whose process is alive.
	live map[string]bool
	// calls records "start KEY", "finish KEY STATUS", in order.
	calls []string

	startFunc  func(r results.Run) error
	appendFunc func(key string, ms []results.Metric) error
}

func newFakeStore() *fakeStore {
	return &fakeStore{runs: map[string]*fakeRun{}, live: map[string]bool{}}
}

// put records a run as another process left it.
func (s *fakeStore) put(key string, status results.RunStatus, owner string, epochs int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs[key] = &fakeRun{status: status, owner: owner, epochs: epochs}
}

// get returns a copy of run key and whether the store has it.
func (s *fakeStore) get(key string) (fakeRun, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.runs[key]
	if !ok {
		return fakeRun{}, false
	}
	return *r, true
}

// log returns the calls recorded so far.
func (s *fakeStore) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

func (s *fakeStore) StartRun(_ context.Context, r results.Run) (int, error) {
	if s.startFunc != nil {
		if err := s.startFunc(r); err != nil {
			return 0, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prev, ok := s.runs[r.Key]
	switch {
	case ok && prev.status == results.StatusFinished:
		return prev.epochs, results.ErrFinished
	case ok && prev.status == results.StatusRunning && prev.owner != r.Owner && s.live[prev.owner]:
		return prev.epochs, fmt.Errorf("start run %s: %w", r.Key, results.ErrBusy)
	}
	epochs := 0
	if ok {
		epochs = prev.epochs
	}
	s.runs[r.Key] = &fakeRun{run: r, status: results.StatusRunning, owner: r.Owner, epochs: epochs}
	s.calls = append(s.calls, "start "+r.Key)
	return epochs, nil
}

// write asks hook (when set), then applies change to run key if owner
// holds it, else returns ErrNotOwner.
func (s *fakeStore) write(key, owner string, hook func() error, change func(*fakeRun)) error {
	if hook != nil {
		if err := hook(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.runs[key]
	if !ok || r.owner != owner || r.status != results.StatusRunning {
		return results.ErrNotOwner
	}
	change(r)
	return nil
}

func (s *fakeStore) PutArtifact(_ context.Context, key, owner string, _ results.Artifact) error {
	return s.write(key, owner, nil, func(*fakeRun) {})
}

func (s *fakeStore) Heartbeat(_ context.Context, key, owner string) error {
	return s.write(key, owner, nil, func(*fakeRun) {})
}

func (s *fakeStore) AppendMetrics(_ context.Context, key, owner string, ms []results.Metric) error {
	var hook func() error
	if s.appendFunc != nil {
		hook = func() error { return s.appendFunc(key, ms) }
	}
	return s.write(key, owner, hook, func(r *fakeRun) {
		r.metrics = append(r.metrics, ms...)
		for _, m := range ms {
			r.epochs = max(r.epochs, m.Epoch+1)
		}
	})
}

func (s *fakeStore) FinishRun(_ context.Context, key, owner string, status results.RunStatus, errText string) error {
	return s.write(key, owner, nil, func(r *fakeRun) {
		r.status, r.errText = status, errText
		s.calls = append(s.calls, fmt.Sprintf("finish %s %s", key, status))
	})
}

func (s *fakeStore) Supersede(_ context.Context, key, owner string, _ func(path, oldKey, newKey string) (string, error)) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.runs[key]
	switch {
	case !ok:
		return "", nil
	case r.status == results.StatusRunning && r.owner != owner && s.live[r.owner]:
		return "", results.ErrBusy
	}
	n := 1
	for s.runs[fmt.Sprintf("%s~%d", key, n)] != nil {
		n++
	}
	newKey := fmt.Sprintf("%s~%d", key, n)
	r.status = results.StatusSuperseded
	s.runs[newKey] = r
	delete(s.runs, key)
	s.calls = append(s.calls, "supersede "+key)
	return newKey, nil
}

var _ Store = (*fakeStore)(nil)

// fakeReporter records what it is told. panicOn names a method that
// panics for the run with key panicKey; epochFunc, when set, is called on
// every epoch's metrics.
type fakeReporter struct {
	mu       sync.Mutex
	warns    []string
	skipped  map[string]string // key → why
	started  []string
	outcomes map[string]train.Outcome
	panicOn  string
	panicKey string

	epochFunc func(spec experiments.RunSpec, m train.EpochMetrics)
}

func (r *fakeReporter) maybePanic(method string, spec experiments.RunSpec) {
	if r.panicOn == method && spec.Key() == r.panicKey {
		panic("reporter exploded in " + method)
	}
}

func (r *fakeReporter) RunSkipped(spec experiments.RunSpec, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.skipped == nil {
		r.skipped = map[string]string{}
	}
	r.skipped[spec.Key()] = why
}

func (r *fakeReporter) RunStarted(spec experiments.RunSpec, index, total int) {
	r.maybePanic("RunStarted", spec)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started = append(r.started, spec.Key())
}

func (r *fakeReporter) Epoch(spec experiments.RunSpec, m train.EpochMetrics) {
	r.maybePanic("Epoch", spec)
	if r.epochFunc != nil {
		r.epochFunc(spec, m)
	}
}

func (r *fakeReporter) Progress(experiments.RunSpec, train.Progress) {}

func (r *fakeReporter) Warn(_ experiments.RunSpec, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.warns = append(r.warns, msg)
}

func (r *fakeReporter) RunFinished(spec experiments.RunSpec, res train.Result, _ time.Duration) {
	r.maybePanic("RunFinished", spec)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.outcomes == nil {
		r.outcomes = map[string]train.Outcome{}
	}
	r.outcomes[spec.Key()] = res.Outcome
}

var _ Reporter = (*fakeReporter)(nil)

// countingData is the real loader, counting the loads it is asked for.
type countingData struct {
	DataLoader
	mu    sync.Mutex
	loads int
}

func (d *countingData) Load(ctx context.Context, spec experiments.RunSpec) (datasets.Dataset, error) {
	d.mu.Lock()
	d.loads++
	d.mu.Unlock()
	return d.DataLoader.Load(ctx, spec)
}

// panicData is the real loader, except that it panics for one run.
type panicData struct {
	DataLoader
	key string
}

func (d panicData) Load(ctx context.Context, spec experiments.RunSpec) (datasets.Dataset, error) {
	if spec.Key() == d.key {
		var xs []int
		_ = xs[len(spec.Loss)] // index out of range: a bug in a loader
	}
	return d.DataLoader.Load(ctx, spec)
}
