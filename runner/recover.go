package runner

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/results"
	"github.com/replicate-emd/replicate/train"
)

// maxPanicText bounds the error text a panic leaves in the store: the
// panic value and the function and line it came from. The full stack goes
// to the Reporter's Warn.
const maxPanicText = 400

// panicError is a panic of one run, recovered.
type panicError struct {
	value any
	site  string // function (file:line) that panicked, if found
	stack []byte
}

// newPanicError captures v with the stack of the goroutine that panicked;
// call it from the deferred function that recovered v.
func newPanicError(v any) *panicError {
	return &panicError{value: v, site: panicSite(), stack: debug.Stack()}
}

// Error is one line: "panic: <value> (at <function> <file>:<line>)",
// trimmed to maxPanicText bytes.
func (e *panicError) Error() string {
	msg := fmt.Sprintf("panic: %v", e.value)
	if e.site != "" {
		msg += " (at " + e.site + ")"
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > maxPanicText {
		msg = strings.ToValidUTF8(msg[:maxPanicText-len("…")], "") + "…"
	}
	return msg
}

// Unwrap returns the panic value when it is an error.
func (e *panicError) Unwrap() error {
	err, _ := e.value.(error)
	return err
}

// panicSite names the first frame outside the runtime below the panic:
// the function that panicked (or whose callee in the runtime did, as for
// an index out of range). It must be called by the deferred function that
// recovered, while the panicking frames are still on the stack.
func panicSite() string {
	pc := make([]uintptr, 64)
	frames := runtime.CallersFrames(pc[:runtime.Callers(1, pc)])
	afterPanic := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			afterPanic = true
		case afterPanic && !strings.HasPrefix(f.Function, "runtime."):
			return fmt.Sprintf("%s %s:%d", shortFunc(f.Function), shortFile(f.File), f.Line)
		}
		if !more {
			return ""
		}
	}
}

// shortFunc drops the import path of a function name, keeping the package.
func shortFunc(name string) string {
	if i := strings.LastIndex(name, "/"); i >= 0 {
		return name[i+1:]
	}
	return name
}

// shortFile keeps the package folder and the name of a source file.
func shortFile(path string) string {
	parts := strings.Split(path, "/")
	if len(parts) > 2 {
		parts = parts[len(parts)-2:]
	}
	return strings.Join(parts, "/")
}

// warnPanic sends the panic and its full stack to the reporter.
func (r *Runner) warnPanic(spec experiments.RunSpec, pe *panicError) {
	r.report(func(rep Reporter) {
		rep.Warn(spec, fmt.Sprintf("run panicked, recorded as failed: %v\n%s", pe.value, pe.stack))
	})
}

// trainRecovered is train with a panic (in the loader, the training, or
// the sinks and reporters it calls) turned into a failed result whose
// reason is the panic; the stack goes to the reporter.
func (r *Runner) trainRecovered(ctx context.Context, spec experiments.RunSpec, key string, prevEpochs int) (res train.Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			pe := newPanicError(v)
			r.warnPanic(spec, pe)
			res, err = train.Result{Outcome: train.Failed, Reason: pe.Error()}, pe
		}
	}()
	return r.train(ctx, spec, key, prevEpochs)
}

// recordPanic handles a panic of runOne outside the training (in the store
// or the reporter): it reports it and, when the run was started in the
// store, records the run as failed so that it is not left running. A
// failure to record it stops the runner, like any store error.
func (r *Runner) recordPanic(ctx context.Context, spec experiments.RunSpec, key string, started bool, v any) (outcome, error) {
	pe := newPanicError(v)
	r.warnPanic(spec, pe)
	if !started {
		return outFailed, nil
	}
	fin, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err := func() (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = newPanicError(v)
			}
		}()
		return r.Store.FinishRun(fin, key, r.Owner, results.StatusFailed, pe.Error())
	}()
	if err != nil && !errors.Is(err, results.ErrNotOwner) {
		return outFailed, fmt.Errorf("record the panic of run %s: %w", key, err)
	}
	return outFailed, nil
}
