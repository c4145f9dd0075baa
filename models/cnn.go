package models

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ConvLayer is one convolution block of a CNN: a square convolution, a
// ReLU, then optionally a square max-pool and a local response
// normalisation, in that order.
type ConvLayer struct {
	Filters    int  // output channels
	Kernel     int  // side of the square filters
	Stride     int  // convolution stride; 0 means 1
	Pad        int  // zero padding on each side
	Pool       int  // side of the max-pool window; 0: no pooling
	PoolStride int  // max-pool stride; 0 means Pool
	CeilPool   bool // round the pooled size up, clipping the last window (Caffe); Fused kernels only
	LRN        bool // local response normalisation after the pool
}

// Kernels chooses how a CNN's convolution blocks are computed. Both give
// the same values and gradients (ops_test.go checks each against plain-Go
// references); they differ in speed and allocations.
type Kernels int

const (
	// Fused (the default) computes each convolution block (convolution,
	// bias, ReLU, max-pool) as one gorgonia op of this package with a
	// hand-written gradient (fused_conv.go), and each fully connected
	// layer's x·w + b as another (dense_op.go; bit for bit what gorgonia's
	// Mul and BroadcastAdd give, without their per-step allocations).
	Fused Kernels = iota
	// Native composes gorgonia's own Conv2d, BroadcastAdd, Rectify and
	// MaxPool2D, and Mul and BroadcastAdd for the fully connected layers.
	Native
)

// String names the kernels.
func (k Kernels) String() string {
	switch k {
	case Fused:
		return "fused"
	case Native:
		return "native"
	}
	return fmt.Sprintf("Kernels(%d)", int(k))
}

// CNNOptions configures NewCNN. Zero fields take the defaults named below.
type CNNOptions struct {
	// Dtype is tensor.Float64 (the default) or tensor.Float32.
	Dtype tensor.Dtype
	// Channels, Height and Width give the input image (CHW); required.
	Channels, Height, Width int
	// Convs are the convolution blocks; nil means DefaultConvs.
	Convs []ConvLayer
	// Hidden are the widths of the fully connected ReLU layers between the
	// last convolution block and the output layer (none by default).
	Hidden []int
	// Outputs is the width of the output (logit) layer; required.
	Outputs int
	// Dropout is the probability of dropping each activation of a hidden
	// fully connected layer in training graphs (0: no dropout).
	Dropout float64
	// LRN is the normalisation used by the blocks with LRN set; the zero
	// value means CaffeLRN.
	LRN LRN
	// Seed decides the initial weights and the dropout masks.
	Seed uint64
	// Kernels chooses the implementation of the convolution blocks
	// (Fused by default).
	Kernels Kernels
}

// DefaultConvs is the small CNN of the project (DESIGN.md, mnist-rotation):
// conv 3×3 → 32 (pad 1), ReLU, 2×2 max-pool; conv 3×3 → 64 (pad 1), ReLU,
// 2×2 max-pool. On a 28×28 input it leaves 64·7·7 = 3136 features, on 32×32
// 64·8·8 = 4096.
func DefaultConvs() []ConvLayer {
	return []ConvLayer{
		{Filters: 32, Kernel: 3, Pad: 1, Pool: 2},
		{Filters: 64, Kernel: 3, Pad: 1, Pool: 2},
	}
}

// CNN is a convolutional network: convolution blocks, then fully connected
// ReLU layers (with dropout in training graphs), then a linear output
// layer. Its penultimate features are the last hidden layer after its ReLU
// and before dropout, or the flattened output of the last block when there
// is no hidden layer; either way they are non-negative. Construct it with
// NewCNN.
type CNN struct {
	opts   CNNOptions
	convs  []ConvLayer
	maps   [][3]int // C, H, W after each block, maps[0] = input
	dense  []int    // widths: flattened features, hidden..., outputs
	params []*tensor.Dense
	drop   *rand.Rand
}

// cnnStream and dropStream separate the generators of the weights and of
// the dropout masks that share the network's seed.
const (
	cnnStream  = 0x636e6e
	dropStream = 0x64726f70
)

