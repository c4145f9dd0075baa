package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/cupwriter"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/runner"
	"github.com/replicate-emd/replicate/train"
)

// textReporter reports the runner's progress on stderr. On a terminal that
// reports its size, an overall bar counts the grid's runs (done of total,
// with an ETA) and each run in flight has its own bar (epoch, batch,
// images/s, training loss, validation accuracy, ETA), removed when the run
// ends; the run events are printed above the bars. Otherwise (not a
// terminal, or a terminal of size 0×0 such as a pty nobody sized, where
// bars would draw nothing) it prints plain lines: one per run event and
// one per epoch with the training loss and the validation metrics. The
// test metrics are never shown while a grid trains: watching them epoch by
// epoch invites choosing by the test fold; the report shows them.
type textReporter struct {
	mu    sync.Mutex
	w     io.Writer
	bars  *mpb.Progress // nil: plain lines
	now   func() time.Time
	state map[string]*runState
	grid  gridState
	// barMu orders the calls that create and move the overall bar.
	barMu   sync.Mutex
	gridBar *mpb.Bar // created with the first run started; nil in plain mode
}

// runState is what a run's bar and lines show.
type runState struct {
	bar     *mpb.Bar // nil in plain mode
	start   time.Time
	samples int // samples trained since start
	last    train.Progress
	// trainLoss is the mean training loss of epoch lossEpoch, kept until
	// the epoch's validation metrics arrive.
	trainLoss float64
	lossEpoch int
	// printed is the last epoch whose line was printed (plain mode).
	printed int
	val     map[string]float64 // the latest validation metrics
}

// gridState is what the overall bar shows: the grid's runs, done of total.
type gridState struct {
	total    int // runs in the grid, from RunStarted; 0 until then
	done     int // runs skipped or ended, any outcome
	inFlight int
	peak     int             // the most runs in flight at once
	walls    []time.Duration // wall times of the runs that trained to their end
}

var _ runner.Reporter = (*textReporter)(nil)

// newTextReporter reports on w; tty says that w is a terminal. Bars are
// drawn only when the terminal also reports a size.
func newTextReporter(w io.Writer, tty bool) *textReporter {
	var cw mpb.ConsoleWriter
	if tty {
		// The writer mpb itself would use: it knows the terminal's size.
		cw = cupwriter.New(w, false)
	}
	return newReporter(w, cw, time.Now)
}

// newReporter reports through cw when it is a terminal with a size, in
// plain lines on w otherwise; cw may be nil. opts are passed to mpb.
func newReporter(w io.Writer, cw mpb.ConsoleWriter, now func() time.Time, opts ...mpb.ContainerOption) *textReporter {
	t := &textReporter{w: w, now: now, state: map[string]*runState{}}
	if hasSize(cw) {
		t.bars = mpb.New(append([]mpb.ContainerOption{mpb.WithConsoleWriter(cw), mpb.WithWidth(32)}, opts...)...)
	}
	return t
}

// hasSize reports whether cw is a terminal of non-zero size: mpb draws no
// more rows than the terminal's height, so on a terminal of height 0 the
// bars would show nothing at all.
func hasSize(cw mpb.ConsoleWriter) bool {
	if cw == nil || !cw.IsTerminal() {
		return false
	}
	w, h, err := cw.GetTermSize()
	return err == nil && w > 0 && h > 0
}

// Close ends the bars still drawn (a run that never reported its end, the
// overall bar of an interrupted grid) and waits for their last frame.
func (t *textReporter) Close() {
	if t.bars == nil {
		return
	}
	t.mu.Lock()
	var left []*mpb.Bar
	for key, st := range t.state {
		left = append(left, st.bar)
		delete(t.state, key)
	}
	t.mu.Unlock()
	for _, b := range left {
		b.Abort(true)
	}
	t.barMu.Lock()
	if t.gridBar != nil {
		t.gridBar.Abort(false) // a no-op when complete; else its last frame stays
	}
	t.barMu.Unlock()
	t.bars.Wait()
}

func (t *textReporter) RunSkipped(spec experiments.RunSpec, why string) {
	t.mu.Lock()
	t.grid.done++
	t.mu.Unlock()
	t.updateGrid()
	t.printf("skip %s (%s): %s\n", spec, spec.Key(), why)
}

