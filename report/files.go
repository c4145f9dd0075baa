package report

import (
	"io"

	"github.com/replicate-emd/replicate/atomicfile"
)

// WriteFileAtomic writes the output of fill to path through a temporary
// file in the same folder, synced and renamed (atomicfile.Write), so that
// an interrupted or failing report never leaves a half-written file. The
// file is readable by all (mode 0644), like one made by os.Create under
// the usual umask.
func WriteFileAtomic(path string, fill func(io.Writer) error) error {
	return atomicfile.Write(path, 0o644, fill)
}
