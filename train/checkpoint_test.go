package train

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// record collects every epoch's metrics as text, for exact comparison.
func record(dst *[]string) Sink {
	return func(m EpochMetrics) error {
		*dst = append(*dst, fmt.Sprintf("%d %s %v", m.Epoch, m.Split, m.Values))
		return nil
	}
}

// TestRun_Resume interrupts a run after 3 epochs and resumes it from its
// checkpoint: the metrics of the remaining epochs equal those of an
// uninterrupted run, bit for bit.
func TestRun_Resume(t *testing.T) {
	data := smokeData(t)
	cfg := smokeConfig("emd2")
	cfg.Epochs, cfg.ValFraction = 6, 0.1
	var whole []string
	if _, err := Run(t.Context(), cfg, data, 0, record(&whole), Options{}); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	ctx, cancel := context.WithCancel(t.Context())
	var first []string
	sink := func(m EpochMetrics) error {
		first = append(first, fmt.Sprintf("%d %s %v", m.Epoch, m.Split, m.Values))
		if m.Epoch == 2 && m.Split == "test" {
			cancel() // epoch 2 still completes and writes its checkpoint; epoch 3 stops at its first batch
		}
		return nil
	}
	res, err := Run(ctx, cfg, data, 0, sink, Options{Checkpoint: ckpt})
	if !errors.Is(err, context.Canceled) || res.Status != StatusInterrupted {
		t.Fatalf("interrupted run: %v, %+v", err, res)
	}
	var rest []string
	res, err = Run(t.Context(), cfg, data, 0, record(&rest), Options{Checkpoint: ckpt, MaxResume: 3})
	if err != nil || res.Status != StatusFinished {
		t.Fatalf("resumed run: %v, %+v", err, res)
	}
	if res.Resumed != 3 {
		t.Errorf("resumed after %d epochs, want 3", res.Resumed)
	}
	got := append(first[:9], rest...) // 3 epochs × 3 splits before the stop
	if strings.Join(got, "\n") != strings.Join(whole, "\n") {
		t.Errorf("resumed metrics differ:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(whole, "\n"))
	}
}

func TestRun_CorruptCheckpoint(t *testing.T) {
	data := smokeData(t)
	cfg := smokeConfig("ce")
	cfg.Epochs = 1
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	if err := os.WriteFile(ckpt, []byte("not a checkpoint at all, but long enough to hold a checksum"), 0o644); err != nil {
		t.Fatal(err)
	}
	var warned string
	var m []string
	res, err := Run(t.Context(), cfg, data, 0, record(&m), Options{Checkpoint: ckpt, Warn: func(s string) { warned = s }})
	if err != nil || res.Status != StatusFinished || res.Resumed != 0 {
		t.Fatalf("%v %+v", err, res)
	}
	if !strings.Contains(warned, "checksum mismatch") {
		t.Errorf("warning %q, want a checksum mismatch", warned)
	}
}

// TestRun_CheckpointAhead ignores a checkpoint further on than the epochs
// the caller holds (e.g. a checkpoint left next to a fresh database).
func TestRun_CheckpointAhead(t *testing.T) {
	data := smokeData(t)
	cfg := smokeConfig("ce")
	cfg.Epochs = 2
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	var m []string
	if _, err := Run(t.Context(), cfg, data, 0, record(&m), Options{Checkpoint: ckpt}); err != nil {
		t.Fatal(err)
	}
	var warned string
	m = nil
	res, err := Run(t.Context(), cfg, data, 0, record(&m), Options{Checkpoint: ckpt, MaxResume: 0, Warn: func(s string) { warned = s }})
	if err != nil || res.Resumed != 0 || len(m) != 4 {
		t.Fatalf("%v %+v, %d metric records, want a full run of 2 epochs × 2 splits", err, res, len(m))
	}
	if !strings.Contains(warned, "only 0 epochs are recorded") {
		t.Errorf("warning %q", warned)
	}
}

// leftovers makes, beside the checkpoint ckpt, the temporary files a
// process killed in saveCheckpoint leaves (one made as saveCheckpoint makes
// them) and files that are not such leftovers. It returns both lists.
func leftovers(t *testing.T, ckpt string) (stale, keep []string) {
	t.Helper()
	dir, base := filepath.Split(ckpt)
	f, err := os.CreateTemp(dir, base+tempSuffix)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("half a checkpoint")
	f.Close()
	stale = []string{f.Name(), ckpt + ".tmp1", ckpt + ".tmp4294967295"}
	keep = []string{
		filepath.Join(dir, "other.ckpt.tmp123"), // another run's
		filepath.Join(dir, "x"+base+".tmp123"),  // another run whose name ends like ours
		strings.TrimSuffix(ckpt, ".ckpt") + ".final.ckpt",
		ckpt + ".tmp",       // no digits
		ckpt + ".tmp12.bak", // more after the digits
		ckpt + ".tmpx",
		filepath.Join(dir, "notes.txt"),
	}
	for _, p := range append(stale[1:], keep...) {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sub := ckpt + ".tmp77" // a folder, not a file that saveCheckpoint made
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	return stale, append(keep, sub)
}

func checkLeftovers(t *testing.T, stale, keep []string) {
	t.Helper()
	for _, p := range stale {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stale temporary file %s is still there (%v)", filepath.Base(p), err)
		}
	}
	for _, p := range keep {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
}

func TestRemoveStaleTemps(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		ckpt := filepath.Join(t.TempDir(), "run-1.ckpt")
		want := &checkpoint{Version: checkpointVersion, Config: "fp", Epoch: 2, Params: [][]float64{{1, 2}}}
		if err := saveCheckpoint(ckpt, want); err != nil {
			t.Fatal(err)
		}
		stale, keep := leftovers(t, ckpt)
		if err := removeStaleTemps(ckpt); err != nil {
			t.Fatal(err)
		}
		checkLeftovers(t, stale, keep)
		if c, err := loadCheckpoint(ckpt, "fp"); err != nil || c.Epoch != 2 {
			t.Errorf("checkpoint after the clean-up: %v, %+v", err, c)
		}
	})
	t.Run("no folder", func(t *testing.T) {
		if err := removeStaleTemps(filepath.Join(t.TempDir(), "missing", "run.ckpt")); err != nil {
			t.Errorf("got %v, want nil", err)
		}
	})
	t.Run("name with glob characters", func(t *testing.T) {
		ckpt := filepath.Join(t.TempDir(), "a[1]*.ckpt")
		stale, keep := ckpt+".tmp5", filepath.Join(filepath.Dir(ckpt), "a1x.ckpt.tmp5")
		for _, p := range []string{stale, keep} {
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := removeStaleTemps(ckpt); err != nil {
			t.Fatal(err)
		}
		checkLeftovers(t, []string{stale}, []string{keep})
	})
}

// TestRun_RemovesStaleTemps resumes a run whose checkpoint folder holds
// the temporary files of a killed process: Run removes them, leaves the
// other files, and resumes from the checkpoint, which it leaves intact.
func TestRun_RemovesStaleTemps(t *testing.T) {
	data := smokeData(t)
	cfg := smokeConfig("ce")
	cfg.Epochs = 1
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	var m []string
	if _, err := Run(t.Context(), cfg, data, 0, record(&m), Options{Checkpoint: ckpt}); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	stale, keep := leftovers(t, ckpt)
	var warned []string
	res, err := Run(t.Context(), cfg, data, 0, record(&m), Options{Checkpoint: ckpt, MaxResume: 1,
		Warn: func(s string) { warned = append(warned, s) }})
	if err != nil || res.Status != StatusFinished || res.Resumed != 1 {
		t.Fatalf("resumed run: %v, %+v; warnings %q", err, res, warned)
	}
	checkLeftovers(t, stale, keep)
	after, err := os.ReadFile(ckpt)
	if err != nil || !bytes.Equal(after, before) {
		t.Errorf("the checkpoint changed (%v)", err)
	}
}
