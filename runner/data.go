package runner

import (
	"context"
	"fmt"
	"sync"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/experiments"
)

// DataLoader gives the in-memory dataset of a run.
type DataLoader interface {
	Load(ctx context.Context, spec experiments.RunSpec) (*datasets.Memory, error)
	// Check returns nil when the data of spec is present, or an error saying
	// what is missing and how to obtain it.
	Check(spec experiments.RunSpec) error
}

// DataOptions say where datasets live on this machine.
type DataOptions struct {
	// Root is the folder holding one sub-folder per dataset, or empty.
	Root string
}

// NewDataLoader returns a loader that builds each distinct dataset once and
// shares it between the runs (and goroutines) that need it.
func NewDataLoader(o DataOptions) DataLoader {
	return &cachedLoader{opts: o, cache: map[string]*entry{}}
}

type entry struct {
	once sync.Once
	m    *datasets.Memory
	err  error
}

type cachedLoader struct {
	opts  DataOptions
	mu    sync.Mutex
	cache map[string]*entry
}

func (l *cachedLoader) Load(ctx context.Context, spec experiments.RunSpec) (*datasets.Memory, error) {
	id := fmt.Sprintf("%+v/%d/%d", spec.Dataset, spec.Folds, spec.Seed)
	l.mu.Lock()
	e, ok := l.cache[id]
	if !ok {
		e = &entry{}
		l.cache[id] = e
	}
	l.mu.Unlock()
	e.once.Do(func() { e.m, e.err = l.build(ctx, spec) })
	return e.m, e.err
}

func (l *cachedLoader) build(ctx context.Context, spec experiments.RunSpec) (*datasets.Memory, error) {
	d := spec.Dataset
	switch d.Name {
	case "synthetic":
		return datasets.Synthetic(datasets.SyntheticOptions{
			Classes: d.Classes, PerClass: d.PerClass, Dim: d.Dim, Noise: d.Noise, Folds: spec.Folds, Seed: spec.Seed,
		})
	}
	return nil, fmt.Errorf("dataset %q cannot be loaded yet", d.Name)
}

// Check reports whether the data of spec is present, and if not, what is
// missing and how to get it.
func (l *cachedLoader) Check(spec experiments.RunSpec) error {
	switch spec.Dataset.Name {
	case "synthetic":
		return nil
	}
	return fmt.Errorf("dataset %q cannot be loaded yet", spec.Dataset.Name)
}
