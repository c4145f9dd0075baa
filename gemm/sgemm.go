package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Panic messages of Sgemm's argument checks.
const (
	errNegDim = "gemm: negative dimension"
	errLdA    = "gemm: bad leading dimension of A"
	errLdB    = "gemm: bad leading dimension of B"
	errLdC    = "gemm: bad leading dimension of C"
	errShortA = "gemm: A is too short"
	errShortB = "gemm: B is too short"
	errShortC = "gemm: C is too short"
)

// Sgemm computes
//
//	C = alpha·op(A)·op(B) + beta·C
//
// for row-major matrices, where op(A) is m×k, op(B) is k×n and C is m×n;
// op(X) is Xᵀ when the flag is set and X otherwise. A is stored m×k with
// leading dimension lda ≥ max(1, k) (k×m with lda ≥ max(1, m) when transA),
// B k×n with ldb ≥ max(1, n) (n×k with ldb ≥ max(1, k) when transB), and C
// m×n with ldc ≥ max(1, n). Element (i, j) of A is a[i·lda+j].
//
// As in the reference BLAS, C is not read when beta is 0 (a NaN there does
// not propagate), and A and B are not read when alpha is 0 or k is 0.
// Sgemm panics when a dimension is negative, a leading dimension is too
// small or a slice is too short for its matrix.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		scale(m, n, beta, c, ldc)
		return
	}
	p := threads(kern, m, n, k)
	if p == 1 {
		running.Add(1)
		serial(kern, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		running.Add(-1)
		return
	}
	split(kern, p, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmSerial computes what Sgemm computes, with the same contract and the
// same result bit for bit, on the calling goroutine alone: for callers that
// already spread their products over the procs, one per goroutine.
func SgemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		scale(m, n, beta, c, ldc)
		return
	}
	running.Add(1)
	serial(kern, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	running.Add(-1)
}

// checkArgs panics on the misuses listed in Sgemm's documentation.
func checkArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(errNegDim)
	}
	ar, ac := m, k // rows and columns of A as stored
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if lda < max(1, ac) {
		panic(errLdA)
	}
	if ldb < max(1, bc) {
		panic(errLdB)
	}
	if ldc < max(1, n) {
		panic(errLdC)
	}
	if m == 0 || n == 0 {
		return
	}
	if ar > 0 && ac > 0 && len(a) < (ar-1)*lda+ac {
		panic(errShortA)
	}
	if br > 0 && bc > 0 && len(b) < (br-1)*ldb+bc {
		panic(errShortB)
	}
	if len(c) < (m-1)*ldc+n {
		panic(errShortC)
	}
}

// scale sets C = beta·C, writing zeros when beta is 0.
func scale(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc:][:n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// parallelMinWork is the least number of multiply-adds (m·n·k) that Sgemm
// gives each goroutine, so it splits products of twice as many or more;
// tests lower it.
var parallelMinWork = 1 << 20

// running counts the goroutines inside serial, across all Sgemm and
// SgemmSerial calls.
var running atomic.Int64

// threads returns how many goroutines compute an m×n×k product: one for
// small products, otherwise the procs that are not already running Sgemm,
// at most one per parallelMinWork multiply-adds and one per tile along the
// split dimension.
func threads(kn *kernel, m, n, k int) int {
	work := m * n * k
	if work < 2*parallelMinWork {
		return 1
	}
	p := runtime.GOMAXPROCS(0) - int(running.Load())
	tiles := max(ceilDiv(m, kn.mr), ceilDiv(n, kn.nr))
	return max(1, min(p, work/parallelMinWork, tiles))
}

// split computes the product on p goroutines (the caller's and p−1 new
// ones), giving each a range of whole tiles along the longer side of C in
// tiles.
func split(kn *kernel, p int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	alongN := ceilDiv(n, kn.nr) >= ceilDiv(m, kn.mr)
	size, tile := m, kn.mr
	if alongN {
		size, tile = n, kn.nr
	}
	tiles := ceilDiv(size, tile)
	part := func(w int) {
		lo := min(size, w*tiles/p*tile)
		hi := min(size, (w+1)*tiles/p*tile)
		if hi <= lo {
			return
		}
		if alongN {
			off := lo // column lo of op(B)
			if transB {
				off = lo * ldb
			}
			serial(kn, transA, transB, m, hi-lo, k, alpha, a, lda, b[off:], ldb, beta, c[lo:], ldc)
			return
		}
		off := lo * lda // row lo of op(A)
		if transA {
			off = lo
		}
		serial(kn, transA, transB, hi-lo, n, k, alpha, a[off:], lda, b, ldb, beta, c[lo*ldc:], ldc)
	}
	running.Add(int64(p))
	var wg sync.WaitGroup
	for w := 1; w < p; w++ {
		wg.Go(func() {
			defer running.Add(-1)
			part(w)
		})
	}
	part(0)
	running.Add(-1)
	wg.Wait()
}

// ceilDiv returns ⌈x/y⌉ for x ≥ 0, y > 0.
func ceilDiv(x, y int) int { return (x + y - 1) / y }