// NewCNN checks opts, works out every layer's shape and draws the initial
// weights (see init.go): He-uniform convolutions, Glorot-uniform fully
// connected layers, zero biases. It returns an error when a layer does not
// fit its input.
func NewCNN(opts CNNOptions) (*CNN, error) {
	if opts.Dtype == (tensor.Dtype{}) {
		opts.Dtype = tensor.Float64
	}
	if err := checkDtype(opts.Dtype); err != nil {
		return nil, err
	}
	if opts.Channels < 1 || opts.Height < 1 || opts.Width < 1 || opts.Outputs < 1 {
		return nil, fmt.Errorf("models: cnn wants a positive input shape and output width, got %d×%d×%d → %d",
			opts.Channels, opts.Height, opts.Width, opts.Outputs)
	}
	if opts.Dropout < 0 || opts.Dropout >= 1 {
		return nil, fmt.Errorf("models: cnn dropout must lie in [0, 1), got %v", opts.Dropout)
	}
	if opts.Kernels != Fused && opts.Kernels != Native {
		return nil, fmt.Errorf("models: cnn: unknown kernels %v", opts.Kernels)
	}
	if opts.LRN == (LRN{}) {
		opts.LRN = CaffeLRN
	}
	if err := opts.LRN.validate(); err != nil {
		return nil, err
	}
	convs := opts.Convs
	if convs == nil {
		convs = DefaultConvs()
	}
	c := &CNN{opts: opts, convs: make([]ConvLayer, len(convs))}
	c.maps = append(c.maps, [3]int{opts.Channels, opts.Height, opts.Width})
	for i, l := range convs {
		l, next, err := l.normalise(c.maps[i])
		if err != nil {
			return nil, fmt.Errorf("models: cnn block %d: %w", i, err)
		}
		if l.CeilPool && opts.Kernels == Native {
			return nil, fmt.Errorf("models: cnn block %d: ceil-mode pooling needs the fused kernels", i)
		}
		c.convs[i] = l
		c.maps = append(c.maps, next)
	}
	last := c.maps[len(c.maps)-1]
	c.dense = append([]int{last[0] * last[1] * last[2]}, opts.Hidden...)
	c.dense = append(c.dense, opts.Outputs)
	for i, w := range c.dense {
		if w < 1 {
			return nil, fmt.Errorf("models: cnn dense layer %d has width %d", i, w)
		}
	}
	c.initParams()
	c.drop = newRNG(opts.Seed, dropStream)
	return c, nil
}

// normalise fills the defaults of l and returns the C, H, W after it.
func (l ConvLayer) normalise(in [3]int) (ConvLayer, [3]int, error) {
	if l.Stride == 0 {
		l.Stride = 1
	}
	if l.Pool > 0 && l.PoolStride == 0 {
		l.PoolStride = l.Pool
	}
	if l.Filters < 1 || l.Kernel < 1 || l.Stride < 1 || l.Pad < 0 || l.Pool < 0 || l.PoolStride < 0 {
		return l, in, fmt.Errorf("invalid block %+v", l)
	}
	h := (in[1]+2*l.Pad-l.Kernel)/l.Stride + 1
	w := (in[2]+2*l.Pad-l.Kernel)/l.Stride + 1
	if in[1]+2*l.Pad < l.Kernel || in[2]+2*l.Pad < l.Kernel {
		return l, in, fmt.Errorf("%d×%d kernel does not fit a %d×%d input with padding %d", l.Kernel, l.Kernel, in[1], in[2], l.Pad)
	}
	if l.Pool > 0 {
		if h < l.Pool || w < l.Pool {
			return l, in, fmt.Errorf("%d×%d pool does not fit a %d×%d map", l.Pool, l.Pool, h, w)
		}
		h = poolSize(h, l.Pool, l.PoolStride, l.CeilPool)
		w = poolSize(w, l.Pool, l.PoolStride, l.CeilPool)
	}
	return l, [3]int{l.Filters, h, w}, nil
}

// initParams draws the weights in the order of Params.
func (c *CNN) initParams() {
	rng := newRNG(c.opts.Seed, cnnStream)
	dt := c.opts.Dtype
	for i, l := range c.convs {
		cin := c.maps[i][0]
		c.params = append(c.params,
			heUniform(rng, dt, cin*l.Kernel*l.Kernel, l.Filters, cin, l.Kernel, l.Kernel),
			zeros(dt, l.Filters))
	}
	for i := 0; i+1 < len(c.dense); i++ {
		c.params = append(c.params,
			glorotUniform(rng, dt, c.dense[i], c.dense[i+1], c.dense[i], c.dense[i+1]),
			zeros(dt, c.dense[i+1]))
	}
}

// Params returns the weights in a fixed order: for each convolution block
// its Cout×Cin×k×k filters and its Cout biases, then for each fully
// connected layer its in×out weights and its out biases.
func (c *CNN) Params() []*tensor.Dense { return c.params }

// Outputs returns the width of the output layer.
func (c *CNN) Outputs() int { return c.opts.Outputs }

// Dtype returns the dtype of the weights, which the input must share.
func (c *CNN) Dtype() tensor.Dtype { return c.opts.Dtype }

