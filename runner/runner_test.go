package runner

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/results"
)

// tinyGrid trains in milliseconds: 2 losses × 2 folds of a small synthetic
// dataset, one epoch each.
const tinyGrid = `
name: tiny
dataset: {name: synthetic, classes: 4, per_class: 8, dim: 3}
folds: 2
losses: [ce, emd2]
seeds: [1]
default_profile: p
profiles:
  p:
    model: {name: mlp, hidden: [4]}
    epochs: 1
    batch_size: 4
    learning_rates: [0.1]
    momentum: 0.9
    weight_decay: 0
    lr_decay: 1
`

func tinySpecs(t *testing.T) []experiments.RunSpec {
	t.Helper()
	g, err := experiments.Parse(strings.NewReader(tinyGrid), "tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	specs, err := g.Expand("")
	if err != nil {
		t.Fatal(err)
	}
	return specs
}

// TestRunner_Run_Panic makes one run panic at several places: in its data
// loader, in the reporter called from the training loop, in the reporter
// and the store outside it. The other runs must finish, the panicking run
// must be recorded failed with "panic" in its error (not left running),
// the summary must count one failure, and the stack must reach the
// reporter.
func TestRunner_Run_Panic(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(r *Runner, st *fakeStore, rep *fakeReporter, key string)
		recorded bool // the store holds the run, so it must read failed
		want     string
	}{
		{"data loader", func(r *Runner, _ *fakeStore, _ *fakeReporter, key string) {
			r.Data = panicData{NewDataLoader(DataOptions{}), key}
		}, true, "index out of range"},
		{"reporter in training", func(_ *Runner, _ *fakeStore, rep *fakeReporter, key string) {
			rep.panicOn, rep.panicKey = "Epoch", key
		}, true, "reporter exploded in Epoch"},
		{"reporter at start", func(_ *Runner, _ *fakeStore, rep *fakeReporter, key string) {
			rep.panicOn, rep.panicKey = "RunStarted", key
		}, true, "reporter exploded in RunStarted"},
		{"reporter at finish", func(_ *Runner, _ *fakeStore, rep *fakeReporter, key string) {
			rep.panicOn, rep.panicKey = "RunFinished", key
		}, true, "reporter exploded in RunFinished"},
		{"store at start", func(_ *Runner, st *fakeStore, _ *fakeReporter, key string) {
			st.startFunc = func(r results.Run) error {
				if r.Key == key {
					panic("store exploded")
				}
				return nil
			}
		}, false, "store exploded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			specs := tinySpecs(t)
			bad := specs[1].Key()
			st := newFakeStore()
			rep := &fakeReporter{}
			r := &Runner{Store: st, Reporter: rep, Data: NewDataLoader(DataOptions{}), Jobs: 2, Owner: "test"}
			tt.setup(r, st, rep, bad)
			sum, err := r.Run(t.Context(), specs)
			if !errors.Is(err, ErrPartial) {
				t.Errorf("Run error %v, want ErrPartial", err)
			}
			if sum.Failed != 1 || sum.Finished != len(specs)-1 {
				t.Errorf("summary %+v, want 1 failed and %d finished", sum, len(specs)-1)
			}
			for _, s := range specs {
				k := s.Key()
				run, _ := st.get(k)
				switch {
				case k != bad && run.status != results.StatusFinished:
					t.Errorf("run %s: status %q, want finished", s, run.status)
				case k == bad && tt.recorded && run.status != results.StatusFailed:
					t.Errorf("panicking run: status %q, want failed", run.status)
				case k == bad && tt.recorded && (!strings.HasPrefix(run.errText, "panic: ") || !strings.Contains(run.errText, tt.want)):
					t.Errorf("panicking run: error %q, want it to start with \"panic: \" and contain %q", run.errText, tt.want)
				}
			}
			if len(rep.warns) != 1 || !strings.Contains(rep.warns[0], tt.want) || !strings.Contains(rep.warns[0], "fakes_test.go:") {
				t.Errorf("warnings %q: want one holding the panic and its stack", rep.warns)
			}
		})
	}
}

// TestRunner_Run_PanicSite checks that the recorded error names where the
// panic happened and stays one short line, while the stack goes to the
// reporter.
func TestRunner_Run_PanicSite(t *testing.T) {
	specs := tinySpecs(t)[:1]
	st := newFakeStore()
	rep := &fakeReporter{}
	r := &Runner{Store: st, Reporter: rep, Data: panicData{NewDataLoader(DataOptions{}), specs[0].Key()}, Owner: "test"}
	if _, err := r.Run(t.Context(), specs); !errors.Is(err, ErrPartial) {
		t.Fatalf("Run error %v, want ErrPartial", err)
	}
	run, _ := st.get(specs[0].Key())
	msg := run.errText
	if !strings.Contains(msg, "panicData.Load") || strings.Contains(msg, "\n") || len(msg) > maxPanicText {
		t.Errorf("error text %q: want one line under %d bytes naming panicData.Load", msg, maxPanicText)
	}
}

// TestRunner_Run_PanicInDB runs a grid with one panicking run against the
// real SQLite store: the run must read failed with its panic, not running.
func TestRunner_Run_PanicInDB(t *testing.T) {
	db, err := results.Open(t.Context(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	specs := tinySpecs(t)
	bad := specs[2].Key()
	r := &Runner{Store: db, Reporter: &fakeReporter{}, Data: panicData{NewDataLoader(DataOptions{}), bad}, Jobs: 2}
	sum, err := r.Run(t.Context(), specs)
	if !errors.Is(err, ErrPartial) || sum.Failed != 1 || sum.Finished != len(specs)-1 {
		t.Fatalf("summary %+v, error %v; want %d finished, 1 failed, ErrPartial", sum, err, len(specs)-1)
	}
	runs, err := db.Runs(t.Context(), results.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range runs {
		want := results.StatusFinished
		if run.Key == bad {
			want = results.StatusFailed
			if !strings.HasPrefix(run.Error, "panic: ") {
				t.Errorf("panicking run's error %q, want it to start with \"panic: \"", run.Error)
			}
		}
		if run.Status != want {
			t.Errorf("run %s: status %s, want %s", run.Key, run.Status, want)
		}
	}
}
