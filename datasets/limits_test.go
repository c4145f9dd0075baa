package datasets

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"
)

// Bounds of guarded: how long a call that must fail fast may take, and how
// much its heap may grow.
const (
	guardTimeout = 10 * time.Second
	guardHeap    = 256 << 20
)

// guarded runs fn on its own goroutine and waits for it. A call that is
// still running after guardTimeout fails the test; unblock, when not nil,
// is then called to free it. A call whose heap grows past guardHeap ends
// the test binary with a panic: a runaway read cannot be stopped from
// outside, and stopping early keeps a regression from exhausting the
// machine's memory.
func guarded(t *testing.T, unblock func(), fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	heap := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(heap)
	base := int64(heap[0].Value.Uint64())
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(guardTimeout)
	for {
		select {
		case <-done:
			return
		case <-tick.C:
			metrics.Read(heap)
			if grown := int64(heap[0].Value.Uint64()) - base; grown > guardHeap {
				panic(fmt.Sprintf("%s: heap grew by %d MiB during a call that must read little", t.Name(), grown>>20))
			}
		case <-deadline:
			t.Errorf("call still running after %v", guardTimeout)
			if unblock != nil {
				unblock()
			}
			deadline = time.After(guardTimeout)
			unblock = func() { panic(t.Name() + ": call cannot be unblocked") }
		}
	}
}

// allocated returns the bytes fn allocated (all goroutines together).
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// pngClaiming encodes img as PNG and patches its header (fixing the CRC)
// to claim w×h pixels: a small file whose header asks for a huge raster.
func pngClaiming(t testing.TB, img image.Image, w, h uint32) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	// Signature (8 bytes), IHDR length (4), "IHDR" (4), width (4), height
	// (4), depth, colour type, compression, filter, interlace (5), then
	// the CRC-32 of the chunk type and data.
	if string(data[12:16]) != "IHDR" {
		t.Fatalf("no IHDR at offset 12: %q", data[12:16])
	}
	binary.BigEndian.PutUint32(data[16:], w)
	binary.BigEndian.PutUint32(data[20:], h)
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	return data
}

// TestPipeline_HugeHeader loads small PNG files whose headers claim
// 16384×16384 pixels: refused from the header, naming the dimensions,
// without allocating the raster.
func TestPipeline_HugeHeader(t *testing.T) {
	tests := []struct {
		name string
		img  image.Image
	}{
		{"Gray16", image.NewGray16(image.Rect(0, 0, 1, 1))},
		{"NRGBA", image.NewNRGBA(image.Rect(0, 0, 1, 1))},
		{"RGBA64", image.NewRGBA64(image.Rect(0, 0, 1, 1))},
	}
	p := newTestPipeline(t, PipelineOptions{Crop: 8, Resize: 8})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "big.png", string(pngClaiming(t, tt.img, 16384, 16384)))
			var err error
			n := allocated(func() { _, err = p.Load(t.Context(), path, Box{}, 0, View{}, nil) })
			if !errors.Is(err, ErrImageUnreadable) || !errors.Is(err, ErrImageTooLarge) ||
				!strings.Contains(err.Error(), "big.png") || !strings.Contains(err.Error(), "16384x16384") {
				t.Errorf("err = %v, want ErrImageTooLarge naming the file and 16384x16384", err)
			}
			if n > 8<<20 {
				t.Errorf("allocated %d MiB to refuse the header", n>>20)
			}
		})
	}
}

// TestPipeline_FileTooLarge reads an image file one byte over the limit
// (a sparse file): refused from its size, before reading it.
func TestPipeline_FileTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.jpg")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxImageFileBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	p := newTestPipeline(t, PipelineOptions{Crop: 8, Resize: 8})
	n := allocated(func() { _, err = p.Load(t.Context(), path, Box{}, 0, View{}, nil) })
	if !errors.Is(err, ErrImageUnreadable) || !errors.Is(err, ErrFileTooLarge) ||
		!strings.Contains(err.Error(), "huge.jpg: image unreadable: larger than the 64 MiB limit for an image") {
		t.Errorf("err = %v", err)
	}
	if n > 8<<20 {
		t.Errorf("allocated %d MiB to refuse the file", n>>20)
	}
}

// TestPipeline_ExtremeAspect resizes a 1×200000 image to a short side of
// 256: the result would be 256×51200000 (39 GB), refused before allocating.
func TestPipeline_ExtremeAspect(t *testing.T) {
	path := writePNG(t, t.TempDir(), "thin.png", image.NewGray(image.Rect(0, 0, 1, 200000)))
	p := newTestPipeline(t, PipelineOptions{Crop: 227, Resize: 256})
	var err error
	guarded(t, nil, func() { _, err = p.Load(t.Context(), path, Box{}, 0, View{}, nil) })
	if !errors.Is(err, ErrImageTooLarge) || !strings.Contains(err.Error(), "256x51200000") ||
		!strings.Contains(err.Error(), "thin.png") {
		t.Errorf("err = %v", err)
	}
}

