package datasets

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScoreBin(t *testing.T) {
	tests := []struct {
		s    float64
		k    int
		want int
	}{{0, 5, 0}, {0.19, 5, 0}, {0.2, 5, 1}, {0.5, 5, 2}, {0.99, 5, 4}, {1, 5, 4}, {1, 2, 1}, {0.5, 2, 1}, {-0.1, 3, 0}}
	for _, tt := range tests {
		if got := ScoreBin(tt.s, tt.k); got != tt.want {
			t.Errorf("ScoreBin(%g, %d) = %d, want %d", tt.s, tt.k, got, tt.want)
		}
	}
}

func TestReadAADBScores_Err(t *testing.T) {
	tests := []struct {
		name, text string
		line       int
		want       string
	}{
		{"Fields", "a.jpg 0.5 x\n", 1, "want 2 fields"},
		{"Range", "a.jpg 0.5\nb.jpg 1.5\n", 2, "want a score in [0, 1], got \"1.5\""},
		{"NaN", "a.jpg NaN\n", 1, "want a score"},
		{"Name", "../a.jpg 0.5\n", 1, "want an image file name"},
		{"Twice", "a.jpg 0.5\n\na.jpg 0.6\n", 3, "listed twice (first at line 1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadAADBScores(strings.NewReader(tt.text), "s.txt", false, func(AADBRow) error { return nil })
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != tt.line || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want line %d with %q", err, tt.line, tt.want)
			}
		})
	}
}

func writeAADBFixture(t *testing.T, testName string) string {
	t.Helper()
	dir := t.TempDir()
	files := []string{"imgListTrainRegression_score.txt", "imgListValidationRegression_score.txt", testName}
	scores := [][]float64{{0, 0.1, 0.45, 0.6, 1}, {0.35}, {0.8, 0.95}}
	for k, f := range files {
		var b strings.Builder
		for i, s := range scores[k] {
			fmt.Fprintf(&b, "farm1_%d_%d.jpg %g\r\n", k, i, s)
		}
		writeFile(t, dir, "imgListFiles_label/"+f, b.String())
	}
	writeFile(t, dir, "imgListFiles_label/imgListTrainRegression_Light.txt", "farm1_0_0.jpg 0\n")
	return dir
}

func TestAADB(t *testing.T) {
	for _, testName := range []string{"imgListTestNewRegression_score.txt", "imgListTestRegression_score.txt"} {
		t.Run(testName, func(t *testing.T) {
			dir := writeAADBFixture(t, testName)
			l, err := AADB(t.Context(), dir, AADBOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Validate(); err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(l.ClassCounts(), []int{2, 1, 1, 1, 3}) || !cmp.Equal(l.FoldCounts(), []int{5, 1, 2}) {
				t.Errorf("classes %v folds %v", l.ClassCounts(), l.FoldCounts())
			}
			s := l.Samples[2]
			if s.Score != 0.45 || s.Label != 2 || s.Path != "datasetImages_originalSize/farm1_0_2.jpg" || s.ID != "farm1_0_2.jpg" {
				t.Errorf("sample %+v", s)
			}
			if !l.HasScore || l.ClassNames[4] != "[0.8, 1]" {
				t.Errorf("info %+v", l.Info())
			}
		})
	}
	dir := writeAADBFixture(t, "imgListTestNewRegression_score.txt")
	l, err := AADB(t.Context(), dir, AADBOptions{Bins: 2})
	if err != nil || !cmp.Equal(l.ClassCounts(), []int{4, 4}) {
		t.Errorf("2 bins: %v %v", l.ClassCounts(), err)
	}
	if _, err := AADB(t.Context(), dir, AADBOptions{Bins: 1}); err == nil {
		t.Error("want an error for 1 bin")
	}
	if _, err := AADB(t.Context(), t.TempDir(), AADBOptions{}); !errors.Is(err, ErrRootMissing) ||
		!strings.Contains(err.Error(), "imgListTrainRegression_score.txt") {
		t.Errorf("empty root: err = %v", err)
	}
}
