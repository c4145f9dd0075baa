package datasets

import (
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"math"
)

// Memory limits of the image pipeline. Decoding, cropping and resizing
// each work out from the image header (or the box and the target size)
// how many bytes they will allocate before allocating anything.
const (
	// MaxImageDecodeBytes bounds the memory one image may need at each
	// step: decoding (the decoder's raster and working buffers plus our
	// 8-bit RGB copy), cropping to a box, resizing. 512 MiB holds a
	// 60-megapixel baseline JPEG or a 30-megapixel 16-bit PNG; a small
	// file whose header claims 16384×16384 16-bit pixels (about 1.25 GiB)
	// is refused from its header.
	MaxImageDecodeBytes = 512 << 20
	// DecodeBudgetBytes bounds the memory that all the image steps in
	// progress in the process need together: a worker whose image does not
	// fit waits (in arrival order) until others finish, so N workers on
	// large images use at most this much, not N times the per-image cap.
	DecodeBudgetBytes = 1 << 30
)

// imageBudget is the process-wide budget of the image steps.
var imageBudget = newByteBudget(DecodeBudgetBytes)

// imageSizeError refuses an image step that would need more than
// MaxImageDecodeBytes. It matches ErrImageTooLarge.
type imageSizeError struct {
	what string  // the step and the sizes: "decoding the 16384x16384 16-bit gray PNG"
	need float64 // bytes
}

// Error implements error.
func (e *imageSizeError) Error() string {
	return fmt.Sprintf("%s needs %s, over the %s limit per image", e.what, formatBytes(e.need), formatBytes(MaxImageDecodeBytes))
}

// Is reports whether target is ErrImageTooLarge.
func (e *imageSizeError) Is(target error) bool { return target == ErrImageTooLarge }

// reserveImage checks that a step needing need bytes fits the per-image
// limit, then takes them from the shared budget, waiting if needed. what
// describes the step for the error.
func reserveImage(ctx context.Context, need float64, what string) (release func(), err error) {
	if !(need <= MaxImageDecodeBytes) {
		return nil, &imageSizeError{what: what, need: need}
	}
	return imageBudget.acquire(ctx, int64(math.Ceil(need)))
}

// decodeCost returns, from the header of an image (data, with the format
// and configuration that image.DecodeConfig found), the bytes that
// decoding it with the image package and converting it to RGB allocates,
// counted conservatively, and a description for messages.
func decodeCost(data []byte, format string, cfg image.Config) (float64, string) {
	w, h := float64(cfg.Width), float64(cfg.Height)
	perPixel, model := rasterBytes(cfg.ColorModel)
	var need float64
	switch format {
	case "png":
		interlaced, transparent := pngLayout(data)
		if transparent {
			// Gray and truecolour images with a transparent colour are
			// decoded with an alpha channel.
			switch cfg.ColorModel {
			case color.GrayModel, color.RGBAModel:
				perPixel = 4
			case color.Gray16Model, color.RGBA64Model:
				perPixel = 8
			}
		}
		need = w * h * perPixel
		if interlaced {
			// Each pass is decoded into its own image before the merge.
			need *= 2
		}
		need += 2 * (8*w + 1) // the current and previous filtered rows
	case "jpeg":
		f, ok := jpegLayout(data)
		if !ok {
			f = jpegFrame{comps: 4, progressive: true, samples: 4}
		}
		// The decoder works in whole blocks of up to 32×32 pixels; a side
		// of 0 still counts one block, so that no header estimates nothing.
		pw, ph := max(math.Ceil(w/32), 1)*32, max(math.Ceil(h/32), 1)*32
		switch {
		case f.comps == 1:
			perPixel = 1
		case f.comps == 3:
			perPixel = 3 // the YCbCr planes without subsampling, at most
		default:
			perPixel = 3 + 1 + 4 // YCbCr planes, the black plane and the CMYK result
		}
		if f.progressive {
			// Every coefficient is kept: 64 int32 per 8×8 block of each
			// component.
			perPixel += 4 * f.samples
		}
		need = pw * ph * perPixel
	default:
		need = 2 * w * h * perPixel
	}
	need += 3 * w * h // the RGB copy
	what := fmt.Sprintf("decoding the %dx%d %s %s", cfg.Width, cfg.Height, model, formatName(format))
	return need, what
}

// formatName is the upper-case name of an image format.
func formatName(format string) string {
	switch format {
	case "png":
		return "PNG"
	case "jpeg":
		return "JPEG"
	}
	return format
}

// rasterBytes returns the bytes per pixel of the image the decoders
// return for colour model m, and a name for messages.
func rasterBytes(m color.Model) (float64, string) {
	if _, ok := m.(color.Palette); ok {
		return 1, "paletted"
	}
	switch m {
	case color.GrayModel:
		return 1, "8-bit gray"
	case color.Gray16Model:
		return 2, "16-bit gray"
	case color.RGBAModel, color.NRGBAModel:
		return 4, "8-bit RGBA"
	case color.RGBA64Model, color.NRGBA64Model:
		return 8, "16-bit RGBA"
	case color.YCbCrModel:
		return 3, "YCbCr"
	case color.CMYKModel:
		return 4, "CMYK"
	}
	return 8, "colour"
}

