package losses

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats/scalar"
)

// Tolerances, per quantity and dtype (STYLE H12).
const (
	// lossTol64 bounds the difference between a float64 closed form and a
	// hand-derived value: a few rounding errors of sums of ≤ 10 terms.
	lossTol64 = 1e-12
	// gradFDTol bounds |analytic − central finite difference| (absolute or
	// relative). The central formula's truncation error is O(h²) ≈ 4e-11 for
	// fd's step h = 6e-6, its rounding error ≈ 1e-16/h ≈ 2e-11 per unit of loss.
	gradFDTol = 1e-6
	// graphTol64 and graphTol32 bound the difference between the gorgonia
	// graph and the plain-Go reference, relative (or absolute near 0).
	graphTol64 = 1e-9
	graphTol32 = 1e-4
	// emdTol bounds the difference between the transport simplex and an
	// oracle (closed-form identity, vertex enumeration, gonum's LP).
	emdTol = 1e-9
)

// panics runs f and returns the panic value formatted as a string and
// whether it panicked.
func panics(f func()) (msg string, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			msg, ok = fmt.Sprint(r), true
		}
	}()
	f()
	return "", false
}

// wantPanic fails unless f panics with a message starting with prefix.
func wantPanic(t *testing.T, prefix string, f func()) {
	t.Helper()
	msg, ok := panics(f)
	if !ok {
		t.Fatalf("no panic, want one starting with %q", prefix)
	}
	if !strings.HasPrefix(msg, prefix) {
		t.Fatalf("panic %q, want prefix %q", msg, prefix)
	}
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x1611_05916)) }

// randLogits returns c logits drawn from N(0, scale²).
func randLogits(rng *rand.Rand, c int, scale float64) []float64 {
	z := make([]float64, c)
	for i := range z {
		z[i] = scale * rng.NormFloat64()
	}
	return z
}

// randDist returns a random distribution over c classes; with probability
// ½ some entries are exactly 0.
func randDist(rng *rand.Rand, c int) []float64 {
	p := make([]float64, c)
	sparse := rng.IntN(2) == 0
	var s float64
	for i := range p {
		if sparse && rng.IntN(3) == 0 {
			continue
		}
		p[i] = rng.ExpFloat64()
		s += p[i]
	}
	if s == 0 {
		p[rng.IntN(c)], s = 1, 1
	}
	for i := range p {
		p[i] /= s
	}
	return p
}

// randTarget returns a one-hot row (soft = false) or a random soft row.
func randTarget(rng *rand.Rand, c int, soft bool) []float64 {
	if soft {
		return randDist(rng, c)
	}
	return OneHot(nil, rng.IntN(c), c)
}

// logitCase is a named generator of logits for gradient checks.
type logitCase struct {
	name string
	gen  func(rng *rand.Rand, c int) []float64
}

// logitCases cover ordinary logits, near-one-hot outputs (one logit far
// above the rest) and very large logits (|z| ~ 1e3, where a naive softmax
// overflows).
var logitCases = []logitCase{
	{"unit", func(rng *rand.Rand, c int) []float64 { return randLogits(rng, c, 1) }},
	{"wide", func(rng *rand.Rand, c int) []float64 { return randLogits(rng, c, 5) }},
	{"near-one-hot", func(rng *rand.Rand, c int) []float64 {
		z := randLogits(rng, c, 1)
		z[rng.IntN(c)] += 15
		return z
	}},
	{"large", func(rng *rand.Rand, c int) []float64 {
		z := randLogits(rng, c, 1)
		for i := range z {
			z[i] += 1000
		}
		z[rng.IntN(c)] -= 2e3
		return z
	}},
}

// checkGradFD compares grad with the central finite-difference gradient of f
// at x, reporting the ∞-norm distance on failure.
func checkGradFD(t *testing.T, f func([]float64) float64, x, grad []float64) {
	t.Helper()
	want := fd.Gradient(nil, f, x, &fd.Settings{Formula: fd.Central})
	var inf float64
	ok := true
	for i := range want {
		if !scalar.EqualWithinAbsOrRel(grad[i], want[i], gradFDTol, gradFDTol) {
			ok = false
		}
		inf = math.Max(inf, math.Abs(grad[i]-want[i]))
	}
	if !ok || math.IsNaN(inf) {
		t.Errorf("gradient at %v:\n got %v\nwant %v (finite differences)\n‖got − want‖∞ = %g", x, grad, want, inf)
	}
}

// equalTol reports whether got and want agree within tol, absolute or
// relative; NaN never agrees.
func equalTol(got, want, tol float64) bool {
	return scalar.EqualWithinAbsOrRel(got, want, tol, tol)
}

// checkClose fails unless got and want agree within tol.
func checkClose(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if !equalTol(got, want, tol) {
		t.Errorf("%s: got %.17g, want %.17g (tol %g)", what, got, want, tol)
	}
}

// unmodified returns a function that fails the test if any of the slices
// has changed since the call.
func unmodified(t *testing.T, xs ...[]float64) func() {
	t.Helper()
	saved := make([][]float64, len(xs))
	for i, x := range xs {
		saved[i] = slices.Clone(x)
	}
	return func() {
		t.Helper()
		for i, x := range xs {
			if !slices.Equal(saved[i], x) {
				t.Errorf("input %d modified: was %v, now %v", i, saved[i], x)
			}
		}
	}
}

func cloneMatrix(D [][]float64) [][]float64 {
	out := make([][]float64, len(D))
	for i := range D {
		out[i] = slices.Clone(D[i])
	}
	return out
}

func equalMatrix(a, b [][]float64) bool {
	return slices.EqualFunc(a, b, func(x, y []float64) bool { return slices.Equal(x, y) })
}

func formatExact(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
