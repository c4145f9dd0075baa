package results

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// mustOpen opens a fresh database in a temporary folder with a fixed clock
// that advances by one second per call.
func mustOpen(tb testing.TB) *DB {
	tb.Helper()
	d, err := Open(context.Background(), filepath.Join(tb.TempDir(), "sub", "r.db"))
	if err != nil {
		tb.Fatal(err)
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	d.Now = func() time.Time { t0 = t0.Add(time.Second); return t0 }
	tb.Cleanup(func() { d.Close() })
	return d
}

func sampleRun(key string) Run {
	return Run{Key: key, Experiment: "smoke", Dataset: "synthetic", Loss: "emd2", Fold: 1, Seed: 1 << 63,
		Profile: "smoke", Config: `{"a":1}`, Owner: "me", Env: Env{GoVersion: "go1.x", OSArch: "linux/amd64", GitDirty: true, BLAS: "gonum"}}
}

func TestDB_RoundTrip(t *testing.T) {
	ctx := t.Context()
	d := mustOpen(t)
	in := sampleRun("k1")
	if _, err := d.StartRun(ctx, in); err != nil {
		t.Fatal(err)
	}
	ms := []Metric{
		{Epoch: 0, Split: "test", Metric: "acc", Value: 0.25},
		{Epoch: 1, Split: "test", Metric: "acc", Value: 0.5},
		{Epoch: 1, Split: "test", Metric: "qwk", Value: math.NaN()},
		{Epoch: 1, Split: "train", Metric: "acc", Value: 0.75},
	}
	if err := d.AppendMetrics(ctx, "k1", "me", ms); err != nil {
		t.Fatal(err)
	}
	if err := d.FinishRun(ctx, "k1", "me", StatusFinished, ""); err != nil {
		t.Fatal(err)
	}
	got, err := d.Run(ctx, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusFinished || got.EpochsDone != 2 || got.Seed != in.Seed || got.Env != in.Env || got.Config != in.Config {
		t.Errorf("run read back as %+v", got)
	}
	if got.WallSeconds != 2 { // clock ticks once at start, metrics and finish: 2 s between start and finish
		t.Errorf("wall seconds %v, want 2", got.WallSeconds)
	}
	gotMs, err := d.Metrics(ctx, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ms, gotMs, cmp.Comparer(func(a, b float64) bool {
		return a == b || (math.IsNaN(a) && math.IsNaN(b))
	})); diff != "" {
		t.Errorf("metrics differ (-want +got):\n%s", diff)
	}
	final, err := d.FinalMetrics(ctx, "smoke", "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(final["k1"]) != 2 || final["k1"][0].Value != 0.5 || final["k1"][0].Epoch != 1 {
		t.Errorf("final metrics %+v, want epoch 1 acc 0.5 and qwk", final)
	}
}

func TestDB_StartRun(t *testing.T) {
	ctx := t.Context()
	t.Run("ErrFinished", func(t *testing.T) {
		d := mustOpen(t)
		if _, err := d.StartRun(ctx, sampleRun("k")); err != nil {
			t.Fatal(err)
		}
		if err := d.FinishRun(ctx, "k", "me", StatusFinished, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := d.StartRun(ctx, sampleRun("k")); !errors.Is(err, ErrFinished) {
			t.Fatalf("got %v, want ErrFinished", err)
		}
	})
	t.Run("RestartFailed", func(t *testing.T) {
		d := mustOpen(t)
		if _, err := d.StartRun(ctx, sampleRun("k")); err != nil {
			t.Fatal(err)
		}
		if err := d.AppendMetrics(ctx, "k", "me", []Metric{{0, "test", "acc", 0.1}}); err != nil {
			t.Fatal(err)
		}
		if err := d.FinishRun(ctx, "k", "me", StatusInterrupted, "context canceled"); err != nil {
			t.Fatal(err)
		}
		prev, err := d.StartRun(ctx, sampleRun("k"))
		if err != nil {
			t.Fatal(err)
		}
		if prev != 1 {
			t.Errorf("StartRun reports %d epochs recorded before, want 1", prev)
		}
		r, err := d.Run(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		ms, err := d.Metrics(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != StatusRunning || r.Error != "" || !r.Finished.IsZero() || len(ms) != 1 {
			t.Errorf("restarted run %+v with %d metrics, want a running run that kept its metric", r, len(ms))
		}
	})
	t.Run("ErrBusy", func(t *testing.T) {
		d := mustOpen(t)
		if _, err := d.StartRun(ctx, sampleRun("k")); err != nil {
			t.Fatal(err)
		}
		other := sampleRun("k")
		other.Owner = "other"
		if _, err := d.StartRun(ctx, other); !errors.Is(err, ErrBusy) {
			t.Fatalf("got %v, want ErrBusy", err)
		}
		// The heartbeat goes stale: the other process takes over, and the
		// first one may no longer write.
		d.StaleAfter = 0
		if _, err := d.StartRun(ctx, other); err != nil {
			t.Fatalf("take-over of a stale run: %v", err)
		}
		if err := d.AppendMetrics(ctx, "k", "me", []Metric{{0, "test", "acc", 1}}); !errors.Is(err, ErrNotOwner) {
			t.Errorf("AppendMetrics by the old owner: got %v, want ErrNotOwner", err)
		}
		if err := d.FinishRun(ctx, "k", "me", StatusFinished, ""); !errors.Is(err, ErrNotOwner) {
			t.Errorf("FinishRun by the old owner: got %v, want ErrNotOwner", err)
		}
		if err := d.Heartbeat(ctx, "k", "me"); !errors.Is(err, ErrNotOwner) {
			t.Errorf("Heartbeat by the old owner: got %v, want ErrNotOwner", err)
		}
		if err := d.Heartbeat(ctx, "k", "other"); err != nil {
			t.Errorf("Heartbeat by the new owner: %v", err)
		}
	})
	t.Run("DeadOwner", func(t *testing.T) {
		d := mustOpen(t)
		if _, err := d.StartRun(ctx, sampleRun("k")); err != nil {
			t.Fatal(err)
		}
		d.OwnerAlive = func(owner string) bool { return owner != "me" }
		other := sampleRun("k")
		other.Owner = "other"
		if _, err := d.StartRun(ctx, other); err != nil {
			t.Fatalf("take-over from a dead owner with a fresh heartbeat: %v", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		d := mustOpen(t)
		if err := d.FinishRun(ctx, "nope", "me", StatusFinished, ""); !errors.Is(err, ErrNotFound) {
			t.Errorf("FinishRun: got %v, want ErrNotFound", err)
		}
		if err := d.AppendMetrics(ctx, "nope", "me", []Metric{{0, "test", "acc", 1}}); err == nil {
			t.Error("AppendMetrics on a missing run succeeded")
		}
		if _, err := d.Run(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Run: got %v, want ErrNotFound", err)
		}
	})
}

func TestOpen_Migrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	for i := 0; i < 2; i++ { // the second open is a no-op migration
		d, err := Open(t.Context(), path)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		var n int
		if err := d.db.QueryRow(`SELECT COUNT(*) FROM migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(known()) {
			t.Errorf("open %d: %d migrations recorded, want %d", i, n, len(known()))
		}
		d.Close()
	}
}

func TestOpen_Unwritable(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := writeFile(blocker); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), filepath.Join(blocker, "r.db"))
	if err == nil {
		t.Fatal("opening a database under a regular file succeeded")
	}
}
