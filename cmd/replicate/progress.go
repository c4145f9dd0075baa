package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/runner"
	"github.com/replicate-emd/replicate/train"
)

// textReporter prints one line per run event on stderr; on a terminal the
// per-epoch line is redrawn in place.
type textReporter struct {
	mu  sync.Mutex
	w   io.Writer
	tty bool
}

var _ runner.Reporter = (*textReporter)(nil)

func newTextReporter(w io.Writer, tty bool) *textReporter { return &textReporter{w: w, tty: tty} }

func (t *textReporter) RunSkipped(spec experiments.RunSpec, why string) {
	t.printf("skip %s (%s): %s\n", spec, spec.Key(), why)
}

func (t *textReporter) RunStarted(spec experiments.RunSpec, index, total int) {
	t.printf("[%d/%d] %s (%s)\n", index+1, total, spec, spec.Key())
}

func (t *textReporter) Epoch(spec experiments.RunSpec, m train.EpochMetrics) {
	if m.Split != "test" {
		return
	}
	line := fmt.Sprintf("  epoch %d/%d  test acc %.4f  1-off %.4f  mae %.4f",
		m.Epoch+1, spec.Epochs, m.Values["acc"], m.Values["acc1off"], m.Values["mae"])
	if t.tty {
		t.printf("\r\033[K%s", line)
		return
	}
	t.printf("%s\n", line)
}

func (t *textReporter) RunFinished(spec experiments.RunSpec, res train.Result, wall time.Duration) {
	end := ""
	if t.tty {
		end = "\r\033[K"
	}
	msg := fmt.Sprintf("%s  %s after %d epochs in %s", end, res.Status, res.Epochs, wall.Round(time.Millisecond))
	if res.Reason != "" {
		msg += ": " + res.Reason
	}
	t.printf("%s\n", msg)
}

func (t *textReporter) printf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, format, args...)
}
