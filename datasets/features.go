package datasets

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

// featuresName is the registry name of the features CSV, and the dataset
// of its messages.
const featuresName = "features"

// featuresLayout describes the features CSV in messages.
const featuresLayout = "one CSV file: header id,label[,fold][,score],<features…>, one row per sample"

// featuresEntry registers features extracted elsewhere (any backbone), one
// CSV file named by the grid's dataset.path. Its classes, folds and
// feature width come from the file; whether the classes are ordered from
// the grid (dataset.ordered).
var featuresEntry = &Entry{
	Name:    featuresName,
	Summary: "features extracted elsewhere, one CSV file (dataset.path): id,label[,fold][,score],features…",
	File:    true,
	task: func(s Spec) Task {
		if s.Ordered {
			return TaskOrdinal
		}
		return TaskOrderless
	},
	probe: func(r Request) (Task, error) {
		if !r.Spec.Ordered {
			return TaskOrderless, nil
		}
		h, err := readFeaturesHeaderFile(r.Path())
		if err != nil {
			return "", err
		}
		if h.score {
			return TaskScored, nil
		}
		return TaskOrdinal, nil
	},
	shape: func(Spec) Shape { return Shape{} }, // the file says
	present: func(r Request) error {
		path := r.Path()
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("%s: %s: %w (dataset.path, relative to the grid file's folder)", featuresName, path, errors.Unwrap(err))
		}
		return nil
	},
	load: func(ctx context.Context, r Request, _ *Skipped) (Dataset, error) {
		return LoadFeatures(ctx, r.Path(), FeaturesOptions{Ordered: r.Spec.Ordered, Folds: r.Folds, Seed: r.Seed})
	},
	check: func(ctx context.Context, root string, _ CheckOptions, rep *CheckResult) error {
		return rep.checkMemory(func() (*Memory, error) { return LoadFeatures(ctx, root, FeaturesOptions{}) })
	},
}

// FeaturesOptions configures ReadFeatures.
type FeaturesOptions struct {
	Name    string // dataset name for the Memory (default "features")
	Classes int    // number of classes (0: from the file)
	Ordered bool   // whether the classes are ordered
	// Folds is the number of folds the rows without a fold are dealt into
	// (0: DefaultFeaturesFolds); when the file gives folds, it must give
	// exactly this many (0: any).
	Folds int
	// Seed seeds the folds of the rows without one.
	Seed uint64
}

// DefaultFeaturesFolds is the number of folds of a features file that
// gives none, when no number is asked for.
const DefaultFeaturesFolds = 5

// maxFeaturesFold is the fold index a features file may always use;
// larger ones must stay below the number of rows.
const maxFeaturesFold = 100

// MaxFeaturesClasses bounds the classes of a target distribution (the
// grids' bound on classes: the learned distance is classes × classes).
const MaxFeaturesClasses = 10_000

// featuresHeader is what the header line of a features file declares.
type featuresHeader struct {
	fold, score bool // the optional columns
	first       int  // index of the first feature column
	dim         int  // feature columns
}

// parseFeaturesHeader reads the header record: id, label, then optionally
// fold and score, then at least one feature.
func parseFeaturesHeader(rec []string, file string, line int) (featuresHeader, error) {
	h := featuresHeader{first: 2}
	if len(rec) > h.first && headerIs(rec[h.first:h.first+1], "fold") {
		h.fold, h.first = true, h.first+1
	}
	if len(rec) > h.first && headerIs(rec[h.first:h.first+1], "score") {
		h.score, h.first = true, h.first+1
	}
	if len(rec) < h.first+1 || !headerIs(rec[:2], "id", "label") {
		return h, parseErr(featuresName, file, line, "want header id,label[,fold][,score],<at least one feature>, got %q",
			truncate(strings.Join(rec, ","), 120))
	}
	for i := h.first; i < len(rec); i++ {
		// A column of the header's own out of its place would be read as
		// a feature: a misplaced fold or score, or the label again (a leak).
		for _, name := range []string{"id", "label", "fold", "score"} {
			if headerIs(rec[i:i+1], name) {
				return h, parseErr(featuresName, file, line, "column %d is named %q, which is not a feature: want header id,label[,fold][,score],<at least one feature>, in that order",
					i+1, strings.TrimSpace(rec[i]))
			}
		}
	}
	h.dim = len(rec) - h.first
	return h, nil
}

// readFeaturesHeaderFile reads the header of the features file at path.
func readFeaturesHeaderFile(path string) (featuresHeader, error) {
	f, err := openFeatures(path)
	if err != nil {
		return featuresHeader{}, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comment = '#'
	rec, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return featuresHeader{}, parseErr(featuresName, path, 0, "empty file, want a header id,label[,fold][,score],<features…>")
		}
		return featuresHeader{}, csvErr(path, err)
	}
	line, _ := cr.FieldPos(0)
	return parseFeaturesHeader(rec, path, line)
}

