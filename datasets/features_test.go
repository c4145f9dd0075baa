package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadFeatures(t *testing.T) {
	text := "id,label,fold,a,b\n# a comment\ns1,0,0,1.5,-2\ns2,2,1,0,3e2\n\"s,3\",1,1,4,5\n"
	m, err := ReadFeatures(t.Context(), strings.NewReader(text), "f.csv", FeaturesOptions{Ordered: true})
	if err != nil {
		t.Fatal(err)
	}
	want := &Memory{Name: "features", Classes: 3, Ordered: true, SampleShape: []int{2},
		X: []float32{1.5, -2, 0, 300, 4, 5}, Y: []int{0, 2, 1}, Fold: []int{0, 1, 1}, IDs: []string{"s1", "s2", "s,3"},
		FoldNames: []string{"fold 0", "fold 1"}}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestReadFeatures_Score(t *testing.T) {
	text := "id,label,fold,score,f0\na,0,0,0.25,1\nb,1,0,0.75,2\n"
	m, err := ReadFeatures(t.Context(), strings.NewReader(text), "f.csv", FeaturesOptions{Classes: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(m.Score, []float64{0.25, 0.75}) || m.Classes != 4 || m.Dim() != 1 || !m.Info().HasScore {
		t.Errorf("got %+v", m)
	}
}

func TestReadFeatures_Err(t *testing.T) {
	tests := []struct {
		name string
		text string
		opts FeaturesOptions
		line int
		want string
	}{
		{"Empty", "", FeaturesOptions{}, 0, "empty file"},
		{"Header", "id,lab,fold,x\n", FeaturesOptions{}, 1, "want header id,label[,fold][,score]"},
		{"NoFeature", "id,label,fold\n", FeaturesOptions{}, 1, "at least one feature"},
		{"FoldAfterScore", "id,label,score,fold,x\na,0,1,0,1\n", FeaturesOptions{}, 1, `column 4 is named "fold", which is not a feature`},
		{"FoldLast", "id,label,x,Fold\na,0,1,0\n", FeaturesOptions{}, 1, `column 4 is named "Fold"`},
		{"LabelTwice", "id,label,label,x\na,0,0,1\n", FeaturesOptions{}, 1, `column 3 is named "label"`},
		{"ScoreLast", "id,label,fold,x,score\na,0,0,1,1\n", FeaturesOptions{}, 1, `column 5 is named "score"`},
		{"NoRows", "id,label,fold,x\n", FeaturesOptions{}, 0, "no data rows"},
		{"FieldCount", "id,label,fold,x\na,0,0,1\nb,1,0\n", FeaturesOptions{}, 3, "wrong number of fields"},
		{"Label", "id,label,fold,x\na,0,0,1\nb,one,0,2\n", FeaturesOptions{}, 3, "want an integer label ≥ 0 or a target distribution (numbers separated by ';') in column 2, got \"one\""},
		{"NegLabel", "id,label,fold,x\na,-1,0,1\n", FeaturesOptions{}, 2, "integer label ≥ 0"},
		{"Fold", "id,label,fold,x\na,0,x,1\n", FeaturesOptions{}, 2, "integer fold"},
		{"NaN", "id,label,fold,x\na,0,0,NaN\n", FeaturesOptions{}, 2, "finite number in column 4"},
		{"Inf", "id,label,fold,x\na,0,0,1e400\n", FeaturesOptions{}, 2, "finite number"},
		{"Score", "id,label,fold,score,x\na,0,0,inf,1\n", FeaturesOptions{}, 2, "finite score"},
		{"EmptyID", "id,label,fold,x\n,0,0,1\n", FeaturesOptions{}, 2, "non-empty id"},
		{"Duplicate", "id,label,fold,x\na,0,0,1\na,1,0,1\n", FeaturesOptions{}, 3, "duplicate id \"a\" (first at line 2)"},
		{"OneClass", "id,label,fold,x\na,0,0,1\n", FeaturesOptions{}, 0, "at least 2 classes"},
		{"LabelRange", "id,label,fold,x\na,0,0,1\nb,5,0,1\n", FeaturesOptions{Classes: 3}, 3, "want a label in [0, 3), got 5"},
		{"Quote", "id,label,fold,x\n\"a,0,0,1\n", FeaturesOptions{}, 2, "quote"},
		{"HugeLabel", "id,label,fold,x\na,0,0,1\nb,2000000000,1,1\n", FeaturesOptions{}, 3, "label 2000000000"},
		{"HugeFold", "id,label,fold,x\na,0,0,1\nb,1,2000000000,1\n", FeaturesOptions{}, 3, "fold 2000000000"},
		{"LabelBeyondRows", "id,label,fold,x\na,0,0,1\nb,3,0,1\nc,1,0,1\n", FeaturesOptions{}, 3, "label 3"},
		{"TargetNegative", "id,label,fold,a\ns,1;-1,0,1\n", FeaturesOptions{}, 2, "non-negative numbers"},
		{"TargetNaN", "id,label,fold,a\ns,1;NaN,0,1\n", FeaturesOptions{}, 2, "want finite numbers"},
		{"TargetHuge", "id,label,fold,a\ns,1e308;1e308;1,0,1\n", FeaturesOptions{}, 2, "want finite numbers (at most"},
		{"TargetZero", "id,label,fold,a\ns,0;0;0,0,1\n", FeaturesOptions{}, 2, "positive finite sum"},
		{"TargetWidth", "id,label,fold,a\ns,1;1;1,0,1\nt,1;1,0,2\n", FeaturesOptions{}, 3, "want a target distribution of 3 classes (as on line 2), got 2"},
		{"TargetLabelBeyond", "id,label,fold,a\nu,3,0,1\ns,1;1;1,0,1\n", FeaturesOptions{}, 2, "label 3: want a label below the 3 classes"},
		{"TargetClasses", "id,label,fold,a\ns,1;1;1,0,1\n", FeaturesOptions{Classes: 4}, 2, "want a target distribution of 4 classes, got 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadFeatures(t.Context(), strings.NewReader(tt.text), "f.csv", tt.opts)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *ParseError", err)
			}
			if pe.Line != tt.line || pe.File != "f.csv" || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q at line %d, want line %d with %q", err, pe.Line, tt.line, tt.want)
			}
		})
	}
}