// pngLayout reads, from the chunks before the image data, whether a PNG is
// interlaced and whether it has a transparency chunk (tRNS). When the
// chunks cannot be followed it answers yes to both, the costlier case.
func pngLayout(data []byte) (interlaced, transparent bool) {
	// Signature (8 bytes), then chunks: length (4), type (4), data, CRC
	// (4). IHDR comes first; its 13th data byte is the interlace method.
	const sig = 8
	if len(data) < sig+8+13 || string(data[sig+4:sig+8]) != "IHDR" {
		return true, true
	}
	interlaced = data[sig+8+12] != 0
	for i := int64(sig); i+8 <= int64(len(data)); {
		n := int64(binary.BigEndian.Uint32(data[i:]))
		switch string(data[i+4 : i+8]) {
		case "tRNS":
			return interlaced, true
		case "IDAT", "IEND":
			return interlaced, false
		}
		i += 12 + n
	}
	return interlaced, true
}

// jpegFrame is what the start-of-frame segment of a JPEG says about the
// decoder's allocations.
type jpegFrame struct {
	comps       int     // 1 gray, 3 YCbCr, 4 CMYK or YCCK
	progressive bool    // SOF2: every coefficient is kept until the end
	samples     float64 // component samples per pixel, from the sampling factors
}

// jpegLayout finds the start-of-frame segment of a JPEG, skipping the
// segments before it as the image package's decoder does. ok is false
// when there is none before the first scan.
func jpegLayout(data []byte) (f jpegFrame, ok bool) {
	if len(data) < 2 || data[0] != 0xff || data[1] != 0xd8 {
		return f, false
	}
	for i := 2; i+1 < len(data); {
		// A marker is 0xff then a byte other than 0xff; anything else
		// between segments is skipped.
		if data[i] != 0xff || data[i+1] == 0xff {
			i++
			continue
		}
		marker := data[i+1]
		i += 2
		switch {
		case marker == 0x00, marker == 0x01, marker >= 0xd0 && marker <= 0xd8:
			continue // stuffed byte, TEM, RSTn, SOI: no length
		case marker == 0xd9, marker == 0xda:
			return f, false // end of image or start of scan before a frame
		}
		if i+2 > len(data) {
			return f, false
		}
		n := int(binary.BigEndian.Uint16(data[i:]))
		if n < 2 || i+n > len(data) {
			return f, false
		}
		if marker == 0xc0 || marker == 0xc1 || marker == 0xc2 {
			return parseSOF(data[i+2:i+n], marker == 0xc2)
		}
		i += n
	}
	return f, false
}

// parseSOF reads the components and sampling factors of a start-of-frame
// segment (after its length): precision, height, width, count, then per
// component an id, the factors (h<<4 | v) and a table number.
func parseSOF(seg []byte, progressive bool) (jpegFrame, bool) {
	if len(seg) < 6 {
		return jpegFrame{}, false
	}
	nc := int(seg[5])
	if nc == 0 || len(seg) < 6+3*nc {
		return jpegFrame{}, false
	}
	hmax, vmax, sum := 1, 1, 0
	for c := 0; c < nc; c++ {
		hv := seg[6+3*c+1]
		hi, vi := int(hv>>4), int(hv&15)
		if hi == 0 || vi == 0 {
			return jpegFrame{}, false
		}
		hmax, vmax = max(hmax, hi), max(vmax, vi)
		sum += hi * vi
	}
	return jpegFrame{comps: nc, progressive: progressive, samples: float64(sum) / float64(hmax*vmax)}, true
}

// formatSize writes a size in pixels for messages: "16000x16000", and
// "2e+30x16000" for sizes beyond any image.
func formatSize(w, h float64) string {
	f := func(v float64) string {
		if math.Abs(v) < 1e12 {
			return fmt.Sprintf("%.0f", v)
		}
		return fmt.Sprintf("%.3g", v)
	}
	return f(w) + "x" + f(h)
}

// cropCost returns the bytes of a crop to a box of w×h pixels.
func cropCost(w, h float64) float64 { return 3 * w * h }

// resizeCost returns the bytes resizeRGB allocates to resample a sw×sh
// image to w×h: the float32 result of the horizontal pass, the result and
// the filter taps.
func resizeCost(sw, sh, w, h float64) float64 {
	if sw == w && sh == h {
		return 0
	}
	taps := 4*(w*(2*math.Ceil(sw/w)+3)+h*(2*math.Ceil(sh/h)+3)) + 16*(w+h)
	return 12*sh*w + 3*w*h + taps
}
