package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
)

// iogName is the dataset name of Images of Groups.
const iogName = "imageofgroups"

// ImagesOfGroupsFolders are the 11 image folders of Gallagher's release,
// each holding its images and a PersonData.txt.
var ImagesOfGroupsFolders = []string{"Wed2a", "Wed3a", "Wed5a", "Fam2a", "Fam4a", "Fam5a", "Fam8a",
	"Group2a", "Group4a", "Group5a", "Group8a"}

// ImagesOfGroupsAgeCodes are the age labels written in PersonData.txt, one
// per class, for the ranges 0–2, 3–7, 8–12, 13–19, 20–36, 37–65 and 66+.
var ImagesOfGroupsAgeCodes = []int{1, 5, 10, 16, 28, 51, 75}

var iogClassNames = []string{"0-2", "3-7", "8-12", "13-19", "20-36", "37-65", "66+"}

const iogLayout = "ROOT/<folder>/PersonData.txt and ROOT/<folder>/<image>.jpg for the folders " +
	"Wed2a Wed3a Wed5a Fam2a Fam4a Fam5a Fam8a Group2a Group4a Group5a Group8a"

// IoGFace is one face row of a PersonData.txt file.
type IoGFace struct {
	Line           int     // 1-based line of the face row
	Image          string  // image file name (from the preceding image row)
	Index          int     // 0-based index of the face within its image
	LeftX, LeftY   float64 // left eye (viewer's left)
	RightX, RightY float64 // right eye
	AgeCode        int     // age label as written (1, 5, 10, 16, 28, 51, 75)
	Class          int     // age class 0..6
	Gender         float64 // gender label as written (1 female, 2 male)
	ImageLine      int     // line of the image row
}

