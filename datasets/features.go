package datasets

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"strconv"
	"strings"
)

// featuresName is the dataset name of feature-file messages.
const featuresName = "features"

// FeaturesOptions configures ReadFeatures.
type FeaturesOptions struct {
	Name    string // dataset name for the Memory (default "features")
	Classes int    // number of classes (0: largest label + 1)
	Ordered bool   // whether the classes are ordered
}

// ReadFeatures reads the features CSV format: a header line
//
//	id,label,fold[,score],<feature names…>
//
// then one row per sample: a non-empty unique id, an integer label ≥ 0, an
// integer fold ≥ 0, optionally a finite score (kept in Memory.Score), then
// the finite feature values (at least one). Lines starting with '#' are
// comments. RFC 4180 quoting applies. Labels and folds are bounded by the
// rows read, since tables are later sized by them: without
// FeaturesOptions.Classes, a label must be below the number of rows; a
// fold must be below 100 or the number of rows, whichever is larger.
// Errors are *ParseError naming file:line and what was expected. ctx is
// checked every 1024 rows.
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
			return nil, parseErr(featuresName, file, 0, "empty file, want a header id,label,fold,<features…>")
		}
		return nil, csvErr(file, err)
	}
	line, _ := cr.FieldPos(0)
	first := 3
	hasScore := len(header) > 3 && strings.TrimSpace(strings.ToLower(header[3])) == "score"
	if hasScore {
		first = 4
	}
	if len(header) < first+1 || !headerIs(header[:3], "id", "label", "fold") {
		return nil, parseErr(featuresName, file, line, "want header id,label,fold[,score],<at least one feature>, got %q",
			truncate(strings.Join(header, ","), 120))
	}
	dim := len(header) - first
	m := &Memory{Name: o.Name, Classes: o.Classes, Ordered: o.Ordered, SampleShape: []int{dim}}
	if hasScore {
		m.Score = []float64{}
	}
	seen := make(map[string]int)
	var maxLabel, maxFold extreme
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
		if err := m.addFeatureRow(rec, first, hasScore, seen, line); err != nil {
			return nil, &ParseError{Dataset: featuresName, File: file, Line: line, Err: err}
		}
		y := m.Y[len(m.Y)-1]
		if o.Classes > 0 && y >= o.Classes {
			return nil, parseErr(featuresName, file, line, "want a label in [0, %d), got %d", o.Classes, y)
		}
		maxLabel.see(y, line)
		maxFold.see(m.Fold[len(m.Fold)-1], line)
	}
	if m.Len() == 0 {
		return nil, parseErr(featuresName, file, 0, "no data rows after the header")
	}
	if err := checkFeatureIndices(file, m.Len(), o.Classes, maxLabel, maxFold); err != nil {
		return nil, err
	}
	if m.Classes == 0 {
		m.Classes = maxLabel.v + 1
	}
	if m.Classes < 2 {
		return nil, parseErr(featuresName, file, 0, "want at least 2 classes, got labels 0..%d", maxLabel.v)
	}
	return m, m.Validate()
}

// maxFeaturesFold is the fold index a features file may always use;
// larger ones must stay below the number of rows.
const maxFeaturesFold = 100

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
// tables): without a number of classes given, a label must be below the
// number of rows (there cannot be more classes than samples); a fold must
// be below maxFeaturesFold or the number of rows, whichever is larger.
func checkFeatureIndices(file string, rows, classes int, label, fold extreme) error {
	if classes == 0 && label.v >= rows {
		return parseErr(featuresName, file, label.line,
			"label %d: want a label below the %d rows of the file (the number of classes is inferred from the labels)", label.v, rows)
	}
	if limit := max(maxFeaturesFold, rows); fold.v >= limit {
		return parseErr(featuresName, file, fold.line,
			"fold %d: want a fold below %d (%d or the number of rows, whichever is larger)", fold.v, limit, maxFeaturesFold)
	}
	return nil
}

// addFeatureRow parses one record into m.
func (m *Memory) addFeatureRow(rec []string, first int, hasScore bool, seen map[string]int, line int) error {
	id := strings.TrimSpace(rec[0])
	if id == "" {
		return errors.New("want a non-empty id in column 1")
	}
	if prev, dup := seen[id]; dup {
		return fmt.Errorf("duplicate id %q (first at line %d)", id, prev)
	}
	seen[id] = line
	label, err := strconv.Atoi(strings.TrimSpace(rec[1]))
	if err != nil || label < 0 {
		return fmt.Errorf("want an integer label ≥ 0 in column 2, got %q", rec[1])
	}
	fold, err := strconv.Atoi(strings.TrimSpace(rec[2]))
	if err != nil || fold < 0 {
		return fmt.Errorf("want an integer fold ≥ 0 in column 3, got %q", rec[2])
	}
	if hasScore {
		s, err := parseFinite(rec[3])
		if err != nil {
			return fmt.Errorf("want a finite score in column 4, got %q", rec[3])
		}
		m.Score = append(m.Score, s)
	}
	for j := first; j < len(rec); j++ {
		v, err := parseFinite(rec[j])
		if err != nil {
			return fmt.Errorf("want a finite number in column %d, got %q", j+1, truncate(rec[j], 40))
		}
		m.X = append(m.X, float32(v))
	}
	m.IDs = append(m.IDs, id)
	m.Y = append(m.Y, label)
	m.Fold = append(m.Fold, fold)
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

// LoadFeatures reads a features CSV file (see ReadFeatures).
func LoadFeatures(ctx context.Context, path string, o FeaturesOptions) (*Memory, error) {
	f, err := openData(featuresName, path, path, featuresFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &RootError{Dataset: featuresName, Root: path, Missing: path,
				Layout: "one CSV file: header id,label,fold[,score],<features…>, one row per sample"}
		}
		return nil, err
	}
	defer f.Close()
	return ReadFeatures(ctx, f, path, o)
}

// WriteFeatures writes m in the features CSV format (1-D samples only); the
// ids are m.IDs, or the sample indices when m.IDs is nil. Feature columns are
// named f0, f1, …
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
		rec = append(rec, id, strconv.Itoa(m.Y[i]), strconv.Itoa(m.Fold[i]))
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
