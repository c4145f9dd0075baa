package main

import (
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/replicate-emd/replicate/results"
	"github.com/replicate-emd/replicate/runner"
)

// writeAdience writes a small Adience folder in the real layout: five fold
// files and one JPEG face per row, whose colour depends on the age group.
func writeAdience(t *testing.T, root string, perFold int) {
	t.Helper()
	groups := []string{"(0, 2)", "(4, 6)", "(8, 12)", "(15, 20)", "(25, 32)", "(38, 43)", "(48, 53)", "(60, 100)"}
	header := "user_id\toriginal_image\tface_id\tage\tgender\tx\ty\tdx\tdy\ttilt_ang\tfiducial_yaw_angle\tfiducial_score\n"
	for fold := 0; fold < 5; fold++ {
		var b strings.Builder
		b.WriteString(header)
		user := fmt.Sprintf("user%d@N0%d", fold, fold)
		dir := filepath.Join(root, "faces", user)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < perFold; i++ {
			g := i % len(groups)
			img := fmt.Sprintf("%d_%d_o.jpg", fold, i)
			fmt.Fprintf(&b, "%s\t%s\t%d\t%s\tf\t0\t0\t10\t10\t0\t0\t1\n", user, img, i, groups[g])
			writeFace(t, filepath.Join(dir, fmt.Sprintf("coarse_tilt_aligned_face.%d.%s", i, img)), g)
		}
		if err := os.WriteFile(filepath.Join(root, fmt.Sprintf("fold_%d_data.txt", fold)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFace(t *testing.T, path string, group int) {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 40, 40))
	for y := 0; y < 40; y++ {
		for x := 0; x < 40; x++ {
			m.Set(x, y, color.RGBA{uint8(group * 30), uint8(255 - group*30), uint8(x * 6), 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := jpeg.Encode(f, m, nil); err != nil {
		t.Fatal(err)
	}
}

// TestAdienceGrid runs the adience grid's smoke profile end to end on a
// small folder in Adience's real layout: the image pipeline, the CNN, the
// learned distance and mirror averaging, then the report.
func TestAdienceGrid(t *testing.T) {
	dir := t.TempDir()
	writeAdience(t, filepath.Join(dir, "data", "adience"), 24)
	db := filepath.Join(dir, "r.db")
	out, stderr, code := execute(t, "--experiment", "adience", "--profile", "smoke", "--data-root", filepath.Join(dir, "data"), "--db", db, "--fold", "0,1")
	if code != 0 || !strings.Contains(out, "12 runs: 12 trained") {
		t.Fatalf("exit %d, stdout %q\n%s", code, out, stderr)
	}
	if _, stderr, code := execute(t, "report", "--db", db, "--out", filepath.Join(dir, "out")); code != 0 {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	md, err := os.ReadFile(filepath.Join(dir, "out", "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| smoke | xe-emd2 | 2 |", "| smoke | l2 | 2 |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// The streamed path: augmentation drawn per epoch through the pipeline.
	grid := filepath.Join(dir, "aug.yaml")
	if err := os.WriteFile(grid, []byte(augGrid), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = execute(t, "--experiment", grid, "--data-root", filepath.Join(dir, "data"), "--db", db)
	if code != 0 || !strings.Contains(out, "1 runs: 1 trained") {
		t.Fatalf("augmented grid: exit %d, stdout %q\n%s", code, out, stderr)
	}
	// Without the data, the grid says what is missing and where to get it.
	_, stderr, code = execute(t, "--experiment", "adience", "--data-root", filepath.Join(dir, "none"), "--db", db)
	if code != exitFailure || !strings.Contains(stderr, "no adience data at") {
		t.Errorf("missing data: exit %d, stderr %q", code, stderr)
	}
}

const augGrid = `
name: adience-aug
dataset: {name: adience}
folds: 5
test_folds: [0]
losses: [ce]
seeds: [1]
default_profile: t
profiles:
  t:
    data: {size: 24}
    model: {name: cnn, dtype: float32, channels: [8]}
    epochs: 2
    batch_size: 16
    learning_rates: [0.01]
    momentum: 0.9
    weight_decay: 0.0005
    lr_decay: 0.995
    augment: true
    mirror: true
`

// TestAdienceLenientSkips: a lenient grid skips a malformed line and a
// missing image, says so on stderr with the file and line, and records
// what it skipped on each run.
func TestAdienceLenientSkips(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "data", "adience")
	writeAdience(t, root, 8)
	fold1 := filepath.Join(root, "fold_1_data.txt")
	f, err := os.OpenFile(fold1, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "user1@N01\ttruncated.jpg\n") // line 10: 2 fields, not 12
	f.Close()
	if err := os.Remove(filepath.Join(root, "faces", "user2@N02", "coarse_tilt_aligned_face.3.2_3_o.jpg")); err != nil {
		t.Fatal(err)
	}
	grid := filepath.Join(dir, "lenient.yaml")
	if err := os.WriteFile(grid, []byte(strings.Replace(strings.Replace(augGrid, "{name: adience}", "{name: adience, lenient: true}", 1),
		"    augment: true\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "r.db")
	out, stderr, code := execute(t, "--experiment", grid, "--data-root", filepath.Join(dir, "data"), "--db", db)
	if code != 0 || !strings.Contains(out, "1 runs: 1 trained") {
		t.Fatalf("exit %d, stdout %q\n%s", code, out, stderr)
	}
	for _, want := range []string{"adience: lenient: skipped 1 malformed line(s) (fold_1_data.txt:10:", "1 missing or unreadable image(s)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	store, err := results.OpenReadOnly(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	runs, err := store.Runs(t.Context(), results.RunFilter{})
	if err != nil || len(runs) != 1 {
		t.Fatalf("%d runs, %v", len(runs), err)
	}
	a, err := store.Artifact(t.Context(), runs[0].Key, runner.SkipsArtifact)
	if err != nil {
		t.Fatalf("no record of the skips: %v", err)
	}
	if !strings.Contains(string(a.Data), "fold_1_data.txt:10") || !strings.Contains(string(a.Data), "2_3_o.jpg") {
		t.Errorf("recorded skips %s", a.Data)
	}
}

// TestAdienceBadDataIsBadInput: a malformed line in a strict grid is bad
// input, found before any run starts: exit status 1, a message naming the
// file and line, and no run recorded.
func TestAdienceBadDataIsBadInput(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "data", "adience")
	writeAdience(t, root, 8)
	f, err := os.OpenFile(filepath.Join(root, "fold_3_data.txt"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "user3@N03\ttruncated.jpg\n")
	f.Close()
	grid := filepath.Join(dir, "strict.yaml")
	if err := os.WriteFile(grid, []byte(strings.Replace(augGrid, "    augment: true\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "r.db")
	_, stderr, code := execute(t, "--experiment", grid, "--data-root", filepath.Join(dir, "data"), "--db", db)
	if code != exitFailure || !strings.Contains(stderr, "fold_3_data.txt:10") || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
		t.Fatalf("exit %d, stderr %q; want 1 and one line naming fold_3_data.txt:10", code, stderr)
	}
	store, err := results.OpenReadOnly(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if runs, err := store.Runs(t.Context(), results.RunFilter{}); err != nil || len(runs) != 0 {
		t.Errorf("%d runs recorded (%v), want none", len(runs), err)
	}
}
