package experiments

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/models"
	"github.com/replicate-emd/replicate/settings"
)

// The bounds on the sizes of a grid. A value past them cannot run on one
// machine (or overflows the products the loaders and gorgonia compute, and
// panics there), so Validate refuses it with the file and key instead. Each
// bound sits orders of magnitude above what the paper's grids use, so no
// real grid meets it.
const (
	// maxTensorElements bounds every single tensor a grid implies: the
	// synthetic inputs (per_class × classes × dim), one batch of inputs
	// (batch_size × sample size), a weight matrix (in × out) and one
	// convolution block's activations. 2^30 values are 4 GiB in float32
	// and 8 GiB in float64, before the gradient and momentum copies that
	// training keeps beside the weights.
	maxTensorElements = 1 << 30

	// maxSamples bounds the samples of a dataset (per_class, classes ×
	// per_class, limit): the loaders keep a label, a fold and a place in
	// each epoch's permutation per sample. 2^24 ≈ 16.8 million is 13 times
	// ImageNet's 1.28 million training images.
	maxSamples = 1 << 24

	// maxClasses bounds classes, bins and subset: the learned ground
	// distance is a classes × classes float64 matrix, 800 MB at 10,000
	// classes (ImageNet has 1,000).
	maxClasses = 10_000

	// maxImageSide bounds size, the image side in pixels: the image
	// pipeline refuses crops beyond 4,096 (datasets.NewPipeline), and one
	// 4096×4096 RGB image is 200 MB in float32. The paper uses 227.
	maxImageSide = 4096

	// maxWidth bounds each hidden width and convolution channel count:
	// 16 times AlexNet's widest fully connected layer (4,096). The product
	// bounds below catch wide layers that are fine alone but not together.
	maxWidth = 1 << 16

	// maxLayers bounds the number of hidden layers and of convolution
	// blocks. The deepest network here (face AlexNet) has 3 convolution
	// blocks and 2 hidden layers; each 2×2 pool of the cnn halves the
	// image, so more than a dozen blocks cannot fit any image anyway.
	maxLayers = 64

	// maxFolds bounds folds: the fold list has one entry per fold, and a
	// dataset needs at least one sample per fold and class. 10,000 is
	// 2,000 times the paper's 5 folds; maxRuns caps what they expand to.
	maxFolds = 10_000

	// maxSeeds bounds the number of seeds, 1,000 times the paper's
	// largest (3); maxRuns caps what they expand to.
	maxSeeds = 1000

	// maxEpochs bounds epochs and warmup_epochs: every epoch writes a row
	// per metric and split. 10,000 is 60 times the paper's 160; at the
	// paper's decay of 0.995 per epoch the learning rate has fallen by
	// 10^-21 long before.
	maxEpochs = 10_000

	// maxBatchSize bounds batch_size: 2,048 times the paper's 32. Training
	// clamps the batch to the training set, but the batch tensor bound
	// (batch_size × sample size ≤ maxTensorElements) applies as declared.
	maxBatchSize = 1 << 16

	// maxRuns bounds the runs a grid expands to under one profile: each is
	// a RunSpec in memory, a row in the database and at least one
	// training. The paper's largest grid has 60 runs; 100,000 expand, with
	// their keys, in under half a second on two cores.
	maxRuns = 100_000
)

// checkFinite returns the key and value of the first NaN or ±Inf float in
// g, walking every field in a fixed order, so that no float in any section
// (today's or a future one) reaches RunSpec.Canonical, whose JSON cannot
// encode them.
func checkFinite(g *Grid) (string, float64, bool) {
	return nonFinite(reflect.ValueOf(g).Elem(), "")
}

func nonFinite(v reflect.Value, key string) (string, float64, bool) {
	join := func(name string) string {
		if key == "" {
			return name
		}
		return key + "." + name
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return key, f, true
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return nonFinite(v.Elem(), key)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			fieldKey := key // an inline struct's keys sit in its parent
			if opts != "inline" {
				if name == "" {
					name = strings.ToLower(f.Name) // yaml.v3's default key
				}
				fieldKey = join(name)
			}
			if k, x, ok := nonFinite(v.Field(i), fieldKey); ok {
				return k, x, true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if k, x, ok := nonFinite(v.Index(i), fmt.Sprintf("%s[%d]", key, i)); ok {
				return k, x, true
			}
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			return strings.Compare(fmt.Sprint(a.Interface()), fmt.Sprint(b.Interface()))
		})
		for _, mk := range keys {
			if k, x, ok := nonFinite(v.MapIndex(mk), join(fmt.Sprint(mk.Interface()))); ok {
				return k, x, true
			}
		}
	}
	return "", 0, false
}

// boundedProduct returns the product of xs (each ≥ 0) and whether it is at
// most limit; it never overflows.
func boundedProduct(limit int, xs ...int) (int, bool) {
	p := 1
	for _, x := range xs {
		if x != 0 && p > limit/x {
			return 0, false
		}
		p *= x
	}
	return p, p <= limit
}

