package datasets

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// imagenetName is the dataset name of ILSVRC-2012.
const imagenetName = "imagenet"

// ImageNet splits (Sample.Fold).
const (
	ImageNetTrain = 0
	ImageNetVal   = 1
)

const imagenetLayout = "ROOT/train/<wnid>/<wnid>_<n>.JPEG; validation as ROOT/val/<wnid>/*.JPEG, or " +
	"ROOT/LOC_val_solution.csv with ROOT/val/ILSVRC2012_val_<8 digits>.JPEG; class order from " +
	"ROOT/LOC_synset_mapping.txt, ROOT/synsets.txt or ROOT/synset_words.txt, else the sorted train folders " +
	"(the Kaggle layout ROOT/ILSVRC/Data/CLS-LOC/{train,val} is found too)"

// ImageNetOptions configures the ImageNet lister.
type ImageNetOptions struct {
	// Classes restricts the list to these wnids (labels follow the class
	// order of the mapping, renumbered 0..len-1). Empty: all classes.
	Classes []string
	// NumClasses, when > 0 and Classes is empty, keeps the first
	// NumClasses classes of the mapping.
	NumClasses int
	// SkipTrain and SkipVal leave a split out.
	SkipTrain, SkipVal bool
	// Lenient skips malformed lines and missing class folders (reported)
	// instead of failing.
	Lenient bool
}

// isWNID reports whether s looks like a WordNet id: 'n' and 8 digits.
func isWNID(s string) bool {
	if len(s) != 9 || s[0] != 'n' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isImageFile reports whether name has a JPEG or PNG extension.
func isImageFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jpeg", ".jpg", ".png":
		return true
	}
	return false
}

// ReadSynsets parses a synset list: one class per line, the line's first
// white-space separated field a wnid (LOC_synset_mapping.txt and
// synset_words.txt carry the class words after it). The line order is the
// class index. Blank lines are skipped; a bad or repeated wnid is a
// *ParseError.
func ReadSynsets(r io.Reader, file string) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	var wnids []string
	seen := make(map[string]int)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if len(f) == 0 {
			continue
		}
		if !isWNID(f[0]) {
			return nil, parseErr(imagenetName, file, line, "want a wnid (n and 8 digits) first, got %q", truncate(f[0], 40))
		}
		if prev, dup := seen[f[0]]; dup {
			return nil, parseErr(imagenetName, file, line, "wnid %s listed twice (first at line %d)", f[0], prev)
		}
		seen[f[0]] = line
		wnids = append(wnids, f[0])
	}
	if err := sc.Err(); err != nil {
		return nil, parseErr(imagenetName, file, line+1, "%v", err)
	}
	if len(wnids) == 0 {
		return nil, parseErr(imagenetName, file, 0, "no synsets")
	}
	return wnids, nil
}

// ValSolution is one row of LOC_val_solution.csv.
type ValSolution struct {
	Line    int    // 1-based line
	ImageID string // e.g. ILSVRC2012_val_00000001
	WNID    string // class: the first token of PredictionString
}

// ReadValSolution parses Kaggle's LOC_val_solution.csv: header
// ImageId,PredictionString, then one row per validation image whose
// PredictionString starts with the image's wnid (then boxes). Malformed
// rows are *ParseError; lenient records and skips them.
func ReadValSolution(r io.Reader, file string, lenient bool, fn func(ValSolution) error) (issues []LineIssue, err error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, parseErr(imagenetName, file, 0, "empty file, want header ImageId,PredictionString")
		}
		return nil, imagenetCSVErr(file, err)
	}
	if len(head) != 2 || !headerIs(head, "imageid", "predictionstring") {
		return nil, parseErr(imagenetName, file, 1, "want header ImageId,PredictionString, got %q", truncate(strings.Join(head, ","), 80))
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return issues, nil
		}
		if err != nil {
			perr := imagenetCSVErr(file, err)
			var pe *ParseError
			if lenient && errors.As(perr, &pe) {
				issues = append(issues, pe.issue())
				continue
			}
			return nil, perr
		}
		line, _ := cr.FieldPos(0)
		row, perr := parseValSolution(rec, file, line)
		if err := emit(&issues, lenient, row, perr, fn); err != nil {
			return issues, err
		}
	}
}

func parseValSolution(rec []string, file string, line int) (ValSolution, *ParseError) {
	if len(rec) != 2 {
		return ValSolution{}, parseErr(imagenetName, file, line, "want 2 fields (ImageId,PredictionString), got %d", len(rec))
	}
	id := strings.TrimSpace(rec[0])
	if !safeName(id) {
		return ValSolution{}, parseErr(imagenetName, file, line, "want an image id, got %q", truncate(id, 40))
	}
	f := strings.Fields(rec[1])
	if len(f) == 0 || !isWNID(f[0]) {
		return ValSolution{}, parseErr(imagenetName, file, line, "want a PredictionString starting with a wnid, got %q", truncate(rec[1], 40))
	}
	return ValSolution{Line: line, ImageID: id, WNID: f[0]}, nil
}

