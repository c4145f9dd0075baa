package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
)

// Size limits of the files the package reads, by kind. A file larger than
// the limit of its kind is refused from its size before it is read, and a
// file that grows past it while being read is refused when the limit is
// crossed; either way the error matches ErrFileTooLarge.
const (
	// MaxImageFileBytes bounds one image file (JPEG, PNG). The images of
	// the paper's datasets are at most a few MiB (AADB's originals are the
	// largest); 64 MiB leaves room for any photograph.
	MaxImageFileBytes = 64 << 20
	// MaxMetadataFileBytes bounds one metadata file: Adience's fold files
	// (about 1.5 MiB each), PersonData.txt, AADB's score lists, ImageNet's
	// synset list and LOC_val_solution.csv (about 10 MiB).
	MaxMetadataFileBytes = 256 << 20
	// MaxFeaturesFileBytes bounds a features CSV: 1 GiB of text, e.g.
	// 25,000 samples of 4,096 features at 10 characters a value. Its rows
	// are held as float32, at most 2 GiB for a file of this size.
	MaxFeaturesFileBytes = 1 << 30
	// MaxIDXFileBytes bounds an IDX file, raw or gzip: the largest header
	// (255 dimensions) and the 2 GiB of data ParseIDXHeader accepts. The
	// data read is further bounded by the size the header announces.
	MaxIDXFileBytes = idxMaxBytes + 4 + 4*255
)

// maxCacheEntryBytes bounds one cache entry: its header and an RGB image
// within MaxImageDecodeBytes.
const maxCacheEntryBytes = 16 + MaxImageDecodeBytes

// fileKind is a kind of file the package reads, with its size limit.
type fileKind struct {
	what  string // the kind, for messages: "an image"
	limit int64  // the most bytes read
}

// The kinds of file read by name.
var (
	imageFile    = fileKind{"an image", MaxImageFileBytes}
	metadataFile = fileKind{"a metadata file", MaxMetadataFileBytes}
	featuresFile = fileKind{"a features file", MaxFeaturesFileBytes}
	idxFile      = fileKind{"an IDX file", MaxIDXFileBytes}
	cacheFile    = fileKind{"a cache entry", maxCacheEntryBytes}
)

// check refuses a file that is not a regular file or is larger than the
// limit.
func (k fileKind) check(fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return &notRegularError{mode: fi.Mode()}
	}
	if fi.Size() > k.limit {
		return &fileSizeError{kind: k}
	}
	return nil
}

// notRegularError is the cause of refusing a file that is not a regular
// file (after symbolic links are followed). It matches ErrNotRegular.
type notRegularError struct{ mode fs.FileMode }

// Error implements error: "not a regular file (named pipe)".
func (e *notRegularError) Error() string {
	return fmt.Sprintf("not a regular file (%s)", modeName(e.mode))
}

// Is reports whether target is ErrNotRegular.
func (e *notRegularError) Is(target error) bool { return target == ErrNotRegular }

// modeName names the type of a file for messages.
func modeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	}
	return "irregular file"
}

// fileSizeError is the cause of refusing a file larger than the limit of
// its kind. It matches ErrFileTooLarge.
type fileSizeError struct{ kind fileKind }

// Error implements error: "larger than the 64 MiB limit for an image".
func (e *fileSizeError) Error() string {
	return fmt.Sprintf("larger than the %s limit for %s", formatBytes(float64(e.kind.limit)), e.kind.what)
}

// Is reports whether target is ErrFileTooLarge.
func (e *fileSizeError) Is(target error) bool { return target == ErrFileTooLarge }

// limitedFile is an open regular file read through the size limit of its
// kind: a read past the limit fails with a *fileSizeError.
type limitedFile struct {
	f    *os.File
	size int64 // size when opened
	left int64 // bytes that may still be read, plus one
	kind fileKind
}

// openRegular opens path for reading when it is a regular file (symbolic
// links are followed) within the limit of kind k. The type is checked
// before the open, so that opening a named pipe or a device cannot block,
// and again on the open file, which on Unix is opened non-blocking, so that
// one put in place between the two checks is refused too. Errors do not
// repeat the path; a missing file matches fs.ErrNotExist.
func openRegular(path string, k fileKind) (*limitedFile, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, bareError(err)
	}
	if err := k.check(fi); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, bareError(err)
	}
	fi, err = f.Stat()
	if err != nil {
		err = bareError(err)
	} else {
		err = k.check(fi)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return &limitedFile{f: f, size: fi.Size(), left: k.limit + 1, kind: k}, nil
}

// bareError drops the path from an *fs.PathError (the callers name the
// file themselves), keeping the operation and the cause.
func bareError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// Read implements io.Reader. It never returns more than the limit of the
// file's kind: reading past it gives a *fileSizeError.
func (l *limitedFile) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, &fileSizeError{kind: l.kind}
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.f.Read(p)
	l.left -= int64(n)
	if l.left == 0 {
		// One byte over the limit: withhold it.
		return n - 1, &fileSizeError{kind: l.kind}
	}
	return n, err
}

// Close closes the file.
func (l *limitedFile) Close() error { return l.f.Close() }

// readRegular reads a whole regular file of kind k (see openRegular).
func readRegular(path string, k fileKind) ([]byte, error) {
	f, err := openRegular(path, k)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The size at open is a hint (the file may change); the limit holds
	// whatever it does.
	b := bytes.NewBuffer(make([]byte, 0, f.size+bytes.MinRead))
	if _, err := b.ReadFrom(f); err != nil {
		return nil, bareError(err)
	}
	return b.Bytes(), nil
}

// openData opens file (path on disk) of a dataset as a regular file of
// kind k. Every error is a *FileError naming file; a missing file matches
// fs.ErrNotExist.
func openData(dataset, file, path string, k fileKind) (*limitedFile, error) {
	f, err := openRegular(path, k)
	if err != nil {
		return nil, &FileError{Dataset: dataset, File: file, Err: err}
	}
	return f, nil
}

// exists reports whether something (of any type) is at path.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// formatBytes writes a byte count for messages: "64 MiB", "1.5 GiB".
func formatBytes(n float64) string {
	units := []string{"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	u := 0
	for n >= 1024 && u < len(units)-1 {
		n /= 1024
		u++
	}
	switch {
	case n >= 1e6:
		return fmt.Sprintf("%.3g %s", n, units[u])
	case n == math.Trunc(n):
		return fmt.Sprintf("%.0f %s", n, units[u])
	}
	return fmt.Sprintf("%.1f %s", n, units[u])
}

// A limitedFile is read by the parsers as a plain reader.
var _ io.ReadCloser = (*limitedFile)(nil)