// sizeErr builds the errors of the size checks.
type sizeErr func(key, format string, args ...any) error

// checkCount checks an integer that must lie in [lo, hi].
func checkCount(bad sizeErr, key string, v, lo, hi int, why string) error {
	switch {
	case v < lo:
		return bad(key, "must be at least %d, got %d", lo, v)
	case v > hi:
		return bad(key, "must be at most %d (%s), got %d", hi, why, v)
	}
	return nil
}

// checkGridSizes bounds the grid-level sizes: folds, test folds, seeds and
// the dataset section.
func (g *Grid) checkGridSizes(bad sizeErr) error {
	if err := checkCount(bad, "folds", g.Folds, 1, maxFolds, "2,000 times the paper's 5"); err != nil {
		return err
	}
	if i, ok := duplicate(g.TestFolds); ok {
		return bad(fmt.Sprintf("test_folds[%d]", i), "fold %d is listed twice", g.TestFolds[i])
	}
	if len(g.Seeds) > maxSeeds {
		return bad("seeds", "must list at most %d seeds, got %d", maxSeeds, len(g.Seeds))
	}
	return checkDataFields(bad, "dataset", g.Dataset)
}

// checkDataFields checks each number of a dataset section on its own: zero
// means the dataset's default, so only negative and huge values are wrong.
func checkDataFields(bad sizeErr, key string, d datasets.Spec) error {
	fields := []struct {
		name    string
		v, max  int
		why     string
		twoOrUp bool // a class count: 1 is no classification
	}{
		{"classes", d.Classes, maxClasses, "the learned distance is classes × classes", true},
		{"per_class", d.PerClass, maxSamples, "more samples than a loader holds in memory", false},
		{"dim", d.Dim, maxTensorElements, "the values of one tensor", false},
		{"limit", d.Limit, maxSamples, "more samples than a loader holds in memory", false},
		{"size", d.Size, maxImageSide, "the image pipeline's largest crop", false},
		{"bins", d.Bins, maxClasses, "the learned distance is bins × bins", true},
		{"subset", d.Subset, maxClasses, "the learned distance is classes × classes", false},
	}
	for _, f := range fields {
		k := key + "." + f.name
		switch {
		case f.v < 0:
			return bad(k, "must not be negative (0 means the default), got %d", f.v)
		case f.v > f.max:
			return bad(k, "must be at most %d (%s), got %d", f.max, f.why, f.v)
		case f.twoOrUp && f.v == 1:
			return bad(k, "must be at least 2 (0 means the default), got 1")
		}
	}
	if d.Noise < 0 {
		return bad(key+".noise", "must not be negative, got %v", d.Noise)
	}
	return nil
}

// checkProfileSizes bounds the sizes of profile name: its data section
// alone and merged with the grid's, its epochs and batch, its network, and
// the runs it expands to.
func (g *Grid) checkProfileSizes(bad sizeErr, name string, p Profile) error {
	key := "profiles." + name
	if err := checkDataFields(bad, key+".data", p.Data); err != nil {
		return err
	}
	d := g.Dataset.Merge(p.Data)
	data, err := datasets.Lookup(d.Name)
	if err != nil {
		return bad("dataset.name", "%v", err)
	}
	shape := data.Shape(d)
	if err := checkGenerated(bad, key, p, shape); err != nil {
		return err
	}
	if err := checkCount(bad, key+".epochs", p.Epochs, 1, maxEpochs, "60 times the paper's 160"); err != nil {
		return err
	}
	if err := checkCount(bad, key+".loss.warmup_epochs", p.LossOptions.WarmupEpochs, 0, maxEpochs, "the bound on epochs"); err != nil {
		return err
	}
	if err := checkCount(bad, key+".batch_size", p.BatchSize, 1, maxBatchSize, "2,048 times the paper's 32"); err != nil {
		return err
	}
	if err := CheckShape(bad, key, p.Run, shape); err != nil {
		return err
	}
	if _, ok := g.runCount(p); !ok {
		return bad(key, "expands to more than %d runs (%d losses × learning rates × %d seeds × %d test folds)", maxRuns, len(g.Losses), len(g.seedsOf(p)), g.testFoldCount())
	}
	return nil
}

