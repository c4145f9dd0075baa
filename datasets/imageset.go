package datasets

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
)

// ImageSet is a List whose samples are images loaded one at a time through
// a Pipeline: the way to train on image datasets too large to hold in memory
// (ImageNet), and, with a Cache, without decoding twice.
type ImageSet struct {
	List     *List     // the samples
	Pipeline *Pipeline // how their images become tensors
}

// NewImageSet binds a list to a pipeline.
func NewImageSet(l *List, p *Pipeline) *ImageSet { return &ImageSet{List: l, Pipeline: p} }

// Info describes the task.
func (s *ImageSet) Info() Info { return s.List.Info() }

// Len returns the number of samples.
func (s *ImageSet) Len() int { return s.List.Len() }

// Sample returns the metadata of sample i.
func (s *ImageSet) Sample(i int) Sample { return s.List.Samples[i] }

// Shape returns the pipeline's tensor shape [c h w].
func (s *ImageSet) Shape() []int { return s.Pipeline.Shape() }

// Path returns the file of sample i.
func (s *ImageSet) Path(i int) string {
	return filepath.Join(s.List.Root, s.List.Samples[i].Path)
}

// Tensor loads sample i through the pipeline; the sample index i seeds its
// augmentation together with the pipeline seed and v.Epoch.
func (s *ImageSet) Tensor(ctx context.Context, i int, v View, dst []float32) ([]float32, error) {
	smp := s.List.Samples[i]
	if smp.Path == "" {
		return dst, fmt.Errorf("%s: sample %s has no image", s.List.Name, smp.ID)
	}
	return s.Pipeline.Load(ctx, s.Path(i), smp.Box, i, v, dst)
}

// MaterializeOptions configures Materialize.
type MaterializeOptions struct {
	// Indices selects the samples (nil: all), in the order given.
	Indices []int
	// MaxSamples refuses to materialise more samples than this (0: 50,000),
	// so that an ImageNet-size list is never loaded whole by mistake.
	MaxSamples int
	// SkipBad leaves out samples whose image is missing or unreadable
	// (returning them) instead of failing on the first.
	SkipBad bool
	// Workers is the number of parallel loaders (0: GOMAXPROCS).
	Workers int
	// View is the view of every sample (zero: the evaluation centre crop).
	View View
}

// Materialize loads the samples of d into a Memory (the form training
// consumes for small datasets). Images missing or unreadable fail the call
// unless SkipBad is set; the skipped ones are returned as *ImageError.
func Materialize(ctx context.Context, d Dataset, opts MaterializeOptions) (*Memory, []*ImageError, error) {
	idx := opts.Indices
	if idx == nil {
		idx = make([]int, d.Len())
		for i := range idx {
			idx[i] = i
		}
	}
	limit := opts.MaxSamples
	if limit == 0 {
		limit = 50000
	}
	info := d.Info()
	if len(idx) > limit {
		return nil, nil, fmt.Errorf("%s: %d samples, limit %d: %w", info.Name, len(idx), limit, ErrTooLarge)
	}
	shape := append([]int(nil), d.Shape()...)
	dim := 1
	for _, s := range shape {
		dim *= s
	}
	x := make([]float32, len(idx)*dim)
	bad := make([]error, len(idx))
	if err := parallel(ctx, len(idx), opts.Workers, func(k int) error {
		_, err := d.Tensor(ctx, idx[k], opts.View, x[k*dim:(k+1)*dim])
		var ie *ImageError
		if err != nil && opts.SkipBad && errors.As(err, &ie) {
			bad[k] = ie
			return nil
		}
		return err
	}); err != nil {
		return nil, nil, err
	}
	m := &Memory{Name: info.Name, Classes: info.Classes, Ordered: info.Ordered, SampleShape: shape,
		ClassNames: info.ClassNames, FoldNames: info.FoldNames}
	var skipped []*ImageError
	for k, i := range idx {
		if bad[k] != nil {
			skipped = append(skipped, bad[k].(*ImageError))
			continue
		}
		s := d.Sample(i)
		m.X = append(m.X, x[k*dim:(k+1)*dim]...)
		m.Y = append(m.Y, s.Label)
		m.Fold = append(m.Fold, s.Fold)
		m.IDs = append(m.IDs, s.ID)
		m.Groups = append(m.Groups, s.Group)
		if info.HasScore {
			m.Score = append(m.Score, s.Score)
		}
	}
	if m.Len() == 0 {
		return nil, skipped, fmt.Errorf("%s: no sample left to materialise", info.Name)
	}
	return m, skipped, m.Validate()
}

// Materialize loads the list's images at size×size (short side resized to
// size, centre crop, normalised) into a Memory. cache may be nil.
func (l *List) Materialize(ctx context.Context, size int, cache *Cache, opts MaterializeOptions) (*Memory, []*ImageError, error) {
	p, err := NewPipeline(PipelineOptions{Crop: size, Resize: size, Cache: cache})
	if err != nil {
		return nil, nil, err
	}
	return Materialize(ctx, NewImageSet(l, p), opts)
}

// parallel runs fn(0..n-1) on workers goroutines and returns the first
// error; it stops handing out work after an error or cancellation.
func parallel(ctx context.Context, n, workers int, fn func(int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(n, 1))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		first error
		next  int
		wg    sync.WaitGroup
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if first != nil || next >= n {
			return 0, false
		}
		next++
		return next - 1, true
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k, ok := take()
				if !ok {
					return
				}
				err := ctx.Err()
				if err == nil {
					err = fn(k)
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}
