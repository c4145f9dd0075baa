package models

// BLAS names the matrix-product implementation of this build, the one
// gorgonia (and gorgonia's tensor package) and the fused kernels use:
// "go-avx2", "go-sse" or "go-purego" by default (package gemm for float32,
// with the kernel it chose for the CPU and build; gonum's pure-Go BLAS for
// float64; see blas_gonum.go) or "openblas" (cgo, with the openblas build
// tag; see blas_openblas.go).
func BLAS() string { return blasName }
