//go:build unix

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that a child process writes while the
// test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls cond every 10ms until it holds or d has passed.
func waitFor(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// TestSecondSignalExits starts replicate on a grid file that is a FIFO
// with a writer that never writes, so the command blocks reading it and
// never looks at its context. The first signal cancels (and says so); the
// second ends the process at once with status 130.
func TestSecondSignalExits(t *testing.T) {
	for _, tt := range []struct {
		name string
		sig  syscall.Signal
	}{
		{"SIGINT", syscall.SIGINT},
		{"SIGTERM", syscall.SIGTERM},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bin, dir := binary(t), t.TempDir()
			fifo := filepath.Join(dir, "grid.yaml")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skip("no FIFO here:", err)
			}
			var stderr lockedBuffer
			cmd := exec.Command(bin, "--experiment", fifo, "--db", filepath.Join(dir, "r.db"))
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			var waitErr error
			go func() { waitErr = cmd.Wait(); close(exited) }()
			t.Cleanup(func() {
				cmd.Process.Kill() // only if the test failed before the exit
				<-exited
			})

			// A non-blocking open for writing succeeds once the child has
			// the FIFO open for reading: it is then inside the command,
			// past the installation of the signal handler. The test holds
			// the writer open so that the child's read never ends.
			var w *os.File
			if !waitFor(30*time.Second, func() bool {
				var err error
				w, err = os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
				return err == nil
			}) {
				t.Fatalf("replicate never opened the grid file; stderr:\n%s", stderr.String())
			}
			defer w.Close()

			cmd.Process.Signal(tt.sig)
			if !waitFor(10*time.Second, func() bool { return strings.Contains(stderr.String(), "interrupted, recording the runs in flight") }) {
				t.Fatalf("no notice after the first %s; stderr:\n%s", tt.name, stderr.String())
			}
			if !strings.Contains(stderr.String(), "press Ctrl-C again to quit at once") {
				t.Errorf("the notice does not say how to quit at once:\n%s", stderr.String())
			}
			select {
			case <-exited:
				t.Fatalf("exited (%v) on the first %s although its read blocks", waitErr, tt.name)
			default:
			}

			cmd.Process.Signal(tt.sig)
			select {
			case <-exited:
				var exit *exec.ExitError
				if !errors.As(waitErr, &exit) || exit.ExitCode() != exitInterrupted {
					t.Errorf("after the second %s: %v, want exit status %d; stderr:\n%s", tt.name, waitErr, exitInterrupted, stderr.String())
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("still running 5s after the second %s; stderr:\n%s", tt.name, stderr.String())
			}
		})
	}
}

// TestWatchInterrupts checks the signal loop without signals: the first
// cancels, the second exits with 130, and stop ends it quietly.
func TestWatchInterrupts(t *testing.T) {
	t.Run("second signal exits", func(t *testing.T) {
		sig, done := make(chan os.Signal, 1), make(chan struct{})
		cancelled, exits := make(chan bool, 1), make(chan int, 1)
		var out lockedBuffer
		go watchInterrupts(sig, done, func() { cancelled <- true }, &out, func(code int) { exits <- code })
		sig <- os.Interrupt
		<-cancelled
		select {
		case code := <-exits:
			t.Fatalf("exit(%d) after one signal", code)
		case <-time.After(50 * time.Millisecond):
		}
		sig <- syscall.SIGTERM
		if code := <-exits; code != exitInterrupted {
			t.Errorf("exit(%d), want %d", code, exitInterrupted)
		}
		if got := out.String(); strings.Count(got, "\n") != 2 || !strings.Contains(got, "press Ctrl-C again") {
			t.Errorf("messages %q", got)
		}
	})
	t.Run("stop after one signal", func(t *testing.T) {
		sig, done := make(chan os.Signal, 1), make(chan struct{})
		returned := make(chan struct{})
		go func() {
			defer close(returned)
			watchInterrupts(sig, done, func() {}, &lockedBuffer{}, func(code int) { t.Errorf("exit(%d) after stop", code) })
		}()
		sig <- os.Interrupt
		close(done)
		<-returned
	})
}
