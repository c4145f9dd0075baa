package datasets

import (
	"math"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// goMNIST returns the GoMNIST data folder, skipping when it is absent.
func goMNIST(tb testing.TB) string {
	tb.Helper()
	dir, err := GoMNISTDir(tb.Context())
	if err != nil {
		tb.Skipf("GoMNIST files not available: %v", err)
	}
	return dir
}

func TestGoMNISTDir(t *testing.T) {
	dir := goMNIST(t)
	im, lb, err := ReadMNIST(dir, "train")
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(im.Dims, []int{60000, 28, 28}) || lb.Len() != 60000 {
		t.Errorf("train dims %v, labels %v", im.Dims, lb.Dims)
	}
	// The first training labels of MNIST are 5 0 4 1 9 2.
	if got := lb.Data[:6]; !cmp.Equal(got, []byte{5, 0, 4, 1, 9, 2}) {
		t.Errorf("first labels %v", got)
	}
	im, _, err = ReadMNIST(dir, "t10k")
	if err != nil || im.Len() != 10000 {
		t.Errorf("t10k: %v, %v", im, err)
	}
}

func TestEscapeModulePath(t *testing.T) {
	if got, want := escapeModulePath(GoMNISTPath), "github.com/petar/!go!m!n!i!s!t"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRotationLabel(t *testing.T) {
	tests := []struct {
		theta float64
		want  int
	}{{-80, 0}, {-60.0001, 0}, {-60, 1}, {-0.5, 3}, {0, 4}, {59.9, 6}, {60, 7}, {79.999, 7}, {80, 7}, {-81, 0}}
	for _, tt := range tests {
		if got := RotationLabel(tt.theta); got != tt.want {
			t.Errorf("RotationLabel(%g) = %d, want %d", tt.theta, got, tt.want)
		}
	}
}

func TestRotateGray(t *testing.T) {
	const w, h = 5, 5
	src := make([]float32, w*h)
	src[2*w+4] = 1 // right of the centre (2, 2)
	dst := make([]float32, w*h)
	RotateGray(dst, src, w, h, 0)
	if !cmp.Equal(dst, src) {
		t.Errorf("θ=0 changed the image: %v", dst)
	}
	// Counter-clockwise on screen by 90°: the point right of the centre
	// goes above it, to (2, 0).
	RotateGray(dst, src, w, h, 90)
	for i, v := range dst {
		want := float32(0)
		if i == 0*w+2 {
			want = 1
		}
		if math.Abs(float64(v-want)) > 1e-6 {
			t.Fatalf("θ=90: pixel (%d, %d) = %g, want %g", i%w, i/w, v, want)
		}
	}
	// A constant image keeps its value where the whole neighbourhood is
	// inside, and zeros come in at the corners.
	for i := range src {
		src[i] = 1
	}
	RotateGray(dst, src, w, h, 33)
	if dst[2*w+2] != 1 {
		t.Errorf("centre of a rotated constant image = %g, want 1", dst[2*w+2])
	}
	if dst[0] >= 1 {
		t.Errorf("corner of a rotated constant image = %g, want < 1 (zero outside)", dst[0])
	}
}

func TestMNISTRotation(t *testing.T) {
	dir := goMNIST(t)
	o := MNISTOptions{Dir: dir, N: 300, Seed: 11}
	a, err := MNISTRotation(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != 300 || a.Classes != 8 || !a.Ordered || !cmp.Equal(a.SampleShape, []int{1, 28, 28}) {
		t.Fatalf("got %d samples, %d classes, shape %v", a.Len(), a.Classes, a.SampleShape)
	}
	folds := make([]int, 5)
	for i := range a.Y {
		th := a.Score[i]
		if th < -80 || th >= 80 || a.Y[i] != int(math.Floor((th+80)/20)) {
			t.Fatalf("sample %d: θ=%g label %d", i, th, a.Y[i])
		}
		folds[a.Fold[i]]++
	}
	if !cmp.Equal(folds, []int{60, 60, 60, 60, 60}) {
		t.Errorf("fold sizes %v", folds)
	}
	b, err := MNISTRotation(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(a, b) {
		t.Error("same seed gave different data")
	}
	o.Seed = 12
	c, err := MNISTRotation(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Equal(a.Score, c.Score) || cmp.Equal(a.Fold, c.Fold) {
		t.Error("another seed gave the same angles or folds")
	}
	// A smaller N gives a prefix of the same angles (drawn in order).
	o.Seed, o.N = 11, 100
	d, err := MNISTRotation(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(d.Score, a.Score[:100]) {
		t.Error("first 100 angles differ between N=100 and N=300")
	}
	for _, v := range a.X {
		if v < 0 || v > 1 {
			t.Fatalf("pixel %g outside [0, 1]", v)
		}
	}
}

func TestMNISTDigits(t *testing.T) {
	dir := goMNIST(t)
	m, err := MNISTDigits(t.Context(), MNISTOptions{Dir: dir, N: 50, Folds: 5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if m.Classes != 10 || m.Ordered || m.Len() != 50 || m.Y[0] != 5 {
		t.Errorf("got %d classes, ordered %v, %d samples, first label %d", m.Classes, m.Ordered, m.Len(), m.Y[0])
	}
	n, err := MNISTDigits(t.Context(), MNISTOptions{Dir: dir, N: 50, Folds: 5, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(m.X, n.X) || cmp.Equal(m.Fold, n.Fold) {
		t.Error("the seed should change the folds only")
	}
	if _, err := MNISTDigits(t.Context(), MNISTOptions{Dir: dir, N: 70000}); err == nil {
		t.Error("want an error for N > 60000")
	}
}

func TestMNIST_DefaultDir(t *testing.T) {
	goMNIST(t)
	m, err := MNISTDigits(t.Context(), MNISTOptions{N: 10})
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 10 {
		t.Errorf("got %d samples", m.Len())
	}
}

func TestFashionMNIST(t *testing.T) {
	dir := os.Getenv("REPLICATE_DATA_FASHION_MNIST")
	if dir == "" {
		dir = FashionMNISTDir
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("Fashion-MNIST not installed at %s (Debian package dataset-fashion-mnist)", dir)
	}
	m, err := FashionMNIST(t.Context(), MNISTOptions{Dir: dir, N: 100})
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 100 || m.Classes != 10 || m.Name != FashionMNISTName {
		t.Errorf("got %d samples, %d classes", m.Len(), m.Classes)
	}
}
