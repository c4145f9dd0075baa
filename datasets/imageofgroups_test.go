package datasets

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadPersonData(t *testing.T) {
	text := "1006149518_250f8036fc_1438_9284053@N07.jpg\r\n" +
		"100\t120\t130\t121\t28\t2\r\n" +
		"200\t220\t215.5\t221\t1\t1\r\n" +
		"\r\n" +
		"2_b_3_4@N00.jpg\n" +
		"10\t10\t20\t10\t75\t1\n"
	var faces []IoGFace
	issues, err := ReadPersonData(strings.NewReader(text), "Fam2a/PersonData.txt", false, func(f IoGFace) error {
		faces = append(faces, f)
		return nil
	})
	if err != nil || len(issues) != 0 {
		t.Fatal(err, issues)
	}
	want := []IoGFace{
		{Line: 2, Image: "1006149518_250f8036fc_1438_9284053@N07.jpg", LeftX: 100, LeftY: 120, RightX: 130, RightY: 121, AgeCode: 28, Class: 4, Gender: 2, ImageLine: 1},
		{Line: 3, Image: "1006149518_250f8036fc_1438_9284053@N07.jpg", Index: 1, LeftX: 200, LeftY: 220, RightX: 215.5, RightY: 221, AgeCode: 1, Class: 0, Gender: 1, ImageLine: 1},
		{Line: 6, Image: "2_b_3_4@N00.jpg", LeftX: 10, LeftY: 10, RightX: 20, RightY: 10, AgeCode: 75, Class: 6, Gender: 1, ImageLine: 5},
	}
	if diff := cmp.Diff(want, faces); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestReadPersonData_Err(t *testing.T) {
	tests := []struct {
		name string
		text string
		line int
		want string
	}{
		{"FaceFirst", "1\t2\t3\t4\t28\t1\n", 1, "face row before any image row"},
		{"Age", "a.jpg\n1\t2\t3\t4\t30\t1\n", 2, "want age 1, 5, 10, 16, 28, 51 or 75, got 30"},
		{"Fields", "a.jpg\n1\t2\t3\t4\t28\n", 2, "got 5 fields"},
		{"Number", "a.jpg\n1\tx\t3\t4\t28\t1\n", 2, "want a number for left eye y"},
		{"Traversal", "../a.jpg\n", 1, "want an image file name"},
		{"NumericImage", "17\n", 1, "want an image file name"},
		{"AfterBadImage", "a/b.jpg\n1\t2\t3\t4\t28\t1\n", 1, "want an image file name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadPersonData(strings.NewReader(tt.text), "P.txt", false, func(IoGFace) error { return nil })
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != tt.line || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want line %d with %q", err, tt.line, tt.want)
			}
		})
	}
	// Lenient: the bad image row and its face are both skipped and reported.
	issues, err := ReadPersonData(strings.NewReader("a/b.jpg\n1\t2\t3\t4\t28\t1\nc.jpg\n1\t2\t3\t4\t28\t1\n"), "P.txt", true,
		func(IoGFace) error { return nil })
	if err != nil || len(issues) != 2 || issues[1].Line != 2 || !strings.Contains(issues[1].Message, "malformed image row at line 1") {
		t.Errorf("lenient: %v, %v", err, issues)
	}
}

// writeIoGFixture writes two folders with perClass faces per class each.
func writeIoGFixture(t *testing.T, perClass int) string {
	t.Helper()
	dir := t.TempDir()
	for _, folder := range []string{"Fam2a", "Group8a"} {
		var b strings.Builder
		for k := 0; k < perClass; k++ {
			fmt.Fprintf(&b, "img%d_x_1_2@N0.jpg\n", k)
			for c, code := range ImagesOfGroupsAgeCodes {
				fmt.Fprintf(&b, "%d\t%d\t%d\t%d\t%d\t%d\n", 10+c*20, 30, 20+c*20, 30, code, 1+c%2)
			}
		}
		writeFile(t, dir, folder+"/PersonData.txt", b.String())
	}
	return dir
}

func TestImagesOfGroups(t *testing.T) {
	dir := writeIoGFixture(t, 3)
	o := ImagesOfGroupsOptions{Folders: []string{"Fam2a", "Group8a"}, TrainPerClass: 4, TestPerClass: 2, Seed: 1}
	l, err := ImagesOfGroups(t.Context(), dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := l.ClassCounts(); !cmp.Equal(got, []int{6, 6, 6, 6, 6, 6, 6}) {
		t.Errorf("class counts %v", got)
	}
	if got := l.FoldCounts(); !cmp.Equal(got, []int{28, 14}) {
		t.Errorf("fold counts %v", got)
	}
	if l.Summary.Rows != 42 || l.Summary.Kept != 42 {
		t.Errorf("rows %d kept %d", l.Summary.Rows, l.Summary.Kept)
	}
	// Face box: eyes (10,30)-(20,30): d = 10, centre (15, 35), side 30.
	for _, s := range l.Samples {
		if s.ID == "Fam2a/img0_x_1_2@N0.jpg#0" {
			if want := (Box{X0: 0, Y0: 20, X1: 30, Y1: 50}); s.Box != want {
				t.Errorf("box %+v, want %+v", s.Box, want)
			}
		}
	}
	l2, _ := ImagesOfGroups(t.Context(), dir, o)
	if !cmp.Equal(l.Samples, l2.Samples, cmp.Comparer(func(a, b float64) bool { return a == b || (a != a && b != b) })) {
		t.Error("same seed, different split")
	}
	// Too few faces for the split.
	o.TrainPerClass = 6
	if _, err := ImagesOfGroups(t.Context(), dir, o); err == nil || !strings.Contains(err.Error(), "has 6 faces, the split needs 8") {
		t.Errorf("err = %v", err)
	}
	// k folds instead.
	l, err = ImagesOfGroups(t.Context(), dir, ImagesOfGroupsOptions{Folders: []string{"Fam2a", "Group8a"}, Folds: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := l.FoldCounts(); !cmp.Equal(got, []int{14, 14, 14}) {
		t.Errorf("fold counts %v", got)
	}
}

func TestImagesOfGroups_ErrRoot(t *testing.T) {
	dir := writeIoGFixture(t, 1)
	_, err := ImagesOfGroups(t.Context(), dir, ImagesOfGroupsOptions{})
	if !errors.Is(err, ErrRootMissing) || !strings.Contains(err.Error(), "Wed2a/PersonData.txt") {
		t.Errorf("err = %v", err)
	}
	l, err := ImagesOfGroups(t.Context(), dir, ImagesOfGroupsOptions{Lenient: true, Folds: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Summary.Malformed) != 9 || l.Len() != 14 {
		t.Errorf("lenient: %d issues, %d samples", len(l.Summary.Malformed), l.Len())
	}
}
