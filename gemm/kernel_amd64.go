//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// The assembly kernels of kernel_amd64.s: AVX2 with FMA where the CPU has
// both, SSE (which every amd64 CPU has) elsewhere.
var (
	avx2Kernel = &kernel{name: "avx2", mr: 6, nr: 16, tile: tile6x16}
	sseKernel  = &kernel{name: "sse", mr: 6, nr: 8, tile: tile6x8}
)

func init() {
	kern = sseKernel
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		kern = avx2Kernel
		transpose8Block = transpose8Checked
		copy16Runs = copyRuns16Checked
		interleave6Rows = interleave6Checked
	}
}

// kernel6x16 computes the 6×16 tile at c (rows ldc floats apart) as
// alpha·Ap·Bp + beta·C from kc ≥ 1 steps of the packed panels a (6 floats
// a step) and b (16 floats a step); C is not read when beta is ±0.
//
//go:noescape
func kernel6x16(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// tile6x16 checks the slices' lengths and calls kernel6x16.
func tile6x16(kc int, ap, bp, c []float32, ldc int, alpha, beta float32) {
	_, _, _ = ap[6*kc-1], bp[16*kc-1], c[5*ldc+15]
	kernel6x16(kc, &ap[0], &bp[0], &c[0], ldc, alpha, beta)
}

// kernel6x8 is kernel6x16 for a 6×8 tile with SSE instructions, without
// fused multiply-adds.
//
//go:noescape
func kernel6x8(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// tile6x8 checks the slices' lengths and calls kernel6x8.
func tile6x8(kc int, ap, bp, c []float32, ldc int, alpha, beta float32) {
	_, _, _ = ap[6*kc-1], bp[8*kc-1], c[5*ldc+7]
	kernel6x8(kc, &ap[0], &bp[0], &c[0], ldc, alpha, beta)
}

// transpose8 sets d[p·dw + i] = s[i·ld + p] for i < 8 and p < n, n a
// multiple of 8 (pack_amd64.s).
//
//go:noescape
func transpose8(d *float32, dw int, s *float32, ld int, n int)

// transpose8Checked checks the slices' lengths and calls transpose8.
func transpose8Checked(d []float32, dw int, s []float32, ld, n int) {
	if n == 0 {
		return
	}
	_, _ = d[(n-1)*dw+7], s[7*ld+n-1]
	transpose8(&d[0], dw, &s[0], ld, n)
}

// copyRuns16 sets d[16p + j] = s[p·ld + j] for j < 16 and p < n
// (pack_amd64.s).
//
//go:noescape
func copyRuns16(d *float32, s *float32, ld int, n int)

// copyRuns16Checked checks the slices' lengths and calls copyRuns16.
func copyRuns16Checked(d, s []float32, ld, n int) {
	if n == 0 {
		return
	}
	_, _ = d[16*n-1], s[(n-1)*ld+15]
	copyRuns16(&d[0], &s[0], ld, n)
}

// interleave6 sets d[6p + i] = s[i·ld + p] for i < 6 and p < n, n a
// multiple of 8 (pack_amd64.s).
//
//go:noescape
func interleave6(d *float32, s *float32, ld int, n int)

// interleave6Checked checks the slices' lengths and calls interleave6.
func interleave6Checked(d, s []float32, ld, n int) {
	if n == 0 {
		return
	}
	_, _ = d[6*n-1], s[5*ld+n-1]
	interleave6(&d[0], &s[0], ld, n)
}
