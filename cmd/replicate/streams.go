package main

import (
	"bytes"
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// streams are the command's input and outputs: results go to Out, progress
// and messages to ErrOut.
type streams struct {
	Out, ErrOut io.Writer
	errTTY      bool
}

func systemStreams() *streams {
	return &streams{Out: os.Stdout, ErrOut: os.Stderr,
		errTTY: isatty.IsTerminal(os.Stderr.Fd()) || isatty.IsCygwinTerminal(os.Stderr.Fd())}
}

// testStreams returns streams that write into buffers.
func testStreams() (*streams, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &streams{Out: &out, ErrOut: &errOut}, &out, &errOut
}
