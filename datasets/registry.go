package datasets

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// Task is the kind of problem a dataset poses. It fixes the metrics a run
// records (metrics.MetricNames), the losses that apply (an ordinal loss
// needs ordered classes) and the columns of the report's tables.
type Task string

// The tasks of the paper's datasets.
const (
	// TaskOrdinal: ordered classes (Adience, Images of Groups, mnist-rotation
	// without its angle): exact and 1-off accuracy, MAE, RPS, QWK.
	TaskOrdinal Task = "ordinal"
	// TaskScored: ordered classes whose samples carry a true continuous
	// score (AADB's aesthetic score, mnist-rotation's angle): Spearman's ρ
	// besides the ordinal metrics.
	TaskScored Task = "scored"
	// TaskOrderless: classes without order (ImageNet, mnist-digits): top-1
	// and top-5.
	TaskOrderless Task = "orderless"
)

// Tasks lists the tasks in a fixed order.
var Tasks = []Task{TaskOrdinal, TaskScored, TaskOrderless}

// Ordered reports whether the task's classes are ordered.
func (t Task) Ordered() bool { return t == TaskOrdinal || t == TaskScored }

// TaskOf returns the task of data described by info: orderless when its
// classes have no order, scored when they are ordered and its samples
// carry a score, ordinal otherwise. Training records this task's metrics.
func TaskOf(info Info) Task {
	switch {
	case !info.Ordered:
		return TaskOrderless
	case info.HasScore:
		return TaskScored
	}
	return TaskOrdinal
}

// Spec is a grid's dataset section: a registered dataset's name and its
// options. A zero field means the dataset's default. Its JSON form is part
// of a run's canonical configuration, so field names and order never
// change; new fields are omitted when zero.
type Spec struct {
	Name     string  `yaml:"name" json:"name"`
	Classes  int     `yaml:"classes,omitempty" json:"classes,omitempty"`     // synthetic: ordered classes
	PerClass int     `yaml:"per_class,omitempty" json:"per_class,omitempty"` // synthetic: samples per class
	Dim      int     `yaml:"dim,omitempty" json:"dim,omitempty"`             // synthetic: input dimension
	Noise    float64 `yaml:"noise,omitempty" json:"noise,omitempty"`         // synthetic: noise standard deviation
	Limit    int     `yaml:"limit,omitempty" json:"limit,omitempty"`         // use at most this many samples (mnist: the first N)
	Size     int     `yaml:"size,omitempty" json:"size,omitempty"`           // image side in pixels after resizing
	Bins     int     `yaml:"bins,omitempty" json:"bins,omitempty"`           // aadb: ordered score bins
	Subset   int     `yaml:"subset,omitempty" json:"subset,omitempty"`       // imagenet: the first N synsets
	Lenient  bool    `yaml:"lenient,omitempty" json:"lenient,omitempty"`     // skip malformed metadata lines instead of failing
	// Path is the file a dataset read from one file takes (features: the
	// CSV); a relative path is relative to the grid file's folder.
	Path string `yaml:"path,omitempty" json:"path,omitempty"`
	// Ordered says that the classes of a dataset that does not know it
	// (features) are ordered.
	Ordered bool `yaml:"ordered,omitempty" json:"ordered,omitempty"`
}

// Merge returns s with the non-zero fields of o written over it (a
// profile's overrides of the grid's dataset section); the booleans are
// set when either sets them.
func (s Spec) Merge(o Spec) Spec {
	if o.Name != "" {
		s.Name = o.Name
	}
	set := func(dst *int, v int) {
		if v != 0 {
			*dst = v
		}
	}
	set(&s.Classes, o.Classes)
	set(&s.PerClass, o.PerClass)
	set(&s.Dim, o.Dim)
	set(&s.Limit, o.Limit)
	set(&s.Size, o.Size)
	set(&s.Bins, o.Bins)
	set(&s.Subset, o.Subset)
	if o.Noise != 0 {
		s.Noise = o.Noise
	}
	if o.Path != "" {
		s.Path = o.Path
	}
	s.Lenient = s.Lenient || o.Lenient
	s.Ordered = s.Ordered || o.Ordered
	return s
}

// Request is what one run asks of its dataset: the grid's section and the
// run's folds, seed and augmentation, and where this machine keeps the
// data.
type Request struct {
	Spec    Spec
	Folds   int    // the grid's number of folds
	Seed    uint64 // the run's seed: generated data, MNIST angles and folds, the Images of Groups draw, missing folds
	Augment bool   // the run trains with augmentation: image datasets stream their images
	// Root is the dataset's folder (ResolveRoot) for datasets read from a
	// folder of images.
	Root string
	// MNISTDir replaces the default folder of the MNIST-format datasets.
	MNISTDir string
	// CacheDir holds the decoded-image cache; "" disables it.
	CacheDir string
	// Dir is the folder a relative Spec.Path is relative to: the grid
	// file's folder ("" for the working folder).
	Dir string
}

// Path returns Spec.Path resolved against Dir.
func (r Request) Path() string {
	if r.Spec.Path == "" || filepath.IsAbs(r.Spec.Path) {
		return r.Spec.Path
	}
	return filepath.Join(r.Dir, r.Spec.Path)
}

