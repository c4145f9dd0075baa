package datasets

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
)

// IDX element types (the third byte of the magic number).
const (
	IDXUint8   byte = 0x08
	IDXInt8    byte = 0x09
	IDXInt16   byte = 0x0B
	IDXInt32   byte = 0x0C
	IDXFloat32 byte = 0x0D
	IDXFloat64 byte = 0x0E
)

// idxMaxBytes bounds the data of one IDX file (2 GiB).
const idxMaxBytes = 1 << 31

// idxName is the dataset name of IDX messages.
const idxName = "idx"

// IDX is the content of an IDX file (the MNIST format): a typed
// n-dimensional array stored big-endian.
type IDX struct {
	Type byte   // element type (IDXUint8, …)
	Dims []int  // dimensions, outermost first
	Data []byte // raw big-endian elements, len = product(Dims) × element size
}

// idxElemSize returns the size in bytes of an element type, 0 if unknown.
func idxElemSize(t byte) int {
	switch t {
	case IDXUint8, IDXInt8:
		return 1
	case IDXInt16:
		return 2
	case IDXInt32, IDXFloat32:
		return 4
	case IDXFloat64:
		return 8
	}
	return 0
}

// ParseIDXHeader parses the header at the start of b: magic (two zero
// bytes, the type, the number of dimensions) and the dimensions. It returns
// the type, the dimensions, the header length and the data length in bytes.
// Errors say what was expected; file names the file in them.
func ParseIDXHeader(b []byte, file string) (typ byte, dims []int, headerLen, dataLen int, err error) {
	if len(b) < 4 {
		return 0, nil, 0, 0, parseErr(idxName, file, 0, "want a 4-byte magic number, got %d bytes", len(b))
	}
	if b[0] != 0 || b[1] != 0 {
		return 0, nil, 0, 0, parseErr(idxName, file, 0, "want magic 0x0000TTDD, got 0x%02x%02x%02x%02x (not an IDX file)", b[0], b[1], b[2], b[3])
	}
	typ = b[2]
	size := idxElemSize(typ)
	if size == 0 {
		return 0, nil, 0, 0, parseErr(idxName, file, 0, "unknown element type 0x%02x", typ)
	}
	nd := int(b[3])
	if nd == 0 {
		return 0, nil, 0, 0, parseErr(idxName, file, 0, "want at least 1 dimension, got 0")
	}
	headerLen = 4 + 4*nd
	if len(b) < headerLen {
		return 0, nil, 0, 0, parseErr(idxName, file, 0, "want %d header bytes for %d dimensions, got %d", headerLen, nd, len(b))
	}
	dims = make([]int, nd)
	total := uint64(size)
	for i := range dims {
		d := binary.BigEndian.Uint32(b[4+4*i:])
		if d == 0 {
			return 0, nil, 0, 0, parseErr(idxName, file, 0, "dimension %d is 0", i)
		}
		total *= uint64(d)
		if total > idxMaxBytes {
			return 0, nil, 0, 0, parseErr(idxName, file, 0, "data larger than %d bytes", idxMaxBytes)
		}
		dims[i] = int(d)
	}
	return typ, dims, headerLen, int(total), nil
}

// gzipMaxRatio bounds the ratio of decompressed to compressed size of
// gzip data: deflate codes at most 258 bytes in 2 bits, about 1032:1.
const gzipMaxRatio = 1032

// ReadIDX reads an IDX file from r, gunzipping it when it starts with the
// gzip magic. It checks the magic, the dimensions and that the data has
// exactly the announced size. When r tells how many bytes it holds (a Len
// method, as *bytes.Reader has), dimensions announcing more data than that
// are refused before any is read. file names the file in errors
// (*ParseError, matching ErrMalformed).
func ReadIDX(r io.Reader, file string) (*IDX, error) {
	size := int64(-1)
	if l, ok := r.(interface{ Len() int }); ok {
		size = int64(l.Len())
	}
	return readIDX(r, file, size)
}