// checkGenerated bounds generated data (synthetic): its samples
// (the product of shape.Generated) and their values (times the sample
// size). The key is the profile's data section when it sets a size, else
// the grid's dataset section.
func checkGenerated(bad sizeErr, key string, p Profile, shape datasets.Shape) error {
	if len(shape.Generated) == 0 {
		return nil
	}
	dataKey := "dataset"
	if p.Data.Classes != 0 || p.Data.PerClass != 0 || p.Data.Dim != 0 {
		dataKey = key + ".data"
	}
	names := make([]string, len(shape.Generated))
	values := make([]int, len(shape.Generated))
	for i, t := range shape.Generated {
		names[i], values[i] = t.Key, t.Value
	}
	n, ok := boundedProduct(maxSamples, values...)
	if !ok {
		return bad(dataKey, "%s = %s samples, more than %d", strings.Join(names, " × "), timesText(values), maxSamples)
	}
	if _, ok := boundedProduct(maxTensorElements, n, shape.Sample); !ok {
		return bad(dataKey, "%s × dim = %s × %d values, more than %d in one tensor", strings.Join(names, " × "), timesText(values), shape.Sample, maxTensorElements)
	}
	return nil
}

// timesText writes values joined by " × ".
func timesText(values []int) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, " × ")
}

// CheckShape bounds the tensors that the settings r imply for data of the
// given shape: one batch of inputs, and each layer of the network. The
// grid checks it with what the dataset registry knows before loading
// (a dataset read from a file leaves the shape unknown, zero); the runner
// checks it again with the shape of the loaded data. bad builds the
// errors, under key (the profile's).
func CheckShape(bad func(key, format string, args ...any) error, key string, r settings.Run, shape datasets.Shape) error {
	if _, ok := boundedProduct(maxTensorElements, r.BatchSize, shape.Sample); !ok {
		return bad(key+".batch_size", "batch_size × sample size = %d × %d values, more than %d in one tensor", r.BatchSize, shape.Sample, maxTensorElements)
	}
	return checkNetwork(bad, key+".model", r.Model, r.BatchSize, shape)
}

// checkNetwork bounds the layer widths of m and the tensors they imply for
// data of the given shape at batch size batch.
func checkNetwork(bad sizeErr, key string, m settings.Model, batch int, shape datasets.Shape) error {
	for _, l := range []struct {
		name   string
		widths []int
	}{{"hidden", m.Hidden}, {"channels", m.Channels}} {
		if len(l.widths) > maxLayers {
			return bad(key+"."+l.name, "at most %d layers, got %d", maxLayers, len(l.widths))
		}
		for i, w := range l.widths {
			if err := checkCount(bad, fmt.Sprintf("%s.%s[%d]", key, l.name, i), w, 1, maxWidth, "16 times AlexNet's widest layer"); err != nil {
				return err
			}
		}
	}
	net, err := models.Lookup(m.Name)
	if err != nil {
		return bad(key+".name", "%v", err)
	}
	in := shape.Sample // the input width of the first fully connected layer
	if channels := net.ConvWidths(m); channels != nil && shape.Side > 0 {
		c, side := in/(shape.Side*shape.Side), shape.Side
		for i, out := range channels {
			k := fmt.Sprintf("%s.channels[%d]", key, i)
			if len(m.Channels) == 0 {
				k = key + ".channels"
			}
			if _, ok := boundedProduct(maxTensorElements, batch, out, side, side); !ok {
				return bad(k, "batch_size × channels × side² = %d × %d × %d² activations, more than %d in one tensor", batch, out, side, maxTensorElements)
			}
			if _, ok := boundedProduct(maxTensorElements, c, out, 9); !ok {
				return bad(k, "%d × %d × 3 × 3 weights, more than %d in one tensor", c, out, maxTensorElements)
			}
			c, side = out, max(side/2, 1) // 3×3 convolution with padding 1, then a 2×2 pool
		}
		in = c * side * side
	}
	if net.FixedWidths {
		return nil // its widths are fixed (models.FaceAlexNetOptions)
	}
	for i, w := range m.Hidden {
		if _, ok := boundedProduct(maxTensorElements, in, w); !ok {
			return bad(fmt.Sprintf("%s.hidden[%d]", key, i), "%d × %d weights, more than %d in one tensor", in, w, maxTensorElements)
		}
		in = w
	}
	if _, ok := boundedProduct(maxTensorElements, in, shape.Classes); !ok {
		return bad(key+".hidden", "the output layer has %d × %d weights, more than %d in one tensor", in, shape.Classes, maxTensorElements)
	}
	return nil
}

// runCount returns how many runs the grid expands to under p, and false
// when that is more than maxRuns.
func (g *Grid) runCount(p Profile) (int, bool) {
	total := 0
	for _, loss := range g.Losses {
		lrs := len(p.LearningRates)
		if l, ok := p.LossLearningRates[loss]; ok {
			lrs = len(l)
		}
		n, ok := boundedProduct(maxRuns, lrs, len(p.emdWeights(loss)), len(g.seedsOf(p)), g.testFoldCount())
		if !ok || total+n > maxRuns {
			return 0, false
		}
		total += n
	}
	return total, true
}

// testFoldCount is len(g.testFolds()) without building the list.
func (g *Grid) testFoldCount() int {
	if len(g.TestFolds) > 0 {
		return len(g.TestFolds)
	}
	return g.Folds
}
