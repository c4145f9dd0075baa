package main

import (
	"bytes"
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// streams are the command's input and outputs: results go to Out, progress
// and messages to ErrOut. outTTY and errTTY say whether each is a
// terminal: a command's results are an aligned table with relative times
// on a terminal, and tab-separated with RFC 3339 times when piped.
type streams struct {
	Out, ErrOut io.Writer
	outTTY      bool
	errTTY      bool
}

func systemStreams() *streams {
	return &streams{Out: os.Stdout, ErrOut: os.Stderr,
		outTTY: isTerminal(os.Stdout), errTTY: isTerminal(os.Stderr)}
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// testStreams returns streams that write into buffers.
func testStreams() (*streams, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &streams{Out: &out, ErrOut: &errOut}, &out, &errOut
}
