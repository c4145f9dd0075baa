//go:build !openblas

package models

import (
	G "gorgonia.org/gorgonia"

	gogemm "github.com/replicate-emd/replicate/gemm" // named apart from kernels.go's gemm
)

// Without the openblas tag the program needs no cgo: float32 matrix
// products use package gemm (assembly kernels for AVX2 with FMA or for SSE
// on amd64, plain Go elsewhere), float64 ones gonum's pure-Go BLAS.
// init installs gemm.Implementation as gorgonia's BLAS, so gorgonia's own
// products (G.Mul: the fully connected layers) go through gemm too, and
// blasName records the kernel: "go-avx2", "go-sse" or "go-purego".
var blasName = "go-" + gogemm.Kernel()

func init() { G.Use(gogemm.Implementation{}) }

// sgemm is the float32 product of the fused kernels (kernels.go). They
// already run one product per goroutine, on GOMAXPROCS goroutines, so each
// product stays on its goroutine.
var sgemm = gogemm.SgemmSerial

// packedSgemm is a float32 matrix packed once for many products: the
// fused convolutions multiply their filter matrix by every sample's patch
// matrix (kernels.go, sharedA) without packing it again for each.
type packedSgemm = gogemm.PackedA
