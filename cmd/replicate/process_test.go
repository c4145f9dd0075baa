package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/replicate-emd/replicate/results"
)

// slowGrid takes a few seconds: long enough to kill a process in the middle.
const slowGrid = `
name: slow
description: test grid
dataset: {name: synthetic, classes: 8, per_class: 250, dim: 16, noise: 1.0}
folds: 3
losses: [ce, emd2]
seeds: [1]
default_profile: smoke
profiles:
  smoke:
    model: {name: mlp, hidden: [32]}
    epochs: 25
    batch_size: 16
    learning_rates: [0.05]
    momentum: 0.9
    weight_decay: 0.0001
    lr_decay: 0.995
`

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds the replicate command once per test binary.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "replicate-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "replicate")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// runMetrics maps run key → every metric row, for comparing databases.
func runMetrics(t *testing.T, path string) map[string][]results.Metric {
	t.Helper()
	ctx := context.Background()
	db, err := results.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.Runs(ctx, results.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]results.Metric{}
	for _, r := range runs {
		if r.Status != results.StatusFinished {
			t.Errorf("%s: run %s is %s", path, r.Key, r.Status)
		}
		ms, err := db.Metrics(ctx, r.Key)
		if err != nil {
			t.Fatal(err)
		}
		out[r.Key] = ms
	}
	return out
}

func sameMetrics(t *testing.T, want, got map[string][]results.Metric) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d runs, want %d", len(got), len(want))
	}
	for key, w := range want {
		g := got[key]
		if len(g) != len(w) {
			t.Errorf("run %s: %d metrics, want %d", key, len(g), len(w))
			continue
		}
		for i := range w {
			same := g[i].Value == w[i].Value || (math.IsNaN(g[i].Value) && math.IsNaN(w[i].Value))
			if g[i].Epoch != w[i].Epoch || g[i].Split != w[i].Split || g[i].Metric != w[i].Metric || !same {
				t.Errorf("run %s: metric %d is %+v, want %+v", key, i, g[i], w[i])
				break
			}
		}
	}
}

func writeSlowGrid(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "slow.yaml")
	if err := os.WriteFile(path, []byte(slowGrid), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func finishedCount(t *testing.T, path string) int {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	db, err := results.OpenReadOnly(context.Background(), path)
	if err != nil {
		return 0
	}
	defer db.Close()
	runs, err := db.Runs(context.Background(), results.RunFilter{Status: results.StatusFinished})
	if err != nil {
		return 0
	}
	return len(runs)
}

// TestKillAndResume kills -9 a replicate process in the middle of a grid
// and starts it again: no finished run is lost or repeated, and the final
// database equals that of an uninterrupted run.
func TestKillAndResume(t *testing.T) {
	bin, grid := binary(t), writeSlowGrid(t)
	dir := t.TempDir()
	ref, killed := filepath.Join(dir, "ref.db"), filepath.Join(dir, "killed.db")
	if out, err := exec.Command(bin, "--experiment", grid, "--db", ref).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--experiment", grid, "--db", killed)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for finishedCount(t, killed) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	before := finishedCount(t, killed)
	if before < 2 || before == 6 {
		t.Fatalf("killed with %d of 6 runs finished; the test wants a kill in the middle", before)
	}
	out, err := exec.Command(bin, "--experiment", grid, "--db", killed).Output()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	want := fmt.Sprintf("6 runs: %d trained, %d already finished", 6-before, before)
	if !strings.Contains(string(out), want) {
		t.Errorf("resume printed %q, want %q", out, want)
	}
	sameMetrics(t, runMetrics(t, ref), runMetrics(t, killed))
}

// TestTwoProcessesOneDB runs the same grid from two processes on one
// database at once: no "database is locked", every run trained once.
func TestTwoProcessesOneDB(t *testing.T) {
	bin, grid := binary(t), writeSlowGrid(t)
	db := filepath.Join(t.TempDir(), "shared.db")
	var wg sync.WaitGroup
	outs := make([]string, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := exec.Command(bin, "--experiment", grid, "--db", db).CombinedOutput()
			outs[i], errs[i] = string(out), err
		}()
	}
	wg.Wait()
	trained := 0
	for i := range 2 {
		if errs[i] != nil || strings.Contains(outs[i], "locked") {
			t.Errorf("process %d: %v\n%s", i, errs[i], outs[i])
		}
		n, ok := trainedOf(outs[i], 6)
		if !ok {
			t.Errorf("process %d: no summary in\n%s", i, outs[i])
			continue
		}
		trained += n
	}
	if trained != 6 {
		t.Errorf("the two processes trained %d runs together, want 6 (each run once)", trained)
	}
	if n := finishedCount(t, db); n != 6 {
		t.Errorf("%d finished runs, want 6", n)
	}
}

