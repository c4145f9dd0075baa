package datasets

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Sentinel errors. Callers branch on them with errors.Is; the typed errors
// below wrap them.
var (
	// ErrMalformed marks a metadata file whose content does not follow its
	// format. Every *ParseError matches it.
	ErrMalformed = errors.New("malformed input")
	// ErrRootMissing marks a dataset root folder that does not exist or lacks
	// the files of its layout. Every *RootError matches it.
	ErrRootMissing = errors.New("dataset root missing")
	// ErrImageMissing marks an image file named by the metadata that does not
	// exist.
	ErrImageMissing = errors.New("image missing")
	// ErrImageUnreadable marks an image file that exists but cannot be read or
	// decoded.
	ErrImageUnreadable = errors.New("image unreadable")
	// ErrUnknownDataset marks a dataset name that this package does not know.
	ErrUnknownDataset = errors.New("unknown dataset")
	// ErrCheckFailed is returned by Check, together with its report, when the
	// data has problems that the loaders would refuse (malformed lines in
	// strict mode, missing or unreadable images).
	ErrCheckFailed = errors.New("dataset check failed")
	// ErrTooLarge marks a request to materialise more samples than allowed.
	ErrTooLarge = errors.New("dataset too large to materialise")
	// ErrNotRegular marks a file that is not a regular file once symbolic
	// links are followed (a named pipe, a device, a folder): it is refused
	// before it is read, so that reading cannot block or run forever.
	ErrNotRegular = errors.New("not a regular file")
	// ErrFileTooLarge marks a file larger than the limit for its kind
	// (MaxImageFileBytes, MaxMetadataFileBytes, MaxFeaturesFileBytes,
	// MaxIDXFileBytes).
	ErrFileTooLarge = errors.New("file too large")
	// ErrImageTooLarge marks an image whose decoding, cropping or resizing
	// would need more than MaxImageDecodeBytes of memory. It comes inside an
	// *ImageError of kind ErrImageUnreadable.
	ErrImageTooLarge = errors.New("image too large")
)

// ParseError is a problem at one line of one metadata file, in the manner of
// encoding/csv's ParseError. Its message reads
//
//	adience: fold_2_data.txt:3803: want 12 fields, got 2
//
// File is the path of the file relative to the dataset root (or as the
// caller gave it); Line is 1-based, 0 when the problem concerns the whole
// file. It matches ErrMalformed.
type ParseError struct {
	Dataset string // dataset name, e.g. "adience"
	File    string // file, relative to the root where there is one
	Line    int    // 1-based line; 0 for the whole file
	Err     error  // what was expected
}

