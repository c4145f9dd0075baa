package datasets

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMaterialize(t *testing.T) {
	dir := writeAdienceFixture(t, false)
	l, err := Adience(t.Context(), dir, AdienceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Only two images exist: strict fails, SkipBad keeps them.
	if _, _, err := l.Materialize(t.Context(), 16, nil, MaterializeOptions{}); !errors.Is(err, ErrImageMissing) {
		t.Fatalf("strict: err = %v, want ErrImageMissing", err)
	}
	m, skipped, err := l.Materialize(t.Context(), 16, nil, MaterializeOptions{SkipBad: true, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 2 || len(skipped) != 18 || !cmp.Equal(m.SampleShape, []int{3, 16, 16}) {
		t.Fatalf("got %d samples, %d skipped, shape %v", m.Len(), len(skipped), m.SampleShape)
	}
	if !cmp.Equal(m.Y, []int{0, 5}) || !cmp.Equal(m.Fold, []int{0, 0}) || m.Classes != 8 || !m.Ordered {
		t.Errorf("labels %v folds %v", m.Y, m.Fold)
	}
	if m.IDs[1] != "user0/1/img1.jpg" {
		t.Errorf("ids %v", m.IDs)
	}
	// The rows equal the pipeline's evaluation tensors.
	p, _ := NewPipeline(PipelineOptions{Crop: 16, Resize: 16})
	want, err := NewImageSet(l, p).Tensor(t.Context(), 1, View{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(m.Row(1), want) {
		t.Error("materialised row differs from the pipeline tensor")
	}
	// The limit guards against loading large lists whole.
	if _, _, err := l.Materialize(t.Context(), 16, nil, MaterializeOptions{MaxSamples: 5}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit: err = %v", err)
	}
	m, _, err = l.Materialize(t.Context(), 8, nil, MaterializeOptions{Indices: []int{1, 0}})
	if err != nil || m.Len() != 2 || m.Y[0] != 5 {
		t.Errorf("indices: %v, %v", m, err)
	}
}

func TestMaterialize_RealFaces(t *testing.T) {
	dir := realAdience(t)
	l, err := Adience(t.Context(), dir, AdienceOptions{Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	m, skipped, err := l.Materialize(t.Context(), 32, nil, MaterializeOptions{SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 19 || len(skipped) != 13775-19 {
		t.Errorf("got %d samples, %d skipped, want 19 and %d", m.Len(), len(skipped), 13775-19)
	}
	for _, y := range m.Y {
		if y != 4 {
			t.Errorf("label %d, want 4", y)
		}
	}
}

func TestResolveRoot(t *testing.T) {
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	if got := ResolveRoot("adience", "/flag", get); got != "/flag" {
		t.Errorf("flag: %q", got)
	}
	if got := ResolveRoot("adience", "", get); got != "" {
		t.Errorf("nothing: %q", got)
	}
	env["REPLICATE_DATA"] = "/data"
	if got := ResolveRoot("fashion-mnist", "", get); got != "/data/fashion-mnist" {
		t.Errorf("REPLICATE_DATA: %q", got)
	}
	env["REPLICATE_DATA_FASHION_MNIST"] = "/fm"
	if got := ResolveRoot("fashion-mnist", "", get); got != "/fm" {
		t.Errorf("REPLICATE_DATA_FASHION_MNIST: %q", got)
	}
	err := &RootError{Dataset: "aadb", Root: "/x", Layout: "L"}
	if msg := err.Error(); !strings.Contains(msg, "REPLICATE_DATA_AADB") || !strings.Contains(msg, "--root") || !strings.Contains(msg, "L") {
		t.Errorf("message %q", msg)
	}
}
