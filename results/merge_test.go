package results

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// fill adds to d finished (or, if !finished, interrupted) runs with one
// metric each whose value names the database it came from.
func fill(t *testing.T, d *DB, from float64, finished bool, keys ...string) {
	t.Helper()
	ctx := context.Background()
	for _, k := range keys {
		if _, err := d.StartRun(ctx, sampleRun(k)); err != nil {
			t.Fatal(err)
		}
		if err := d.AppendMetrics(ctx, k, "me", []Metric{{0, "test", "acc", from}}); err != nil {
			t.Fatal(err)
		}
		if err := d.PutArtifact(ctx, k, "me", Artifact{Name: "d", Kind: "matrix", Epoch: 0, Data: []byte{1, 2}}); err != nil {
			t.Fatal(err)
		}
		status := StatusFinished
		if !finished {
			status = StatusInterrupted
		}
		if err := d.FinishRun(ctx, k, "me", status, ""); err != nil {
			t.Fatal(err)
		}
	}
}

func accOf(t *testing.T, d *DB, key string) float64 {
	t.Helper()
	ms, err := d.Metrics(context.Background(), key)
	if err != nil || len(ms) != 1 {
		t.Fatalf("metrics of %s: %v %v", key, ms, err)
	}
	return ms[0].Value
}

func TestDB_Merge(t *testing.T) {
	ctx := t.Context()
	out := mustOpen(t)
	fill(t, out, 1, true, "a")  // finished here: kept
	fill(t, out, 1, false, "b") // unfinished here, finished there: replaced
	inPath := filepath.Join(t.TempDir(), "in.db")
	in, err := Open(ctx, inPath)
	if err != nil {
		t.Fatal(err)
	}
	fill(t, in, 2, true, "a", "b", "c") // c is new
	// The input's a is another attempt (another process ran it there): the
	// output keeps its own a and holds the input's as the attempt a~1.
	if _, err := in.db.ExecContext(ctx, `UPDATE runs SET owner = 'other' WHERE key = 'a'`); err != nil {
		t.Fatal(err)
	}
	in.Close()
	for round := 0; round < 2; round++ { // the second merge is a no-op
		st, err := out.Merge(ctx, inPath)
		if err != nil {
			t.Fatal(err)
		}
		want := MergeStats{Added: 2, Replaced: 1}
		if round == 1 {
			want = MergeStats{Kept: 3}
		}
		if st != want {
			t.Errorf("round %d: %+v, want %+v", round, st, want)
		}
	}
	for key, want := range map[string]float64{"a": 1, "b": 2, "c": 2} {
		if got := accOf(t, out, key); got != want {
			t.Errorf("run %s: acc %v, want %v", key, got, want)
		}
		r, err := out.Run(ctx, key)
		if err != nil || r.Status != StatusFinished {
			t.Errorf("run %s: %+v %v", key, r, err)
		}
		as, err := out.Artifacts(ctx, key, "matrix")
		if err != nil || len(as) != 1 || string(as[0].Data) != "\x01\x02" {
			t.Errorf("artifacts of %s: %+v %v", key, as, err)
		}
	}
	a1, err := out.Run(ctx, "a~1")
	if err != nil || a1.Status != StatusSuperseded || a1.PriorStatus != StatusFinished || a1.Owner != "other" || accOf(t, out, "a~1") != 2 {
		t.Errorf("the input's attempt of a: %+v %v, want it superseded (finished before), owner other, acc 2", a1, err)
	}
	if _, err := out.Merge(ctx, filepath.Join(t.TempDir(), "missing.db")); err == nil {
		t.Error("merging a missing file succeeded")
	}
}

// TestDB_ConcurrentWriters hammers one database from several goroutines and
// from two DB handles (as two processes would): no "database is locked".
func TestDB_ConcurrentWriters(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "c.db")
	var dbs []*DB
	for i := 0; i < 2; i++ {
		d, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		dbs = append(dbs, d)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			d := dbs[w%2]
			for i := 0; i < 10; i++ {
				r := sampleRun(fmt.Sprintf("w%d-%d", w, i))
				if _, err := d.StartRun(ctx, r); err != nil {
					errs <- err
					return
				}
				for e := 0; e < 5; e++ {
					if err := d.AppendMetrics(ctx, r.Key, "me", []Metric{{e, "test", "acc", 0.5}, {e, "train", "acc", 0.5}}); err != nil {
						errs <- err
						return
					}
				}
				if err := d.FinishRun(ctx, r.Key, "me", StatusFinished, ""); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	runs, err := dbs[0].Runs(ctx, RunFilter{Status: StatusFinished})
	if err != nil || len(runs) != 80 {
		t.Errorf("%d finished runs (%v), want 80", len(runs), err)
	}
}
