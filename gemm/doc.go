// Package gemm multiplies float32 matrices: Sgemm is the BLAS routine of
// the same name (row-major, as gonum's blas.Float32 interface), written for
// the training step of the project's networks, whose default build has no
// cgo BLAS.
//
// # Algorithm
//
// Sgemm is blocked and packed in the manner of Goto and van de Geijn
// ("Anatomy of high-performance matrix multiplication", ACM TOMS 34(3),
// 2008). For each block of nc columns of C and each block of kc steps of
// the inner dimension, the kc×nc block of op(B) is copied into a buffer as
// panels nr columns wide, each panel laid out step after step; then for
// each block of mc rows the mc×kc block of op(A) is copied as panels mr
// rows high. A micro-kernel multiplies one A panel by one B panel into an
// mr×nr tile of C held in registers. The panels are zero-padded to whole
// tiles, so the kernel always computes a full tile; a tile that sticks out
// of C is computed into a scratch tile and copied into C by plain Go.
//
// The block sizes put one B panel (kc·nr floats, 16 KiB) and one A panel in
// the level-1 cache, the mc×kc block of A (144 KiB) in the level-2 cache and
// the kc×nc block of B in the level-3 cache: kc = 256, mc = 144 and
// nc = 4096 on every kernel (on the development machine, a Zen 4 core with
// 32 KiB L1d and 1 MiB L2, a sweep of kc over 128–384, mc over 72–288 and
// nc over 1024–4096 moved single-thread speed by less than the noise, ±8%,
// on the square and convolution shapes of the benchmarks). The k steps are
// split into blocks of equal size, so that no block is a sliver.
//
// # Kernels
//
// The micro-kernel is chosen at run time with golang.org/x/sys/cpu. On
// amd64 with AVX2 and FMA it is kernel6x16 (kernel_amd64.s): a 6×16 tile in
// twelve ymm accumulators, each step loading two vectors of B, broadcasting
// six values of A and issuing twelve fused multiply-adds, which keeps both
// FMA pipes of a Zen 4 or Haswell-and-later core busy; the packing then
// also uses AVX2 routines (pack_amd64.s: an 8×8 transposition for the
// interleaved panels, vector copies for the others). On other amd64 CPUs
// it is kernel6x8, a 6×8 tile with SSE multiplies and adds. On other
// architectures, and when built with -tags purego, a plain-Go kernel
// computes 2×4 tiles. Kernel names the kernel in use.
//
// The assembly is written by hand rather than generated (with avo, say):
// the two kernels and three packing routines are short, straight-line
// code around one loop each, and the package builds with nothing but the
// Go toolchain. go vet checks their frames against the Go declarations.
//
// Products of at most 4096 multiply-adds skip the packing: plain loops
// compute each element as one dot product.
//
// # Threads
//
// A product of at least 2²¹ (about two million) multiply-adds is split
// across goroutines, at most one per 2²⁰ of them, along whichever of m and
// n has more tiles, in whole tiles; each goroutine runs the blocked
// algorithm on its own rows or columns of C. Sgemm counts the goroutines
// running it, across concurrent calls, and uses only the procs
// (GOMAXPROCS) not already busy with it. SgemmSerial never splits: it is
// for callers that already spread their products over the procs, one per
// goroutine, as the fused convolutions of package models do. Every element
// of C is computed by one goroutine in the same order whatever the split,
// so results do not depend on GOMAXPROCS or on load.
//
// # Accuracy
//
// Each element of C is a sum of products accumulated in float32, kc terms
// at a time in the kernel's order, then added into C: the error bound is
// that of any float32 dot product, about k·ε·Σ|a||b|.
package gemm
