package datasets

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// aadbName is the dataset name of AADB.
const aadbName = "aadb"

// AADB splits (Sample.Fold).
const (
	AADBTrain      = 0 // imgListTrainRegression_score.txt (8,500 images)
	AADBValidation = 1 // imgListValidationRegression_score.txt (500)
	AADBTest       = 2 // imgListTestNewRegression_score.txt (1,000)
)

// AADBDefaultBins is the default number of ordered score bins. The paper's
// discretisation is unknown (PAPER.md §4); 5 equal-width bins is our choice.
const AADBDefaultBins = 5

// aadbSplitFiles lists, per split, the label file names tried in order.
var aadbSplitFiles = [3][]string{
	{"imgListTrainRegression_score.txt"},
	{"imgListValidationRegression_score.txt"},
	{"imgListTestNewRegression_score.txt", "imgListTestRegression_score.txt"},
}

const aadbLayout = "ROOT/imgListFiles_label/imgList{Train,Validation,TestNew}Regression_score.txt " +
	"and ROOT/datasetImages_originalSize/<image> (or ROOT/datasetImages_warp256/<image>)"

// AADBOptions configures the AADB loader.
type AADBOptions struct {
	// Bins is the number K of ordered classes (default AADBDefaultBins):
	// class = min(⌊score·K⌋, K−1), equal-width bins over [0, 1].
	Bins int
	// Lenient skips malformed lines (reported) instead of failing.
	Lenient bool
	// ImageDir is the image folder relative to the root (default
	// datasetImages_originalSize when present, else datasetImages_warp256).
	ImageDir string
}

// AADBRow is one line of a score file.
type AADBRow struct {
	Line  int     // 1-based line
	Image string  // image file name
	Score float64 // overall aesthetic score in [0, 1]
}

// ScoreBin returns the ordered class of a score in [0, 1] among k
// equal-width bins: min(⌊score·k⌋, k−1), 0 for negative scores.
func ScoreBin(score float64, k int) int {
	b := int(math.Floor(score * float64(k)))
	return min(max(b, 0), k-1)
}

// ReadAADBScores parses one score file: one line per image, "<image name>
// <score>" separated by white space, score in [0, 1]. Blank lines are
// skipped. A malformed line (wrong field count, bad name, score not a
// number in [0, 1], an image listed twice) is a *ParseError; with lenient
// set it is recorded in the returned issues and skipped.
func ReadAADBScores(r io.Reader, file string, lenient bool, fn func(AADBRow) error) (issues []LineIssue, err error) {
	seen := make(map[string]int)
	_, err = scanLines(r, aadbName, file, func(line int, text string) error {
		f := strings.Fields(strings.TrimPrefix(text, "\ufeff"))
		if len(f) == 0 {
			return nil
		}
		row, perr := parseAADBLine(f, file, line, seen)
		return emit(&issues, lenient, row, perr, fn)
	})
	return issues, err
}

func parseAADBLine(f []string, file string, line int, seen map[string]int) (AADBRow, *ParseError) {
	if len(f) != 2 {
		return AADBRow{}, parseErr(aadbName, file, line, "want 2 fields (image score), got %d", len(f))
	}
	if !safeName(f[0]) {
		return AADBRow{}, parseErr(aadbName, file, line, "want an image file name, got %q", truncate(f[0], 80))
	}
	s, err := parseFinite(f[1])
	if err != nil || s < 0 || s > 1 {
		return AADBRow{}, parseErr(aadbName, file, line, "want a score in [0, 1], got %q", truncate(f[1], 40))
	}
	if prev, dup := seen[f[0]]; dup {
		return AADBRow{}, parseErr(aadbName, file, line, "image %q listed twice (first at line %d)", f[0], prev)
	}
	seen[f[0]] = line
	return AADBRow{Line: line, Image: f[0], Score: s}, nil
}

// aadbLabelDir returns the folder holding the score files: ROOT/imgListFiles_label
// when it exists, else ROOT.
func aadbLabelDir(root string) string {
	d := filepath.Join(root, "imgListFiles_label")
	if fi, err := os.Stat(d); err == nil && fi.IsDir() {
		return "imgListFiles_label"
	}
	return ""
}

// AADB lists the Aesthetics and Attributes Database (Kong et al., ECCV
// 2016) under root: the official train / validation / test score files,
// folds AADBTrain, AADBValidation, AADBTest; each sample keeps its
// continuous score (Sample.Score, for Spearman's ρ) and gets the ordered
// class ScoreBin(score, Bins).
func AADB(ctx context.Context, root string, o AADBOptions) (*List, error) {
	if err := requireDir(aadbName, root, root, aadbLayout); err != nil {
		return nil, err
	}
	if o.Bins == 0 {
		o.Bins = AADBDefaultBins
	}
	if o.Bins < 2 {
		return nil, fmt.Errorf("%s: want at least 2 bins, got %d", aadbName, o.Bins)
	}
	if o.ImageDir == "" {
		o.ImageDir = "datasetImages_originalSize"
		if _, err := os.Stat(filepath.Join(root, o.ImageDir)); err != nil {
			if fi, err := os.Stat(filepath.Join(root, "datasetImages_warp256")); err == nil && fi.IsDir() {
				o.ImageDir = "datasetImages_warp256"
			}
		}
	}
	l := &List{Name: aadbName, Classes: o.Bins, Ordered: true, HasScore: true,
		FoldNames: []string{"train", "validation", "test"}, Root: root, Summary: &LoadSummary{}}
	for k := 0; k < o.Bins; k++ {
		closing := ")"
		if k == o.Bins-1 {
			closing = "]"
		}
		l.ClassNames = append(l.ClassNames, fmt.Sprintf("[%.3g, %.3g%s", float64(k)/float64(o.Bins),
			float64(k+1)/float64(o.Bins), closing))
	}
	dir := aadbLabelDir(root)
	for split, names := range aadbSplitFiles {
		file := ""
		for _, n := range names {
			if exists(filepath.Join(root, dir, n)) {
				file = filepath.Join(dir, n)
				break
			}
		}
		if file == "" {
			return nil, &RootError{Dataset: aadbName, Root: root, Missing: filepath.Join(root, "imgListFiles_label", names[0]), Layout: aadbLayout}
		}
		if err := aadbReadFile(ctx, l, root, file, split, o); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func aadbReadFile(ctx context.Context, l *List, root, file string, split int, o AADBOptions) error {
	f, err := openData(aadbName, file, filepath.Join(root, file), metadataFile)
	if err != nil {
		return err
	}
	defer f.Close()
	l.Summary.Files = append(l.Summary.Files, file)
	var rows rowTicker
	issues, err := ReadAADBScores(f, file, o.Lenient, func(row AADBRow) error {
		if err := rows.tick(ctx); err != nil {
			return err
		}
		l.Summary.Rows++
		l.Summary.Kept++
		l.Samples = append(l.Samples, Sample{
			ID:     row.Image,
			Path:   filepath.Join(o.ImageDir, row.Image),
			Label:  ScoreBin(row.Score, o.Bins),
			Fold:   split,
			Score:  row.Score,
			Source: fmt.Sprintf("%s:%d", file, row.Line),
		})
		return nil
	})
	l.Summary.Malformed = append(l.Summary.Malformed, issues...)
	return err
}
