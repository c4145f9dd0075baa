// Command replicate reproduces Hou, Yu and Samaras, "Squared Earth Mover's
// Distance-based Loss for Training Deep Neural Networks" (arXiv 1611.05916):
// it runs the declared experiment grids, records every run in SQLite and
// rebuilds the paper's tables from the records.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/replicate-emd/replicate/runner"
)

// Exit statuses; see the root command's help.
const (
	exitOK          = 0
	exitFailure     = 1
	exitPartial     = 3
	exitInterrupted = 130
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := handleInterrupts(cancel, os.Stderr)
	defer stop()
	cmd := newRootCmd(systemStreams())
	err := cmd.ExecuteContext(ctx)
	return exitCode(err)
}

// handleInterrupts makes the first SIGINT or SIGTERM call cancel, so that
// the runs in flight are recorded as interrupted, and the second one end
// the process at once with status 130, as go, docker and kubectl do: a
// command stuck where it does not watch its context (a blocking open or
// read, a long loop) still stops on a second Ctrl-C. Exiting without
// cleaning up loses nothing already recorded: the results database is
// transactional (WAL), and a run left running is taken over by the next
// start because its owner's process is dead. stop ends the handling.
func handleInterrupts(cancel func(), errOut io.Writer) (stop func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go watchInterrupts(sig, done, cancel, errOut, os.Exit)
	return func() {
		signal.Stop(sig)
		close(done)
	}
}

// watchInterrupts is the loop of handleInterrupts, with exit injected.
func watchInterrupts(sig <-chan os.Signal, done <-chan struct{}, cancel func(), errOut io.Writer, exit func(int)) {
	select {
	case <-sig:
	case <-done:
		return
	}
	fmt.Fprintln(errOut, "replicate: interrupted, recording the runs in flight… (press Ctrl-C again to quit at once)")
	cancel()
	select {
	case <-sig:
	case <-done:
		return
	}
	fmt.Fprintln(errOut, "replicate: interrupted again, quitting at once")
	exit(exitInterrupted)
}

func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(os.Stderr, "Error: interrupted")
		return exitInterrupted
	case errors.Is(err, runner.ErrPartial):
		fmt.Fprintln(os.Stderr, "Error:", err)
		return exitPartial
	default:
		fmt.Fprintln(os.Stderr, "Error:", err)
		return exitFailure
	}
}
