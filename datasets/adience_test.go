package datasets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const adienceHeaderLine = "user_id\toriginal_image\tface_id\tage\tgender\tx\ty\tdx\tdy\ttilt_ang\tfiducial_yaw_angle\tfiducial_score"

// adienceRow formats a data line with the given identifiers and age.
func adienceRow(user, img, face, age string) string {
	return strings.Join([]string{user, img, face, age, "f", "1", "2", "3", "4", "0", "0", "50"}, "\t")
}

func TestAdienceGroup(t *testing.T) {
	tests := []struct {
		age    string
		group  int
		reason string
		err    bool
	}{
		{"(0, 2)", 0, "", false},
		{"(60, 100)", 7, "", false},
		{"(38, 42)", 5, "", false}, // inside (38, 43)
		{"(27, 32)", 4, "", false}, // inside (25, 32)
		{"(38, 48)", -1, DropRangeOffGrid, false},
		{"(8, 23)", -1, DropRangeOffGrid, false},
		{"None", -1, DropAgeNone, false},
		{"2", 0, "", false},
		{"29", 4, "", false},
		{"42", 5, "", false},
		{"35", -1, DropNumberInGap, false},
		{"13", -1, DropNumberInGap, false},
		{"101", -1, DropNumberInGap, false},
		{" (25, 32) ", 4, "", false},
		{"(25,32)", 4, "", false},
		{"", -1, "", true},
		{"(32, 25)", -1, "", true},
		{"(a, b)", -1, "", true},
		{"(1 2)", -1, "", true},
		{"-3", -1, "", true},
		{"none", -1, "", true},
		{"2.5", -1, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.age, func(t *testing.T) {
			g, reason, err := AdienceGroup(tt.age)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if g != tt.group || reason != tt.reason {
				t.Errorf("got (%d, %q), want (%d, %q)", g, reason, tt.group, tt.reason)
			}
		})
	}
}

func TestReadAdienceFold(t *testing.T) {
	good := adienceRow("u1", "a.jpg", "1", "(25, 32)")
	tests := []struct {
		name     string
		text     string
		lenient  bool
		rows     int
		issues   int
		errLine  int    // 0: no error
		errMatch string // substring of the error
	}{
		{name: "OK/LF", text: adienceHeaderLine + "\n" + good + "\n" + good + "\n", rows: 2},
		{name: "OK/CRLF", text: adienceHeaderLine + "\r\n" + good + "\r\n" + good + "\r\n", rows: 2},
		{name: "OK/NoFinalNewline", text: adienceHeaderLine + "\n" + good + "\n" + good, rows: 2},
		{name: "OK/BlankLines", text: adienceHeaderLine + "\n\n" + good + "\n\n", rows: 1},
		{name: "OK/BOM", text: "\ufeff" + adienceHeaderLine + "\n" + good, rows: 1},
		{name: "ErrTruncated", text: adienceHeaderLine + "\n" + good + "\nu1\t12345_99", errLine: 3, errMatch: "want 12 fields, got 2"},
		{name: "ErrTruncatedCRLF", text: adienceHeaderLine + "\r\n" + good + "\r\nu1\t1\t2\t(4, 6)\tf\t1\t2\t3\t4", errLine: 3, errMatch: "want 12 fields, got 9"},
		{name: "Lenient", text: adienceHeaderLine + "\n" + good + "\nu1\t12345_99", lenient: true, rows: 1, issues: 1},
		{name: "ErrHeader", text: "a\tb\n" + good, errLine: 1, errMatch: "want header"},
		{name: "ErrHeaderLenient", text: "a\tb\n" + good, lenient: true, errLine: 1, errMatch: "want header"},
		{name: "ErrEmpty", text: "", errMatch: "empty file"},
		{name: "ErrAge", text: adienceHeaderLine + "\n" + adienceRow("u1", "a.jpg", "1", "(1 2)"), errLine: 2, errMatch: "want an age"},
		{name: "ErrTraversal", text: adienceHeaderLine + "\n" + adienceRow("..", "a.jpg", "1", "(0, 2)"), errLine: 2, errMatch: "column user_id"},
		{name: "ErrSlash", text: adienceHeaderLine + "\n" + adienceRow("u", "x/../../a.jpg", "1", "(0, 2)"), errLine: 2, errMatch: "column original_image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rows []AdienceRow
			issues, err := ReadAdienceFold(strings.NewReader(tt.text), "fold_9_data.txt", tt.lenient, func(r AdienceRow) error {
				rows = append(rows, r)
				return nil
			})
			if tt.errMatch != "" {
				var pe *ParseError
				if !errors.As(err, &pe) || !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want *ParseError", err)
				}
				if pe.Line != tt.errLine || pe.File != "fold_9_data.txt" || !strings.Contains(err.Error(), tt.errMatch) {
					t.Errorf("err = %q (line %d), want line %d containing %q", err, pe.Line, tt.errLine, tt.errMatch)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != tt.rows || len(issues) != tt.issues {
				t.Errorf("got %d rows, %d issues, want %d, %d", len(rows), len(issues), tt.rows, tt.issues)
			}
		})
	}
}

