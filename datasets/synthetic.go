package datasets

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// syntheticName is the registry name of the synthetic task.
const syntheticName = "synthetic"

// syntheticEntry registers the seeded synthetic ordinal task of the smoke
// experiment; its options are the spec's classes, per_class, dim and noise.
var syntheticEntry = &Entry{
	Name:    syntheticName,
	Summary: "seeded synthetic ordinal data: classes whose inputs drift with the class, plus noise",
	task:    fixedTask(TaskOrdinal),
	shape: func(s Spec) Shape {
		o := syntheticOptions(s, 0, 0)
		return Shape{Sample: o.Dim, Classes: o.Classes,
			Generated: []Term{{"per_class", o.PerClass}, {"classes", o.Classes}}}
	},
	present: presentAlways,
	load: func(_ context.Context, r Request, _ *Skipped) (Dataset, error) {
		return Synthetic(syntheticOptions(r.Spec, r.Folds, r.Seed))
	},
	check: func(_ context.Context, _ string, _ CheckOptions, rep *CheckResult) error {
		return rep.checkMemory(func() (*Memory, error) { return Synthetic(syntheticOptions(Spec{}, 0, 0)) })
	},
}

// syntheticOptions are the generator's options for a spec, with the
// defaults filled in.
func syntheticOptions(s Spec, folds int, seed uint64) SyntheticOptions {
	o := SyntheticOptions{Classes: s.Classes, PerClass: s.PerClass, Dim: s.Dim, Noise: s.Noise, Folds: folds, Seed: seed}
	o.defaults()
	return o
}

// SyntheticOptions configures the seeded synthetic ordinal dataset.
type SyntheticOptions struct {
	Classes  int     // ordered classes (default 8)
	PerClass int     // samples per class (default 100)
	Dim      int     // input dimension (default 16)
	Noise    float64 // standard deviation of the Gaussian noise (default 1)
	Folds    int     // folds, assigned round-robin within each class (default 2)
	Seed     uint64  // generator seed
}

func (o *SyntheticOptions) defaults() {
	if o.Classes == 0 {
		o.Classes = 8
	}
	if o.PerClass == 0 {
		o.PerClass = 100
	}
	if o.Dim == 0 {
		o.Dim = 16
	}
	if o.Noise == 0 {
		o.Noise = 1
	}
	if o.Folds == 0 {
		o.Folds = 2
	}
}

// Synthetic generates an ordinal dataset whose inputs drift smoothly with the
// class: sample x of class k is m(k/(C−1)) + ε, where m traces a smooth curve
// through R^Dim (each coordinate a sinusoid of the class position with a
// seeded frequency and phase) and ε ~ N(0, Noise²). Neighbouring classes are
// therefore close and distant ones far apart, as for age groups. The same
// options give the same data, bit for bit.
func Synthetic(o SyntheticOptions) (*Memory, error) {
	o.defaults()
	if o.Classes < 2 || o.PerClass < 1 || o.Dim < 1 || o.Folds < 1 || o.Noise < 0 {
		return nil, fmt.Errorf("synthetic: invalid options %+v", o)
	}
	if o.Folds > o.PerClass {
		return nil, fmt.Errorf("synthetic: %d folds need at least as many samples per class, got %d", o.Folds, o.PerClass)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	freq := make([]float64, o.Dim)
	phase := make([]float64, o.Dim)
	for j := range freq {
		freq[j] = 0.5 + rng.Float64()*1.5 // at most 2 half-turns over the class range: smooth
		phase[j] = rng.Float64() * 2 * math.Pi
	}
	n := o.Classes * o.PerClass
	m := &Memory{
		Name: syntheticName, Classes: o.Classes, Ordered: true, SampleShape: []int{o.Dim},
		X: make([]float32, 0, n*o.Dim), Y: make([]int, 0, n), Fold: make([]int, 0, n),
	}
	for k := 0; k < o.Classes; k++ {
		pos := float64(k) / float64(o.Classes-1)
		for i := 0; i < o.PerClass; i++ {
			for j := 0; j < o.Dim; j++ {
				mean := 2 * math.Sin(math.Pi*freq[j]*pos+phase[j])
				m.X = append(m.X, float32(mean+o.Noise*rng.NormFloat64()))
			}
			m.Y = append(m.Y, k)
			m.Fold = append(m.Fold, i%o.Folds)
		}
	}
	return m, m.Validate()
}
