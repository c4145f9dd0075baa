package bench

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats/scalar"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

const (
	headValTol = 1e-12 // loss head vs plain Go, float64
	headFDTol  = 1e-7  // loss head gradient vs central finite differences
)

// plainLoss computes the benchmark's losses in plain Go from logits z
// (B×C) and labels.
func plainLoss(loss Loss, z []float64, labels []int, c int) float64 {
	var total float64
	for n, y := range labels {
		row := z[n*c : (n+1)*c]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, v)
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(v - m)
		}
		if loss == CE {
			total -= row[y] - m - math.Log(sum)
			continue
		}
		var cdf float64 // Σ_{i≤k} (p_i − t_i)
		for k, v := range row {
			cdf += math.Exp(v-m) / sum
			if k == y {
				cdf--
			}
			total += cdf * cdf / float64(c)
		}
	}
	return total / float64(len(labels))
}

// TestLossHeads checks the graph losses of the benchmark against plain Go
// (value) and central finite differences (gradient with respect to the
// logits), in float64.
func TestLossHeads(t *testing.T) {
	const b, c = 5, 8
	rng := rand.New(rand.NewPCG(3, 3))
	z := make([]float64, b*c)
	for i := range z {
		z[i] = 3 * rng.NormFloat64()
	}
	labels := []int{0, 7, 3, 3, 5}
	onehot := make([]float64, b*c)
	for n, y := range labels {
		onehot[n*c+y] = 1
	}
	for _, loss := range []Loss{CE, EMD2} {
		t.Run(string(loss), func(t *testing.T) {
			g := G.NewGraph()
			zn := G.NewMatrix(g, tensor.Float64, G.WithShape(b, c), G.WithName("z"),
				G.WithValue(tensor.New(tensor.WithShape(b, c), tensor.WithBacking(append([]float64(nil), z...)))))
			tn := G.NewMatrix(g, tensor.Float64, G.WithShape(b, c), G.WithName("t"),
				G.WithValue(tensor.New(tensor.WithShape(b, c), tensor.WithBacking(onehot))))
			build := crossEntropy
			if loss == EMD2 {
				build = emd2
			}
			l, err := build(zn, tn)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := G.Grad(l, zn); err != nil {
				t.Fatal(err)
			}
			vm := G.NewTapeMachine(g, G.BindDualValues(zn))
			defer vm.Close()
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			got := l.Value().Data().(float64)
			if want := plainLoss(loss, z, labels, c); !scalar.EqualWithinAbsOrRel(got, want, headValTol, headValTol) {
				t.Errorf("loss %v, plain Go %v", got, want)
			}
			gv, _ := zn.Grad()
			grad := gv.Data().([]float64)
			want := fd.Gradient(nil, func(x []float64) float64 { return plainLoss(loss, x, labels, c) }, z,
				&fd.Settings{Formula: fd.Central, Step: 1e-6})
			worst := 0.0
			for i := range grad {
				worst = math.Max(worst, math.Abs(grad[i]-want[i]))
			}
			if !(worst <= headFDTol) {
				t.Errorf("gradient vs finite differences: ‖Δ‖∞ = %g > %g", worst, headFDTol)
			}
		})
	}
}