// ReadFeatures reads the features CSV format: a header line
//
//	id,label[,fold][,score],<feature names…>
//
// then one row per sample: a non-empty unique id; a label, either an
// integer ≥ 0 or a target distribution written as C non-negative numbers
// separated by ';' (rater counts or probabilities, normalised to sum 1;
// the label is then its most likely class, the first of equals); with a
// fold column, an integer fold ≥ 0 or an empty cell; with a score column,
// a finite score (kept in Memory.Score); then the finite feature values
// (at least one). Lines starting with '#' are comments. RFC 4180 quoting
// applies.
//
// The classes are C when a row gives a distribution (every distribution
// must have the same C, at most MaxFeaturesClasses, and every integer
// label must be below it), else the largest label + 1, unless
// FeaturesOptions.Classes is given. Rows without a fold (no fold column,
// or an empty cell) are dealt into folds stratified by class: each class's
// rows in an order drawn with FeaturesOptions.Seed, round-robin over the
// folds, continuing where the previous class stopped. The number of folds
// is the file's (its largest fold + 1) when it gives any, else
// FeaturesOptions.Folds (DefaultFeaturesFolds when 0).
//
// Labels and folds are bounded by the rows read, since tables are later
// sized by them: without FeaturesOptions.Classes or a distribution, a
// label must be below the number of rows; a fold must be below 100 or the
// number of rows, whichever is larger. Errors are *ParseError naming
// file:line and what was expected. ctx is checked every 1024 rows.
func ReadFeatures(ctx context.Context, r io.Reader, file string, o FeaturesOptions) (*Memory, error) {
	if o.Name == "" {
		o.Name = featuresName
	}
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, parseErr(featuresName, file, 0, "empty file, want a header id,label[,fold][,score],<features…>")
		}
		return nil, csvErr(file, err)
	}
	line, _ := cr.FieldPos(0)
	h, err := parseFeaturesHeader(header, file, line)
	if err != nil {
		return nil, err
	}
	rd := &featuresReader{m: &Memory{Name: o.Name, Classes: o.Classes, Ordered: o.Ordered, SampleShape: []int{h.dim}},
		h: h, file: file, seen: map[string]int{}}
	if h.score {
		rd.m.Score = []float64{}
	}
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvErr(file, err)
		}
		line, _ := cr.FieldPos(0)
		if err := rd.row(rec, line, o.Classes); err != nil {
			return nil, err
		}
	}
	return rd.finish(o)
}

// featuresReader accumulates the rows of a features file.
type featuresReader struct {
	m    *Memory
	h    featuresHeader
	file string
	seen map[string]int // id → line

	soft      []float64 // target rows of the distribution rows, in row order
	softRows  []int     // their row indices
	width     int       // the distributions' length; 0 before the first
	widthLine int
	maxLabel  extreme // of the integer labels
	maxFold   extreme // of the given folds
	missing   bool    // some row has no fold
}

// row parses one record; classes is the number of classes asked for (0:
// from the file).
func (rd *featuresReader) row(rec []string, line, classes int) error {
	fail := func(format string, args ...any) error { return parseErr(featuresName, rd.file, line, format, args...) }
	m := rd.m
	id := strings.TrimSpace(rec[0])
	if id == "" {
		return fail("want a non-empty id in column 1")
	}
	if prev, dup := rd.seen[id]; dup {
		return fail("duplicate id %q (first at line %d)", id, prev)
	}
	rd.seen[id] = line
	label, dist, err := parseTarget(rec[1])
	switch {
	case err != nil:
		return fail("%v", err)
	case dist != nil && rd.width != 0 && len(dist) != rd.width:
		return fail("want a target distribution of %d classes (as on line %d), got %d", rd.width, rd.widthLine, len(dist))
	case dist != nil && len(dist) > MaxFeaturesClasses:
		return fail("a target distribution of %d classes, more than %d", len(dist), MaxFeaturesClasses)
	case dist != nil && classes > 0 && len(dist) != classes:
		return fail("want a target distribution of %d classes, got %d", classes, len(dist))
	case dist == nil && classes > 0 && label >= classes:
		return fail("want a label in [0, %d), got %d", classes, label)
	}
	if dist != nil {
		if rd.width == 0 {
			rd.width, rd.widthLine = len(dist), line
		}
		rd.soft = append(rd.soft, dist...)
		rd.softRows = append(rd.softRows, len(m.Y))
	} else {
		rd.maxLabel.see(label, line)
	}
	fold := -1
	col := 2
	if rd.h.fold {
		if s := strings.TrimSpace(rec[col]); s != "" {
			if fold, err = strconv.Atoi(s); err != nil || fold < 0 {
				return fail("want an integer fold ≥ 0 (or an empty cell) in column %d, got %q", col+1, rec[col])
			}
			rd.maxFold.see(fold, line)
		}
		col++
	}
	rd.missing = rd.missing || fold < 0
	if rd.h.score {
		s, err := parseFinite(rec[col])
		if err != nil {
			return fail("want a finite score in column %d, got %q", col+1, rec[col])
		}
		m.Score = append(m.Score, s)
	}
	for j := rd.h.first; j < len(rec); j++ {
		v, err := parseFinite(rec[j])
		if err != nil {
			return fail("want a finite number in column %d, got %q", j+1, truncate(rec[j], 40))
		}
		m.X = append(m.X, float32(v))
	}
	m.IDs = append(m.IDs, id)
	m.Y = append(m.Y, label)
	m.Fold = append(m.Fold, fold)
	return nil
}

