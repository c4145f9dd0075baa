package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// AdienceFolds is the number of official Adience folds.
const AdienceFolds = 5

// adienceName is the dataset name used in messages.
const adienceName = "adience"

// AdienceGroups are the 8 official age groups, inclusive, in order.
var AdienceGroups = [8][2]int{{0, 2}, {4, 6}, {8, 12}, {15, 20}, {25, 32}, {38, 43}, {48, 53}, {60, 100}}

// adienceHeader is the header line of the fold files.
var adienceHeader = []string{"user_id", "original_image", "face_id", "age", "gender",
	"x", "y", "dx", "dy", "tilt_ang", "fiducial_yaw_angle", "fiducial_score"}

// adienceLayout describes the expected folder layout in error messages.
const adienceLayout = "ROOT/fold_{0..4}_data.txt and ROOT/aligned/<user_id>/landmark_aligned_face.<face_id>.<original_image> " +
	"or ROOT/faces/<user_id>/coarse_tilt_aligned_face.<face_id>.<original_image>"

// Adience image folders (AdienceOptions.Images).
const (
	AdienceImagesAuto    = ""        // aligned/ when present, else faces/
	AdienceImagesAligned = "aligned" // ROOT/aligned/<user>/landmark_aligned_face.<face_id>.<image>
	AdienceImagesFaces   = "faces"   // ROOT/faces/<user>/coarse_tilt_aligned_face.<face_id>.<image>
)

// AdienceOptions configures the Adience loader.
type AdienceOptions struct {
	// Images selects the image folder: AdienceImagesAuto (default),
	// AdienceImagesAligned or AdienceImagesFaces.
	Images string
	// Lenient skips malformed lines (counting them in the report) instead of
	// failing on the first one.
	Lenient bool
}

// AdienceRow is one well-formed data row of a fold file.
type AdienceRow struct {
	Line          int    // 1-based line in the file
	UserID        string // folder of the image
	OriginalImage string // original Flickr file name
	FaceID        string // face number within the original image
	Age           string // age column as written
	Gender        string // gender column as written
	Group         int    // age group 0..7, or -1 when dropped
	DropReason    string // why the row is dropped ("" when kept)
}

// AdienceGroup applies the label rule of PAPER.md §4 to an age column:
//
//   - a range "(a, b)" is kept when it lies inside one group, lo ≤ a ≤ b ≤ hi
//     ((38, 42) → (38, 43), (27, 32) → (25, 32)); else dropped (DropRangeOffGrid);
//   - a bare number n is kept when a group contains it, lo ≤ n ≤ hi; else
//     dropped (DropNumberInGap);
//   - "None" is dropped (DropAgeNone).
//
// It returns the group (0..7) or -1 with the drop reason. Anything else, and
// a range with a > b, is an error: the row is malformed, not dropped.
func AdienceGroup(age string) (group int, reason string, err error) {
	age = strings.TrimSpace(age)
	switch {
	case age == "None":
		return -1, DropAgeNone, nil
	case strings.HasPrefix(age, "(") && strings.HasSuffix(age, ")"):
		a, b, ok := strings.Cut(age[1:len(age)-1], ",")
		if !ok {
			return -1, "", fmt.Errorf("want an age (a, b), a number or None, got %q", age)
		}
		lo, err1 := parseAge(a)
		hi, err2 := parseAge(b)
		if err1 != nil || err2 != nil {
			return -1, "", fmt.Errorf("want an age (a, b), a number or None, got %q", age)
		}
		if lo > hi {
			return -1, "", fmt.Errorf("age range %q: %d > %d", age, lo, hi)
		}
		for g, r := range AdienceGroups {
			if lo >= r[0] && hi <= r[1] {
				return g, "", nil
			}
		}
		return -1, DropRangeOffGrid, nil
	default:
		n, err := parseAge(age)
		if err != nil {
			return -1, "", fmt.Errorf("want an age (a, b), a number or None, got %q", age)
		}
		for g, r := range AdienceGroups {
			if n >= r[0] && n <= r[1] {
				return g, "", nil
			}
		}
		return -1, DropNumberInGap, nil
	}
}

// parseAge parses a non-negative decimal age of at most 3 digits.
func parseAge(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 3 {
		return 0, errors.New("bad age")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, errors.New("bad age")
		}
	}
	return strconv.Atoi(s)
}

// safeName reports whether s can be used as one path element.
func safeName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\\\x00")
}

// maxLine is the longest metadata line accepted.
const maxLine = 1 << 20

// ReadAdienceFold parses one fold file (LF or CRLF line ends, with or
// without a final newline) and calls fn for each well-formed data row, with
// the label rule applied (AdienceGroup). file names the file in messages.
// A malformed line yields a *ParseError; with lenient set it is instead
// recorded in the returned issues and skipped. A wrong or missing header is
// always an error.
func ReadAdienceFold(r io.Reader, file string, lenient bool, fn func(AdienceRow) error) (issues []LineIssue, err error) {
	lines, err := scanLines(r, adienceName, file, func(line int, text string) error {
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
			if got := strings.Split(text, "\t"); !equalStrings(got, adienceHeader) {
				return parseErr(adienceName, file, 1, "want header %q, got %q",
					strings.Join(adienceHeader, "\t"), truncate(text, 120))
			}
			return nil
		}
		if strings.TrimSpace(text) == "" {
			return nil
		}
		row, perr := parseAdienceLine(text, file, line)
		return emit(&issues, lenient, row, perr, fn)
	})
	if err != nil {
		return issues, err
	}
	if lines == 0 {
		return nil, parseErr(adienceName, file, 0, "empty file, want the header line %q", strings.Join(adienceHeader, "\t"))
	}
	return issues, nil
}

