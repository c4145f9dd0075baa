package main

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vbauerster/mpb/v8"

	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/train"
)

// fakeTerm is a terminal of a given size that keeps every frame mpb draws
// on it.
type fakeTerm struct {
	width, height int

	mu     sync.Mutex
	buf    bytes.Buffer // the frame being drawn
	frames []string
}

var _ mpb.ConsoleWriter = (*fakeTerm)(nil)

func (f *fakeTerm) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.buf.Write(p)
}

func (f *fakeTerm) ReadFrom(r io.Reader) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.buf.ReadFrom(r)
}

func (f *fakeTerm) IsTerminal() bool               { return true }
func (f *fakeTerm) GetTermSize() (int, int, error) { return f.width, f.height, nil }

func (f *fakeTerm) Flush(int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.frames = append(f.frames, f.buf.String())
	f.buf.Reset()
	return nil
}

// last returns the latest frame and whether there is one.
func (f *fakeTerm) last() (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.frames) == 0 {
		return "", false
	}
	return f.frames[len(f.frames)-1], true
}

// waitFrame asks mpb to draw until a frame satisfies ok.
func waitFrame(t *testing.T, term *fakeTerm, refresh chan<- any, what string, ok func(frame string) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		refresh <- struct{}{}
		if f, drawn := term.last(); drawn && ok(f) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	f, _ := term.last()
	t.Fatalf("no frame %s; the last:\n%s", what, f)
}

// fakeClock advances by step at each call.
func fakeClock(step time.Duration) func() time.Time {
	var mu sync.Mutex
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(step)
		return now
	}
}

func progressSpec(loss string, fold int) experiments.RunSpec {
	s := experiments.RunSpec{Experiment: "grid", Profile: "smoke", Loss: loss, Fold: fold, Seed: 1}
	s.Epochs, s.LR = 2, 0.01
	return s
}

// trainEpochs reports the metrics of two epochs of a run, as train.Run
// sends them: train (with the loss), val, test.
func trainEpochs(rep *textReporter, spec experiments.RunSpec, withVal bool) {
	for ep := range 2 {
		rep.Progress(spec, train.Progress{Epoch: ep, Epochs: 2, Batch: 4, Batches: 4, BatchSize: 8, Loss: 1.5 - float64(ep)})
		rep.Epoch(spec, train.EpochMetrics{Epoch: ep, Split: "train", Values: map[string]float64{"acc": 0.7, "loss": 1.25 - float64(ep)/2}})
		if withVal {
			rep.Epoch(spec, train.EpochMetrics{Epoch: ep, Split: "val", Values: map[string]float64{"acc": 0.5 + float64(ep)/10, "acc1off": 0.875, "mae": 0.625}})
		}
		rep.Epoch(spec, train.EpochMetrics{Epoch: ep, Split: "test", Values: map[string]float64{"acc": 0.99, "acc1off": 0.999, "mae": 0.001}})
	}
}

func TestTextReporter_PlainLines(t *testing.T) {
	var out bytes.Buffer
	rep := newReporter(&out, nil, fakeClock(time.Second))
	a, b, c := progressSpec("ce", 0), progressSpec("ce", 1), progressSpec("emd2", 0)
	rep.RunSkipped(progressSpec("emd2", 1), "already finished")
	rep.RunStarted(a, 0, 4)
	trainEpochs(rep, a, true)
	rep.RunFinished(a, train.Result{Outcome: train.Finished, Epochs: 2, Test: map[string]float64{"acc": 0.99}}, 10*time.Second)
	rep.RunStarted(b, 1, 4)
	trainEpochs(rep, b, false)
	rep.RunFinished(b, train.Result{Outcome: train.Finished, Epochs: 2, Test: map[string]float64{"acc": 0.99}}, 20*time.Second)
	rep.RunStarted(c, 2, 4)
	rep.RunFinished(c, train.Result{Outcome: train.Failed, Reason: "bad data"}, time.Second)
	rep.Close()
	got := out.String()

	for _, want := range []string{
		"skip grid/smoke loss=emd2 fold=1",
		"[1/4] grid/smoke loss=ce fold=0 lr=0.01 seed=1",
		"  grid ce f0  epoch 1/2  loss 1.2500  val acc 0.5000  1-off 0.8750  mae 0.6250\n",
		"  grid ce f0  epoch 2/2  loss 0.7500  val acc 0.6000  1-off 0.8750  mae 0.6250\n",
		"finished after 2 epochs in 10s  val acc 0.6000  [2/4 runs, ETA 20s]\n", // 10 s × 2 left / 1 at once
		// b has no validation split: the loss alone, never the test metrics.
		"  grid ce f1  epoch 1/2  loss 1.2500  (no validation split)\n",
		"finished after 2 epochs in 20s  [3/4 runs, ETA 15s]\n",
		"failed after 0 epochs in 1s: bad data  [4/4 runs]\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(strings.ToLower(got), "test") || strings.Contains(got, "0.99") {
		t.Errorf("the lines show test metrics:\n%s", got)
	}
	if n := strings.Count(got, "  epoch "); n != 4 {
		t.Errorf("%d epoch lines, want 4 (one per epoch of a and b):\n%s", n, got)
	}
}

