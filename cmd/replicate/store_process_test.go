package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/replicate-emd/replicate/results"
)

// The environment of a process TestStore_ManyProcessesOneNewDB starts.
const (
	helperDBEnv  = "REPLICATE_TEST_HELPER_DB"  // the database to open
	helperKeyEnv = "REPLICATE_TEST_HELPER_KEY" // the run to write
	helperGoEnv  = "REPLICATE_TEST_HELPER_GO"  // a file whose appearance says go
)

// TestStore_HelperProcess is no test of its own: in a process started by
// TestStore_ManyProcessesOneNewDB it waits for the go signal, then opens
// (and so creates and migrates) the database and records one finished run.
func TestStore_HelperProcess(t *testing.T) {
	path := os.Getenv(helperDBEnv)
	if path == "" {
		t.Skip("run as a child of TestStore_ManyProcessesOneNewDB")
	}
	goFile := os.Getenv(helperGoEnv)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(time.Millisecond) {
		if _, err := os.Stat(goFile); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no go signal")
		}
	}
	ctx := context.Background()
	db, err := results.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key := os.Getenv(helperKeyEnv)
	r := results.Run{Key: key, Experiment: "race", Dataset: "synthetic", Loss: "ce", Profile: "smoke", Config: "{}", Owner: key}
	if _, err := db.StartRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishRun(ctx, key, key, results.StatusFinished, ""); err != nil {
		t.Fatal(err)
	}
}

// TestStore_ManyProcessesOneNewDB starts many processes that open one new
// database at the same moment, while this process keeps the CPUs busy, in
// several rounds: every process creates, migrates or finds the schema, and
// writes its run, and none fails with "database is locked".
func TestStore_ManyProcessesOneNewDB(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes; skipped with -short")
	}
	const procs, rounds = 10, 5
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var stop atomic.Bool
	var spinners sync.WaitGroup
	for range runtime.NumCPU() {
		spinners.Add(1)
		go func() {
			defer spinners.Done()
			for !stop.Load() {
			}
		}()
	}
	defer spinners.Wait()
	defer stop.Store(true)
	for round := range rounds {
		dir := t.TempDir()
		path, goFile := filepath.Join(dir, "new.db"), filepath.Join(dir, "go")
		outs := make([][]byte, procs)
		errs := make([]error, procs)
		var wg sync.WaitGroup
		for i := range procs {
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestStore_HelperProcess$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), helperDBEnv+"="+path, helperGoEnv+"="+goFile,
				fmt.Sprintf("%s=r%d", helperKeyEnv, i))
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], errs[i] = cmd.CombinedOutput()
			}()
		}
		time.Sleep(300 * time.Millisecond) // let them start and wait at the barrier
		if err := os.WriteFile(goFile, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		for i := range procs {
			if errs[i] != nil {
				t.Errorf("round %d, process %d: %v\n%s", round, i, errs[i], outs[i])
			}
		}
		db, err := results.OpenReadOnly(ctx, path)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		runs, err := db.Runs(ctx, results.RunFilter{Status: results.StatusFinished})
		db.Close()
		if err != nil || len(runs) != procs {
			t.Errorf("round %d: %d finished runs (%v), want %d", round, len(runs), err, procs)
		}
	}
}