// TestPipeline_HugeBox crops a small image to boxes far larger than it, as
// a corrupt metadata line could ask: refused, not allocated.
func TestPipeline_HugeBox(t *testing.T) {
	path := writePNG(t, t.TempDir(), "a.png", gradientImage(8, 8, 3))
	p := newTestPipeline(t, PipelineOptions{Crop: 8, Resize: 8})
	for _, tt := range []struct {
		box  Box
		want string
	}{
		{Box{X0: 0, Y0: 0, X1: 16000, Y1: 16000}, "16000x16000"},
		{Box{X0: -1e30, Y0: -1e30, X1: 1e30, Y1: 1e30}, "crop box"},
		{Box{X0: 0, Y0: 0, X1: 3e38, Y1: 4}, "crop box"},
	} {
		var err error
		n := allocated(func() {
			guarded(t, nil, func() { _, err = p.Load(t.Context(), path, tt.box, 0, View{}, nil) })
		})
		if !errors.Is(err, ErrImageTooLarge) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("box %v: err = %v, want ErrImageTooLarge with %q", tt.box, err, tt.want)
		}
		if n > 16<<20 {
			t.Errorf("box %v: allocated %d MiB", tt.box, n>>20)
		}
	}
	// A box far outside the image but of modest size is black, not an error.
	if _, err := p.Load(t.Context(), path, Box{X0: 1e9, Y0: 1e9, X1: 1e9 + 8, Y1: 1e9 + 8}, 0, View{}, nil); err != nil {
		t.Errorf("far box: %v", err)
	}
}

// TestCheck_FeaturesHugeLabel checks a features file whose label would
// size per-class tables at 2·10⁹ entries: a malformed line, not 16 GB.
func TestCheck_FeaturesHugeLabel(t *testing.T) {
	for _, row := range []string{"b,2000000000,0,1", "b,1,2000000000,1"} {
		path := writeFile(t, t.TempDir(), "f.csv", "id,label,fold,x\na,0,0,1\n"+row+"\n")
		var rep *CheckResult
		var err error
		guarded(t, nil, func() { rep, err = Check(t.Context(), "features", path, CheckOptions{}) })
		if !errors.Is(err, ErrCheckFailed) || rep == nil || len(rep.Malformed) != 1 || rep.Malformed[0].Line != 3 {
			t.Errorf("%s: err = %v, report %+v", row, err, rep)
		}
	}
}

// onlyReader hides every method of r but Read.
type onlyReader struct{ io.Reader }

// TestReadIDX_HeaderBeyondData reads IDX files whose header announces 1 GiB
// of data with 10 bytes present: refused without reserving the announced
// size, raw or gzip, from memory or from disk.
func TestReadIDX_HeaderBeyondData(t *testing.T) {
	raw := idxBytes(IDXUint8, []uint32{1 << 30}, make([]byte, 10))
	dir := t.TempDir()
	for name, data := range map[string][]byte{"raw": raw, "gzip": gzipBytes(t, raw)} {
		path := writeFile(t, dir, "x-"+name, string(data))
		for how, read := range map[string]func() (*IDX, error){
			"bytes":  func() (*IDX, error) { return ReadIDX(bytes.NewReader(data), path) },
			"reader": func() (*IDX, error) { return ReadIDX(onlyReader{bytes.NewReader(data)}, path) },
			"file":   func() (*IDX, error) { return ReadIDXFile(path) },
		} {
			var err error
			n := allocated(func() { _, err = read() })
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), path) {
				t.Errorf("%s %s: err = %v", name, how, err)
			}
			if n > 8<<20 {
				t.Errorf("%s %s: allocated %d MiB for 10 bytes of data", name, how, n>>20)
			}
		}
	}
}

// TestReadRegular checks the one helper behind every file read by name:
// the type and size checks before the read and the limit during it.
func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	small := fileKind{"a test file", 10}
	at := writeFile(t, dir, "ten", "0123456789")
	if b, err := readRegular(at, small); err != nil || string(b) != "0123456789" {
		t.Errorf("file at the limit: %q, %v", b, err)
	}
	over := writeFile(t, dir, "eleven", "0123456789a")
	if _, err := readRegular(over, small); !errors.Is(err, ErrFileTooLarge) ||
		err.Error() != "larger than the 10 bytes limit for a test file" {
		t.Errorf("file over the limit: %v", err)
	}
	if _, err := readRegular(dir, small); !errors.Is(err, ErrNotRegular) || err.Error() != "not a regular file (directory)" {
		t.Errorf("folder: %v", err)
	}
	if _, err := readRegular(filepath.Join(dir, "none"), small); !errors.Is(err, os.ErrNotExist) || strings.Contains(err.Error(), dir) {
		t.Errorf("missing: %v (want fs.ErrNotExist, without the path)", err)
	}
	// A file that grows past the limit after it was opened stops at the
	// limit.
	grow := writeFile(t, dir, "grow", "01234")
	f, err := openRegular(grow, small)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.WriteFile(grow, []byte(strings.Repeat("x", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(f)
	if !errors.Is(err, ErrFileTooLarge) || len(b) != 10 {
		t.Errorf("grown file: read %d bytes, err %v; want 10 bytes and ErrFileTooLarge", len(b), err)
	}
}