func (t *textReporter) RunStarted(spec experiments.RunSpec, index, total int) {
	t.printf("[%d/%d] %s (%s)\n", index+1, total, spec, spec.Key())
	st := &runState{start: t.now(), lossEpoch: -1, printed: -1}
	t.mu.Lock()
	g := &t.grid
	g.total = max(g.total, total)
	g.inFlight++
	g.peak = max(g.peak, g.inFlight)
	t.mu.Unlock()
	if t.bars != nil {
		t.updateGrid()
		label := runLabel(spec)
		st.bar = t.bars.New(0, mpb.BarStyle(),
			mpb.PrependDecorators(decor.Name(label, decor.WCSyncSpaceR)),
			mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return t.describe(st) }), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)),
			mpb.BarRemoveOnComplete())
	}
	t.mu.Lock()
	t.state[spec.Key()] = st
	t.mu.Unlock()
}

// runLabel names a run in a bar or an epoch line: several runs train at
// once, so their lines interleave.
func runLabel(spec experiments.RunSpec) string {
	return fmt.Sprintf("%s %s f%d", spec.Experiment, spec.Loss, spec.Fold)
}

// updateGrid creates the overall bar once the grid's size is known and
// moves it to the runs done. No mpb call is made under t.mu: the bars'
// decorators take it while mpb draws them. barMu orders the calls, so the
// bar never moves back.
func (t *textReporter) updateGrid() {
	if t.bars == nil {
		return
	}
	t.barMu.Lock()
	defer t.barMu.Unlock()
	t.mu.Lock()
	total, done := t.grid.total, t.grid.done
	t.mu.Unlock()
	if total == 0 {
		return // every run so far was skipped: nothing to draw yet
	}
	if t.gridBar == nil {
		t.gridBar = t.bars.New(int64(total), mpb.BarStyle(),
			mpb.PrependDecorators(decor.Name("grid", decor.WCSyncSpaceR)),
			mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
				t.mu.Lock()
				defer t.mu.Unlock()
				return " " + t.gridText()
			})))
	}
	t.gridBar.SetCurrent(int64(done))
}

// gridText is the overall progress in words; t.mu is held. The runs
// trained at once are the most seen in flight at once: the runner's jobs
// as soon as its workers have all started (before any run ends), or fewer
// when fewer runs are left to train than it has workers.
func (t *textReporter) gridText() string {
	g := t.grid
	return gridText(g.done, g.total, g.walls, g.peak)
}

// gridText says how many runs of the grid are done and when the rest
// should be: "3/8 runs, ETA 50s".
func gridText(done, total int, walls []time.Duration, jobs int) string {
	s := fmt.Sprintf("%d/%d runs", done, total)
	if done >= total {
		return s
	}
	if eta, ok := gridETA(walls, total-done, jobs); ok {
		return s + ", ETA " + formatETA(eta)
	}
	return s + ", ETA ?"
}

// gridETA estimates the time the remaining runs take: the mean wall time
// of the runs that trained to their end, times the runs remaining, divided
// by the runs trained at once. It is false before any run has finished.
// A run in flight counts as remaining as a whole: the estimate errs late.
func gridETA(walls []time.Duration, remaining, jobs int) (time.Duration, bool) {
	if len(walls) == 0 || jobs < 1 {
		return 0, false
	}
	var sum time.Duration
	for _, w := range walls {
		sum += w
	}
	mean := sum / time.Duration(len(walls))
	return mean * time.Duration(remaining) / time.Duration(jobs), true
}

// formatETA prints a duration to the second ("1h2m3s", "50s"), or "<1s".
func formatETA(d time.Duration) string {
	d = d.Round(time.Second)
	if d <= 0 {
		return "<1s"
	}
	return d.String()
}

// describe renders the epoch, batch, throughput, training loss and
// validation accuracy of a run.
func (t *textReporter) describe(st *runState) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := st.last
	if p.Epochs == 0 {
		return " starting"
	}
	rate := float64(st.samples) / max(t.now().Sub(st.start).Seconds(), 1e-9)
	s := fmt.Sprintf(" epoch %d/%d batch %d/%d  %.0f img/s  loss %.4f", p.Epoch+1, p.Epochs, p.Batch, p.Batches, rate, p.Loss)
	if v, ok := st.val["acc"]; ok {
		s += fmt.Sprintf("  val acc %.4f", v)
	}
	return s
}