func imagenetCSVErr(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{Dataset: imagenetName, File: file, Line: pe.Line, Err: pe.Err}
	}
	return fmt.Errorf("%s: read %s: %w", imagenetName, file, err)
}

// imagenetLayoutOf finds the image base (ROOT or ROOT/ILSVRC/Data/CLS-LOC).
func imagenetBase(root string) string {
	k := filepath.Join("ILSVRC", "Data", "CLS-LOC")
	if fi, err := os.Stat(filepath.Join(root, k)); err == nil && fi.IsDir() {
		return k
	}
	return ""
}

// imagenetClasses returns the class order: the first synset file found,
// else the sorted wnid folders of train/.
func imagenetClasses(root, base string) ([]string, string, error) {
	for _, n := range []string{"LOC_synset_mapping.txt", "synsets.txt", "synset_words.txt"} {
		f, err := openData(imagenetName, n, filepath.Join(root, n), metadataFile)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		wnids, err := ReadSynsets(f, n)
		f.Close()
		return wnids, n, err
	}
	dir := filepath.Join(root, base, "train")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, "", &RootError{Dataset: imagenetName, Root: root, Missing: dir, Layout: imagenetLayout}
	}
	var wnids []string
	for _, e := range entries {
		if e.IsDir() && isWNID(e.Name()) {
			wnids = append(wnids, e.Name())
		}
	}
	sort.Strings(wnids)
	if len(wnids) == 0 {
		return nil, "", &RootError{Dataset: imagenetName, Root: root, Missing: filepath.Join(dir, "<wnid>"), Layout: imagenetLayout}
	}
	return wnids, "", nil
}

// imagenetPlan is what WalkImageNet needs after resolving the layout.
type imagenetPlan struct {
	base    string
	wnids   []string       // selected classes, label order
	index   map[string]int // wnid → label; absent: not selected
	all     map[string]bool
	mapping string
}

func imagenetResolve(root string, o ImageNetOptions) (*imagenetPlan, error) {
	if err := requireDir(imagenetName, root, root, imagenetLayout); err != nil {
		return nil, err
	}
	p := &imagenetPlan{base: imagenetBase(root)}
	all, mapping, err := imagenetClasses(root, p.base)
	if err != nil {
		return nil, err
	}
	p.mapping = mapping
	p.all = make(map[string]bool, len(all))
	for _, w := range all {
		p.all[w] = true
	}
	switch {
	case len(o.Classes) > 0:
		want := make(map[string]bool)
		for _, w := range o.Classes {
			if !p.all[w] {
				return nil, fmt.Errorf("%s: requested class %q is not in the class list", imagenetName, w)
			}
			want[w] = true
		}
		for _, w := range all {
			if want[w] {
				p.wnids = append(p.wnids, w)
			}
		}
	case o.NumClasses > 0:
		if o.NumClasses > len(all) {
			return nil, fmt.Errorf("%s: %d classes requested, %d available", imagenetName, o.NumClasses, len(all))
		}
		p.wnids = all[:o.NumClasses]
	default:
		p.wnids = all
	}
	if len(p.wnids) < 2 {
		return nil, fmt.Errorf("%s: want at least 2 classes, got %d", imagenetName, len(p.wnids))
	}
	p.index = make(map[string]int, len(p.wnids))
	for i, w := range p.wnids {
		p.index[w] = i
	}
	return p, nil
}

// WalkImageNet streams the samples of ILSVRC-2012 under root to fn, class
// by class, without keeping a list: the way to visit all 1.33 million
// images in constant memory. It returns the task description and the load
// report. Labels follow the class mapping (see ImageNet).
func WalkImageNet(ctx context.Context, root string, o ImageNetOptions, fn func(Sample) error) (Info, *LoadSummary, error) {
	p, err := imagenetResolve(root, o)
	if err != nil {
		return Info{}, nil, err
	}
	info := Info{Name: imagenetName, Classes: len(p.wnids), ClassNames: p.wnids, FoldNames: []string{"train", "val"}}
	rep := &LoadSummary{}
	if p.mapping != "" {
		rep.Files = append(rep.Files, p.mapping)
	}
	if !o.SkipTrain {
		if err := imagenetWalkTrain(ctx, root, p, o, rep, fn); err != nil {
			return info, rep, err
		}
	}
	if !o.SkipVal {
		if err := imagenetWalkVal(ctx, root, p, o, rep, fn); err != nil {
			return info, rep, err
		}
	}
	return info, rep, nil
}

// imagenetWalkTrain lists train/<wnid>/ for the selected classes.
func imagenetWalkTrain(ctx context.Context, root string, p *imagenetPlan, o ImageNetOptions, rep *LoadSummary, fn func(Sample) error) error {
	for label, w := range p.wnids {
		if err := ctx.Err(); err != nil {
			return err
		}
		rel := filepath.Join(p.base, "train", w)
		entries, err := os.ReadDir(filepath.Join(root, rel))
		if err != nil {
			if o.Lenient {
				rep.Malformed = append(rep.Malformed, LineIssue{File: rel, Message: "class folder not found"})
				continue
			}
			return &RootError{Dataset: imagenetName, Root: root, Missing: filepath.Join(root, rel), Layout: imagenetLayout}
		}
		for _, e := range entries {
			if e.IsDir() || !isImageFile(e.Name()) {
				continue
			}
			rep.Rows++
			rep.Kept++
			if err := fn(Sample{Path: filepath.Join(rel, e.Name()), Label: label, Fold: ImageNetTrain, Score: math.NaN()}); err != nil {
				return err
			}
		}
	}
	return nil
}