// Error implements error.
func (e *ParseError) Error() string {
	var b strings.Builder
	if e.Dataset != "" {
		b.WriteString(e.Dataset)
		b.WriteString(": ")
	}
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("malformed")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// Is reports whether target is ErrMalformed.
func (e *ParseError) Is(target error) bool { return target == ErrMalformed }

// parseErr builds a *ParseError with a formatted message.
func parseErr(dataset, file string, line int, format string, args ...any) *ParseError {
	return &ParseError{Dataset: dataset, File: file, Line: line, Err: fmt.Errorf(format, args...)}
}

// RootError reports a dataset root that is missing or incomplete. Its
// message names the expected layout and how to point the tool at the data.
// It matches ErrRootMissing.
type RootError struct {
	Dataset string // dataset name
	Root    string // the folder that was tried ("" if none was given)
	Missing string // the file or folder that was looked for and not found
	Layout  string // one-line description of the expected layout
}

// Error implements error.
func (e *RootError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", e.Dataset)
	switch {
	case e.Root == "":
		b.WriteString("no data folder given")
	case e.Missing != "":
		fmt.Fprintf(&b, "%s not found", e.Missing)
	default:
		fmt.Fprintf(&b, "folder %s not found", e.Root)
	}
	if e.Layout != "" {
		fmt.Fprintf(&b, "; expected layout: %s", e.Layout)
	}
	fmt.Fprintf(&b, "; set --root DIR or the environment variable %s (or %s=DIR holding %s/)",
		EnvVar(e.Dataset), EnvData, e.Dataset)
	return b.String()
}

// Is reports whether target is ErrRootMissing.
func (e *RootError) Is(target error) bool { return target == ErrRootMissing }

// FileError reports a file that was not read: not a regular file
// (ErrNotRegular), larger than the limit for its kind (ErrFileTooLarge), or
// one that cannot be opened (the system's error; a missing one matches
// fs.ErrNotExist). Its message reads
//
//	adience: fold_0_data.txt: not a regular file (named pipe)
//
// File is the path relative to the dataset root where there is one, as in
// *ParseError.
type FileError struct {
	Dataset string // dataset name, e.g. "adience"
	File    string // file, relative to the root where there is one
	Err     error  // the cause
}

// Error implements error.
func (e *FileError) Error() string {
	if e.Dataset == "" {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", e.Dataset, e.File, e.Err)
}

// Unwrap returns the cause.
func (e *FileError) Unwrap() error { return e.Err }

// ImageError reports an image that is missing or cannot be decoded. It
// wraps ErrImageMissing or ErrImageUnreadable and, for decoding failures, the
// decoder's error.
type ImageError struct {
	Path string // image path
	Kind error  // ErrImageMissing or ErrImageUnreadable
	Err  error  // underlying error (may be nil)
}

// Error implements error.
func (e *ImageError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v: %v", e.Path, e.Kind, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Kind)
}

// Unwrap returns the kind and the underlying error.
func (e *ImageError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// issue is the LineIssue recorded when a lenient read skips e.
func (e *ParseError) issue() LineIssue {
	msg := "malformed"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	return LineIssue{File: e.File, Line: e.Line, Message: msg}
}

// skipOrFail returns e in strict mode; in lenient mode it records e in
// issues and returns nil, so that the caller skips the line.
func skipOrFail(issues *[]LineIssue, e *ParseError, lenient bool) error {
	if !lenient {
		return e
	}
	*issues = append(*issues, e.issue())
	return nil
}

// emit hands a parsed row to fn; a malformed line (perr not nil) fails in
// strict mode and is recorded in issues and skipped in lenient mode
// (skipOrFail). It is the step every metadata reader takes per row.
func emit[T any](issues *[]LineIssue, lenient bool, row T, perr *ParseError, fn func(T) error) error {
	if perr != nil {
		return skipOrFail(issues, perr, lenient)
	}
	return fn(row)
}

// scanLines calls fn with each line of r (up to maxLine bytes) and its
// 1-based number, stopping at fn's first error, and returns the number of
// lines read. A read error, or a line over maxLine, is mapped by scanErr.
func scanLines(r io.Reader, dataset, file string, fn func(line int, text string) error) (int, error) {
	sc := newLineScanner(r)
	line := 0
	for sc.Scan() {
		line++
		if err := fn(line, sc.Text()); err != nil {
			return line, err
		}
	}
	return line, scanErr(dataset, file, line, sc.Err())
}

// rowTicker checks a context every 1024 rows, so that a long read stops
// soon after a cancellation without asking the context once a row.
type rowTicker struct{ n int }

// tick counts a row and returns ctx.Err() on every 1024th.
func (t *rowTicker) tick(ctx context.Context) error {
	if t.n++; t.n%1024 == 0 {
		return ctx.Err()
	}
	return nil
}

// newLineScanner returns a scanner of r's lines that accepts lines up to
// maxLine bytes.
func newLineScanner(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	return sc
}

// scanErr maps the error of a line scanner that stopped after line lines:
// an over-long line is a *ParseError at the next line.
func scanErr(dataset, file string, line int, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, bufio.ErrTooLong) {
		return parseErr(dataset, file, line+1, "line longer than %d bytes", maxLine)
	}
	return fmt.Errorf("%s: read %s: %w", dataset, file, err)
}
