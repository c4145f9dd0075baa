package datasets

import (
	"bytes"
	"errors"
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
		X: []float32{1.5, -2, 0, 300, 4, 5}, Y: []int{0, 2, 1}, Fold: []int{0, 1, 1}, IDs: []string{"s1", "s2", "s,3"}}
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
		{"Header", "id,lab,fold,x\n", FeaturesOptions{}, 1, "want header id,label,fold"},
		{"NoFeature", "id,label,fold\n", FeaturesOptions{}, 1, "at least one feature"},
		{"NoRows", "id,label,fold,x\n", FeaturesOptions{}, 0, "no data rows"},
		{"FieldCount", "id,label,fold,x\na,0,0,1\nb,1,0\n", FeaturesOptions{}, 3, "wrong number of fields"},
		{"Label", "id,label,fold,x\na,0,0,1\nb,one,0,2\n", FeaturesOptions{}, 3, "want an integer label ≥ 0 in column 2, got \"one\""},
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
	m.IDs = got.IDs
	if diff := cmp.Diff(m, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if got.IDs[3] != "3" || math.IsNaN(got.Score[0]) {
		t.Errorf("ids %v", got.IDs)
	}
}

func TestLoadFeatures_Missing(t *testing.T) {
	_, err := LoadFeatures(t.Context(), filepath.Join(t.TempDir(), "none.csv"), FeaturesOptions{})
	if !errors.Is(err, ErrRootMissing) || !strings.Contains(err.Error(), "header id,label,fold") {
		t.Errorf("err = %v", err)
	}
}
