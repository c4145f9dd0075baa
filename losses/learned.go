package losses

import (
	"fmt"
	"math"

	"github.com/replicate-emd/replicate/metrics"
)

// The two learned-distance settings shipped with the paper's code
// (PAPER.md §2): XE-EMD1 and XE-EMD2.
const (
	XEEMD1Mu, XEEMD1Omega = 0.5, 1.0
	XEEMD2Mu, XEEMD2Omega = 0.25, 2.0
)

// LearnedGroundDistance builds the ground-distance matrix the paper learns
// from the network's own features for orderless classes (arXiv 1611.05916;
// update_cost_matrix in its released code). features[n] is the penultimate
// activation of training sample n (post-ReLU, so ≥ 0) and labels[n] its class:
//
//  1. f̂_n = f_n / Σ_j f_n,j                       ℓ1-normalise each feature vector
//  2. c_k = mean of f̂_n over the samples of class k
//  3. D_ij = ‖c_i − c_j‖₂
//  4. D_ij ← (rank_i(D_ij) / C)^ω                  rank within row i, ties averaged
//  5. D ← (D + Dᵀ)/2,  D ← D − μ,  D_ii ← 1
//
// The rank is the "rank" percentile of row i divided by 100: the k-th smallest
// of C distinct values gets k/C (so the zero self-distance gets 1/C) and tied
// values get the mean of their ranks. The result is symmetric with unit
// diagonal and off-diagonal entries in [1/C^ω − μ, 1 − μ]; it is meant for the
// cost-matrix EMD² (CostMatrixEMD2). The shipped settings are μ = 0.5, ω = 1
// (XE-EMD1) and μ = 0.25, ω = 2 (XE-EMD2).
//
// Errors (data problems): classes < 2; a label outside [0, classes); a class
// with no sample; a feature that is NaN, infinite or negative; a feature
// vector that sums to 0 (it cannot be ℓ1-normalised); mu not finite; omega not
// a finite value > 0. No NaN is ever returned.
//
// LearnedGroundDistance panics if len(features) != len(labels) or the
// feature vectors do not all have the same, non-zero length. The inputs are
// not modified.
func LearnedGroundDistance(features [][]float64, labels []int, classes int, mu, omega float64) ([][]float64, error) {
	if len(features) != len(labels) {
		panic(errLength)
	}
	if err := checkLearnedParams(classes, mu, omega); err != nil {
		return nil, err
	}
	centroids, err := classCentroids(features, labels, classes)
	if err != nil {
		return nil, err
	}
	D := newMatrix(classes)
	for i := range D {
		for j := range i {
			d := euclidean(centroids[i], centroids[j])
			D[i][j], D[j][i] = d, d
		}
	}
	rank := newMatrix(classes)
	for i := range D {
		metrics.Ranks(rank[i], D[i]) // 1-based, ties averaged: the percentile rank · C / 100
		for j := range rank[i] {
			rank[i][j] = math.Pow(rank[i][j]/float64(classes), omega)
		}
	}
	for i := range D {
		for j := range D[i] {
			D[i][j] = (rank[i][j]+rank[j][i])/2 - mu
		}
		D[i][i] = 1
	}
	return D, nil
}

func checkLearnedParams(classes int, mu, omega float64) error {
	if classes < 2 {
		return fmt.Errorf("losses: learned distance needs at least 2 classes, got %d", classes)
	}
	if math.IsNaN(mu) || math.IsInf(mu, 0) {
		return fmt.Errorf("losses: mu = %v, want a finite value", mu)
	}
	if !(omega > 0) || math.IsInf(omega, 0) {
		return fmt.Errorf("losses: omega = %v, want a finite value > 0", omega)
	}
	return nil
}

// classCentroids returns the mean ℓ1-normalised feature vector of each class.
func classCentroids(features [][]float64, labels []int, classes int) ([][]float64, error) {
	if len(features) == 0 {
		return nil, fmt.Errorf("losses: learned distance: no samples")
	}
	dim := len(features[0])
	if dim == 0 {
		panic(errBatchShape)
	}
	for _, f := range features {
		if len(f) != dim {
			panic(errBatchShape)
		}
	}
	sums := make([][]float64, classes)
	for k := range sums {
		sums[k] = make([]float64, dim)
	}
	counts := make([]int, classes)
	for n, f := range features {
		y := labels[n]
		if y < 0 || y >= classes {
			return nil, fmt.Errorf("losses: learned distance: sample %d: label %d outside [0, %d)", n, y, classes)
		}
		total, err := featureMass(f)
		if err != nil {
			return nil, fmt.Errorf("losses: learned distance: sample %d: %w", n, err)
		}
		for j, v := range f {
			sums[y][j] += v / total
		}
		counts[y]++
	}
	for k, n := range counts {
		if n == 0 {
			return nil, fmt.Errorf("losses: learned distance: class %d has no sample", k)
		}
		for j := range sums[k] {
			sums[k][j] /= float64(n)
		}
	}
	return sums, nil
}

// featureMass returns Σ f after checking that every entry is finite and ≥ 0
// and the sum is positive and finite.
func featureMass(f []float64) (float64, error) {
	var s float64
	for j, v := range f {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return 0, fmt.Errorf("feature %d is %v, want a finite value ≥ 0 (post-ReLU)", j, v)
		}
		s += v
	}
	if !(s > 0) || math.IsInf(s, 0) {
		return 0, fmt.Errorf("feature vector sums to %v, cannot ℓ1-normalise", s)
	}
	return s, nil
}

// euclidean returns ‖a − b‖₂ without overflow for large entries.
func euclidean(a, b []float64) float64 {
	var scale, ssq float64 = 0, 1
	for i := range a {
		d := math.Abs(a[i] - b[i])
		if d == 0 {
			continue
		}
		if scale < d {
			ssq = 1 + ssq*(scale/d)*(scale/d)
			scale = d
		} else {
			ssq += (d / scale) * (d / scale)
		}
	}
	return scale * math.Sqrt(ssq)
}
