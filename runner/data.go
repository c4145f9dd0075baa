package runner

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/train"
)

// DataLoader gives the dataset of a run.
type DataLoader interface {
	// Load returns the dataset of spec, built once and shared by the runs
	// that need the same one.
	Load(ctx context.Context, spec experiments.RunSpec) (datasets.Dataset, error)
	// Check returns nil when the data of spec is present, or an error saying
	// what is missing and how to obtain it.
	Check(spec experiments.RunSpec) error
	// Task returns the task of spec's data (datasets.Entry.Task), which
	// a run records when it starts.
	Task(spec experiments.RunSpec) (datasets.Task, error)
}

// DataOptions say where datasets live on this machine.
type DataOptions struct {
	// Root is the folder holding one sub-folder per dataset ($REPLICATE_DATA);
	// a dataset's own variable REPLICATE_DATA_<NAME> wins over it.
	Root string
	// MNISTDir replaces the GoMNIST module's folder for the MNIST tasks.
	MNISTDir string
	// CacheDir holds the decoded-and-resized image cache; empty disables it.
	CacheDir string
	// Getenv reads the environment (nil: os.Getenv).
	Getenv func(string) string
}

// NewDataLoader returns a loader that builds each distinct dataset once and
// shares it between the runs (and goroutines) that need it. It asks the
// datasets registry for everything a dataset does.
func NewDataLoader(o DataOptions) DataLoader {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	return &cachedLoader{opts: o, cache: map[string]*entry{}}
}

type entry struct {
	once  sync.Once
	d     datasets.Dataset
	err   error
	skips DataSkips // what a lenient load left out
	told  bool      // whether Skipped has been asked about it
}

type cachedLoader struct {
	opts  DataOptions
	mu    sync.Mutex
	cache map[string]*entry
}

// dataKey names what decides a dataset's contents: its options (and the
// folder a relative path is read from), its folds and seed (generated data
// and MNIST draw with them), and the augmentation of image datasets.
func dataKey(spec experiments.RunSpec) string {
	return fmt.Sprintf("%+v/%s/%d/%d/%v", spec.Dataset, spec.Dir, spec.Folds, spec.Seed, spec.Augment)
}

func (l *cachedLoader) Load(ctx context.Context, spec experiments.RunSpec) (datasets.Dataset, error) {
	id := dataKey(spec)
	l.mu.Lock()
	e, ok := l.cache[id]
	if !ok {
		e = &entry{}
		l.cache[id] = e
	}
	l.mu.Unlock()
	e.once.Do(func() { e.d, e.err = l.build(ctx, spec, &e.skips) })
	return e.d, e.err
}

// Skipped returns what the load of spec's data left out (lenient mode);
// empty before Load.
func (l *cachedLoader) Skipped(spec experiments.RunSpec) (DataSkips, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.cache[dataKey(spec)]
	if !ok {
		return DataSkips{}, false
	}
	first := !e.told
	e.told = true
	return e.skips, first
}

// request returns the registry entry of spec's dataset and what the run
// asks of it, with this machine's folders.
func (l *cachedLoader) request(spec experiments.RunSpec) (*datasets.Entry, datasets.Request, error) {
	e, err := datasets.Lookup(spec.Dataset.Name)
	if err != nil {
		return nil, datasets.Request{}, err
	}
	r := spec.Request()
	r.Root = datasets.ResolveRoot(e.Name, "", func(k string) string {
		if k == datasets.EnvData && l.opts.Root != "" {
			return l.opts.Root
		}
		return l.opts.Getenv(k)
	})
	r.MNISTDir, r.CacheDir = l.opts.MNISTDir, l.opts.CacheDir
	return e, r, nil
}

func (l *cachedLoader) Check(spec experiments.RunSpec) error {
	e, r, err := l.request(spec)
	if err != nil {
		return err
	}
	return e.Present(r)
}

func (l *cachedLoader) Task(spec experiments.RunSpec) (datasets.Task, error) {
	e, r, err := l.request(spec)
	if err != nil {
		return "", err
	}
	return e.Task(r)
}

func (l *cachedLoader) build(ctx context.Context, spec experiments.RunSpec, skips *DataSkips) (datasets.Dataset, error) {
	e, r, err := l.request(spec)
	if err != nil {
		return nil, err
	}
	d, skipped, err := e.Load(ctx, r)
	skips.Dataset = spec.Dataset.Name
	for _, m := range skipped.Malformed {
		skips.Malformed = append(skips.Malformed, m.String())
	}
	for _, b := range skipped.Unreadable {
		skips.Unreadable = append(skips.Unreadable, b.Error())
	}
	return d, err
}

// CheckData reports whether spec can train on d: its loss on d's classes
// and labels (train.CheckData), its batch and network on d's sample shape
// (experiments.CheckShape, the grid's bounds, with the shape the grid
// could not know before loading).
func CheckData(spec experiments.RunSpec, d datasets.Dataset) error {
	info := d.Info()
	if err := train.CheckData(spec.Loss, info); err != nil {
		return err
	}
	shape := datasets.Shape{Sample: 1, Classes: info.Classes}
	dims := d.Shape()
	for _, s := range dims {
		shape.Sample *= s
	}
	if len(dims) == 3 {
		shape.Side = dims[1]
	}
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("experiment %s: %s: %s (with the data's %v samples of %d classes)", spec.Experiment, key, fmt.Sprintf(format, args...), dims, info.Classes)
	}
	return experiments.CheckShape(bad, "profiles."+spec.Profile, spec.Run, shape)
}
