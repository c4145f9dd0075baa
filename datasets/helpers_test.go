package datasets

import (
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// realAdience returns the folder of the real Adience sample
// (shared/real-samples/adience beside the repository), skipping the test
// when it is absent.
func realAdience(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for range 5 {
		for _, rel := range []string{"../shared/real-samples/adience", "shared/real-samples/adience"} {
			p := filepath.Join(dir, rel)
			if fi, err := os.Stat(filepath.Join(p, "fold_0_data.txt")); err == nil && fi.Mode().IsRegular() {
				return p
			}
		}
		dir = filepath.Dir(dir)
	}
	tb.Skip("real Adience sample not found (expected ../shared/real-samples/adience beside the repository root)")
	return ""
}

// writeFile writes content to dir/rel, creating folders.
func writeFile(tb testing.TB, dir, rel, content string) string {
	tb.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// gradientImage returns a w×h RGBA image whose pixel (x, y) is
// (x·k mod 256, y·k mod 256, (x+y) mod 256).
func gradientImage(w, h, k int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * k), uint8(y * k), uint8(x + y), 255})
		}
	}
	return img
}

// writePNG writes img as PNG to dir/rel.
func writePNG(tb testing.TB, dir, rel string, img image.Image) string {
	tb.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return p
}

// writeJPEG writes img as JPEG (quality 95) to dir/rel.
func writeJPEG(tb testing.TB, dir, rel string, img image.Image) string {
	tb.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 95}); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return p
}
