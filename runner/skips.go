package runner

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/replicate-emd/replicate/experiments"
)

// DataSkips is what a lenient load left out of a run's data: malformed
// metadata lines and images that could not be read. A run records it as
// its artifact SkipsArtifact and the runner prints it, so that nothing is
// dropped without a word.
type DataSkips struct {
	Dataset    string   `json:"dataset"`
	Malformed  []string `json:"malformed"`  // "file:line: message"
	Unreadable []string `json:"unreadable"` // "path: why"
}

// SkipsArtifact is the name of the artifact that records a run's DataSkips.
const SkipsArtifact = "data/skipped"

// Empty reports whether nothing was left out.
func (s DataSkips) Empty() bool { return len(s.Malformed) == 0 && len(s.Unreadable) == 0 }

// String says in one line what was left out, with the first few examples.
func (s DataSkips) String() string {
	var parts []string
	if n := len(s.Malformed); n > 0 {
		parts = append(parts, fmt.Sprintf("%d malformed line(s) (%s)", n, firstFew(s.Malformed)))
	}
	if n := len(s.Unreadable); n > 0 {
		parts = append(parts, fmt.Sprintf("%d missing or unreadable image(s) (%s)", n, firstFew(s.Unreadable)))
	}
	return fmt.Sprintf("%s: lenient: skipped %s", s.Dataset, strings.Join(parts, " and "))
}

func firstFew(xs []string) string {
	const few = 3
	if len(xs) <= few {
		return strings.Join(xs, "; ")
	}
	return strings.Join(xs[:few], "; ") + fmt.Sprintf("; … %d more", len(xs)-few)
}

// json returns the artifact's content.
func (s DataSkips) json() []byte {
	b, _ := json.Marshal(s) // strings only: cannot fail
	return b
}

// skipsReporter is implemented by a DataLoader that can say what a lenient
// load of a spec's data left out; first is true for the first call about
// that load, so that it is printed once and recorded on every run.
type skipsReporter interface {
	Skipped(spec experiments.RunSpec) (s DataSkips, first bool)
}
