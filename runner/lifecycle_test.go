package runner

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/results"
	"github.com/replicate-emd/replicate/train"
)

// lifecycleCase is one row of TestRunner_Run_Lifecycle: setup prepares the
// store, the reporter and the context for the specs of tinyGrid (run one
// at a time), check inspects what Run did.
type lifecycleCase struct {
	name  string
	setup func(st *fakeStore, rep *fakeReporter, specs []experiments.RunSpec, cancel context.CancelFunc)
	check func(t *testing.T, st *fakeStore, rep *fakeReporter, data *countingData, specs []experiments.RunSpec, sum Summary, err error)
}

// TestRunner_Run_Lifecycle runs tinyGrid against a fake store set up as
// another process (or a failing disk, or a signal) would leave it, and
// checks what the runner did with each run.
func TestRunner_Run_Lifecycle(t *testing.T) {
	const thief = "other-host:42:1"
	tests := []lifecycleCase{
		{
			name: "finished runs are skipped",
			setup: func(st *fakeStore, _ *fakeReporter, specs []experiments.RunSpec, _ context.CancelFunc) {
				for _, s := range specs {
					st.put(s.Key(), results.StatusFinished, "earlier", 1)
				}
			},
			check: func(t *testing.T, st *fakeStore, rep *fakeReporter, data *countingData, specs []experiments.RunSpec, sum Summary, err error) {
				if err != nil || sum != (Summary{Skipped: len(specs)}) {
					t.Errorf("summary %+v, error %v; want all %d skipped", sum, err, len(specs))
				}
				if data.loads != 0 || len(st.log()) != 0 {
					t.Errorf("%d loads, store calls %q: a finished run must not load or write anything", data.loads, st.log())
				}
				for _, s := range specs {
					if why := rep.skipped[s.Key()]; why != "already finished" {
						t.Errorf("run %s skipped because %q", s, why)
					}
				}
			},
		},
		{
			name: "a live owner's run is left alone",
			setup: func(st *fakeStore, _ *fakeReporter, specs []experiments.RunSpec, _ context.CancelFunc) {
				st.put(specs[0].Key(), results.StatusRunning, thief, 0)
				st.live[thief] = true
			},
			check: func(t *testing.T, st *fakeStore, rep *fakeReporter, _ *countingData, specs []experiments.RunSpec, sum Summary, err error) {
				if err != nil || sum != (Summary{Busy: 1, Finished: len(specs) - 1}) {
					t.Errorf("summary %+v, error %v; want 1 busy, %d finished", sum, err, len(specs)-1)
				}
				run, _ := st.get(specs[0].Key())
				if run.status != results.StatusRunning || run.owner != thief {
					t.Errorf("the busy run is %s held by %s; want it left running under %s", run.status, run.owner, thief)
				}
				if why := rep.skipped[specs[0].Key()]; why != "running in another process" {
					t.Errorf("skipped because %q", why)
				}
			},
		},
		{
			name: "a stale run is taken over",
			setup: func(st *fakeStore, _ *fakeReporter, specs []experiments.RunSpec, _ context.CancelFunc) {
				st.put(specs[0].Key(), results.StatusRunning, "dead-host:7:1", 0) // not live
			},
			check: func(t *testing.T, st *fakeStore, _ *fakeReporter, _ *countingData, specs []experiments.RunSpec, sum Summary, err error) {
				if err != nil || sum != (Summary{Finished: len(specs)}) {
					t.Errorf("summary %+v, error %v; want all %d finished", sum, err, len(specs))
				}
				run, _ := st.get(specs[0].Key())
				if run.status != results.StatusFinished || run.owner != "me" || run.epochs != 1 {
					t.Errorf("the stale run is %s under %s after %d epochs; want finished under me after 1", run.status, run.owner, run.epochs)
				}
			},
		},
		{
			name: "a run taken over mid-run is left to its new owner",
			setup: func(st *fakeStore, _ *fakeReporter, specs []experiments.RunSpec, _ context.CancelFunc) {
				key := specs[0].Key()
				st.appendFunc = func(k string, _ []results.Metric) error {
					if k == key {
						st.put(key, results.StatusRunning, thief, 0) // its heartbeat went stale: another took it
					}
					return nil
				}
			},
			check: func(t *testing.T, st *fakeStore, rep *fakeReporter, _ *countingData, specs []experiments.RunSpec, sum Summary, err error) {
				if err != nil || sum != (Summary{Busy: 1, Finished: len(specs) - 1}) {
					t.Errorf("summary %+v, error %v; want 1 busy (taken over), %d finished", sum, err, len(specs)-1)
				}
				key := specs[0].Key()
				run, _ := st.get(key)
				if run.owner != thief || run.status != results.StatusRunning {
					t.Errorf("the run is %s under %s: the new owner's run must not be touched", run.status, run.owner)
				}
				for _, c := range st.log() {
					if strings.HasPrefix(c, "finish "+key) {
						t.Errorf("the old owner recorded an end: %q", c)
					}
				}
			},
		},
		{
			name: "a store error stops the grid",
			setup: func(st *fakeStore, _ *fakeReporter, specs []experiments.RunSpec, _ context.CancelFunc) {
				key := specs[0].Key()
				st.appendFunc = func(k string, _ []results.Metric) error {
					if k == key {
						return errors.New("disk full")
					}
					return nil
				}
			},
			check: func(t *testing.T, st *fakeStore, _ *fakeReporter, _ *countingData, specs []experiments.RunSpec, sum Summary, err error) {
				if err == nil || !strings.Contains(err.Error(), "disk full") || errors.Is(err, ErrPartial) {
					t.Errorf("error %v, want the store's (not ErrPartial)", err)
				}
				if sum != (Summary{Failed: 1}) {
					t.Errorf("summary %+v, want the one run failed and no other started", sum)
				}
				key := specs[0].Key()
				if want := []string{"start " + key, "finish " + key + " failed"}; !slices.Equal(st.log(), want) {
					t.Errorf("store calls %q, want %q", st.log(), want)
				}
			},
		},
		{
			name: "cancellation records the run interrupted",
			setup: func(_ *fakeStore, rep *fakeReporter, specs []experiments.RunSpec, cancel context.CancelFunc) {
				key := specs[0].Key()
				rep.epochFunc = func(s experiments.RunSpec, _ train.EpochMetrics) {
					if s.Key() == key {
						cancel() // as a signal would, while the run evaluates
					}
				}
			},
			check: func(t *testing.T, st *fakeStore, rep *fakeReporter, _ *countingData, specs []experiments.RunSpec, sum Summary, err error) {
				if !errors.Is(err, context.Canceled) || sum != (Summary{Interrupted: 1}) {
					t.Errorf("summary %+v, error %v; want 1 interrupted and context.Canceled", sum, err)
				}
				key := specs[0].Key()
				if run, _ := st.get(key); run.status != results.StatusInterrupted {
					t.Errorf("the run is %s, want interrupted (it resumes from its checkpoint)", run.status)
				}
				if rep.outcomes[key] != train.Interrupted || len(rep.started) != 1 {
					t.Errorf("outcome %q, %d started; want interrupted and no other run started", rep.outcomes[key], len(rep.started))
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			specs := tinySpecs(t)
			st := newFakeStore()
			rep := &fakeReporter{}
			data := &countingData{DataLoader: NewDataLoader(DataOptions{})}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			tt.setup(st, rep, specs, cancel)
			r := &Runner{Store: st, Reporter: rep, Data: data, Jobs: 1, Owner: "me"}
			sum, err := r.Run(ctx, specs)
			tt.check(t, st, rep, data, specs, sum, err)
		})
	}
}

// TestRunner_Run_Facts checks the facts a run records when it starts: the
// task of its data (from the datasets registry) and its setting.
func TestRunner_Run_Facts(t *testing.T) {
	specs := tinySpecs(t)
	st := newFakeStore()
	r := &Runner{Store: st, Data: NewDataLoader(DataOptions{}), Owner: "me"}
	if _, err := r.Run(t.Context(), specs); err != nil {
		t.Fatal(err)
	}
	for _, s := range specs {
		run, _ := st.get(s.Key())
		if run.run.Task != "ordinal" {
			t.Errorf("run %s: task %q, want ordinal (synthetic data)", s, run.run.Task)
		}
		if want := s.Setting().String(); run.run.Setting != want || !strings.Contains(want, "lr=0.1") || strings.Contains(want, "fold=") {
			t.Errorf("run %s: setting %q, want %q (every field but the coordinates)", s, run.run.Setting, want)
		}
	}
}

// TestRunStatus: every outcome of a training run is a status of the store.
func TestRunStatus(t *testing.T) {
	for _, o := range []train.Outcome{train.Finished, train.Diverged, train.Failed, train.Interrupted} {
		switch runStatus(o) {
		case results.StatusFinished, results.StatusDiverged, results.StatusFailed, results.StatusInterrupted:
		default:
			t.Errorf("outcome %q is no run status", o)
		}
	}
}