// writeAdienceFixture writes five small fold files and two images.
func writeAdienceFixture(t *testing.T, crlf bool) string {
	t.Helper()
	dir := t.TempDir()
	nl := "\n"
	if crlf {
		nl = "\r\n"
	}
	ages := []string{"(0, 2)", "(38, 42)", "None", "35", "(8, 23)", "29", "(60, 100)"}
	for f := 0; f < AdienceFolds; f++ {
		lines := []string{adienceHeaderLine}
		for k, a := range ages {
			lines = append(lines, adienceRow(fmt.Sprintf("user%d", f), fmt.Sprintf("img%d.jpg", k), fmt.Sprint(k), a))
		}
		writeFile(t, dir, fmt.Sprintf("fold_%d_data.txt", f), strings.Join(lines, nl))
	}
	writeJPEG(t, dir, "faces/user0/coarse_tilt_aligned_face.0.img0.jpg", gradientImage(40, 30, 5))
	writePNG(t, dir, "faces/user0/coarse_tilt_aligned_face.1.img1.jpg", gradientImage(30, 40, 3))
	return dir
}

func TestAdience_Fixture(t *testing.T) {
	for _, crlf := range []bool{false, true} {
		t.Run(fmt.Sprintf("crlf=%v", crlf), func(t *testing.T) {
			dir := writeAdienceFixture(t, crlf)
			l, err := Adience(t.Context(), dir, AdienceOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Validate(); err != nil {
				t.Fatal(err)
			}
			// Per fold: (0,2)→0, (38,42)→5, 29→4, (60,100)→7 kept; None, 35, (8,23) dropped.
			if got, want := l.ClassCounts(), []int{5, 0, 0, 0, 5, 5, 0, 5}; !cmp.Equal(got, want) {
				t.Errorf("class counts %v, want %v", got, want)
			}
			if got, want := l.FoldCounts(), []int{4, 4, 4, 4, 4}; !cmp.Equal(got, want) {
				t.Errorf("fold counts %v, want %v", got, want)
			}
			wantDrop := map[string]int{DropAgeNone: 5, DropNumberInGap: 5, DropRangeOffGrid: 5}
			if !cmp.Equal(l.Summary.Dropped, wantDrop) {
				t.Errorf("dropped %v, want %v", l.Summary.Dropped, wantDrop)
			}
			if l.Summary.Rows != 35 || l.Summary.Kept != 20 {
				t.Errorf("rows %d kept %d, want 35, 20", l.Summary.Rows, l.Summary.Kept)
			}
			s := l.Samples[1]
			if s.Path != filepath.Join("faces", "user0", "coarse_tilt_aligned_face.1.img1.jpg") || s.Label != 5 || s.Fold != 0 || s.Source != "fold_0_data.txt:3" {
				t.Errorf("sample 1 = %+v", s)
			}
			train, test := l.Split(2)
			if len(train) != 16 || len(test) != 4 {
				t.Errorf("split(2): %d train, %d test, want 16, 4", len(train), len(test))
			}
		})
	}
}

func TestAdience_AlignedFolder(t *testing.T) {
	dir := writeAdienceFixture(t, false)
	if err := os.MkdirAll(filepath.Join(dir, "aligned"), 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := Adience(t.Context(), dir, AdienceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join("aligned", "user0", "landmark_aligned_face.0.img0.jpg"); l.Samples[0].Path != want {
		t.Errorf("path %q, want %q", l.Samples[0].Path, want)
	}
	l, err = Adience(t.Context(), dir, AdienceOptions{Images: AdienceImagesFaces})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(l.Samples[0].Path, "faces") {
		t.Errorf("path %q, want faces/…", l.Samples[0].Path)
	}
	if _, err := Adience(t.Context(), dir, AdienceOptions{Images: "bogus"}); err == nil {
		t.Error("want an error for an unknown image folder")
	}
}

func TestAdience_ErrRoot(t *testing.T) {
	tests := []struct {
		name string
		root string
	}{
		{"Empty", ""},
		{"Missing", filepath.Join(t.TempDir(), "nope")},
		{"NoFoldFiles", t.TempDir()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Adience(t.Context(), tt.root, AdienceOptions{})
			var re *RootError
			if !errors.As(err, &re) || !errors.Is(err, ErrRootMissing) {
				t.Fatalf("err = %v, want *RootError", err)
			}
			for _, want := range []string{"fold_{0..4}_data.txt", "--root", "REPLICATE_DATA_ADIENCE"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q lacks %q", err, want)
				}
			}
		})
	}
}

// Counts verified independently with awk on the real files (see the
// package's test notes): per fold well-formed rows 4484, 3730, 3801, 1049,
// 2085; truncated last lines at fold_2:3803, fold_3:1051, fold_4:2087.
var realAdienceClassCounts = []int{2153, 1841, 1706, 994, 4074, 1680, 657, 670}
var realAdienceFoldCounts = []int{4377, 3110, 3299, 971, 2018}

func TestAdience_RealStrict(t *testing.T) {
	dir := realAdience(t)
	_, err := Adience(t.Context(), dir, AdienceOptions{})
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *ParseError", err)
	}
	// The last line of fold_2_data.txt is cut after two fields: physical
	// line 3803 (the header is line 1; 3801 complete rows come before it).
	if got, want := err.Error(), "adience: fold_2_data.txt:3803: want 12 fields, got 2"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestAdience_RealLenient(t *testing.T) {
	dir := realAdience(t)
	l, err := Adience(t.Context(), dir, AdienceOptions{Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := l.ClassCounts(); !cmp.Equal(got, realAdienceClassCounts) {
		t.Errorf("class counts %v, want %v", got, realAdienceClassCounts)
	}
	if got := l.FoldCounts(); !cmp.Equal(got, realAdienceFoldCounts) {
		t.Errorf("fold counts %v, want %v", got, realAdienceFoldCounts)
	}
	wantDrop := map[string]int{DropAgeNone: 554, DropNumberInGap: 813, DropRangeOffGrid: 7}
	if !cmp.Equal(l.Summary.Dropped, wantDrop) {
		t.Errorf("dropped %v, want %v", l.Summary.Dropped, wantDrop)
	}
	if l.Summary.Rows != 15149 || l.Summary.Kept != 13775 {
		t.Errorf("rows %d kept %d, want 15149, 13775", l.Summary.Rows, l.Summary.Kept)
	}
	wantIssues := []LineIssue{
		{File: "fold_2_data.txt", Line: 3803, Message: "want 12 fields, got 2"},
		{File: "fold_3_data.txt", Line: 1051, Message: "want 12 fields, got 9"},
		{File: "fold_4_data.txt", Line: 2087, Message: "want 12 fields, got 2"},
	}
	if diff := cmp.Diff(wantIssues, l.Summary.Malformed); diff != "" {
		t.Errorf("malformed lines (-want +got):\n%s", diff)
	}
}

// TestAdience_RealFaces checks that the 19 real face crops decode and that
// each matches its row of fold_0_data.txt (user 30601258@N03, age (25, 32)).
func TestAdience_RealFaces(t *testing.T) {
	dir := realAdience(t)
	l, err := Adience(t.Context(), dir, AdienceOptions{Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	byPath := make(map[string]Sample)
	for _, s := range l.Samples {
		byPath[s.Path] = s
	}
	files, err := filepath.Glob(filepath.Join(dir, "faces", "*", "*.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 19 {
		t.Fatalf("found %d face files, want 19", len(files))
	}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		s, ok := byPath[rel]
		if !ok {
			t.Errorf("%s: no sample", rel)
			continue
		}
		if s.Label != 4 || s.Fold != 0 || !strings.HasPrefix(s.Source, "fold_0_data.txt:") {
			t.Errorf("%s: sample %+v, want label 4 (25, 32), fold 0", rel, s)
		}
		parts := strings.SplitN(filepath.Base(f), ".", 3) // coarse_tilt_aligned_face, face_id, original_image
		if want := "30601258@N03/" + parts[1] + "/" + parts[2]; s.ID != want {
			t.Errorf("%s: id %q, want %q", rel, s.ID, want)
		}
		img, err := readImageFile(t.Context(), f)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if img.w < 400 || img.h < 400 {
			t.Errorf("%s: %dx%d, want about 444×444 or larger", rel, img.w, img.h)
		}
	}
}

// TestAdience_GroupKey: every Adience sample carries its subject (user_id)
// as its group key, and materialising keeps it.
func TestAdience_GroupKey(t *testing.T) {
	dir := writeAdienceFixture(t, false)
	l, err := Adience(t.Context(), dir, AdienceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range l.Samples {
		if want := strings.SplitN(s.ID, "/", 2)[0]; s.Group != want {
			t.Fatalf("sample %s: group %q, want %q", s.ID, s.Group, want)
		}
	}
	sub := l.Subset([]int{0, 1})
	m, _, err := sub.Materialize(t.Context(), 8, nil, MaterializeOptions{SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	if g := m.Sample(0).Group; g != "user0" {
		t.Errorf("materialised group %q, want user0", g)
	}
}
