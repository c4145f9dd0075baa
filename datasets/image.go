package datasets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // register the JPEG decoder
	_ "image/png"  // register the PNG decoder
	"io/fs"
	"math"
)

// rgbImage is an 8-bit RGB raster, interleaved, row-major: pixel (x, y)
// channel c is pix[(y*w+x)*3+c].
type rgbImage struct {
	w, h int
	pix  []uint8
}

// readImageFile reads and decodes a JPEG or PNG file into RGB. A missing file
// gives an *ImageError wrapping ErrImageMissing; a file that is not a
// regular file, is larger than MaxImageFileBytes, cannot be read or
// decoded, or would need more than MaxImageDecodeBytes to decode wraps
// ErrImageUnreadable. Cancellation while waiting for the decoding budget
// returns ctx.Err() as it is.
func readImageFile(ctx context.Context, path string) (*rgbImage, error) {
	data, err := readRegular(path, imageFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &ImageError{Path: path, Kind: ErrImageMissing}
		}
		return nil, &ImageError{Path: path, Kind: ErrImageUnreadable, Err: err}
	}
	img, err := decodeRGB(ctx, data)
	return img, imageErr(ctx, path, err)
}

// imageErr wraps an error of an image step on path into an *ImageError of
// kind ErrImageUnreadable; nil and cancellation are returned as they are.
func imageErr(ctx context.Context, path string, err error) error {
	if err == nil || (ctx.Err() != nil && errors.Is(err, ctx.Err())) {
		return err
	}
	return &ImageError{Path: path, Kind: ErrImageUnreadable, Err: err}
}

// decodeRGB decodes JPEG or PNG bytes into RGB. The header is read first:
// an image whose decoding would need more than MaxImageDecodeBytes is
// refused (*imageSizeError, naming its dimensions) without allocating it,
// and the memory it needs, with that of the encoded bytes, is taken from
// the shared budget for the time of the decoding, waiting if other
// decodings hold it.
func decodeRGB(ctx context.Context, data []byte) (*rgbImage, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("image size %dx%d out of range", cfg.Width, cfg.Height)
	}
	need, what := decodeCost(data, format, cfg)
	release, err := reserveImage(ctx, need+float64(len(data)), what)
	if err != nil {
		return nil, err
	}
	defer release()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, fmt.Errorf("decoded %dx%d, header says %dx%d", b.Dx(), b.Dy(), cfg.Width, cfg.Height)
	}
	return toRGB(img), nil
}

// toRGB converts any image to RGB; alpha is dropped (premultiplied colours
// are kept as they are, i.e. composited over black).
func toRGB(img image.Image) *rgbImage {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := &rgbImage{w: w, h: h, pix: make([]uint8, w*h*3)}
	p := out.pix
	switch m := img.(type) {
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			i := y * w * 3
			for x := 0; x < w; x++ {
				yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := m.COffset(b.Min.X+x, b.Min.Y+y)
				p[i], p[i+1], p[i+2] = color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				i += 3
			}
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+w]
			i := y * w * 3
			for _, v := range row {
				p[i], p[i+1], p[i+2] = v, v, v
				i += 3
			}
		}
	case *image.RGBA:
		copyRGBA(p, m.Pix, m.Stride, w, h)
	case *image.NRGBA:
		copyRGBA(p, m.Pix, m.Stride, w, h)
	case image.RGBA64Image:
		// RGBA64At equals At(x, y).RGBA() without boxing each pixel in an
		// interface (an allocation per pixel).
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := m.RGBA64At(x, y)
				p[i], p[i+1], p[i+2] = uint8(c.R>>8), uint8(c.G>>8), uint8(c.B>>8)
				i += 3
			}
		}
	default:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bb, _ := img.At(x, y).RGBA()
				p[i], p[i+1], p[i+2] = uint8(r>>8), uint8(g>>8), uint8(bb>>8)
				i += 3
			}
		}
	}
	return out
}

func copyRGBA(dst, src []uint8, stride, w, h int) {
	for y := 0; y < h; y++ {
		s := src[y*stride : y*stride+4*w]
		d := dst[y*w*3 : (y+1)*w*3]
		for x := 0; x < w; x++ {
			d[3*x], d[3*x+1], d[3*x+2] = s[4*x], s[4*x+1], s[4*x+2]
		}
	}
}

// maxBoxCoord bounds the box coordinates used in pixel arithmetic; a box
// beyond it lies wholly outside any image that can be decoded.
const maxBoxCoord = 1 << 40

