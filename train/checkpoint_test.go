package train

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/replicate-emd/replicate/settings"
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
	if !errors.Is(err, context.Canceled) || res.Outcome != Interrupted {
		t.Fatalf("interrupted run: %v, %+v", err, res)
	}
	var rest []string
	res, err = Run(t.Context(), cfg, data, 0, record(&rest), Options{Checkpoint: ckpt, MaxResume: 3})
	if err != nil || res.Outcome != Finished {
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
	if err != nil || res.Outcome != Finished || res.Resumed != 0 {
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
	f, err := os.CreateTemp(dir, base+".tmp*") // as atomicfile.Write makes them
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
	if err != nil || res.Outcome != Finished || res.Resumed != 1 {
		t.Fatalf("resumed run: %v, %+v; warnings %q", err, res, warned)
	}
	checkLeftovers(t, stale, keep)
	after, err := os.ReadFile(ckpt)
	if err != nil || !bytes.Equal(after, before) {
		t.Errorf("the checkpoint changed (%v)", err)
	}
}

// TestFingerprint_CoversConfig: the checkpoint fingerprint hashes the
// frozen layout configV2, so every field of Config that decides a run must
// have its place there. A new field of settings.Run (or of Config) fails
// this test until configV2 holds it (with omitempty, so that the
// fingerprints of the checkpoints already written stay the same).
func TestFingerprint_CoversConfig(t *testing.T) {
	// The leaves of Config, by their JSON names (Go field names: Config has
	// no tags but those of settings.Run).
	var leaves []string
	for _, f := range settings.Of(Config{Run: settings.Run{
		LossOptions: settings.Loss{CEWeight: 1, EMDWeight: 1, WarmupEpochs: 1, WarmupLR: 1, GroundDistance: "d.csv"},
		Model:       settings.Model{Name: "mlp", Hidden: []int{1}, Dtype: "float32", Channels: []int{1}},
		ValFraction: 0.1, Augment: true, Mirror: true,
	}}) {
		leaves = append(leaves, f.Name)
	}
	covered := map[string]string{ // a leaf of Config → its field of configV2
		"Loss": "Loss", "loss_options.ce_weight": "CEWeight", "loss_options.emd_weight": "EMDWeight",
		"loss_options.warmup_epochs": "WarmupEpochs", "loss_options.warmup_lr": "WarmupLR",
		"loss_options.ground_distance": "GroundDistance", // the path; the matrix read from it is hashed
		"model.name":                   "Model", "model.hidden": "Hidden", "model.dtype": "Dtype", "model.channels": "Channels",
		"epochs": "Epochs", "batch_size": "BatchSize", "lr": "LR", "momentum": "Momentum",
		"weight_decay": "WeightDecay", "lr_decay": "LRDecay", "Seed": "Seed", "val_fraction": "ValFraction",
		"ValFold": "ValFold", "augment": "Augment", "mirror": "Mirror", "GroundDistance": "GroundDistance",
	}
	v2 := reflect.TypeFor[configV2]()
	for _, leaf := range leaves {
		field, ok := covered[leaf]
		if _, has := v2.FieldByName(field); !ok || !has {
			t.Errorf("Config's %s has no place in the checkpoint fingerprint (configV2)", leaf)
		}
	}
}

// TestFingerprint_Stable pins the fingerprint of one configuration: the
// value the flat Config of earlier builds gave, so that their checkpoints
// resume.
func TestFingerprint_Stable(t *testing.T) {
	c := smokeConfig("ce+emd2")
	c.LossOptions.WarmupEpochs, c.LossOptions.WarmupLR, c.LossOptions.EMDWeight = 2, 0.01, 8
	c.Model.Dtype, c.Model.Channels, c.Mirror = "float32", []int{4}, true
	v := 1
	c.ValFold = &v
	const want = "7eb79a7414fc7d3af83daa53ad3606cefb349f4058e931a3b6e97d40b397a390" // the flat Config's, before issue 14
	if got := fingerprint(c, 3); got != want {
		t.Errorf("fingerprint %s, want %s", got, want)
	}
}
