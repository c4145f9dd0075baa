package datasets

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCheck_RealAdience asserts the counts of the real sample, verified
// independently with awk on the fold files (label rule re-implemented in
// awk, rows with 12 fields, LF and CRLF) and ls on faces/.
func TestCheck_RealAdience(t *testing.T) {
	dir := realAdience(t)
	rep, err := Check(t.Context(), "adience", dir, CheckOptions{})
	if !errors.Is(err, ErrCheckFailed) || rep == nil {
		t.Fatalf("strict: err = %v, report %v; want ErrCheckFailed with a report", err, rep)
	}
	if rep.Rows != 15149 || rep.Kept != 13775 {
		t.Errorf("rows %d kept %d, want 15149, 13775", rep.Rows, rep.Kept)
	}
	var classes, folds []int
	for _, c := range rep.Classes {
		classes = append(classes, c.Count)
	}
	for _, c := range rep.Folds {
		folds = append(folds, c.Count)
	}
	if !cmp.Equal(classes, realAdienceClassCounts) || !cmp.Equal(folds, realAdienceFoldCounts) {
		t.Errorf("classes %v folds %v", classes, folds)
	}
	wantDropped := []Count{{-1, DropAgeNone, 554}, {-1, DropNumberInGap, 813}, {-1, DropRangeOffGrid, 7}}
	if diff := cmp.Diff(wantDropped, rep.Dropped); diff != "" {
		t.Errorf("dropped (-want +got):\n%s", diff)
	}
	var lines []string
	for _, m := range rep.Malformed {
		lines = append(lines, m.String())
	}
	wantLines := []string{"fold_2_data.txt:3803: want 12 fields, got 2", "fold_3_data.txt:1051: want 12 fields, got 9", "fold_4_data.txt:2087: want 12 fields, got 2"}
	if !cmp.Equal(lines, wantLines) {
		t.Errorf("malformed %v", lines)
	}
	im := rep.Images
	if !im.Checked || im.Total != 13775 || im.Present != 19 || im.Missing != 13756 || im.Unreadable != 0 || len(im.Examples) != maxExamples {
		t.Errorf("images %+v", im)
	}
	if rep.OK || !cmp.Equal(rep.Problems, []string{"3 malformed line(s)", "13756 missing image(s)"}) {
		t.Errorf("ok %v problems %v", rep.OK, rep.Problems)
	}
	rep, err = Check(t.Context(), "adience", dir, CheckOptions{Lenient: true, SkipImages: true})
	if err != nil || !rep.OK || rep.Images.Checked || len(rep.Malformed) != 3 {
		t.Errorf("lenient: err %v, report %+v", err, rep)
	}
}

func TestCheck_Fixtures(t *testing.T) {
	mnist := t.TempDir()
	writeMNIST(t, mnist, "train", 20, 3, 3, true)
	features := writeFile(t, t.TempDir(), "f.csv", "id,label,fold,x\na,0,0,1\nb,1,1,2\nc,1,1,3\n")
	tests := []struct {
		name, root    string
		classes       []int
		folds         []int
		total, images int
	}{
		{"adience", writeAdienceFixture(t, true), []int{5, 0, 0, 0, 5, 5, 0, 5}, []int{4, 4, 4, 4, 4}, 20, 2},
		{"imageofgroups", writeIoGFixture(t, 2), []int{4, 4, 4, 4, 4, 4, 4}, []int{28}, 4, 0},
		{"aadb", writeAADBFixture(t, "imgListTestNewRegression_score.txt"), []int{2, 1, 1, 1, 3}, []int{5, 1, 2}, 8, 0},
		{"imagenet", writeImageNetFixture(t, "", "folders"), []int{2, 3, 4}, []int{6, 3}, 9, 0},
		{"mnist", mnist, []int{2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, []int{4, 4, 4, 4, 4}, 0, 0},
		{"features", features, []int{1, 2}, []int{1, 2}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Check(t.Context(), tt.name, tt.root, CheckOptions{Lenient: true})
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			var classes, folds []int
			for _, c := range rep.Classes {
				classes = append(classes, c.Count)
			}
			for _, c := range rep.Folds {
				folds = append(folds, c.Count)
			}
			if !cmp.Equal(classes, tt.classes) || !cmp.Equal(folds, tt.folds) {
				t.Errorf("classes %v folds %v", classes, folds)
			}
			if rep.Images.Total != tt.total || rep.Images.Present != tt.images {
				t.Errorf("images %+v, want %d total, %d present", rep.Images, tt.total, tt.images)
			}
		})
	}
}