// trainedOf reads the number of runs trained from the summary line "<runs>
// runs: <n> trained, …" in a replicate process's output; ok is false when
// the line is missing (the process failed before it).
func trainedOf(out string, runs int) (n int, ok bool) {
	prefix := fmt.Sprintf("%d runs: ", runs)
	i := strings.Index(out, prefix)
	if i < 0 {
		return 0, false
	}
	_, err := fmt.Sscanf(out[i:], prefix+"%d trained", &n)
	return n, err == nil
}

// TestShardsMerge runs the smoke grid as 4 shards into 4 databases, merges
// them, and compares with one unsharded run.
func TestShardsMerge(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.db")
	if _, stderr, code := execute(t, "--experiment", "smoke", "--db", whole); code != 0 {
		t.Fatalf("unsharded: exit %d\n%s", code, stderr)
	}
	args := []string{"merge", filepath.Join(dir, "merged.db")}
	total := 0
	for i := range 4 {
		shard := filepath.Join(dir, fmt.Sprintf("shard-%d.db", i))
		if _, stderr, code := execute(t, "--experiment", "smoke", "--db", shard, "--shard", fmt.Sprintf("%d/4", i)); code != 0 {
			t.Fatalf("shard %d: exit %d\n%s", i, code, stderr)
		}
		total += finishedCount(t, shard)
		args = append(args, shard)
	}
	if total != 4 {
		t.Errorf("the shards hold %d runs together, want the grid's 4", total)
	}
	for round := 0; round < 2; round++ { // merging twice changes nothing
		if _, stderr, code := execute(t, args...); code != 0 {
			t.Fatalf("merge: exit %d\n%s", code, stderr)
		}
	}
	sameMetrics(t, runMetrics(t, whole), runMetrics(t, filepath.Join(dir, "merged.db")))
}

// TestInterruptAndResume sends SIGINT to a replicate process in the middle
// of a grid: it exits with status 130, the runs in flight are recorded as
// interrupted, and a second start finishes the grid with the same results
// as an uninterrupted run.
func TestInterruptAndResume(t *testing.T) {
	bin, grid := binary(t), writeSlowGrid(t)
	dir := t.TempDir()
	ref, cut := filepath.Join(dir, "ref.db"), filepath.Join(dir, "cut.db")
	if out, err := exec.Command(bin, "--experiment", grid, "--db", ref, "--jobs", "1").CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--experiment", grid, "--db", cut, "--jobs", "1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for finishedCount(t, cut) < 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // into the next run
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted {
		t.Fatalf("interrupted process: %v, want exit status %d", err, exitInterrupted)
	}
	db, err := results.OpenReadOnly(context.Background(), cut)
	if err != nil {
		t.Fatal(err)
	}
	interrupted, err := db.Runs(context.Background(), results.RunFilter{Status: results.StatusInterrupted})
	db.Close()
	if err != nil || len(interrupted) != 1 {
		t.Errorf("%d interrupted runs (%v), want the one in flight", len(interrupted), err)
	}
	if out, err := exec.Command(bin, "--experiment", grid, "--db", cut).CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	sameMetrics(t, runMetrics(t, ref), runMetrics(t, cut))
}
