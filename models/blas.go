package models

// BLAS names the BLAS implementation that gorgonia (and gorgonia's tensor
// package) use in this build: "gonum" (pure Go, the default) or "openblas"
// (cgo, with the openblas build tag; see blas_openblas.go).
func BLAS() string { return blasName }