func TestCheck_Unreadable(t *testing.T) {
	dir := writeAdienceFixture(t, false)
	writeFile(t, dir, "faces/user0/coarse_tilt_aligned_face.5.img5.jpg", "not an image")
	rep, err := Check(t.Context(), "adience", dir, CheckOptions{})
	if !errors.Is(err, ErrCheckFailed) {
		t.Fatalf("err = %v", err)
	}
	if im := rep.Images; im.Present != 2 || im.Unreadable != 1 || im.Missing != 17 {
		t.Errorf("images %+v", im)
	}
	rep, err = Check(t.Context(), "adience", dir, CheckOptions{MaxImages: 3})
	if rep == nil || rep.Images.Total != 3 {
		t.Errorf("max images: %v %v", rep, err)
	}
}

func TestCheck_Err(t *testing.T) {
	if _, err := Check(t.Context(), "nope", "", CheckOptions{}); !errors.Is(err, ErrUnknownDataset) {
		t.Errorf("unknown: err = %v", err)
	}
	_, err := Check(t.Context(), "aadb", filepath.Join(t.TempDir(), "x"), CheckOptions{})
	if !errors.Is(err, ErrRootMissing) {
		t.Errorf("missing root: err = %v", err)
	}
	env := map[string]string{"REPLICATE_DATA_ADIENCE": writeAdienceFixture(t, false)}
	rep, _ := Check(t.Context(), "adience", "", CheckOptions{Getenv: func(k string) string { return env[k] }, SkipImages: true})
	if rep == nil || rep.Kept != 20 {
		t.Errorf("root from the environment: %+v", rep)
	}
	bad := writeFile(t, t.TempDir(), "f.csv", "id,label,fold,x\na,0,0,1\nb,x,0,1\n")
	rep, err = Check(t.Context(), "features", bad, CheckOptions{})
	if !errors.Is(err, ErrCheckFailed) || len(rep.Malformed) != 1 || rep.Malformed[0].Line != 3 {
		t.Errorf("bad features: %v %+v", err, rep)
	}
}

// TestCheckResult_JSON pins the JSON field names of `data check --json`.
func TestCheckResult_JSON(t *testing.T) {
	rep, err := Check(t.Context(), "adience", writeAdienceFixture(t, false), CheckOptions{Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"classes", "dataset", "dropped", "files", "folds", "images", "kept", "lenient", "malformed", "ok", "problems", "root", "rows"}
	if !cmp.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	var images map[string]json.RawMessage
	json.Unmarshal(top["images"], &images)
	keys = keys[:0]
	for k := range images {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if want := []string{"checked", "examples", "missing", "present", "total", "unreadable"}; !cmp.Equal(keys, want) {
		t.Errorf("image keys %v, want %v", keys, want)
	}
	// Empty lists encode as [].
	if string(top["malformed"]) != "[]" || string(top["problems"]) != "[]" {
		t.Errorf("empty lists: malformed %s problems %s", top["malformed"], top["problems"])
	}
}

func TestCheckResult_WriteText(t *testing.T) {
	rep, _ := Check(t.Context(), "adience", writeAdienceFixture(t, false), CheckOptions{})
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"dataset adience", "(strict)", "rows: 35 read, 20 kept, 15 dropped, 0 malformed lines",
		"per class:", "(25, 32)", "age None", "images: 20 checked: 2 present, 18 missing, 0 unreadable",
		"problems: 18 missing image(s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if err := rep.WriteText(failWriter{}); err == nil {
		t.Error("want the write error")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
