package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// idxBytes builds an IDX file: magic, dims, data.
func idxBytes(typ byte, dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, typ, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(data)
	return b.Bytes()
}

func gzipBytes(tb testing.TB, p []byte) []byte {
	tb.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(p); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func TestReadIDX(t *testing.T) {
	raw := idxBytes(IDXUint8, []uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	for name, data := range map[string][]byte{"raw": raw, "gzip": gzipBytes(t, raw)} {
		t.Run(name, func(t *testing.T) {
			x, err := ReadIDX(bytes.NewReader(data), "x.idx")
			if err != nil {
				t.Fatal(err)
			}
			if x.Type != IDXUint8 || !cmp.Equal(x.Dims, []int{2, 3}) || x.Len() != 2 || x.ItemSize() != 3 {
				t.Errorf("got %+v", x)
			}
			if !cmp.Equal(x.Float64s(), []float64{1, 2, 3, 4, 5, 6}) {
				t.Errorf("values %v", x.Float64s())
			}
		})
	}
}

func TestReadIDX_Types(t *testing.T) {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, int16(-2))
	binary.Write(&b, binary.BigEndian, int32(-70000))
	binary.Write(&b, binary.BigEndian, float32(1.5))
	binary.Write(&b, binary.BigEndian, float64(-0.25))
	d := b.Bytes()
	tests := []struct {
		typ  byte
		data []byte
		want float64
	}{
		{IDXInt8, []byte{0xff}, -1},
		{IDXInt16, d[0:2], -2},
		{IDXInt32, d[2:6], -70000},
		{IDXFloat32, d[6:10], 1.5},
		{IDXFloat64, d[10:18], -0.25},
	}
	for _, tt := range tests {
		x, err := ReadIDX(bytes.NewReader(idxBytes(tt.typ, []uint32{1}, tt.data)), "t")
		if err != nil {
			t.Fatalf("type 0x%02x: %v", tt.typ, err)
		}
		if got := x.Float64s(); len(got) != 1 || got[0] != tt.want {
			t.Errorf("type 0x%02x: got %v, want %v", tt.typ, got, tt.want)
		}
	}
}

func TestReadIDX_Err(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"Empty", nil, "want a 4-byte magic number"},
		{"BadMagic", []byte{1, 2, 8, 1, 0, 0, 0, 1, 0}, "not an IDX file"},
		{"BadType", idxBytes(0x07, []uint32{1}, []byte{0}), "unknown element type 0x07"},
		{"NoDims", []byte{0, 0, 8, 0}, "want at least 1 dimension"},
		{"ShortHeader", []byte{0, 0, 8, 2, 0, 0, 0, 1}, "want 12 header bytes"},
		{"ZeroDim", idxBytes(IDXUint8, []uint32{0}, nil), "dimension 0 is 0"},
		{"Huge", idxBytes(IDXFloat64, []uint32{1 << 20, 1 << 20}, nil), "data larger than"},
		{"Short", idxBytes(IDXUint8, []uint32{2, 2}, []byte{1, 2, 3}), "want 4 bytes of data for dimensions [2 2], got 3"},
		{"Long", idxBytes(IDXUint8, []uint32{2}, []byte{1, 2, 3}), "got more"},
		{"BadGzip", []byte{0x1f, 0x8b, 0, 0}, "gzip"},
		{"TruncatedGzip", gzipBytes(t, idxBytes(IDXUint8, []uint32{4}, []byte{1, 2, 3, 4}))[:20], "idx: file.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadIDX(bytes.NewReader(tt.data), "file.gz")
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "file.gz") {
				t.Errorf("err = %q, want it to name file.gz and contain %q", err, tt.want)
			}
		})
	}
}

// writeMNIST writes a small MNIST-format set (n images of h×w) to dir.
func writeMNIST(tb testing.TB, dir, set string, n, h, w int, gz bool) {
	tb.Helper()
	img := make([]byte, n*h*w)
	lab := make([]byte, n)
	for i := range lab {
		lab[i] = byte(i % 10)
		for j := 0; j < h*w; j++ {
			img[i*h*w+j] = byte((i + j) % 256)
		}
	}
	ib := idxBytes(IDXUint8, []uint32{uint32(n), uint32(h), uint32(w)}, img)
	lb := idxBytes(IDXUint8, []uint32{uint32(n)}, lab)
	ext := ""
	if gz {
		ib, lb, ext = gzipBytes(tb, ib), gzipBytes(tb, lb), ".gz"
	}
	writeFile(tb, dir, set+"-images-idx3-ubyte"+ext, string(ib))
	writeFile(tb, dir, set+"-labels-idx1-ubyte"+ext, string(lb))
}

func TestReadMNIST(t *testing.T) {
	dir := t.TempDir()
	writeMNIST(t, dir, "train", 12, 4, 5, true)
	im, lb, err := ReadMNIST(dir, "train")
	if err != nil {
		t.Fatal(err)
	}
	if im.Len() != 12 || lb.Len() != 12 || im.ItemSize() != 20 {
		t.Errorf("got %v, %v", im.Dims, lb.Dims)
	}
	if _, _, err := ReadMNIST(dir, "t10k"); !errors.Is(err, ErrRootMissing) {
		t.Errorf("missing set: err = %v, want ErrRootMissing", err)
	}
	bad := t.TempDir()
	writeMNIST(t, bad, "train", 3, 2, 2, false)
	writeFile(t, bad, "train-labels-idx1-ubyte", string(idxBytes(IDXUint8, []uint32{2}, []byte{1, 2})))
	if _, _, err := ReadMNIST(bad, "train"); err == nil || !strings.Contains(err.Error(), "want 3 labels") ||
		!strings.Contains(err.Error(), filepath.Join(bad, "train-labels-idx1-ubyte")) {
		t.Errorf("count mismatch: err = %v", err)
	}
	writeFile(t, bad, "train-labels-idx1-ubyte", string(idxBytes(IDXUint8, []uint32{3}, []byte{1, 2, 10})))
	if _, _, err := ReadMNIST(bad, "train"); err == nil || !strings.Contains(err.Error(), "label 10 of item 2") {
		t.Errorf("bad label: err = %v", err)
	}
}