func TestTextReporter_TerminalWithoutSize(t *testing.T) {
	for _, size := range [][2]int{{0, 0}, {80, 0}, {0, 24}} {
		var out bytes.Buffer
		term := &fakeTerm{width: size[0], height: size[1]}
		rep := newReporter(&out, term, fakeClock(time.Second))
		if rep.bars != nil {
			t.Fatalf("%d×%d: bars on a terminal without size", size[0], size[1])
		}
		s := progressSpec("ce", 0)
		rep.RunStarted(s, 0, 1)
		trainEpochs(rep, s, true)
		rep.RunFinished(s, train.Result{Outcome: train.Finished, Epochs: 2}, time.Second)
		rep.Close()
		for _, want := range []string{"[1/1] grid/smoke loss=ce", "  grid ce f0  epoch 2/2  loss 0.7500  val acc 0.6000", "[1/1 runs]"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%d×%d: output lacks %q:\n%s", size[0], size[1], want, out.String())
			}
		}
		if _, drawn := term.last(); drawn {
			t.Errorf("%d×%d: something was drawn on the terminal", size[0], size[1])
		}
	}
}

func TestTextReporter_Bars(t *testing.T) {
	var out bytes.Buffer
	term := &fakeTerm{width: 120, height: 24}
	refresh := make(chan any)
	rep := newReporter(&out, term, fakeClock(time.Second), mpb.WithManualRefresh(refresh))
	if rep.bars == nil {
		t.Fatal("no bars on a terminal of 120×24")
	}
	a, b := progressSpec("ce", 0), progressSpec("emd2", 0)
	rep.RunStarted(a, 0, 3)
	rep.RunStarted(b, 1, 3)
	trainEpochs(rep, a, true)
	waitFrame(t, term, refresh, "with both runs", func(f string) bool {
		return strings.Contains(f, "grid ce f0") && strings.Contains(f, "grid emd2 f0") && strings.Contains(f, "0/3 runs, ETA ?")
	})
	if f, _ := term.last(); !strings.Contains(f, "val acc 0.6000") {
		t.Errorf("the run's bar lacks its validation accuracy:\n%s", f)
	}
	rep.RunFinished(a, train.Result{Outcome: train.Finished, Epochs: 2}, 30*time.Second)
	// One run done, two left, two at once: 30 s × 2 / 2.
	waitFrame(t, term, refresh, "without the finished run", func(f string) bool {
		return !strings.Contains(f, "grid ce f0") && strings.Contains(f, "grid emd2 f0") && strings.Contains(f, "1/3 runs, ETA 30s")
	})
	rep.RunFinished(b, train.Result{Outcome: train.Interrupted, Epochs: 1}, time.Second)
	rep.Close()
	f, _ := term.last()
	if strings.Contains(f, "grid emd2 f0") || strings.Contains(f, "grid ce f0") {
		t.Errorf("a run's bar is left after the grid ended:\n%s", f)
	}
	if !strings.Contains(f, "2/3 runs") {
		t.Errorf("the last frame lacks the overall bar:\n%s", f)
	}
	if out.Len() != 0 {
		t.Errorf("plain lines were written beside the bars: %q", out.String())
	}
}

func TestGridText(t *testing.T) {
	s := time.Second
	tests := []struct {
		name        string
		done, total int
		walls       []time.Duration
		jobs        int
		want        string
	}{
		{"none finished", 0, 8, nil, 2, "0/8 runs, ETA ?"},
		{"mean × left / jobs", 3, 8, []time.Duration{10 * s, 20 * s, 30 * s}, 2, "3/8 runs, ETA 50s"},
		{"one job", 3, 8, []time.Duration{10 * s, 20 * s, 30 * s}, 1, "3/8 runs, ETA 1m40s"},
		{"skipped runs count as done", 6, 8, []time.Duration{90 * s}, 4, "6/8 runs, ETA 45s"},
		{"rounded to the second", 1, 2, []time.Duration{1499 * time.Millisecond}, 1, "1/2 runs, ETA 1s"},
		{"under a second", 1, 2, []time.Duration{100 * time.Millisecond}, 1, "1/2 runs, ETA <1s"},
		{"hours", 1, 101, []time.Duration{time.Hour}, 10, "1/101 runs, ETA 10h0m0s"},
		{"done", 8, 8, []time.Duration{10 * s}, 2, "8/8 runs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := gridText(tt.done, tt.total, tt.walls, tt.jobs); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
