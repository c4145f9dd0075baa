package train

import (
	"context"
	"encoding/json"
	"fmt"
)

// learnDistance learns the ground distance from the penultimate features
// of the training samples (network in evaluation mode, mirror-averaged
// with cfg.Mirror), puts it into the training graph for the next epoch and
// hands it to opts.Artifact.
//
// PAPER.md §2 ℓ1-normalises every feature vector and averages them per
// class; the centroids are accumulated here as the features stream past,
// so that memory does not grow with the dataset, and then passed to the
// learned-distance routine as one (already normalised) sample per class,
// which gives the same matrix. A feature vector that is all zero (every
// unit inactive) cannot be normalised and is left out of its centroid; a
// class left with no vector is an error.
func (r *run) learnDistance(ctx context.Context, epoch int, opts Options) error {
	c := r.classes
	var sums [][]float64
	counts := make([]int, c)
	skipped := 0
	err := r.predict(ctx, r.trainIdx, func(i int, _, f []float64, _ float64) {
		if sums == nil {
			sums = make([][]float64, c)
			for k := range sums {
				sums[k] = make([]float64, len(f))
			}
		}
		mass := 0.0
		for _, v := range f {
			mass += v
		}
		if !(mass > 0) {
			skipped++
			return
		}
		y := r.labels[r.trainIdx[i]]
		for j, v := range f {
			sums[y][j] += v / mass
		}
		counts[y]++
	}, true)
	if err != nil {
		return err
	}
	for k := range sums {
		if counts[k] == 0 {
			return fmt.Errorf("learned distance after epoch %d: class %d has no training sample with a nonzero feature vector (%d all-zero vectors left out)", epoch, k, skipped)
		}
		for j := range sums[k] {
			sums[k][j] /= float64(counts[k])
		}
	}
	classes := make([]int, c)
	for k := range classes {
		classes[k] = k
	}
	d, err := r.spec.LearnDistance(sums, classes, c)
	if err != nil {
		return fmt.Errorf("learned distance after epoch %d: %w", epoch, err)
	}
	r.setGround(d)
	if skipped > 0 && opts.Warn != nil {
		opts.Warn(fmt.Sprintf("learned distance after epoch %d: %d all-zero feature vectors left out", epoch, skipped))
	}
	if opts.Artifact == nil {
		return nil
	}
	b, err := json.Marshal(struct {
		Classes int         `json:"classes"`
		Values  [][]float64 `json:"values"`
	}{c, d})
	if err != nil {
		return err
	}
	return opts.Artifact(Artifact{Name: fmt.Sprintf("ground_distance/epoch-%03d", epoch), Kind: "matrix", Epoch: epoch, Data: b})
}
