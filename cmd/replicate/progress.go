package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/runner"
	"github.com/replicate-emd/replicate/train"
)

// textReporter reports the runner's progress on stderr. On a terminal each
// run in flight has a progress bar (epoch, batch, images/s, loss, ETA) with
// the run events printed above the bars; otherwise it prints plain lines,
// one per run event and one per epoch.
type textReporter struct {
	mu    sync.Mutex
	w     io.Writer
	bars  *mpb.Progress // nil when not on a terminal
	state map[string]*runState
}

// runState is what a run's bar shows.
type runState struct {
	bar     *mpb.Bar
	start   time.Time
	samples int // samples trained since start
	last    train.Progress
}

var _ runner.Reporter = (*textReporter)(nil)

func newTextReporter(w io.Writer, tty bool) *textReporter {
	t := &textReporter{w: w, state: map[string]*runState{}}
	if tty {
		t.bars = mpb.New(mpb.WithOutput(w), mpb.WithWidth(32))
	}
	return t
}

// Close waits for the bars to be drawn for the last time.
func (t *textReporter) Close() {
	if t.bars != nil {
		t.bars.Wait()
	}
}

func (t *textReporter) RunSkipped(spec experiments.RunSpec, why string) {
	t.printf("skip %s (%s): %s\n", spec, spec.Key(), why)
}

func (t *textReporter) RunStarted(spec experiments.RunSpec, index, total int) {
	t.printf("[%d/%d] %s (%s)\n", index+1, total, spec, spec.Key())
	if t.bars == nil {
		return
	}
	st := &runState{start: time.Now()}
	label := fmt.Sprintf("%s %s f%d", spec.Experiment, spec.Loss, spec.Fold)
	st.bar = t.bars.New(0, mpb.BarStyle(),
		mpb.PrependDecorators(decor.Name(label, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return t.describe(st) }), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)),
		mpb.BarRemoveOnComplete())
	t.mu.Lock()
	t.state[spec.Key()] = st
	t.mu.Unlock()
}

// describe renders the epoch, batch, throughput and loss of a run.
func (t *textReporter) describe(st *runState) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := st.last
	rate := float64(st.samples) / max(time.Since(st.start).Seconds(), 1e-9)
	return fmt.Sprintf(" epoch %d/%d batch %d/%d  %.0f img/s  loss %.4f", p.Epoch+1, p.Epochs, p.Batch, p.Batches, rate, p.Loss)
}

func (t *textReporter) Progress(spec experiments.RunSpec, p train.Progress) {
	t.mu.Lock()
	st := t.state[spec.Key()]
	if st != nil {
		st.last = p
		st.samples += p.BatchSize
	}
	t.mu.Unlock()
	if st != nil {
		st.bar.SetTotal(int64(p.Epochs*p.Batches), false)
		st.bar.SetCurrent(int64(p.Epoch*p.Batches + p.Batch))
	}
}

func (t *textReporter) Epoch(spec experiments.RunSpec, m train.EpochMetrics) {
	if m.Split != "test" || t.bars != nil {
		return
	}
	line := fmt.Sprintf("  epoch %d/%d  test", m.Epoch+1, spec.Epochs)
	for _, k := range []struct{ name, label string }{{"acc", "acc"}, {"acc1off", "1-off"}, {"mae", "mae"}, {"spearman", "ρ"}, {"top5", "top-5"}} {
		if v, ok := m.Values[k.name]; ok {
			line += fmt.Sprintf("  %s %.4f", k.label, v)
		}
	}
	t.printf("%s\n", line)
}

func (t *textReporter) Warn(spec experiments.RunSpec, msg string) {
	t.printf("warning: %s: %s\n", spec, msg)
}

func (t *textReporter) RunFinished(spec experiments.RunSpec, res train.Result, wall time.Duration) {
	t.mu.Lock()
	st := t.state[spec.Key()]
	delete(t.state, spec.Key())
	t.mu.Unlock()
	if st != nil {
		st.bar.Abort(true)
	}
	msg := fmt.Sprintf("  %s: %s after %d epochs in %s", spec, res.Outcome, res.Epochs, wall.Round(time.Millisecond))
	if res.Resumed > 0 {
		msg += fmt.Sprintf(" (resumed after epoch %d)", res.Resumed)
	}
	if res.Reason != "" {
		msg += ": " + res.Reason
	}
	if acc, ok := res.Test["acc"]; ok {
		msg += fmt.Sprintf("  test acc %.4f", acc)
	}
	t.printf("%s\n", msg)
}

func (t *textReporter) printf(format string, args ...any) {
	if t.bars != nil {
		fmt.Fprintf(t.bars, format, args...)
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, format, args...)
}