// cropBox returns the part of src inside box (rounded to whole pixels);
// pixels of the box outside src are black. The zero box returns src. A box
// whose crop would need more than MaxImageDecodeBytes (a corrupt metadata
// line can ask for any size) is an *imageSizeError. The caller reserves
// cropCost of the box size from the budget.
func cropBox(src *rgbImage, box Box) (*rgbImage, error) {
	if box.Empty() {
		return src, nil
	}
	w, h := boxSize(box)
	if need := cropCost(w, h); !(need <= MaxImageDecodeBytes) {
		return nil, &imageSizeError{what: "the crop box " + formatSize(w, h), need: need}
	}
	clampCoord := func(v float64) int { return int(math.Max(-maxBoxCoord, math.Min(maxBoxCoord, math.Round(v)))) }
	x0, y0 := clampCoord(box.X0), clampCoord(box.Y0)
	out := &rgbImage{w: int(w), h: int(h), pix: make([]uint8, int(w)*int(h)*3)}
	for y := 0; y < out.h; y++ {
		sy := y0 + y
		if sy < 0 || sy >= src.h {
			continue
		}
		for x := 0; x < out.w; x++ {
			sx := x0 + x
			if sx < 0 || sx >= src.w {
				continue
			}
			copy(out.pix[(y*out.w+x)*3:(y*out.w+x)*3+3], src.pix[(sy*src.w+sx)*3:])
		}
	}
	return out, nil
}

// boxSize returns the size in whole pixels of a non-empty box, at least
// 1×1; it may be infinite.
func boxSize(box Box) (w, h float64) {
	w = math.Max(1, math.Round(box.X1)-math.Round(box.X0))
	h = math.Max(1, math.Round(box.Y1)-math.Round(box.Y0))
	return w, h
}

// shortSide returns the size of a w×h image scaled so that its shorter
// side is s. It works in float64, where an extreme aspect ratio cannot
// overflow: callers check the size before converting it to int.
func shortSide(w, h, s float64) (float64, float64) {
	if w <= h {
		return s, math.Max(1, math.Round(h*s/w))
	}
	return math.Max(1, math.Round(w*s/h)), s
}

// filterTaps holds, for each output coordinate, the first source index and
// the normalised weights of an antialiased linear (triangle) filter.
type filterTaps struct {
	start []int
	n     []int
	w     []float32 // concatenated, stride maxN
	maxN  int
}

// linearTaps computes the taps that map in samples to out samples: a
// triangle filter whose radius is max(1, in/out) source pixels (so
// downscaling averages, as an area filter would, and upscaling is bilinear),
// with edge pixels replicated.
func linearTaps(in, out int) filterTaps {
	scale := float64(in) / float64(out)
	support := math.Max(1, scale)
	maxN := int(math.Ceil(support))*2 + 1
	t := filterTaps{start: make([]int, out), n: make([]int, out), w: make([]float32, out*maxN), maxN: maxN}
	ws := make([]float64, maxN)
	for o := 0; o < out; o++ {
		c := (float64(o)+0.5)*scale - 0.5
		lo := int(math.Ceil(c - support))
		hi := int(math.Floor(c + support))
		if hi-lo+1 > maxN {
			hi = lo + maxN - 1
		}
		sum := 0.0
		n := 0
		for x := lo; x <= hi; x++ {
			wt := 1 - math.Abs(float64(x)-c)/support
			if wt <= 0 {
				continue
			}
			if n == 0 {
				t.start[o] = x
			}
			ws[n] = wt
			sum += wt
			n++
		}
		if n == 0 { // cannot happen with support ≥ 1, kept for safety
			t.start[o], ws[0], sum, n = int(math.Round(c)), 1, 1, 1
		}
		t.n[o] = n
		for k := 0; k < n; k++ {
			t.w[o*maxN+k] = float32(ws[k] / sum)
		}
	}
	return t
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// resizeRGB resamples src to w×h with the separable filter of linearTaps.
func resizeRGB(src *rgbImage, w, h int) *rgbImage {
	if w == src.w && h == src.h {
		return src
	}
	tx := linearTaps(src.w, w)
	ty := linearTaps(src.h, h)
	// Horizontal pass: src.h rows × w columns, float.
	tmp := make([]float32, src.h*w*3)
	for y := 0; y < src.h; y++ {
		row := src.pix[y*src.w*3 : (y+1)*src.w*3]
		out := tmp[y*w*3 : (y+1)*w*3]
		for x := 0; x < w; x++ {
			var r, g, b float32
			st := tx.start[x]
			ws := tx.w[x*tx.maxN : x*tx.maxN+tx.n[x]]
			for k, wt := range ws {
				sx := clampInt(st+k, 0, src.w-1) * 3
				r += wt * float32(row[sx])
				g += wt * float32(row[sx+1])
				b += wt * float32(row[sx+2])
			}
			out[3*x], out[3*x+1], out[3*x+2] = r, g, b
		}
	}
	// Vertical pass.
	dst := &rgbImage{w: w, h: h, pix: make([]uint8, w*h*3)}
	acc := make([]float32, w*3)
	for y := 0; y < h; y++ {
		clear(acc)
		st := ty.start[y]
		ws := ty.w[y*ty.maxN : y*ty.maxN+ty.n[y]]
		for k, wt := range ws {
			sy := clampInt(st+k, 0, src.h-1)
			in := tmp[sy*w*3 : (sy+1)*w*3]
			for i, v := range in {
				acc[i] += wt * v
			}
		}
		out := dst.pix[y*w*3 : (y+1)*w*3]
		for i, v := range acc {
			out[i] = clampByte(v)
		}
	}
	return dst
}

// clampByte rounds v to the nearest integer in [0, 255].
func clampByte(v float32) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}