// finish checks the whole file, sets the classes, the target rows and the
// folds, and validates the result.
func (rd *featuresReader) finish(o FeaturesOptions) (*Memory, error) {
	m := rd.m
	if m.Len() == 0 {
		return nil, parseErr(featuresName, rd.file, 0, "no data rows after the header")
	}
	if err := checkFeatureIndices(rd.file, m.Len(), max(o.Classes, rd.width), rd.maxLabel, rd.maxFold); err != nil {
		return nil, err
	}
	switch {
	case rd.width > 0 && rd.maxLabel.line > 0 && rd.maxLabel.v >= rd.width:
		return nil, parseErr(featuresName, rd.file, rd.maxLabel.line, "label %d: want a label below the %d classes of the target distributions (line %d)",
			rd.maxLabel.v, rd.width, rd.widthLine)
	case m.Classes == 0 && rd.width > 0:
		m.Classes = rd.width
	case m.Classes == 0:
		m.Classes = rd.maxLabel.v + 1
	}
	if m.Classes < 2 {
		return nil, parseErr(featuresName, rd.file, 0, "want at least 2 classes, got labels 0..%d", m.Classes-1)
	}
	if rd.softRows != nil {
		m.Targets = make([]float64, m.Len()*m.Classes)
		for i, y := range m.Y {
			m.Targets[i*m.Classes+y] = 1 // the integer rows; the distributions overwrite theirs
		}
		for k, i := range rd.softRows {
			row := m.Targets[i*m.Classes : (i+1)*m.Classes]
			copy(row, rd.soft[k*m.Classes:(k+1)*m.Classes])
		}
	}
	folds := o.Folds
	if rd.maxFold.line > 0 {
		if given := rd.maxFold.v + 1; folds > 0 && given != folds {
			return nil, parseErr(featuresName, rd.file, rd.maxFold.line, "the file's folds run 0..%d (%d folds); want %d folds (the grid's folds)",
				rd.maxFold.v, given, folds)
		}
		folds = rd.maxFold.v + 1
	}
	if folds == 0 {
		folds = DefaultFeaturesFolds
	}
	if rd.missing {
		stratifiedFolds(m.Fold, m.Y, m.Classes, folds, o.Seed)
	}
	m.FoldNames = foldNames(folds)
	return m, m.Validate()
}

// parseTarget reads a label cell: an integer label ≥ 0, or a target
// distribution of non-negative numbers separated by ';', which it
// normalises and whose most likely class (the first of equals) it returns
// as the label.
func parseTarget(cell string) (label int, dist []float64, err error) {
	s := strings.TrimSpace(cell)
	if !strings.Contains(s, ";") {
		label, err := strconv.Atoi(s)
		if err != nil || label < 0 {
			return 0, nil, fmt.Errorf("want an integer label ≥ 0 or a target distribution (numbers separated by ';') in column 2, got %q", truncate(cell, 40))
		}
		return label, nil, nil
	}
	parts := strings.Split(s, ";")
	if len(parts) < 2 {
		return 0, nil, fmt.Errorf("want a target distribution of at least 2 classes in column 2, got %q", truncate(cell, 40))
	}
	dist = make([]float64, len(parts))
	total := 0.0
	for k, p := range parts {
		v, err := parseFinite(p)
		switch {
		case err != nil:
			return 0, nil, fmt.Errorf("want finite numbers (at most %g) in the target distribution of column 2, got %q", float64(math.MaxFloat32), truncate(p, 40))
		case v < 0:
			return 0, nil, fmt.Errorf("want non-negative numbers in the target distribution of column 2, got %q", truncate(p, 40))
		}
		dist[k] = v
		total += v
		if v > dist[label] {
			label = k
		}
	}
	if !(total > 0) || math.IsInf(total, 0) {
		return 0, nil, fmt.Errorf("want a target distribution with a positive finite sum in column 2, got %q", truncate(cell, 40))
	}
	for k := range dist {
		dist[k] /= total
	}
	return label, dist, nil
}