// ReadPersonData parses one PersonData.txt: image rows (one file name)
// each followed by its face rows (6 whitespace-separated numbers: left eye
// x, y, right eye x, y, age code, gender). It calls fn for each face. A
// malformed line is a *ParseError; with lenient set it is recorded in the
// returned issues and skipped (a bad image row also skips its faces).
func ReadPersonData(r io.Reader, file string, lenient bool, fn func(IoGFace) error) (issues []LineIssue, err error) {
	image, imageLine, index := "", 0, 0
	_, err = scanLines(r, iogName, file, func(line int, text string) error {
		f := strings.Fields(strings.TrimPrefix(text, "\ufeff"))
		switch len(f) {
		case 0:
			return nil
		case 1:
			image, imageLine, index = "", line, 0
			if !safeName(f[0]) || isNumber(f[0]) {
				return skipOrFail(&issues, parseErr(iogName, file, line, "want an image file name, got %q", truncate(f[0], 80)), lenient)
			}
			image = f[0]
			return nil
		case 6:
			face, perr := parseIoGFace(f, file, line)
			if perr == nil && image == "" {
				msg := "face row before any image row"
				if imageLine > 0 {
					msg = fmt.Sprintf("face row of the malformed image row at line %d", imageLine)
				}
				perr = parseErr(iogName, file, line, "%s", msg)
			}
			face.Image, face.Index, face.ImageLine = image, index, imageLine
			return emit(&issues, lenient, face, perr, func(face IoGFace) error {
				index++
				return fn(face)
			})
		}
		return skipOrFail(&issues, parseErr(iogName, file, line,
			"want an image name or 6 numbers (left eye x, y, right eye x, y, age, gender), got %d fields", len(f)), lenient)
	})
	return issues, err
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// parseIoGFace parses the 6 numbers of a face row.
func parseIoGFace(f []string, file string, line int) (IoGFace, *ParseError) {
	var v [6]float64
	names := [6]string{"left eye x", "left eye y", "right eye x", "right eye y", "age", "gender"}
	for i, s := range f {
		x, err := parseFinite(s)
		if err != nil {
			return IoGFace{}, parseErr(iogName, file, line, "want a number for %s, got %q", names[i], truncate(s, 40))
		}
		v[i] = x
	}
	face := IoGFace{Line: line, LeftX: v[0], LeftY: v[1], RightX: v[2], RightY: v[3], Gender: v[5], Class: -1}
	for k, code := range ImagesOfGroupsAgeCodes {
		if v[4] == float64(code) {
			face.AgeCode, face.Class = code, k
		}
	}
	if face.Class < 0 {
		return IoGFace{}, parseErr(iogName, file, line, "want age 1, 5, 10, 16, 28, 51 or 75, got %s", f[4])
	}
	return face, nil
}

// ImagesOfGroupsOptions configures the Images of Groups loader.
type ImagesOfGroupsOptions struct {
	// Lenient skips malformed lines and missing folders (reported) instead
	// of failing.
	Lenient bool
	// Folders to read (default ImagesOfGroupsFolders).
	Folders []string
	// TrainPerClass and TestPerClass set the class-balanced split: from the
	// faces of each class, a seeded draw takes TrainPerClass for training
	// (fold 0) and TestPerClass for testing (fold 1); the rest are dropped
	// (DropNotInSplit). Defaults 500 and 150: 3,500 / 1,050 faces.
	TrainPerClass, TestPerClass int
	// Folds, when > 0, replaces the train/test draw: every face goes to one
	// of Folds folds through a seeded permutation.
	Folds int
	// Seed seeds the split draw.
	Seed uint64
	// FaceScale is the side of the square face crop in eye distances
	// (default 3): the box is centred half an eye distance below the eyes'
	// midpoint.
	FaceScale float64
}

// FaceBox returns the square crop of a face from its eye positions: side
// scale·d, centred at the eyes' midpoint moved down by d/2, where d is the
// distance between the eyes (at least 1 pixel).
func FaceBox(lx, ly, rx, ry, scale float64) Box {
	d := math.Max(1, math.Hypot(rx-lx, ry-ly))
	cx, cy := (lx+rx)/2, (ly+ry)/2+d/2
	h := scale * d / 2
	return Box{X0: cx - h, Y0: cy - h, X1: cx + h, Y1: cy + h}
}

// ImagesOfGroups lists the faces of Gallagher and Chen's Images of Groups
// dataset under root, with the 7 ordered age classes, split by
// ImagesOfGroupsOptions (default: 500 train and 150 test faces per class,
// drawn with Seed). Each sample's Box is its face crop (FaceBox).
func ImagesOfGroups(ctx context.Context, root string, o ImagesOfGroupsOptions) (*List, error) {
	if err := requireDir(iogName, root, root, iogLayout); err != nil {
		return nil, err
	}
	if o.Folders == nil {
		o.Folders = ImagesOfGroupsFolders
	}
	if o.TrainPerClass == 0 && o.TestPerClass == 0 {
		o.TrainPerClass, o.TestPerClass = 500, 150
	}
	if o.FaceScale == 0 {
		o.FaceScale = 3
	}
	if o.TrainPerClass < 0 || o.TestPerClass < 0 || o.Folds < 0 || o.FaceScale < 0 {
		return nil, fmt.Errorf("%s: invalid options %+v", iogName, o)
	}
	l := &List{Name: iogName, Classes: len(ImagesOfGroupsAgeCodes), Ordered: true, ClassNames: iogClassNames,
		FoldNames: []string{"train", "test"}, Root: root, Summary: &LoadSummary{}}
	if o.Folds > 0 {
		l.FoldNames = foldNames(o.Folds)
	}
	for _, folder := range o.Folders {
		if err := iogReadFolder(ctx, l, root, folder, o); err != nil {
			return nil, err
		}
	}
	if err := iogSplit(l, o); err != nil {
		return nil, err
	}
	return l, nil
}

// iogReadFolder adds the faces of one folder to l (fold not yet assigned).
func iogReadFolder(ctx context.Context, l *List, root, folder string, o ImagesOfGroupsOptions) error {
	if !safeName(folder) {
		return fmt.Errorf("%s: bad folder name %q", iogName, folder)
	}
	file := filepath.Join(folder, "PersonData.txt")
	path := filepath.Join(root, file)
	if err := requireFile(iogName, root, path, iogLayout); err != nil {
		if o.Lenient {
			l.Summary.Malformed = append(l.Summary.Malformed, LineIssue{File: file, Message: "file not found"})
			return nil
		}
		return err
	}
	f, err := openData(iogName, file, path, metadataFile)
	if err != nil {
		var fe *FileError
		if o.Lenient && errors.As(err, &fe) {
			l.Summary.Malformed = append(l.Summary.Malformed, LineIssue{File: file, Message: fe.Err.Error()})
			return nil
		}
		return err
	}
	defer f.Close()
	l.Summary.Files = append(l.Summary.Files, file)
	var rows rowTicker
	issues, err := ReadPersonData(f, file, o.Lenient, func(face IoGFace) error {
		if err := rows.tick(ctx); err != nil {
			return err
		}
		l.Summary.Rows++
		l.Samples = append(l.Samples, Sample{
			ID:     fmt.Sprintf("%s/%s#%d", folder, face.Image, face.Index),
			Path:   filepath.Join(folder, face.Image),
			Box:    FaceBox(face.LeftX, face.LeftY, face.RightX, face.RightY, o.FaceScale),
			Label:  face.Class,
			Score:  math.NaN(),
			Source: fmt.Sprintf("%s:%d", file, face.Line),
		})
		return nil
	})
	l.Summary.Malformed = append(l.Summary.Malformed, issues...)
	return err
}

// iogSplit assigns folds: the class-balanced train/test draw, or k seeded
// folds.
func iogSplit(l *List, o ImagesOfGroupsOptions) error {
	r := rand.New(rand.NewPCG(o.Seed, 0x109))
	if o.Folds > 0 {
		perm := r.Perm(len(l.Samples))
		for k, i := range perm {
			l.Samples[i].Fold = k % o.Folds
		}
		l.Summary.Kept = len(l.Samples)
		return nil
	}
	byClass := make([][]int, l.Classes)
	for i, s := range l.Samples {
		byClass[s.Label] = append(byClass[s.Label], i)
	}
	keep := make([]bool, len(l.Samples))
	for c, idx := range byClass {
		need := o.TrainPerClass + o.TestPerClass
		if len(idx) < need {
			return fmt.Errorf("%s: class %s has %d faces, the split needs %d (train %d + test %d per class)",
				iogName, iogClassNames[c], len(idx), need, o.TrainPerClass, o.TestPerClass)
		}
		r.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		for k, i := range idx[:need] {
			keep[i] = true
			if k >= o.TrainPerClass {
				l.Samples[i].Fold = 1
			}
		}
	}
	kept := l.Samples[:0]
	for i, s := range l.Samples {
		if keep[i] {
			kept = append(kept, s)
		} else {
			l.Summary.drop(DropNotInSplit)
		}
	}
	l.Samples = kept
	l.Summary.Kept = len(kept)
	return nil
}