// Shape is what the size checks of a grid know of a dataset's samples
// before loading it. A zero field is unknown until the data is read.
type Shape struct {
	Sample  int // values per sample: d for feature vectors, c·h·w for images
	Side    int // image side in pixels; 0 for feature vectors
	Classes int
	// Generated are the factors of the number of samples of generated
	// data (synthetic: per_class, classes), named by their keys; nil for
	// data read from files.
	Generated []Term
}

// Term is one named factor of a size.
type Term struct {
	Key   string
	Value int
}

// Skipped is what a lenient load left out of a dataset.
type Skipped struct {
	Malformed  []LineIssue   // malformed metadata lines
	Unreadable []*ImageError // images missing or that could not be read
}

// Entry is one dataset of the registry: its name, its task, how to tell
// whether this machine has it, how to load it for a run and how to check
// a copy of it (`replicate data check`). Entries are declared next to
// their loaders and listed in registry.
type Entry struct {
	Name    string   // the name grids and `data check` use
	Aliases []string // other names Lookup accepts
	Summary string   // one line: what it is
	// ClassNames name the classes, when the dataset fixes them; nil when
	// they come from the data (or are just indices).
	ClassNames []string
	// Images is set for datasets read from a folder of image files, which
	// needs a root (--data-root, REPLICATE_DATA_<NAME>).
	Images bool
	// GroupKey names the metadata field whose value groups samples that
	// must stay on one side of a split (Sample.Group; Adience: user_id);
	// "" when samples are independent.
	GroupKey string
	// File is set for datasets read from one file named by Spec.Path.
	File bool

	task    func(Spec) Task             // the task, from the spec alone
	probe   func(Request) (Task, error) // the task, when the data's file decides it (nil: task)
	shape   func(Spec) Shape
	present func(Request) error
	load    func(context.Context, Request, *Skipped) (Dataset, error)
	check   func(ctx context.Context, root string, o CheckOptions, rep *CheckResult) error
}

// registry lists the datasets, in the order of the package doc. A new
// dataset is one file declaring its Entry, plus its line here.
var registry = []*Entry{
	syntheticEntry,
	mnistRotationEntry,
	mnistDigitsEntry,
	fashionMNISTEntry,
	adienceEntry,
	iogEntry,
	aadbEntry,
	imagenetEntry,
	featuresEntry,
}

// Names returns the names of the registered datasets, in registry order.
func Names() []string {
	out := make([]string, len(registry))
	for i, e := range registry {
		out[i] = e.Name
	}
	return out
}

// Entries returns the registered datasets, in registry order.
func Entries() []*Entry { return slices.Clone(registry) }

// Lookup returns the dataset registered under name (or one of its
// aliases). An unknown name gives an error wrapping ErrUnknownDataset that
// lists the known ones.
func Lookup(name string) (*Entry, error) {
	for _, e := range registry {
		if e.Name == name || slices.Contains(e.Aliases, name) {
			return e, nil
		}
	}
	return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownDataset, name, strings.Join(Names(), ", "))
}

// Ordered reports whether the classes of the dataset spec describes are
// ordered (the ordinal losses need it).
func (e *Entry) Ordered(s Spec) bool { return e.task(s).Ordered() }

// Task returns the task of a run's data. Most datasets fix it; one whose
// file decides it (features: a score column) reads the file's header.
func (e *Entry) Task(r Request) (Task, error) {
	if e.probe != nil {
		return e.probe(r)
	}
	return e.task(r.Spec), nil
}

// Shape returns what is known of the samples of the dataset spec describes
// before it is loaded.
func (e *Entry) Shape(s Spec) Shape { return e.shape(s) }

// Validate checks the dataset section against the dataset: a file-read
// dataset needs a path, the others take none (nor an order, which they
// know). It returns the YAML key under the section and the message.
func (e *Entry) Validate(s Spec) (key, msg string, ok bool) {
	switch {
	case e.File && s.Path == "":
		return "path", fmt.Sprintf("dataset %s reads one file: give its path", e.Name), false
	case !e.File && s.Path != "":
		return "path", fmt.Sprintf("dataset %s reads no file named in the grid", e.Name), false
	case !e.File && s.Ordered:
		return "ordered", fmt.Sprintf("dataset %s knows whether its classes are ordered", e.Name), false
	}
	return "", "", true
}

// Present returns nil when this machine has the data of r, or an error
// saying what is missing and how to obtain it.
func (e *Entry) Present(r Request) error { return e.present(r) }

// Load builds the dataset of one run, and says what a lenient load left
// out.
func (e *Entry) Load(ctx context.Context, r Request) (Dataset, Skipped, error) {
	var s Skipped
	d, err := e.load(ctx, r, &s)
	return d, s, err
}

// presentAlways is the Present of generated data.
func presentAlways(Request) error { return nil }

// fixedTask returns the task function of a dataset whose task never
// changes.
func fixedTask(t Task) func(Spec) Task { return func(Spec) Task { return t } }

// orDefault returns v, or def when v is 0 (the dataset's default).
func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
