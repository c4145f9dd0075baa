package gemm

// kernel is a micro-kernel: tile computes one mr×nr tile of C,
//
//	C = alpha·Ap·Bp + beta·C   (C not read when beta is 0)
//
// from an A panel ap (kc steps of mr values) and a B panel bp (kc steps of
// nr values), packed as in pack.go; kc ≥ 1 and C's rows are ldc apart.
type kernel struct {
	name   string
	mr, nr int
	tile   func(kc int, ap, bp, c []float32, ldc int, alpha, beta float32)
}

// maxTile is the most elements of any kernel's tile.
const maxTile = 6 * 16

// goKernel is the plain-Go kernel, used where no assembly kernel runs.
var goKernel = &kernel{name: "purego", mr: 2, nr: 4, tile: tile2x4}

// kern is the kernel Sgemm uses: the best the CPU supports (init in
// kernel_amd64.go). Tests switch it.
var kern = goKernel

// transpose8Block, when set, sets d[p·dw + i] = s[i·ld + p] for i < 8 and
// p < n, n a multiple of 8, faster than interleave's loops (an assembly
// routine on CPUs with AVX2; see kernel_amd64.go).
var transpose8Block func(d []float32, dw int, s []float32, ld, n int)

// interleave6Rows, when set, sets d[6p + i] = s[i·ld + p] for i < 6 and
// p < n, n a multiple of 8 (assembly, as transpose8Block).
var interleave6Rows func(d, s []float32, ld, n int)

// copy16Runs, when set, sets d[16p + j] = s[p·ld + j] for j < 16 and
// p < n, faster than copy16's loop (assembly, as transpose8Block).
var copy16Runs func(d, s []float32, ld, n int)

// Kernel names the micro-kernel that Sgemm uses on this CPU and build:
// "avx2" (amd64 with AVX2 and FMA), "sse" (other amd64 CPUs) or "purego"
// (other architectures, and builds with -tags purego).
func Kernel() string { return kern.name }

// tile2x4 is the plain-Go kernel: a 2×4 tile in eight scalar
// accumulators, two steps per iteration. (Larger tiles run out of the
// fifteen floating-point registers the compiler allocates: it issues all of
// a step's products before the additions that consume them, so each
// product needs a register of its own. Writing two steps out lets the
// first step's additions interleave with its products.)
func tile2x4(kc int, ap, bp, c []float32, ldc int, alpha, beta float32) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	ap, bp = ap[:2*kc], bp[:4*kc]
	p := 0
	for ; p+2 <= kc; p += 2 {
		a := (*[4]float32)(ap[2*p:])
		b := (*[8]float32)(bp[4*p:])
		a0, a1 := a[0], a[1]
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a0, a1 = a[2], a[3]
		b0, b1, b2, b3 = b[4], b[5], b[6], b[7]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
	}
	if p < kc {
		a0, a1 := ap[2*p], ap[2*p+1]
		b := (*[4]float32)(bp[4*p:])
		c00 += a0 * b[0]
		c01 += a0 * b[1]
		c02 += a0 * b[2]
		c03 += a0 * b[3]
		c10 += a1 * b[0]
		c11 += a1 * b[1]
		c12 += a1 * b[2]
		c13 += a1 * b[3]
	}
	store4(c[:4], alpha, beta, c00, c01, c02, c03)
	store4(c[ldc:][:4], alpha, beta, c10, c11, c12, c13)
}

// store4 sets row = alpha·(x0, x1, x2, x3) + beta·row (row not read when
// beta is 0).
func store4(row []float32, alpha, beta, x0, x1, x2, x3 float32) {
	r := (*[4]float32)(row)
	if beta == 0 {
		r[0], r[1], r[2], r[3] = alpha*x0, alpha*x1, alpha*x2, alpha*x3
		return
	}
	r[0] = alpha*x0 + beta*r[0]
	r[1] = alpha*x1 + beta*r[1]
	r[2] = alpha*x2 + beta*r[2]
	r[3] = alpha*x3 + beta*r[3]
}
