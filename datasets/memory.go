package datasets

import (
	"context"
	"fmt"
	"math"
)

// Memory is a dataset held in memory as one row-major float32 block: sample i
// occupies X[i*Dim() : (i+1)*Dim()] and has label Y[i] and fold Fold[i].
// It is what training consumes for feature vectors and small images.
type Memory struct {
	Name        string    // dataset name, for messages
	Classes     int       // number of classes; labels are 0..Classes-1
	Ordered     bool      // whether the classes are ordered (ordinal task)
	SampleShape []int     // shape of one sample: [d] for features, [c h w] for images
	X           []float32 // len(Y) × Dim() values
	Y           []int     // labels
	Fold        []int     // fold (or split) index per sample
	Score       []float64 // optional continuous score per sample (nil if none)
	ClassNames  []string  // optional name per class
	FoldNames   []string  // optional name per fold or split
	IDs         []string  // optional identifier per sample
	Groups      []string  // optional group key per sample (see Sample.Group)
	// Targets, when not nil, holds a target distribution per sample
	// (len(Y) × Classes, each row summing to 1; see Sample.Target); Y[i]
	// is then the most likely class of row i.
	Targets []float64
}

// Target returns the target distribution of sample i (a view), or nil when
// the dataset has hard labels only.
func (m *Memory) Target(i int) []float64 {
	if m.Targets == nil {
		return nil
	}
	return m.Targets[i*m.Classes : (i+1)*m.Classes]
}

// Dim returns the number of values in one sample.
func (m *Memory) Dim() int {
	d := 1
	for _, s := range m.SampleShape {
		d *= s
	}
	return d
}

// Len returns the number of samples.
func (m *Memory) Len() int { return len(m.Y) }

// Row returns the values of sample i (a view, not a copy).
func (m *Memory) Row(i int) []float32 {
	d := m.Dim()
	return m.X[i*d : (i+1)*d]
}

// Validate checks that the fields agree with each other.
func (m *Memory) Validate() error {
	if m.Classes < 2 {
		return fmt.Errorf("%s: want at least 2 classes, got %d", m.Name, m.Classes)
	}
	if len(m.X) != len(m.Y)*m.Dim() {
		return fmt.Errorf("%s: %d values for %d samples of %d", m.Name, len(m.X), len(m.Y), m.Dim())
	}
	if len(m.Fold) != len(m.Y) {
		return fmt.Errorf("%s: %d folds for %d samples", m.Name, len(m.Fold), len(m.Y))
	}
	if m.Score != nil && len(m.Score) != len(m.Y) {
		return fmt.Errorf("%s: %d scores for %d samples", m.Name, len(m.Score), len(m.Y))
	}
	if m.IDs != nil && len(m.IDs) != len(m.Y) {
		return fmt.Errorf("%s: %d ids for %d samples", m.Name, len(m.IDs), len(m.Y))
	}
	if m.Groups != nil && len(m.Groups) != len(m.Y) {
		return fmt.Errorf("%s: %d group keys for %d samples", m.Name, len(m.Groups), len(m.Y))
	}
	if m.Targets != nil && len(m.Targets) != len(m.Y)*m.Classes {
		return fmt.Errorf("%s: %d target values for %d samples of %d classes", m.Name, len(m.Targets), len(m.Y), m.Classes)
	}
	for i, t := range m.Targets {
		if !(t >= 0) || math.IsInf(t, 0) {
			return fmt.Errorf("%s: sample %d: target %v", m.Name, i/m.Classes, t)
		}
	}
	for i, y := range m.Y {
		if y < 0 || y >= m.Classes {
			return fmt.Errorf("%s: sample %d: label %d outside [0, %d)", m.Name, i, y, m.Classes)
		}
	}
	return nil
}

// Split returns the indices of the samples whose fold is (test) and is not
// (train) the given fold: the "test on fold i, train on the others" protocol.
func (m *Memory) Split(fold int) (train, test []int) {
	for i, f := range m.Fold {
		if f == fold {
			test = append(test, i)
		} else {
			train = append(train, i)
		}
	}
	return train, test
}

// Info describes the task; it makes *Memory a Dataset.
func (m *Memory) Info() Info {
	return Info{Name: m.Name, Classes: m.Classes, Ordered: m.Ordered,
		ClassNames: m.ClassNames, FoldNames: m.FoldNames, HasScore: m.Score != nil, SoftTargets: m.Targets != nil}
}

// Sample returns the metadata of sample i (its values are Row(i)).
func (m *Memory) Sample(i int) Sample {
	s := Sample{Label: m.Y[i], Fold: m.Fold[i], Score: math.NaN()}
	if m.Score != nil {
		s.Score = m.Score[i]
	}
	if m.IDs != nil {
		s.ID = m.IDs[i]
	}
	if m.Groups != nil {
		s.Group = m.Groups[i]
	}
	s.Target = m.Target(i)
	return s
}

// Shape returns SampleShape.
func (m *Memory) Shape() []int { return m.SampleShape }

// Tensor copies Row(i) into dst. In-memory samples are not augmented: the
// view is ignored, except that View.Mirror flips [c h w] images
// horizontally.
func (m *Memory) Tensor(ctx context.Context, i int, v View, dst []float32) ([]float32, error) {
	if err := ctx.Err(); err != nil {
		return dst, err
	}
	d := m.Dim()
	if cap(dst) < d {
		dst = make([]float32, d)
	}
	dst = dst[:d]
	row := m.Row(i)
	if v.Mirror && len(m.SampleShape) == 3 {
		w := m.SampleShape[2]
		for r := 0; r < d; r += w {
			for x := 0; x < w; x++ {
				dst[r+x] = row[r+w-1-x]
			}
		}
		return dst, nil
	}
	copy(dst, row)
	return dst, nil
}