// readIDX is ReadIDX for a source of size bytes (-1: unknown). The memory
// reserved up front is bounded by what the source can hold; beyond it the
// buffer grows only with the data actually read.
func readIDX(r io.Reader, file string, size int64) (*IDX, error) {
	br := bufio.NewReader(r)
	ratio := int64(1)
	if m, err := br.Peek(2); err == nil && m[0] == 0x1f && m[1] == 0x8b {
		ratio = gzipMaxRatio
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, parseErr(idxName, file, 0, "gzip: %v", err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	head := make([]byte, 4, 4+4*255)
	if n, err := io.ReadFull(br, head); err != nil {
		return nil, idxReadErr(file, err, "want a 4-byte magic number, got %d bytes", n)
	}
	if nd := int(head[3]); head[0] == 0 && head[1] == 0 && nd > 0 {
		head = head[:4+4*nd]
		if n, err := io.ReadFull(br, head[4:]); err != nil {
			return nil, idxReadErr(file, err, "want %d header bytes for %d dimensions, got %d", 4+4*nd, nd, 4+n)
		}
	}
	typ, dims, headerLen, need, err := ParseIDXHeader(head, file)
	if err != nil {
		return nil, err
	}
	reserve := min(int64(need), 1<<20)
	if size >= 0 {
		if err := idxCheckSize(file, dims, int64(headerLen), int64(need), size, ratio); err != nil {
			return nil, err
		}
		reserve = min(int64(need), 1<<26)
	}
	buf := bytes.NewBuffer(make([]byte, 0, reserve+1))
	if _, err := buf.ReadFrom(io.LimitReader(br, int64(need)+1)); err != nil {
		return nil, idxReadErr(file, err, "reading data")
	}
	data := buf.Bytes()
	if len(data) != need {
		if len(data) > need {
			return nil, parseErr(idxName, file, 0, "want %d bytes of data for dimensions %v, got more", need, dims)
		}
		return nil, parseErr(idxName, file, 0, "want %d bytes of data for dimensions %v, got %d", need, dims, len(data))
	}
	return &IDX{Type: typ, Dims: dims, Data: data}, nil
}

// idxCheckSize refuses, before reading the data, dimensions that announce
// need bytes of data when the source holds size bytes: a raw file must hold
// exactly its header and data; gzip data cannot expand by more than
// gzipMaxRatio (ratio is 1 for raw files).
func idxCheckSize(file string, dims []int, headerLen, need, size, ratio int64) error {
	if ratio == 1 {
		switch have := size - headerLen; {
		case have < need:
			return parseErr(idxName, file, 0, "want %d bytes of data for dimensions %v, got %d", need, dims, have)
		case have > need:
			return parseErr(idxName, file, 0, "want %d bytes of data for dimensions %v, got more", need, dims)
		}
		return nil
	}
	if need+headerLen > size*ratio {
		return parseErr(idxName, file, 0, "dimensions %v announce %d bytes of data, more than %d bytes of gzip data can hold", dims, need, size)
	}
	return nil
}

// idxReadErr turns a read failure into a *ParseError (truncated or corrupt
// input) naming the file.
func idxReadErr(file string, err error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return parseErr(idxName, file, 0, "%s (truncated)", msg)
	}
	return parseErr(idxName, file, 0, "%s: %v", msg, err)
}

// ReadIDXFile reads an IDX file (raw or gzip) from disk: a regular file
// within MaxIDXFileBytes whose size agrees with its header (see ReadIDX).
// Errors name the file.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := openData(idxName, path, path, idxFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readIDX(f, path, f.size)
}

// Len returns the outermost dimension (the number of items).
func (x *IDX) Len() int { return x.Dims[0] }

// ItemSize returns the number of elements of one item (product of the inner
// dimensions).
func (x *IDX) ItemSize() int {
	n := 1
	for _, d := range x.Dims[1:] {
		n *= d
	}
	return n
}

// Float64s returns every element converted to float64.
func (x *IDX) Float64s() []float64 {
	size := idxElemSize(x.Type)
	out := make([]float64, len(x.Data)/size)
	for i := range out {
		b := x.Data[i*size:]
		switch x.Type {
		case IDXUint8:
			out[i] = float64(b[0])
		case IDXInt8:
			out[i] = float64(int8(b[0]))
		case IDXInt16:
			out[i] = float64(int16(binary.BigEndian.Uint16(b)))
		case IDXInt32:
			out[i] = float64(int32(binary.BigEndian.Uint32(b)))
		case IDXFloat32:
			out[i] = float64(math.Float32frombits(binary.BigEndian.Uint32(b)))
		case IDXFloat64:
			out[i] = math.Float64frombits(binary.BigEndian.Uint64(b))
		}
	}
	return out
}

// findIDX returns the first of the candidate file names (each tried raw and
// with .gz) that exists in dir.
func findIDX(dir string, names ...string) (string, bool) {
	for _, n := range names {
		for _, ext := range []string{"", ".gz"} {
			p := filepath.Join(dir, n+ext)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				return p, true
			}
		}
	}
	return "", false
}
