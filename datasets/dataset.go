package datasets

import (
	"context"
	"fmt"
	"math"
	"sort"
)

// Info describes a dataset's task.
type Info struct {
	Name       string   `json:"name"`        // dataset name
	Classes    int      `json:"classes"`     // number of classes; labels are 0..Classes-1
	Ordered    bool     `json:"ordered"`     // whether the classes are ordered
	ClassNames []string `json:"class_names"` // one name per class (may be nil)
	FoldNames  []string `json:"fold_names"`  // one name per fold or split (may be nil)
	HasScore   bool     `json:"has_score"`   // whether samples carry a continuous score
	// SoftTargets says that samples may carry a target distribution
	// (Sample.Target) instead of a single label.
	SoftTargets bool `json:"soft_targets,omitempty"`
}

// Sample is one labelled item of a dataset, without its pixels or features.
type Sample struct {
	ID     string  // identifier, unique within the dataset
	Path   string  // image file, relative to the list's Root ("" when there is none)
	Box    Box     // region of the image to use (zero: the whole image)
	Label  int     // class, 0..Classes-1
	Fold   int     // fold or split index
	Score  float64 // continuous score; NaN when the dataset has none
	Source string  // where the sample was defined, "file:line" (may be empty)
	// Group is the sample's group key, "" for none: samples of one group
	// (Adience: one subject, user_id) must stay on one side of a split,
	// so that validation never sees a face the network trained on.
	Group string
	// Target is the sample's target distribution over the classes (e.g.
	// rater histograms, normalised), nil for a hard label. Label is then
	// its most likely class; the losses that take soft targets train on
	// the distribution, and the expected-value metrics compare with its
	// mean class.
	Target []float64
}

// Box is a rectangle in image pixel coordinates, [X0, X1) × [Y0, Y1). The
// zero Box means the whole image.
type Box struct {
	X0, Y0 float64 // top-left corner
	X1, Y1 float64 // bottom-right corner (exclusive)
}

// Empty reports whether b is the zero (whole image) box or degenerate.
func (b Box) Empty() bool { return !(b.X1 > b.X0 && b.Y1 > b.Y0) }

// View selects how a sample is turned into a tensor: the augmentation of a
// training epoch, or the deterministic evaluation view.
type View struct {
	Train  bool // random crop and the augmentations switched on; else centre crop
	Epoch  int  // epoch number; with the seed and the sample index it fixes the random draws
	Mirror bool // mirror horizontally (evaluation view; in training mirroring is random)
}

// Dataset is the interface every source offers: a list of samples, each with
// a label and a fold, and a way to get one sample's tensor (an image through
// the pipeline, or a feature vector). Implementations: *Memory (features and
// small images held in memory) and *ImageSet (images loaded one at a time).
type Dataset interface {
	// Info describes the task.
	Info() Info
	// Len returns the number of samples.
	Len() int
	// Sample returns the metadata of sample i, 0 ≤ i < Len().
	Sample(i int) Sample
	// Shape returns the shape of one tensor: [d] for feature vectors,
	// [c h w] for images.
	Shape() []int
	// Tensor writes sample i's values into dst (allocated when too short)
	// and returns it. It returns an *ImageError for a missing or undecodable
	// image and ctx.Err() when cancelled.
	Tensor(ctx context.Context, i int, v View, dst []float32) ([]float32, error)
}

// Drop reasons reported in LoadSummary.Dropped.
const (
	DropAgeNone      = "age None"                           // Adience: the age column says None
	DropRangeOffGrid = "age range not inside one group"     // Adience: e.g. (38, 48), (8, 23)
	DropNumberInGap  = "age number between groups"          // Adience: e.g. 35, 13, 22
	DropNotInSplit   = "not selected by the split"          // Images of Groups: outside the train/test draw
	DropClassSubset  = "class outside the requested subset" // ImageNet: classes not asked for
)

// LineIssue is a malformed line that was skipped in lenient mode.
type LineIssue struct {
	File    string `json:"file"`    // file, relative to the root
	Line    int    `json:"line"`    // 1-based line (0: the whole file)
	Message string `json:"message"` // what was expected
}

// String formats the issue as file:line: message.
func (l LineIssue) String() string {
	if l.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", l.File, l.Line, l.Message)
	}
	return fmt.Sprintf("%s: %s", l.File, l.Message)
}

