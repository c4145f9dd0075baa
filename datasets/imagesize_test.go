package datasets

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

// pngChunk appends one PNG chunk (length, type, data, CRC) to b.
func pngChunk(b *bytes.Buffer, typ string, data []byte) {
	binary.Write(b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	binary.Write(b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// adam7 are the passes of PNG interlacing: first column and row, steps.
var adam7 = [7][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}}

// rawPNG writes a w×h 8-bit gray PNG by hand, with every pixel v,
// interlaced (Adam7) or not, and optionally a tRNS chunk making the gray
// level 0 transparent: the variants the image package's encoder does not
// write.
func rawPNG(t testing.TB, w, h int, v byte, interlaced, trns bool) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 0 // depth 8, gray
	if interlaced {
		ihdr[12] = 1
	}
	pngChunk(&b, "IHDR", ihdr)
	if trns {
		pngChunk(&b, "tRNS", []byte{0, 0})
	}
	var raw bytes.Buffer
	rows := func(pw, ph int) {
		if pw == 0 || ph == 0 {
			return
		}
		for range ph {
			raw.WriteByte(0) // filter: none
			raw.Write(bytes.Repeat([]byte{v}, pw))
		}
	}
	if interlaced {
		for _, p := range adam7 {
			rows((w-p[0]+p[2]-1)/p[2], (h-p[1]+p[3]-1)/p[3])
		}
	} else {
		rows(w, h)
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw.Bytes())
	zw.Close()
	pngChunk(&b, "IDAT", z.Bytes())
	pngChunk(&b, "IEND", nil)
	return b.Bytes()
}

// encodeJPEG encodes img as JPEG (quality 90).
func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// encodePNG encodes img as PNG.
func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// asProgressive turns the baseline start-of-frame marker of a JPEG into
// the progressive one: the header then reads as a progressive image (the
// scans do not follow, which decodeCost does not read).
func asProgressive(t testing.TB, data []byte) []byte {
	t.Helper()
	i := bytes.Index(data, []byte{0xff, 0xc0})
	if i < 0 {
		t.Fatal("no SOF0 marker")
	}
	out := bytes.Clone(data)
	out[i+1] = 0xc2
	return out
}

// testImages are images of every colour model the decoders return, with
// the bytes per pixel decodeCost must count at least (the decoded raster
// plus the RGB copy).
func testImages(t *testing.T) []struct {
	name string
	data []byte
} {
	const w, h = 300, 200
	rect := image.Rect(0, 0, w, h)
	pal := image.NewPaletted(rect, color.Palette{color.Black, color.White})
	return []struct {
		name string
		data []byte
	}{
		{"PNGGray", encodePNG(t, image.NewGray(rect))},
		{"PNGGray16", encodePNG(t, image.NewGray16(rect))},
		{"PNGRGBA", encodePNG(t, gradientImage(w, h, 3))},
		{"PNGNRGBA", encodePNG(t, image.NewNRGBA(rect))},
		{"PNGRGBA64", encodePNG(t, image.NewRGBA64(rect))},
		{"PNGNRGBA64", encodePNG(t, image.NewNRGBA64(rect))},
		{"PNGPaletted", encodePNG(t, pal)},
		{"PNGInterlaced", rawPNG(t, w, h, 7, true, false)},
		{"PNGTransparent", rawPNG(t, w, h, 7, false, true)},
		{"PNGInterlacedTransparent", rawPNG(t, w, h, 7, true, true)},
		{"JPEGColour", encodeJPEG(t, gradientImage(w, h, 3))},
		{"JPEGGray", encodeJPEG(t, image.NewGray(rect))},
		{"JPEGCMYK", encodeJPEG(t, image.NewCMYK(rect))},
	}
}

// TestDecodeCost_Conservative decodes images of every kind and checks that
// decodeCost is at least what decoding and converting them allocated, and
// not wildly more.
func TestDecodeCost_Conservative(t *testing.T) {
	const slack = 256 << 10 // decoder state (Huffman tables, buffers) independent of the size
	for _, tt := range testImages(t) {
		t.Run(tt.name, func(t *testing.T) {
			cfg, format, err := image.DecodeConfig(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			need, what := decodeCost(tt.data, format, cfg)
			var img *rgbImage
			n := allocated(func() { img, err = decodeRGB(t.Context(), tt.data) })
			if err != nil {
				t.Fatal(err)
			}
			if img.w != 300 || img.h != 200 {
				t.Fatalf("decoded %dx%d", img.w, img.h)
			}
			if float64(n) > need+slack {
				t.Errorf("%s: decoding allocated %d bytes, estimate %g", what, n, need)
			}
			if need > 4*float64(n)+slack {
				t.Errorf("%s: estimate %g, more than 4 times the %d bytes allocated", what, need, n)
			}
		})
	}
}

// TestDecodeCost_Header checks the estimate read from headers alone.
func TestDecodeCost_Header(t *testing.T) {
	rect := image.Rect(0, 0, 64, 64)
	colour := encodeJPEG(t, gradientImage(64, 64, 3))
	tests := []struct {
		name string
		data []byte
		want float64 // bytes
		what string
	}{
		// 4:2:0 colour: 3 bytes of planes at most, plus the RGB copy.
		{"JPEGBaseline", colour, 64*64*3 + 64*64*3, "64x64 YCbCr JPEG"},
		// Progressive: every coefficient kept, 4 bytes × 1.5 samples.
		{"JPEGProgressive", asProgressive(t, colour), 64*64*(3+4*1.5) + 64*64*3, "64x64 YCbCr JPEG"},
		{"JPEGGrayProgressive", asProgressive(t, encodeJPEG(t, image.NewGray(rect))), 64*64*(1+4) + 64*64*3, "64x64 8-bit gray JPEG"},
		// No frame header to read: the costliest layout is assumed.
		{"JPEGNoFrame", append(colour[:2:2], 0xff, 0xd9), 64*64*(8+4*4) + 64*64*3, "JPEG"},
		{"PNGGray16", encodePNG(t, image.NewGray16(rect)), 64*64*(2+3) + 2*(8*64+1), "64x64 16-bit gray PNG"},
		{"PNGInterlacedTransparent", rawPNG(t, 64, 64, 1, true, true), 64*64*(2*4+3) + 2*(8*64+1), "64x64 8-bit gray PNG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, format, err := image.DecodeConfig(bytes.NewReader(tt.data))
			if err != nil {
				// The frame-less JPEG has no configuration to decode: give
				// the one of the original.
				cfg, format, err = image.DecodeConfig(bytes.NewReader(colour))
				if err != nil {
					t.Fatal(err)
				}
			}
			need, what := decodeCost(tt.data, format, cfg)
			if need != tt.want || !strings.Contains(what, tt.what) {
				t.Errorf("got %g (%q), want %g (%q)", need, what, tt.want, tt.what)
			}
		})
	}
}

func TestFormatBytes(t *testing.T) {
	for _, tt := range []struct {
		n    float64
		want string
	}{{0, "0 bytes"}, {1000, "1000 bytes"}, {64 << 20, "64 MiB"}, {1.25 * (1 << 30), "1.2 GiB"}, {1 << 30, "1 GiB"}, {1e40, "8.67e+21 EiB"}} {
		if got := formatBytes(tt.n); got != tt.want {
			t.Errorf("formatBytes(%g) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
