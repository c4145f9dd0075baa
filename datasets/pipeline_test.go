package datasets

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithCancel(t.Context())
}

const levelTol = 1e-6 // tolerance on normalised values computed from exact pixels

func TestResizeRGB(t *testing.T) {
	src := &rgbImage{w: 9, h: 7, pix: make([]uint8, 9*7*3)}
	for i := range src.pix {
		src.pix[i] = 77
	}
	for _, size := range [][2]int{{3, 2}, {18, 14}, {9, 7}, {1, 1}, {5, 11}} {
		d := resizeRGB(src, size[0], size[1])
		if d.w != size[0] || d.h != size[1] || len(d.pix) != size[0]*size[1]*3 {
			t.Fatalf("size %v: got %dx%d", size, d.w, d.h)
		}
		for _, v := range d.pix {
			if v != 77 {
				t.Fatalf("size %v: constant image changed to %d", size, v)
			}
		}
	}
	// A horizontal ramp stays a ramp (linear filters keep linear functions
	// away from the edges): 0, 2, 4, … halved gives the pair means.
	ramp := &rgbImage{w: 16, h: 1, pix: make([]uint8, 16*3)}
	for x := 0; x < 16; x++ {
		ramp.pix[3*x] = uint8(10 * x)
	}
	d := resizeRGB(ramp, 8, 1)
	for x := 1; x < 7; x++ {
		want := 10*(2*x) + 5 // mean of 10·2x and 10·(2x+1)
		if got := int(d.pix[3*x]); got != want {
			t.Errorf("ramp pixel %d = %d, want %d", x, got, want)
		}
	}
}

func TestShortSide(t *testing.T) {
	for _, tt := range [][5]int{{400, 300, 256, 341, 256}, {300, 400, 256, 256, 341}, {444, 444, 64, 64, 64}} {
		w, h := shortSide(float64(tt[0]), float64(tt[1]), float64(tt[2]))
		if w != float64(tt[3]) || h != float64(tt[4]) {
			t.Errorf("shortSide(%d, %d, %d) = %g, %g, want %d, %d", tt[0], tt[1], tt[2], w, h, tt[3], tt[4])
		}
	}
}

