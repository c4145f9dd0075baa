//go:build !openblas

package models

// blasName: without the openblas tag gorgonia keeps its default, gonum's
// pure-Go BLAS.
const blasName = "gonum"