func TestWriteFeatures_RoundTrip(t *testing.T) {
	m, err := Synthetic(SyntheticOptions{Classes: 3, PerClass: 4, Dim: 3, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	m.Score = make([]float64, m.Len())
	for i := range m.Score {
		m.Score[i] = float64(i) / 7
	}
	var b bytes.Buffer
	if err := WriteFeatures(&b, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFeatures(t.Context(), &b, "rt.csv", FeaturesOptions{Name: "synthetic", Ordered: true})
	if err != nil {
		t.Fatal(err)
	}
	m.IDs, m.FoldNames = got.IDs, []string{"fold 0", "fold 1"}
	if diff := cmp.Diff(m, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if got.IDs[3] != "3" || math.IsNaN(got.Score[0]) {
		t.Errorf("ids %v", got.IDs)
	}
}

func TestLoadFeatures_Missing(t *testing.T) {
	_, err := LoadFeatures(t.Context(), filepath.Join(t.TempDir(), "none.csv"), FeaturesOptions{})
	if !errors.Is(err, ErrRootMissing) || !strings.Contains(err.Error(), "header id,label[,fold][,score]") {
		t.Errorf("err = %v", err)
	}
}

func TestReadFeatures_TargetDistributions(t *testing.T) {
	text := "id,label,fold,a\n" +
		"s1,0;2;6;2,0,1\n" + // rater counts: normalised, most likely class 2
		"s2,1,1,2\n" + // a hard label among distributions: one-hot
		"s3,0.5;0.5;0;0,0,3\n" // a tie: the first class wins
	m, err := ReadFeatures(t.Context(), strings.NewReader(text), "f.csv", FeaturesOptions{Ordered: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Classes != 4 || !cmp.Equal(m.Y, []int{2, 1, 0}) || !m.Info().SoftTargets {
		t.Fatalf("classes %d, labels %v, soft %v; want 4, [2 1 0], true", m.Classes, m.Y, m.Info().SoftTargets)
	}
	want := []float64{0, 0.2, 0.6, 0.2, 0, 1, 0, 0, 0.5, 0.5, 0, 0}
	if !cmp.Equal(m.Targets, want) {
		t.Errorf("targets %v, want %v", m.Targets, want)
	}
	if s := m.Sample(0); !cmp.Equal(s.Target, want[:4]) || s.Label != 2 {
		t.Errorf("sample 0: %+v", s)
	}
	var b bytes.Buffer
	if err := WriteFeatures(&b, m); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFeatures(t.Context(), &b, "rt.csv", FeaturesOptions{Ordered: true})
	if err != nil || !cmp.Equal(back.Targets, m.Targets) || !cmp.Equal(back.Y, m.Y) {
		t.Errorf("round trip: %v, %+v", err, back)
	}
}

// TestReadFeatures_MissingFolds: rows without a fold are dealt into folds
// stratified by class, the same for the same seed; a file's own folds set
// the number of folds, which must agree with the one asked for.
func TestReadFeatures_MissingFolds(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,label,a\n")
	for i := range 40 {
		fmt.Fprintf(&b, "s%d,%d,%d\n", i, i%4, i)
	}
	read := func(seed uint64) *Memory {
		m, err := ReadFeatures(t.Context(), strings.NewReader(b.String()), "f.csv", FeaturesOptions{Folds: 5, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := read(1)
	if len(m.FoldNames) != 5 {
		t.Errorf("fold names %v, want 5", m.FoldNames)
	}
	perFold := map[[2]int]int{} // (fold, class) → samples
	for i, f := range m.Fold {
		perFold[[2]int{f, m.Y[i]}]++
	}
	for f := range 5 {
		for c := range 4 {
			if n := perFold[[2]int{f, c}]; n != 2 {
				t.Errorf("fold %d class %d: %d samples, want 2 (10 per class over 5 folds)", f, c, n)
			}
		}
	}
	if !cmp.Equal(read(1).Fold, m.Fold) || cmp.Equal(read(2).Fold, m.Fold) {
		t.Error("the folds are not a function of the seed")
	}
	// Some folds given, others empty: the given ones count.
	text := "id,label,fold,a\na,0,0,1\nb,1,,1\nc,1,1,1\nd,0,,1\n"
	m2, err := ReadFeatures(t.Context(), strings.NewReader(text), "f.csv", FeaturesOptions{Folds: 2})
	if err != nil || m2.Fold[0] != 0 || m2.Fold[2] != 1 || m2.Fold[1] < 0 || m2.Fold[1] > 1 || len(m2.FoldNames) != 2 {
		t.Errorf("mixed folds: %v, %v %v", err, m2.Fold, m2.FoldNames)
	}
	_, err = ReadFeatures(t.Context(), strings.NewReader(text), "f.csv", FeaturesOptions{Folds: 3})
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "the file's folds run 0..1 (2 folds); want 3 folds") {
		t.Errorf("fold count disagreeing with the grid: %v", err)
	}
}
