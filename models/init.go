package models

import (
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// Initialisation. Every network draws its weights from one PCG generator
// seeded with the network's seed (and a per-architecture stream constant), in
// the order of Params, so that the same seed and options give the same
// weights bit for bit, in float64 and in float32 (the float32 weights are the
// float64 draws rounded).
//
//   - Convolutions, which feed a ReLU: He/Kaiming uniform,
//     U(−a, a) with a = sqrt(6 / fanIn), fanIn = Cin·kh·kw
//     (He et al. 2015, gain √2 for ReLU).
//   - Fully connected layers: Glorot/Xavier uniform,
//     U(−a, a) with a = sqrt(6 / (fanIn + fanOut)) (Glorot & Bengio 2010).
//   - Biases: zero.

// newRNG returns the generator of one network.
func newRNG(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// glorotUniform returns a tensor of the given shape filled from U(−a, a)
// with a = sqrt(6 / (fanIn + fanOut)).
func glorotUniform(rng *rand.Rand, dt tensor.Dtype, fanIn, fanOut int, shape ...int) *tensor.Dense {
	return uniform(rng, dt, math.Sqrt(6/float64(fanIn+fanOut)), shape...)
}

// heUniform returns a tensor of the given shape filled from U(−a, a) with
// a = sqrt(6 / fanIn).
func heUniform(rng *rand.Rand, dt tensor.Dtype, fanIn int, shape ...int) *tensor.Dense {
	return uniform(rng, dt, math.Sqrt(6/float64(fanIn)), shape...)
}

// uniform returns a tensor of the given shape filled from U(−a, a), drawn in
// row-major order.
func uniform(rng *rand.Rand, dt tensor.Dtype, a float64, shape ...int) *tensor.Dense {
	n := 1
	for _, s := range shape {
		n *= s
	}
	switch dt {
	case tensor.Float32:
		d := make([]float32, n)
		for i := range d {
			d[i] = float32((2*rng.Float64() - 1) * a)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
	default:
		d := make([]float64, n)
		for i := range d {
			d[i] = (2*rng.Float64() - 1) * a
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
	}
}

// zeros returns a zero tensor of the given dtype and shape.
func zeros(dt tensor.Dtype, shape ...int) *tensor.Dense {
	return tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
}
