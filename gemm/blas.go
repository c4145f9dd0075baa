package gemm

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation is gonum's pure-Go BLAS (gonum.org/v1/gonum/blas/gonum)
// with Sgemm replaced by this package's. It satisfies gorgonia's BLAS
// interface, so gorgonia.Use(gemm.Implementation{}) makes gorgonia's
// float32 matrix products (Mul of matrices, and the tensor package's
// MatMul) use Sgemm; every other routine, the float64 ones included, is
// gonum's.
type Implementation struct {
	gonum.Implementation
}

// Sgemm computes C = alpha·op(A)·op(B) + beta·C as the package function
// Sgemm does, taking gonum's transpose flags (ConjTrans means Trans for
// real matrices). It panics on any other flag value and on the misuses
// Sgemm panics on.
func (Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	Sgemm(transposed(tA), transposed(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// errTranspose is the panic message of a transpose flag that is none of
// blas.NoTrans, blas.Trans and blas.ConjTrans.
const errTranspose = "gemm: bad transpose flag"

// transposed reports whether t asks for the transpose.
func transposed(t blas.Transpose) bool {
	switch t {
	case blas.NoTrans:
		return false
	case blas.Trans, blas.ConjTrans:
		return true
	}
	panic(errTranspose)
}