func (t *textReporter) Progress(spec experiments.RunSpec, p train.Progress) {
	t.mu.Lock()
	st := t.state[spec.Key()]
	if st != nil {
		st.last = p
		st.samples += p.BatchSize
	}
	t.mu.Unlock()
	if st != nil && st.bar != nil {
		st.bar.SetTotal(int64(p.Epochs*p.Batches), false)
		st.bar.SetCurrent(int64(p.Epoch*p.Batches + p.Batch))
	}
}

// valMetrics are the validation metrics of an epoch line, in order, with
// their labels.
var valMetrics = []struct{ name, label string }{
	{"acc", "acc"}, {"acc1off", "1-off"}, {"mae", "mae"}, {"spearman", "ρ"}, {"top5", "top-5"},
}

// Epoch keeps the training loss and the validation metrics of each epoch;
// in plain mode it prints one line per epoch with them, when the
// validation metrics arrive (or, for a run without a validation split,
// when the epoch's last split does). The test split's metrics are never
// shown.
func (t *textReporter) Epoch(spec experiments.RunSpec, m train.EpochMetrics) {
	t.mu.Lock()
	st := t.state[spec.Key()]
	if st == nil {
		t.mu.Unlock()
		return
	}
	var line string
	switch m.Split {
	case "train":
		if loss, ok := m.Values["loss"]; ok {
			st.trainLoss, st.lossEpoch = loss, m.Epoch
		}
	case "val":
		st.val = m.Values
		line = t.epochLine(spec, st, m.Epoch, m.Values)
	default:
		line = t.epochLine(spec, st, m.Epoch, nil)
	}
	t.mu.Unlock()
	if line != "" && t.bars == nil {
		t.printf("%s\n", line)
	}
}

// epochLine is the plain line of a run's epoch, or "" when it was already
// printed; t.mu is held.
func (t *textReporter) epochLine(spec experiments.RunSpec, st *runState, epoch int, val map[string]float64) string {
	if epoch <= st.printed {
		return ""
	}
	st.printed = epoch
	line := fmt.Sprintf("  %s  epoch %d/%d", runLabel(spec), epoch+1, spec.Epochs)
	if st.lossEpoch == epoch {
		line += fmt.Sprintf("  loss %.4f", st.trainLoss)
	}
	if val == nil {
		return line + "  (no validation split)"
	}
	var parts []string
	for _, k := range valMetrics {
		if v, ok := val[k.name]; ok {
			parts = append(parts, fmt.Sprintf("%s %.4f", k.label, v))
		}
	}
	return line + "  val " + strings.Join(parts, "  ")
}

func (t *textReporter) Warn(spec experiments.RunSpec, msg string) {
	t.printf("warning: %s: %s\n", spec, msg)
}

func (t *textReporter) RunFinished(spec experiments.RunSpec, res train.Result, wall time.Duration) {
	t.mu.Lock()
	st := t.state[spec.Key()]
	delete(t.state, spec.Key())
	g := &t.grid
	g.done++
	g.inFlight--
	if res.Outcome == train.Finished {
		g.walls = append(g.walls, wall)
	}
	overall := t.gridText()
	t.mu.Unlock()
	t.updateGrid()
	if st != nil && st.bar != nil {
		// Abort is a no-op on a completed bar, which BarRemoveOnComplete
		// already removes: either way the run's bar goes.
		st.bar.Abort(true)
	}
	msg := fmt.Sprintf("  %s: %s after %d epochs in %s", spec, res.Outcome, res.Epochs, wall.Round(time.Millisecond))
	if res.Resumed > 0 {
		msg += fmt.Sprintf(" (resumed after epoch %d)", res.Resumed)
	}
	if res.Reason != "" {
		msg += ": " + res.Reason
	}
	if st != nil {
		if acc, ok := st.val["acc"]; ok {
			msg += fmt.Sprintf("  val acc %.4f", acc)
		}
	}
	if t.bars == nil {
		msg += "  [" + overall + "]"
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
