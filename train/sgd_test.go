package train

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gorgonia.org/tensor"
)

// Tolerances of the optimiser's checks: float64 weights follow the hand
// computation to rounding; float32 weights are the float64 update rounded
// to float32 once per step.
const (
	sgdTol64 = 1e-15
	sgdTol32 = 1e-7
)

// TestNesterov_PyTorch steps one weight w₀ = 1 with the gradients 0.5,
// 0.5, −0.25 under momentum 0.9, weight decay 1e-4 and learning rate
// 0.01, against torch.optim.SGD(nesterov=True, dampening=0)'s documented
// update worked out by hand:
//
//	g' = g + 1e-4·w;  v = 0.9·v + g';  w = w − 0.01·(g' + 0.9·v)
//
// It is the optimiser of every training run and of the benchmark against
// PyTorch (bench).
func TestNesterov_PyTorch(t *testing.T) {
	steps := []struct{ grad, w, v float64 }{
		{0.5, 0.9904981, 0.5001},
		{0.5, 0.9769454080536101, 0.95018904981},
		{-0.25, 0.9739970205538738, 0.6052678393698053},
	}
	for _, tc := range []struct {
		dt  tensor.Dtype
		tol float64
	}{{tensor.Float64, sgdTol64}, {tensor.Float32, sgdTol32}} {
		w := tensor.New(tensor.Of(tc.dt), tensor.WithShape(1))
		setFloat64s(w, []float64{1})
		opt := NewNesterov([]*tensor.Dense{w}, 0.9, 1e-4)
		for i, s := range steps {
			var grad any = []float64{s.grad}
			if tc.dt == tensor.Float32 {
				grad = []float32{float32(s.grad)}
			}
			if err := opt.Step(0.01, []*tensor.Dense{w}, []any{grad}); err != nil {
				t.Fatal(err)
			}
			got := float64s(w, nil)[0]
			if !scalar.EqualWithinAbsOrRel(got, s.w, tc.tol, tc.tol) || !scalar.EqualWithinAbsOrRel(opt.Velocity()[0][0], s.v, tc.tol, tc.tol) {
				t.Errorf("%v step %d: w %v, v %v; want %v, %v", tc.dt, i, got, opt.Velocity()[0][0], s.w, s.v)
			}
		}
	}
	bad := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(2))
	if err := NewNesterov([]*tensor.Dense{bad}, 0.9, 0).Step(0.1, []*tensor.Dense{bad}, []any{[]float32{1, 2}}); err == nil {
		t.Error("a float32 gradient for a float64 weight was accepted")
	}
}

// TestNesterov_ParallelMatchesSerial checks that splitting a parameter
// across goroutines changes no bit of the update: parameters of several
// sizes (odd ones, one below the split threshold) stepped three times with
// the split forced on and off give the same weights and velocities.
func TestNesterov_ParallelMatchesSerial(t *testing.T) {
	defer func(old int) { parallelMin = old }(parallelMin)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	sizes := []int{1, 5, 1000, 4099}
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		var results [2][][]float64
		var vels [2][][]float64
		for k, minimum := range []int{1 << 30, 7} {
			parallelMin = minimum
			rng := rand.New(rand.NewPCG(5, 5))
			var params []*tensor.Dense
			for _, n := range sizes {
				w := tensor.New(tensor.Of(dt), tensor.WithShape(n))
				v := make([]float64, n)
				for i := range v {
					v[i] = 2*rng.Float64() - 1
				}
				setFloat64s(w, v)
				params = append(params, w)
			}
			opt := NewNesterov(params, 0.9, 1e-4)
			for step := 0; step < 3; step++ {
				grads := make([]any, len(params))
				for i, n := range sizes {
					g64, g32 := make([]float64, n), make([]float32, n)
					for j := range g64 {
						g64[j] = 2*rng.Float64() - 1
						g32[j] = float32(g64[j])
					}
					grads[i] = g64
					if dt == tensor.Float32 {
						grads[i] = g32
					}
				}
				if err := opt.Step(0.01, params, grads); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range params {
				results[k] = append(results[k], float64s(p, nil))
			}
			vels[k] = opt.Velocity()
		}
		for i := range sizes {
			for j := range results[0][i] {
				if math.Float64bits(results[0][i][j]) != math.Float64bits(results[1][i][j]) ||
					math.Float64bits(vels[0][i][j]) != math.Float64bits(vels[1][i][j]) {
					t.Fatalf("%v parameter %d entry %d: serial w %v v %v, parallel w %v v %v", dt, i, j,
						results[0][i][j], vels[0][i][j], results[1][i][j], vels[1][i][j])
				}
			}
		}
	}
	if err := NewNesterov(nil, 0.9, 0).Step(0.1, nil, []any{[]float64{1}}); err == nil {
		t.Error("a gradient without a parameter was accepted")
	}
}
