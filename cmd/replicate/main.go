// Command replicate reproduces Hou, Yu and Samaras, "Squared Earth Mover's
// Distance-based Loss for Training Deep Neural Networks" (arXiv 1611.05916):
// it runs the declared experiment grids, records every run in SQLite and
// rebuilds the paper's tables from the records.
package main

import (
	"context"
	"errors"
	"fmt"
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
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		select {
		case <-sig:
			fmt.Fprintln(os.Stderr, "replicate: interrupted, recording the runs in flight…")
			cancel()
		case <-ctx.Done():
		}
	}()
	cmd := newRootCmd(systemStreams())
	err := cmd.ExecuteContext(ctx)
	return exitCode(err)
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