func newTestPipeline(t *testing.T, o PipelineOptions) *Pipeline {
	t.Helper()
	p, err := NewPipeline(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPipeline_Eval checks the centre crop and the normalisation on a PNG
// whose short side already equals Resize (no resampling: exact values).
func TestPipeline_Eval(t *testing.T) {
	dir := t.TempDir()
	img := gradientImage(32, 24, 7)
	path := writePNG(t, dir, "a.png", img)
	p := newTestPipeline(t, PipelineOptions{Crop: 20, Resize: 24})
	if !cmp.Equal(p.Shape(), []int{3, 20, 20}) {
		t.Fatalf("shape %v", p.Shape())
	}
	for _, mirror := range []bool{false, true} {
		got, err := p.Load(t.Context(), path, Box{}, 0, View{Mirror: mirror}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ox, oy := 6, 2
		for c := 0; c < 3; c++ {
			for y := 0; y < 20; y++ {
				for x := 0; x < 20; x++ {
					sx := x
					if mirror {
						sx = 19 - x
					}
					px := img.RGBAAt(ox+sx, oy+y)
					v := [3]uint8{px.R, px.G, px.B}[c]
					want := (float32(v) - 127) / 127
					if g := got[c*400+y*20+x]; math.Abs(float64(g-want)) > levelTol {
						t.Fatalf("mirror=%v c=%d (%d,%d): got %g, want %g", mirror, c, x, y, g, want)
					}
				}
			}
		}
	}
}

func TestPipeline_Gray(t *testing.T) {
	dir := t.TempDir()
	path := writePNG(t, dir, "a.png", gradientImage(8, 8, 9))
	p := newTestPipeline(t, PipelineOptions{Crop: 8, Resize: 8, Gray: true})
	got, err := p.Load(t.Context(), path, Box{}, 0, View{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 64 || !cmp.Equal(p.Shape(), []int{1, 8, 8}) {
		t.Fatalf("len %d shape %v", len(got), p.Shape())
	}
	// Pixel (1, 2): RGB (9, 18, 3), luma 0.299·9 + 0.587·18 + 0.114·3.
	want := (float32(0.299*9+0.587*18+0.114*3) - 127) / 127
	if g := got[2*8+1]; math.Abs(float64(g-want)) > 1e-5 {
		t.Errorf("gray pixel %g, want %g", g, want)
	}
}

func TestPipeline_Box(t *testing.T) {
	dir := t.TempDir()
	img := gradientImage(30, 30, 3)
	path := writePNG(t, dir, "a.png", img)
	p := newTestPipeline(t, PipelineOptions{Crop: 10, Resize: 10})
	got, err := p.Load(t.Context(), path, Box{X0: 5, Y0: 8, X1: 15, Y1: 18}, 0, View{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The 10×10 box needs no resizing: pixel (0,0) of the tensor is (5,8).
	if want := (float32(img.RGBAAt(5, 8).R) - 127) / 127; math.Abs(float64(got[0]-want)) > levelTol {
		t.Errorf("box origin %g, want %g", got[0], want)
	}
	// A box partly outside the image is padded with black.
	got, err = p.Load(t.Context(), path, Box{X0: -5, Y0: 0, X1: 5, Y1: 10}, 0, View{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := float32(-1); got[0] != want {
		t.Errorf("padding %g, want %g", got[0], want)
	}
}

func TestPipeline_TrainDeterministic(t *testing.T) {
	dir := t.TempDir()
	path := writeJPEG(t, dir, "a.jpg", gradientImage(60, 50, 4))
	p := newTestPipeline(t, PipelineOptions{Crop: 32, Resize: 40, Seed: 9, Augment: PaperAugment()})
	load := func(index, epoch int) []float32 {
		t.Helper()
		v, err := p.Load(t.Context(), path, Box{}, index, View{Train: true, Epoch: epoch}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	a := load(5, 2)
	load(3, 2) // loading another sample in between changes nothing
	if !cmp.Equal(a, load(5, 2)) {
		t.Error("same (seed, epoch, index) gave different tensors")
	}
	if cmp.Equal(a, load(5, 3)) || cmp.Equal(a, load(6, 2)) {
		t.Error("another epoch or index gave the same tensor")
	}
	q := newTestPipeline(t, PipelineOptions{Crop: 32, Resize: 40, Seed: 10, Augment: PaperAugment()})
	b, err := q.Load(t.Context(), path, Box{}, 5, View{Train: true, Epoch: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Equal(a, b) {
		t.Error("another seed gave the same tensor")
	}
	for _, v := range a {
		if v < -1-levelTol || v > 128.0/127+levelTol {
			t.Fatalf("value %g outside [(0−127)/127, (255−127)/127]", v)
		}
	}
}

// TestPipeline_Switches checks that each augmentation can be switched on
// alone, and that training with none equals the evaluation view.
func TestPipeline_Switches(t *testing.T) {
	dir := t.TempDir()
	path := writePNG(t, dir, "a.png", gradientImage(50, 40, 5))
	base := PipelineOptions{Crop: 24, Resize: 32, Seed: 3}
	eval, err := newTestPipeline(t, base).Load(t.Context(), path, Box{}, 1, View{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	none, err := newTestPipeline(t, base).Load(t.Context(), path, Box{}, 1, View{Train: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(eval, none) {
		t.Error("training with no augmentation differs from the evaluation view")
	}
	for name, aug := range map[string]Augment{
		"crop":   {RandomCrop: true},
		"color":  {Color: true},
		"scale":  {ScaleAspect: true, ScaleProb: 1},
		"rotate": {Rotate: true, RotateProb: 1},
	} {
		o := base
		o.Augment = aug
		p := newTestPipeline(t, o)
		changed := false
		for idx := 0; idx < 8 && !changed; idx++ {
			e, _ := p.Load(t.Context(), path, Box{}, idx, View{}, nil)
			a, err := p.Load(t.Context(), path, Box{}, idx, View{Train: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			changed = !cmp.Equal(e, a)
		}
		if !changed {
			t.Errorf("%s: augmentation never changed the tensor", name)
		}
	}
	// Mirror alone: each training tensor is the eval view or its mirror.
	o := base
	o.Augment = Augment{Mirror: true}
	p := newTestPipeline(t, o)
	e, _ := p.Load(t.Context(), path, Box{}, 0, View{}, nil)
	m, _ := p.Load(t.Context(), path, Box{}, 0, View{Mirror: true}, nil)
	seen := map[bool]bool{}
	for idx := 0; idx < 16; idx++ {
		a, _ := p.Load(t.Context(), path, Box{}, idx, View{Train: true}, nil)
		switch {
		case cmp.Equal(a, e):
			seen[false] = true
		case cmp.Equal(a, m):
			seen[true] = true
		default:
			t.Fatalf("index %d: mirror augmentation gave neither view", idx)
		}
	}
	if !seen[false] || !seen[true] {
		t.Errorf("mirror draws over 16 samples: %v", seen)
	}
}

// TestAugment_Draws checks the ranges of the paper's augmentation draws.
func TestAugment_Draws(t *testing.T) {
	a := PaperAugment()
	var scaled, rotated int
	const n = 4000
	for i := 0; i < n; i++ {
		d := a.draw(sampleRNG(1, 0, i))
		for c := 0; c < 3; c++ {
			if d.gain[c] < 0.85 || d.gain[c] > 1.15 || d.offset[c] < -20 || d.offset[c] > 20 {
				t.Fatalf("gain %v offset %v", d.gain, d.offset)
			}
		}
		if d.sx < 0.9 || d.sx > 1.1 || d.sy < 0.9 || d.sy > 1.1 || math.Abs(d.theta) > 20*math.Pi/180 {
			t.Fatalf("scale %g, %g, angle %g", d.sx, d.sy, d.theta)
		}
		if d.scale {
			scaled++
		}
		if d.rotate {
			rotated++
		}
	}
	// Binomial(4000, p): 5 standard deviations are below 0.04.
	if f := float64(scaled) / n; math.Abs(f-0.5) > 0.04 {
		t.Errorf("scale frequency %g, want 0.5", f)
	}
	if f := float64(rotated) / n; math.Abs(f-0.9) > 0.03 {
		t.Errorf("rotation frequency %g, want 0.9", f)
	}
}

func TestPipeline_Err(t *testing.T) {
	dir := t.TempDir()
	p := newTestPipeline(t, PipelineOptions{Crop: 8})
	_, err := p.Load(t.Context(), filepath.Join(dir, "none.jpg"), Box{}, 0, View{}, nil)
	var ie *ImageError
	if !errors.As(err, &ie) || !errors.Is(err, ErrImageMissing) {
		t.Errorf("missing: err = %v", err)
	}
	bad := writeFile(t, dir, "bad.jpg", "\xff\xd8\xff\xe0 not really a jpeg")
	if _, err := p.Load(t.Context(), bad, Box{}, 0, View{}, nil); !errors.Is(err, ErrImageUnreadable) {
		t.Errorf("corrupt: err = %v", err)
	}
	for _, o := range []PipelineOptions{{Crop: 10, Resize: 9}, {Crop: -1}, {Crop: 5000}} {
		if _, err := NewPipeline(o); err == nil {
			t.Errorf("%+v: want an error", o)
		}
	}
	ctx, cancel := contextWithCancel(t)
	cancel()
	if _, err := p.Load(ctx, bad, Box{}, 0, View{}, nil); err == nil {
		t.Error("cancelled: want an error")
	}
}

func TestCache(t *testing.T) {
	dir := t.TempDir()
	path := writePNG(t, dir, "a.png", gradientImage(40, 30, 3))
	cache, err := NewCache(filepath.Join(dir, "cache"), CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := newTestPipeline(t, PipelineOptions{Crop: 16, Resize: 20, Cache: cache, Augment: PaperAugment()})
	plain := newTestPipeline(t, PipelineOptions{Crop: 16, Resize: 20, Augment: PaperAugment()})
	v := View{Train: true, Epoch: 1}
	first, err := p.Load(t.Context(), path, Box{}, 2, v, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := p.Load(t.Context(), path, Box{}, 2, v, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := plain.Load(t.Context(), path, Box{}, 2, v, nil)
	if !cmp.Equal(first, want) || !cmp.Equal(second, want) {
		t.Error("cached tensors differ from uncached ones")
	}
	if s := cache.Stats(); s != (CacheStats{Hits: 1, Misses: 1, Writes: 1}) {
		t.Errorf("stats %+v, want 1 hit, 1 miss, 1 write", s)
	}
	// Another size is another entry.
	p2 := newTestPipeline(t, PipelineOptions{Crop: 8, Resize: 10, Cache: cache})
	if _, err := p2.Load(t.Context(), path, Box{}, 0, View{}, nil); err != nil {
		t.Fatal(err)
	}
	if s := cache.Stats(); s.Writes != 2 {
		t.Errorf("stats %+v, want a second write", s)
	}
	// A changed source (new content, size and time) is decoded again.
	path = writePNG(t, dir, "a.png", gradientImage(40, 30, 11))
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	got, err := p.Load(t.Context(), path, Box{}, 2, v, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ = plain.Load(t.Context(), path, Box{}, 2, v, nil)
	if !cmp.Equal(got, want) || cmp.Equal(got, first) {
		t.Error("a changed source was served from the stale entry")
	}
	// A damaged entry is a miss and is rewritten.
	entries, _ := filepath.Glob(filepath.Join(cache.Dir(), "*", "*.rgb"))
	if len(entries) != 3 {
		t.Fatalf("%d entries, want 3", len(entries))
	}
	for _, e := range entries {
		if err := os.WriteFile(e, []byte("RPC\x01garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := cache.Stats()
	got, err = p.Load(t.Context(), path, Box{}, 2, v, nil)
	if err != nil || !cmp.Equal(got, want) {
		t.Fatalf("after damage: %v", err)
	}
	if s := cache.Stats(); s.Misses != before.Misses+1 || s.Writes != before.Writes+1 {
		t.Errorf("stats %+v after %+v", s, before)
	}
	tmp, _ := filepath.Glob(filepath.Join(cache.Dir(), "*", "*.tmp*"))
	if len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	if err := cache.Clear(); err != nil {
		t.Fatal(err)
	}
}

func TestCache_HashContent(t *testing.T) {
	dir := t.TempDir()
	path := writePNG(t, dir, "a.png", gradientImage(20, 20, 3))
	cache, err := NewCache(filepath.Join(dir, "c"), CacheOptions{HashContent: true})
	if err != nil {
		t.Fatal(err)
	}
	p := newTestPipeline(t, PipelineOptions{Crop: 10, Resize: 10, Cache: cache})
	a, err := p.Load(t.Context(), path, Box{}, 0, View{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Same size and modification time, other content: the hash notices.
	fi, _ := os.Stat(path)
	img := gradientImage(20, 20, 3)
	img.Pix[0] ^= 0xff
	writePNG(t, dir, "a.png", img)
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	b, err := p.Load(t.Context(), path, Box{}, 0, View{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Equal(a, b) {
		t.Error("content change not noticed with HashContent")
	}
	if _, err := NewCache("", CacheOptions{}); err == nil {
		t.Error("want an error for an empty folder")
	}
}
