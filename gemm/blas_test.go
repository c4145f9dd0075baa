package gemm

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
)

// gorgonia's BLAS interface is what Implementation must satisfy.
var _ G.BLAS = Implementation{}

// TestImplementation_Sgemm checks that the BLAS method maps gonum's flags
// to Sgemm's and agrees with gonum's own Sgemm (row-major, like ours).
func TestImplementation_Sgemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 1))
	flag := map[bool][]blas.Transpose{false: {blas.NoTrans}, true: {blas.Trans, blas.ConjTrans}}
	for _, f := range flags {
		for _, ta := range flag[f[0]] {
			for _, tb := range flag[f[1]] {
				p := newProblem(rng, f[0], f[1], 37, 41, 29, 2, 1.5, -0.5)
				got := append([]float32(nil), p.c...)
				Implementation{}.Sgemm(ta, tb, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, got, p.ldc)
				want := append([]float32(nil), p.c...)
				Implementation{}.Implementation.Sgemm(ta, tb, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, want, p.ldc)
				_, bound := reference(p)
				for i := range got {
					if d := float64(got[i] - want[i]); d > 2*bound[i] || d < -2*bound[i] {
						t.Fatalf("%c%c: C[%d] = %v, gonum %v", ta, tb, i, got[i], want[i])
					}
				}
			}
		}
	}
	defer func() {
		if r := recover(); r != errTranspose {
			t.Errorf("bad flag: panic %v, want %q", r, errTranspose)
		}
	}()
	Implementation{}.Sgemm('X', blas.NoTrans, 1, 1, 1, 1, []float32{1}, 1, []float32{1}, 1, 0, []float32{0}, 1)
}