// parseAdienceLine parses one data line.
func parseAdienceLine(text, file string, line int) (AdienceRow, *ParseError) {
	f := strings.Split(text, "\t")
	if len(f) != len(adienceHeader) {
		return AdienceRow{}, parseErr(adienceName, file, line, "want %d fields, got %d", len(adienceHeader), len(f))
	}
	row := AdienceRow{Line: line, UserID: f[0], OriginalImage: f[1], FaceID: f[2], Age: f[3], Gender: f[4]}
	for i, v := range []string{row.UserID, row.OriginalImage, row.FaceID} {
		if !safeName(v) {
			return AdienceRow{}, parseErr(adienceName, file, line, "want a file name in column %s, got %q", adienceHeader[i], v)
		}
	}
	g, reason, err := AdienceGroup(row.Age)
	if err != nil {
		return AdienceRow{}, &ParseError{Dataset: adienceName, File: file, Line: line, Err: err}
	}
	row.Group, row.DropReason = g, reason
	return row, nil
}

// AdienceImagePath returns the image of a row relative to the root, in the
// folder named by images (AdienceImagesAligned or AdienceImagesFaces).
func AdienceImagePath(images string, row AdienceRow) string {
	if images == AdienceImagesFaces {
		return filepath.Join("faces", row.UserID, "coarse_tilt_aligned_face."+row.FaceID+"."+row.OriginalImage)
	}
	return filepath.Join("aligned", row.UserID, "landmark_aligned_face."+row.FaceID+"."+row.OriginalImage)
}

// adienceClassNames are the group names.
func adienceClassNames() []string {
	s := make([]string, len(AdienceGroups))
	for i, g := range AdienceGroups {
		s[i] = fmt.Sprintf("(%d, %d)", g[0], g[1])
	}
	return s
}

// Adience lists the Adience age benchmark under root: the five official
// folds fold_{0..4}_data.txt, sample fold = file index (test on fold i, train
// on the others: List.Split(i)), labels from AdienceGroup. Dropped rows are
// counted by reason in List.Summary. Images are not opened.
func Adience(ctx context.Context, root string, opts AdienceOptions) (*List, error) {
	if err := requireDir(adienceName, root, root, adienceLayout); err != nil {
		return nil, err
	}
	images := opts.Images
	switch images {
	case AdienceImagesAuto:
		images = AdienceImagesFaces
		if fi, err := os.Stat(filepath.Join(root, "aligned")); err == nil && fi.IsDir() {
			images = AdienceImagesAligned
		}
	case AdienceImagesAligned, AdienceImagesFaces:
	default:
		return nil, fmt.Errorf("%s: unknown image folder %q (want %q or %q)", adienceName, images, AdienceImagesAligned, AdienceImagesFaces)
	}
	l := &List{Name: adienceName, Classes: len(AdienceGroups), Ordered: true,
		ClassNames: adienceClassNames(), FoldNames: foldNames(AdienceFolds), Root: root, Summary: &LoadSummary{}}
	for fold := 0; fold < AdienceFolds; fold++ {
		file := fmt.Sprintf("fold_%d_data.txt", fold)
		if err := adienceReadFile(ctx, l, root, file, fold, images, opts.Lenient); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// adienceReadFile adds the rows of one fold file to l.
func adienceReadFile(ctx context.Context, l *List, root, file string, fold int, images string, lenient bool) error {
	path := filepath.Join(root, file)
	if err := requireFile(adienceName, root, path, adienceLayout); err != nil {
		return err
	}
	f, err := openData(adienceName, file, path, metadataFile)
	if err != nil {
		return err
	}
	defer f.Close()
	rep := l.Summary
	rep.Files = append(rep.Files, file)
	var rows rowTicker
	issues, err := ReadAdienceFold(f, file, lenient, func(row AdienceRow) error {
		if err := rows.tick(ctx); err != nil {
			return err
		}
		rep.Rows++
		if row.Group < 0 {
			rep.drop(row.DropReason)
			return nil
		}
		rep.Kept++
		l.Samples = append(l.Samples, Sample{
			ID:     row.UserID + "/" + row.FaceID + "/" + row.OriginalImage,
			Path:   AdienceImagePath(images, row),
			Label:  row.Group,
			Fold:   fold,
			Score:  math.NaN(),
			Source: fmt.Sprintf("%s:%d", file, row.Line),
			Group:  row.UserID,
		})
		return nil
	})
	rep.Malformed = append(rep.Malformed, issues...)
	return err
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// truncate shortens s to at most n bytes for messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
