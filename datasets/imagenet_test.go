package datasets

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var testWNIDs = []string{"n01440764", "n01443537", "n01484850"}

// writeImageNetFixture writes train/<wnid>/ (k+1 files for class k) and the
// validation set in one of three forms.
func writeImageNetFixture(t *testing.T, base, val string) string {
	t.Helper()
	dir := t.TempDir()
	for k, w := range testWNIDs {
		for i := 0; i <= k; i++ {
			writeFile(t, dir, filepath.Join(base, "train", w, fmt.Sprintf("%s_%d.JPEG", w, i)), "x")
		}
		writeFile(t, dir, filepath.Join(base, "train", w, "notes.txt"), "not an image")
	}
	switch val {
	case "folders":
		for k, w := range testWNIDs {
			writeFile(t, dir, filepath.Join(base, "val", w, fmt.Sprintf("ILSVRC2012_val_%08d.JPEG", k+1)), "x")
		}
	case "solution":
		sol := "ImageId,PredictionString\n"
		for i := 1; i <= 4; i++ {
			w := testWNIDs[(i*2)%3]
			sol += fmt.Sprintf("ILSVRC2012_val_%08d,%s 1 2 3 4 %s 5 6 7 8\n", i, w, w)
			writeFile(t, dir, filepath.Join(base, "val", fmt.Sprintf("ILSVRC2012_val_%08d.JPEG", i)), "x")
		}
		writeFile(t, dir, "LOC_val_solution.csv", sol)
	}
	return dir
}

func TestImageNet_Folders(t *testing.T) {
	dir := writeImageNetFixture(t, "", "folders")
	l, err := ImageNet(t.Context(), dir, ImageNetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(l.ClassCounts(), []int{2, 3, 4}) || !cmp.Equal(l.FoldCounts(), []int{6, 3}) {
		t.Errorf("classes %v folds %v", l.ClassCounts(), l.FoldCounts())
	}
	if s := l.Samples[0]; s.Path != filepath.Join("train", "n01440764", "n01440764_0.JPEG") || s.ID != "n01440764_0.JPEG" {
		t.Errorf("sample %+v", s)
	}
}

func TestImageNet_SolutionAndMapping(t *testing.T) {
	dir := writeImageNetFixture(t, filepath.Join("ILSVRC", "Data", "CLS-LOC"), "solution")
	// The mapping file fixes the class order (here reversed).
	writeFile(t, dir, "LOC_synset_mapping.txt", "n01484850 great white shark\nn01443537 goldfish, Carassius auratus\nn01440764 tench, Tinca tinca\n")
	l, err := ImageNet(t.Context(), dir, ImageNetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(l.ClassNames, []string{"n01484850", "n01443537", "n01440764"}) {
		t.Errorf("classes %v", l.ClassNames)
	}
	// train: n01484850 ×3 (label 0), n01443537 ×2, n01440764 ×1; val: i=1..4 → wnid index 2,1,0,2 of testWNIDs.
	if !cmp.Equal(l.ClassCounts(), []int{5, 3, 2}) || !cmp.Equal(l.FoldCounts(), []int{6, 4}) {
		t.Errorf("classes %v folds %v", l.ClassCounts(), l.FoldCounts())
	}
	v := l.Samples[6]
	if v.ID != "ILSVRC2012_val_00000001" || v.Label != 0 || v.Source != "LOC_val_solution.csv:2" ||
		v.Path != filepath.Join("ILSVRC", "Data", "CLS-LOC", "val", "ILSVRC2012_val_00000001.JPEG") {
		t.Errorf("val sample %+v", v)
	}
	// Subset: two classes, renumbered in mapping order.
	l, err = ImageNet(t.Context(), dir, ImageNetOptions{Classes: []string{"n01440764", "n01484850"}})
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(l.ClassNames, []string{"n01484850", "n01440764"}) || !cmp.Equal(l.ClassCounts(), []int{5, 2}) {
		t.Errorf("subset: %v %v", l.ClassNames, l.ClassCounts())
	}
	if l.Summary.Dropped[DropClassSubset] != 1 {
		t.Errorf("dropped %v", l.Summary.Dropped)
	}
	l, err = ImageNet(t.Context(), dir, ImageNetOptions{NumClasses: 2, SkipTrain: true})
	if err != nil || !cmp.Equal(l.ClassCounts(), []int{2, 1}) {
		t.Errorf("first 2 classes, val only: %v %v", l.ClassCounts(), err)
	}
	if _, err := ImageNet(t.Context(), dir, ImageNetOptions{Classes: []string{"n99999999"}}); err == nil {
		t.Error("want an error for an unknown class")
	}
}

func TestImageNet_Err(t *testing.T) {
	dir := writeImageNetFixture(t, "", "none")
	_, err := ImageNet(t.Context(), dir, ImageNetOptions{})
	if !errors.Is(err, ErrRootMissing) || !strings.Contains(err.Error(), "LOC_val_solution.csv") {
		t.Errorf("no validation: err = %v", err)
	}
	if _, err := ImageNet(t.Context(), t.TempDir(), ImageNetOptions{}); !errors.Is(err, ErrRootMissing) {
		t.Errorf("empty root: err = %v", err)
	}
	dir = writeImageNetFixture(t, "", "solution")
	writeFile(t, dir, "LOC_val_solution.csv", "ImageId,PredictionString\nILSVRC2012_val_00000001,n02000000 1 2 3 4\n")
	if _, err := ImageNet(t.Context(), dir, ImageNetOptions{}); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "LOC_val_solution.csv:2") {
		t.Errorf("unknown val class: err = %v", err)
	}
	l, err := ImageNet(t.Context(), dir, ImageNetOptions{Lenient: true})
	if err != nil || len(l.Summary.Malformed) != 1 {
		t.Errorf("lenient: %v %v", err, l)
	}
}

func TestReadSynsets_Err(t *testing.T) {
	for _, text := range []string{"", "tench\n", "n01440764\nn01440764 again\n"} {
		if _, err := ReadSynsets(strings.NewReader(text), "s.txt"); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: err = %v", text, err)
		}
	}
}

func TestWalkImageNet_Streams(t *testing.T) {
	dir := writeImageNetFixture(t, "", "folders")
	n := 0
	stop := errors.New("stop")
	_, _, err := WalkImageNet(t.Context(), dir, ImageNetOptions{}, func(Sample) error {
		n++
		if n == 4 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 4 {
		t.Errorf("err = %v after %d samples", err, n)
	}
}