// InputShape returns the shape of one input sample, C×H×W.
func (c *CNN) InputShape() []int {
	return []int{c.opts.Channels, c.opts.Height, c.opts.Width}
}

// FeatureWidth returns the width of the penultimate features.
func (c *CNN) FeatureWidth() int { return c.dense[len(c.dense)-2] }

// Build adds the training form of the network (dropout active) to g. The
// input x is B×C×H×W, or B×(C·H·W) with each row a flattened CHW image.
func (c *CNN) Build(g *G.ExprGraph, x *G.Node) (*Built, error) {
	return c.build(g, x, true)
}

// BuildEval adds the evaluation form of the network (no dropout) to g; it
// shares the weights with every other graph of the network.
func (c *CNN) BuildEval(g *G.ExprGraph, x *G.Node) (*Built, error) {
	return c.build(g, x, false)
}

func (c *CNN) build(g *G.ExprGraph, x *G.Node, training bool) (*Built, error) {
	h, err := c.input(x)
	if err != nil {
		return nil, err
	}
	b := &Built{}
	for i, l := range c.convs {
		w := param(g, c.params[2*i], fmt.Sprintf("conv%d_w", i))
		bias := param(g, c.params[2*i+1], fmt.Sprintf("conv%d_b", i))
		b.Weights = append(b.Weights, w, bias)
		if h, err = c.block(h, w, bias, l, i > 0); err != nil {
			return nil, wrap(fmt.Sprintf("cnn block %d", i), err)
		}
	}
	if h, err = flatten(h); err != nil {
		return nil, wrap("cnn flatten", err)
	}
	off := 2 * len(c.convs)
	layers := len(c.dense) - 1
	for l := 0; l < layers; l++ {
		w := param(g, c.params[off+2*l], fmt.Sprintf("fc%d_w", l))
		bias := param(g, c.params[off+2*l+1], fmt.Sprintf("fc%d_b", l))
		b.Weights = append(b.Weights, w, bias)
		b.Features = h
		fc := denseLayer
		if c.opts.Kernels == Fused {
			fc = fusedDense
		}
		z, err := fc(h, w, bias)
		if err != nil {
			return nil, wrap(fmt.Sprintf("cnn fc %d", l), err)
		}
		if l == layers-1 {
			b.Logits = z
			break
		}
		if h, err = G.Rectify(z); err != nil {
			return nil, wrap(fmt.Sprintf("cnn fc %d relu", l), err)
		}
		if training && c.opts.Dropout > 0 {
			b.Features = h
			if h, err = newDropout(h, c.opts.Dropout, c.drop); err != nil {
				return nil, wrap(fmt.Sprintf("cnn fc %d dropout", l), err)
			}
		}
	}
	return b, nil
}

// input checks x and returns it as B×C×H×W.
func (c *CNN) input(x *G.Node) (*G.Node, error) {
	if x.Dtype() != c.opts.Dtype {
		return nil, fmt.Errorf("models: cnn input is %v, the weights %v", x.Dtype(), c.opts.Dtype)
	}
	s := x.Shape()
	in := c.InputShape()
	switch {
	case s.Dims() == 4 && s[1] == in[0] && s[2] == in[1] && s[3] == in[2]:
		return x, nil
	case s.Dims() == 2 && s[1] == in[0]*in[1]*in[2]:
		return G.Reshape(x, tensor.Shape{s[0], in[0], in[1], in[2]})
	}
	return nil, fmt.Errorf("models: cnn wants B×%d×%d×%d or B×%d input, got %v", in[0], in[1], in[2], in[0]*in[1]*in[2], s)
}

// block adds one convolution block to the graph; inGrad says whether the
// gradient with respect to its input is wanted (not for the data).
func (c *CNN) block(x, w, b *G.Node, l ConvLayer, inGrad bool) (h *G.Node, err error) {
	if c.opts.Kernels == Fused {
		pool := poolGeom{K: l.Pool, S: l.PoolStride, Ceil: l.CeilPool}
		h, err = fusedBlock(x, w, b, blockOptions{pad: l.Pad, stride: l.Stride, pool: pool, relu: true, inGrad: inGrad})
		if err != nil {
			return nil, err
		}
	} else {
		if h, err = convLayer(x, w, b, l.Pad, l.Stride); err != nil {
			return nil, err
		}
		if h, err = G.Rectify(h); err != nil {
			return nil, err
		}
		if l.Pool > 0 {
			if h, err = maxPool(h, l.Pool, l.PoolStride); err != nil {
				return nil, err
			}
		}
	}
	if l.LRN {
		if h, err = c.opts.LRN.build(h); err != nil {
			return nil, err
		}
	}
	return h, nil
}
