//go:build openblas

package models

// Building with -tags openblas makes every gorgonia graph of the program
// multiply its matrices with OpenBLAS, through gonum's cgo binding
// gonum.org/v1/netlib/blas/netlib. It needs cgo and the OpenBLAS headers
// and library; on Debian or Ubuntu:
//
//	apt-get install -y libopenblas-dev
//
// The package parallelises its own matrix products across goroutines
// (kernels.go), so init limits OpenBLAS to one thread: a threaded OpenBLAS
// leaves its workers spinning between calls, on the cores the Go code
// needs (measured: 30–60% more CPU time per training step of the small CNN
// on 2 cores). Gorgonia's own products (G.Mul: the MLP) then run on one
// thread too; set REPLICATE_OPENBLAS_THREADS to choose another count.

/*
#cgo LDFLAGS: -lopenblas
void openblas_set_num_threads(int);
*/
import "C"

import (
	"os"
	"strconv"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

const blasName = "openblas"

func init() {
	threads := 1
	if n, err := strconv.Atoi(os.Getenv("REPLICATE_OPENBLAS_THREADS")); err == nil && n > 0 {
		threads = n
	}
	C.openblas_set_num_threads(C.int(threads))
	G.Use(netlib.Implementation{})
}

// sgemm is the float32 product of the fused kernels (kernels.go): OpenBLAS's.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	netlib.Implementation{}.Sgemm(transpose(transA), transpose(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// transpose is the BLAS flag of a transpose switch.
func transpose(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// packedSgemm stands in for package gemm's PackedA (see blas_gonum.go):
// OpenBLAS packs its operands itself, so it only remembers the matrix and
// passes it to sgemm on every product.
type packedSgemm struct {
	trans bool
	m, k  int
	a     []float32
	lda   int
}

// Pack records op(A), m×k, stored as for sgemm.
func (p *packedSgemm) Pack(transA bool, m, k int, a []float32, lda int) {
	*p = packedSgemm{trans: transA, m: m, k: k, a: a, lda: lda}
}

// Sgemm sets c = alpha·op(A)·op(b) + beta·c with the recorded op(A).
func (p *packedSgemm) Sgemm(transB bool, n int, alpha float32, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(p.trans, transB, p.m, n, p.k, alpha, p.a, p.lda, b, ldb, beta, c, ldc)
}
