package train

import (
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