// LoadSummary says what a loader read, kept and left out.
type LoadSummary struct {
	Files     []string       `json:"files"`     // metadata files read, relative to the root
	Rows      int            `json:"rows"`      // well-formed data rows read
	Kept      int            `json:"kept"`      // rows that became samples
	Dropped   map[string]int `json:"dropped"`   // rows left out, by reason (Drop* constants)
	Malformed []LineIssue    `json:"malformed"` // malformed lines skipped (lenient mode only)
}

func (r *LoadSummary) drop(reason string) {
	if r.Dropped == nil {
		r.Dropped = make(map[string]int)
	}
	r.Dropped[reason]++
}

// addIssue records a skipped line from a *ParseError.
func (r *LoadSummary) addIssue(e *ParseError) {
	r.Malformed = append(r.Malformed, e.issue())
}

// DroppedTotal returns the number of dropped rows over all reasons.
func (r *LoadSummary) DroppedTotal() int {
	n := 0
	for _, c := range r.Dropped {
		n += c
	}
	return n
}

// DropReasons returns the drop reasons sorted by name.
func (r *LoadSummary) DropReasons() []string {
	keys := make([]string, 0, len(r.Dropped))
	for k := range r.Dropped {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// List is a dataset's sample list: metadata only, images stay on disk. Its
// image paths are relative to Root. Wrap it in an ImageSet (NewImageSet) to
// load tensors through a Pipeline.
type List struct {
	Name       string       // dataset name
	Classes    int          // number of classes
	Ordered    bool         // whether classes are ordered
	ClassNames []string     // one name per class
	FoldNames  []string     // one name per fold or split
	HasScore   bool         // whether Sample.Score is set
	Root       string       // folder the sample paths are relative to
	Samples    []Sample     // the samples
	Summary    *LoadSummary // what the loader read and left out
}

// Info describes the task.
func (l *List) Info() Info {
	return Info{Name: l.Name, Classes: l.Classes, Ordered: l.Ordered,
		ClassNames: l.ClassNames, FoldNames: l.FoldNames, HasScore: l.HasScore}
}

// Len returns the number of samples.
func (l *List) Len() int { return len(l.Samples) }

// Sample returns sample i.
func (l *List) Sample(i int) Sample { return l.Samples[i] }

// Split returns the indices of the samples whose fold is (test) and is not
// (train) the given fold.
func (l *List) Split(fold int) (train, test []int) {
	for i, s := range l.Samples {
		if s.Fold == fold {
			test = append(test, i)
		} else {
			train = append(train, i)
		}
	}
	return train, test
}

// Subset returns a new list holding the samples at idx, in that order.
func (l *List) Subset(idx []int) *List {
	c := *l
	c.Samples = make([]Sample, len(idx))
	for k, i := range idx {
		c.Samples[k] = l.Samples[i]
	}
	return &c
}

// ClassCounts returns the number of samples per class.
func (l *List) ClassCounts() []int {
	n := make([]int, l.Classes)
	for _, s := range l.Samples {
		if s.Label >= 0 && s.Label < l.Classes {
			n[s.Label]++
		}
	}
	return n
}

// FoldCounts returns the number of samples per fold (len: max fold + 1, at
// least len(FoldNames)).
func (l *List) FoldCounts() []int {
	n := make([]int, len(l.FoldNames))
	for _, s := range l.Samples {
		for s.Fold >= len(n) {
			n = append(n, 0)
		}
		if s.Fold >= 0 {
			n[s.Fold]++
		}
	}
	return n
}

// Validate checks labels, folds and scores against the list's fields.
func (l *List) Validate() error {
	if l.Classes < 2 {
		return fmt.Errorf("%s: want at least 2 classes, got %d", l.Name, l.Classes)
	}
	for i, s := range l.Samples {
		if s.Label < 0 || s.Label >= l.Classes {
			return fmt.Errorf("%s: sample %d (%s): label %d outside [0, %d)", l.Name, i, s.ID, s.Label, l.Classes)
		}
		if s.Fold < 0 {
			return fmt.Errorf("%s: sample %d (%s): negative fold %d", l.Name, i, s.ID, s.Fold)
		}
		if l.HasScore && (math.IsNaN(s.Score) || math.IsInf(s.Score, 0)) {
			return fmt.Errorf("%s: sample %d (%s): score %v", l.Name, i, s.ID, s.Score)
		}
	}
	return nil
}

// foldNames returns "fold 0" … "fold k-1".
func foldNames(k int) []string {
	s := make([]string, k)
	for i := range s {
		s[i] = fmt.Sprintf("fold %d", i)
	}
	return s
}