// stratifiedFolds deals the samples whose fold is negative into k folds,
// stratified by class: the samples of each class, in class order, are
// taken in an order drawn with seed and dealt round-robin, each class
// starting where the previous one stopped, so that every fold gets about
// 1/k of every class and the folds differ in size by at most one.
func stratifiedFolds(fold, labels []int, classes, k int, seed uint64) {
	byClass := make([][]int, classes)
	for i, f := range fold {
		if f < 0 {
			byClass[labels[i]] = append(byClass[labels[i]], i)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0xf01d5))
	next := 0
	for _, members := range byClass {
		for _, p := range rng.Perm(len(members)) {
			fold[members[p]] = next % k
			next++
		}
	}
}

// extreme is the largest value seen and the line where it was first seen.
type extreme struct{ v, line int }

// see records v at line when it is the first value or a new largest.
func (e *extreme) see(v, line int) {
	if e.line == 0 || v > e.v {
		e.v, e.line = v, line
	}
}

// checkFeatureIndices bounds the labels and folds of a features file by
// what the file holds, before anything is sized by them (class and fold
// tables): without a number of classes given (or set by the target
// distributions), a label must be below the number of rows (there cannot
// be more classes than samples); a fold must be below maxFeaturesFold or
// the number of rows, whichever is larger.
func checkFeatureIndices(file string, rows, classes int, label, fold extreme) error {
	if classes == 0 && label.line > 0 && label.v >= rows {
		return parseErr(featuresName, file, label.line,
			"label %d: want a label below the %d rows of the file (the number of classes is inferred from the labels)", label.v, rows)
	}
	if limit := max(maxFeaturesFold, rows); fold.line > 0 && fold.v >= limit {
		return parseErr(featuresName, file, fold.line,
			"fold %d: want a fold below %d (%d or the number of rows, whichever is larger)", fold.v, limit, maxFeaturesFold)
	}
	return nil
}

// parseFinite parses a finite float (float32 range).
func parseFinite(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > math.MaxFloat32 {
		return 0, errors.New("not finite")
	}
	return v, nil
}

func headerIs(got []string, want ...string) bool {
	for i, w := range want {
		if strings.ToLower(strings.TrimSpace(strings.TrimPrefix(got[i], "\ufeff"))) != w {
			return false
		}
	}
	return true
}

// csvErr converts an encoding/csv error into a *ParseError.
func csvErr(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			msg = errors.New("wrong number of fields (want one per header column)")
		}
		return &ParseError{Dataset: featuresName, File: file, Line: pe.Line, Err: msg}
	}
	return fmt.Errorf("%s: read %s: %w", featuresName, file, err)
}

// openFeatures opens the features file at path (a regular file within
// MaxFeaturesFileBytes); a missing file is a *RootError naming the layout.
func openFeatures(path string) (io.ReadCloser, error) {
	f, err := openData(featuresName, path, path, featuresFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &RootError{Dataset: featuresName, Root: path, Missing: path, Layout: featuresLayout}
	}
	return f, err
}

// LoadFeatures reads a features CSV file (see ReadFeatures).
func LoadFeatures(ctx context.Context, path string, o FeaturesOptions) (*Memory, error) {
	f, err := openFeatures(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadFeatures(ctx, f, path, o)
}

// WriteFeatures writes m in the features CSV format (1-D samples only): the
// ids are m.IDs, or the sample indices when m.IDs is nil; a sample with a
// target row (m.Targets) has its distribution as label. Feature columns
// are named f0, f1, …
func WriteFeatures(w io.Writer, m *Memory) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if len(m.SampleShape) != 1 {
		return fmt.Errorf("%s: want 1-D samples, got shape %v", featuresName, m.SampleShape)
	}
	cw := csv.NewWriter(w)
	rec := []string{"id", "label", "fold"}
	if m.Score != nil {
		rec = append(rec, "score")
	}
	for j := 0; j < m.Dim(); j++ {
		rec = append(rec, "f"+strconv.Itoa(j))
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for i := 0; i < m.Len(); i++ {
		rec = rec[:0]
		id := strconv.Itoa(i)
		if m.IDs != nil {
			id = m.IDs[i]
		}
		label := strconv.Itoa(m.Y[i])
		if t := m.Target(i); t != nil {
			parts := make([]string, len(t))
			for k, p := range t {
				parts[k] = strconv.FormatFloat(p, 'g', -1, 64)
			}
			label = strings.Join(parts, ";")
		}
		rec = append(rec, id, label, strconv.Itoa(m.Fold[i]))
		if m.Score != nil {
			rec = append(rec, strconv.FormatFloat(m.Score[i], 'g', -1, 64))
		}
		for _, v := range m.Row(i) {
			rec = append(rec, strconv.FormatFloat(float64(v), 'g', -1, 32))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