// imagenetWalkVal lists the validation images from val/<wnid>/ folders or
// from LOC_val_solution.csv.
func imagenetWalkVal(ctx context.Context, root string, p *imagenetPlan, o ImageNetOptions, rep *LoadSummary, fn func(Sample) error) error {
	valDir := filepath.Join(p.base, "val")
	if sol := filepath.Join(root, "LOC_val_solution.csv"); exists(sol) {
		return imagenetWalkSolution(ctx, root, sol, valDir, p, o, rep, fn)
	}
	entries, err := os.ReadDir(filepath.Join(root, valDir))
	if err != nil {
		return &RootError{Dataset: imagenetName, Root: root, Missing: filepath.Join(root, valDir), Layout: imagenetLayout}
	}
	folders := 0
	for _, e := range entries {
		if !e.IsDir() || !isWNID(e.Name()) {
			continue
		}
		folders++
		label, ok := p.index[e.Name()]
		if !ok {
			if !p.all[e.Name()] {
				rep.Malformed = append(rep.Malformed, LineIssue{File: filepath.Join(valDir, e.Name()), Message: "class not in the class list"})
				if !o.Lenient {
					return parseErr(imagenetName, filepath.Join(valDir, e.Name()), 0, "validation class not in the class list")
				}
			}
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		files, err := os.ReadDir(filepath.Join(root, valDir, e.Name()))
		if err != nil {
			return fmt.Errorf("%s: %w", imagenetName, err)
		}
		for _, f := range files {
			if f.IsDir() || !isImageFile(f.Name()) {
				continue
			}
			rep.Rows++
			rep.Kept++
			if err := fn(Sample{Path: filepath.Join(valDir, e.Name(), f.Name()), Label: label, Fold: ImageNetVal, Score: math.NaN()}); err != nil {
				return err
			}
		}
	}
	if folders == 0 {
		return &RootError{Dataset: imagenetName, Root: root, Missing: filepath.Join(root, "LOC_val_solution.csv") + " or " + filepath.Join(root, valDir, "<wnid>"),
			Layout: imagenetLayout + " (the devkit's ILSVRC2012_validation_ground_truth.txt needs meta.mat, which is not read: sort val/ into <wnid>/ folders)"}
	}
	return nil
}

func imagenetWalkSolution(ctx context.Context, root, sol, valDir string, p *imagenetPlan, o ImageNetOptions, rep *LoadSummary, fn func(Sample) error) error {
	f, err := openData(imagenetName, "LOC_val_solution.csv", sol, metadataFile)
	if err != nil {
		return err
	}
	defer f.Close()
	rep.Files = append(rep.Files, "LOC_val_solution.csv")
	var rows rowTicker
	issues, err := ReadValSolution(f, "LOC_val_solution.csv", o.Lenient, func(v ValSolution) error {
		if err := rows.tick(ctx); err != nil {
			return err
		}
		if !p.all[v.WNID] {
			e := parseErr(imagenetName, "LOC_val_solution.csv", v.Line, "class %s not in the class list", v.WNID)
			if !o.Lenient {
				return e
			}
			rep.addIssue(e)
			return nil
		}
		rep.Rows++
		label, ok := p.index[v.WNID]
		if !ok {
			rep.drop(DropClassSubset)
			return nil
		}
		rep.Kept++
		return fn(Sample{ID: v.ImageID, Path: filepath.Join(valDir, v.ImageID+".JPEG"), Label: label, Fold: ImageNetVal,
			Score: math.NaN(), Source: fmt.Sprintf("LOC_val_solution.csv:%d", v.Line)})
	})
	rep.Malformed = append(rep.Malformed, issues...)
	return err
}

// ImageNet lists ILSVRC-2012 under root (layout in the package doc): train
// images fold ImageNetTrain, validation images fold ImageNetVal, labels in
// the order of the class mapping (LOC_synset_mapping.txt, synsets.txt or
// synset_words.txt; else sorted wnids — the order of the usual 0..999
// indices), restricted to a subset on request. Only metadata is held (about
// 150 bytes a sample); images are read one at a time through an ImageSet.
// Use WalkImageNet to visit the samples without a list.
func ImageNet(ctx context.Context, root string, o ImageNetOptions) (*List, error) {
	l := &List{Root: root}
	info, rep, err := WalkImageNet(ctx, root, o, func(s Sample) error {
		if s.ID == "" {
			s.ID = filepath.Base(s.Path)
		}
		l.Samples = append(l.Samples, s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	l.Name, l.Classes, l.ClassNames, l.FoldNames, l.Summary = info.Name, info.Classes, info.ClassNames, info.FoldNames, rep
	return l, nil
}
