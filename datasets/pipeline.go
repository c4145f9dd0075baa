package datasets

import (
	"context"
	"fmt"
	"math"
)

// PipelineOptions configures the image pipeline: decode (JPEG, PNG) → crop
// to the sample's box, if any → resize so that the short side is Resize →
// (cache) → crop Crop×Crop (random when training, centre otherwise) with the
// geometric augmentations → colour augmentation → (x − Mean)/Scale, laid out
// channel-major [c h w].
type PipelineOptions struct {
	Crop    int     // output side in pixels (default 227)
	Resize  int     // short side before cropping (default round(Crop·256/227), 256 for 227); must be ≥ Crop
	Gray    bool    // one luma channel instead of RGB
	Seed    uint64  // seed of the augmentation draws
	Augment Augment // training augmentations (zero: none; PaperAugment for the paper's)
	Mean    float32 // subtracted level (default 127)
	Scale   float32 // divisor (default 127)
	Cache   *Cache  // decoded-and-resized cache (nil: decode every time)
}

// Pipeline turns image files into normalised tensors. It is safe for
// concurrent use. Its output for a given (Seed, View.Epoch, sample index)
// is fixed: the random draws come from a generator derived from those three
// numbers alone.
type Pipeline struct {
	o PipelineOptions
}

// NewPipeline checks the options, fills in defaults and returns a pipeline.
func NewPipeline(o PipelineOptions) (*Pipeline, error) {
	if o.Crop == 0 {
		o.Crop = 227
	}
	if o.Resize == 0 {
		o.Resize = int(math.Round(float64(o.Crop) * 256 / 227))
	}
	if o.Mean == 0 {
		o.Mean = 127
	}
	if o.Scale == 0 {
		o.Scale = 127
	}
	if o.Crop < 1 || o.Crop > 4096 || o.Resize < o.Crop || o.Resize > 8192 {
		return nil, fmt.Errorf("pipeline: want 1 ≤ crop ≤ resize ≤ 8192, got crop %d, resize %d", o.Crop, o.Resize)
	}
	o.Augment = o.Augment.withDefaults()
	return &Pipeline{o: o}, nil
}

// Options returns the options with defaults filled in.
func (p *Pipeline) Options() PipelineOptions { return p.o }

// Shape returns the tensor shape [c h w].
func (p *Pipeline) Shape() []int {
	c := 3
	if p.o.Gray {
		c = 1
	}
	return []int{c, p.o.Crop, p.o.Crop}
}

// Dim returns the number of values of one tensor.
func (p *Pipeline) Dim() int {
	s := p.Shape()
	return s[0] * s[1] * s[2]
}

// Load reads the image at path, restricted to box (zero: whole image), and
// writes its tensor for sample index and view v into dst (allocated when too
// short). Errors: *ImageError for a missing or undecodable file, ctx.Err()
// when cancelled.
func (p *Pipeline) Load(ctx context.Context, path string, box Box, index int, v View, dst []float32) ([]float32, error) {
	if err := ctx.Err(); err != nil {
		return dst, err
	}
	base, err := p.base(ctx, path, box)
	if err != nil {
		return dst, err
	}
	n := p.Dim()
	if cap(dst) < n {
		dst = make([]float32, n)
	}
	dst = dst[:n]
	spec := renderSpec{crop: p.o.Crop, gray: p.o.Gray, mean: p.o.Mean, scale: p.o.Scale,
		train: v.Train, mirror: v.Mirror, aug: p.o.Augment}
	if v.Train {
		spec.draw = p.o.Augment.draw(sampleRNG(p.o.Seed, v.Epoch, index))
	}
	render(base, dst, spec)
	return dst, nil
}

// settings is the part of the cache key that depends on the pipeline.
func (p *Pipeline) settings(box Box) string {
	return fmt.Sprintf("short=%d box=%g,%g,%g,%g", p.o.Resize, box.X0, box.Y0, box.X1, box.Y1)
}

// base returns the decoded image, cropped to box and resized by its short
// side, from the cache when possible. Each step reserves the memory it
// needs from the shared budget (see DecodeBudgetBytes) and refuses an image
// that would need more than MaxImageDecodeBytes.
func (p *Pipeline) base(ctx context.Context, path string, box Box) (*rgbImage, error) {
	var key string
	var data []byte
	if c := p.o.Cache; c != nil {
		var err error
		key, data, err = c.key(path, p.settings(box))
		if err != nil {
			return nil, err
		}
		if img, ok := c.get(key); ok {
			return img, nil
		}
	}
	var img *rgbImage
	var err error
	if data != nil {
		img, err = decodeRGB(ctx, data)
		err = imageErr(ctx, path, err)
	} else {
		img, err = readImageFile(ctx, path)
	}
	if err != nil {
		return nil, err
	}
	img, err = p.shape(ctx, img, box)
	if err != nil {
		return nil, imageErr(ctx, path, err)
	}
	if p.o.Cache != nil {
		// A failed write only costs a decode next time.
		_ = p.o.Cache.put(key, img)
	}
	return img, nil
}

// shape crops img to box and resizes it so that its short side is Resize,
// within the per-image limit and the shared budget.
func (p *Pipeline) shape(ctx context.Context, img *rgbImage, box Box) (*rgbImage, error) {
	var need float64
	bw, bh := float64(img.w), float64(img.h)
	if !box.Empty() {
		bw, bh = boxSize(box)
		need = cropCost(bw, bh)
		if !(need <= MaxImageDecodeBytes) {
			return nil, &imageSizeError{what: "the crop box " + formatSize(bw, bh), need: need}
		}
	}
	w, h := shortSide(bw, bh, float64(p.o.Resize))
	rc := resizeCost(bw, bh, w, h)
	what := fmt.Sprintf("resizing %s to a short side of %d (%s)", formatSize(bw, bh), p.o.Resize, formatSize(w, h))
	if !(rc <= MaxImageDecodeBytes) {
		return nil, &imageSizeError{what: what, need: rc}
	}
	release, err := reserveImage(ctx, need+rc, what)
	if err != nil {
		return nil, err
	}
	defer release()
	img, err = cropBox(img, box)
	if err != nil {
		return nil, err
	}
	return resizeRGB(img, int(w), int(h)), nil
}
