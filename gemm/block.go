package gemm

import "sync"

// Block sizes of the blocked algorithm (see the package documentation):
// kc steps of the inner dimension, mc rows of A and nc columns of B per
// packed block. mc and nc are rounded down to whole tiles of the kernel.
// Tests lower them to reach every edge with small matrices.
var (
	blockK = 256
	blockM = 144
	blockN = 4096
)

// smallWork is the most multiply-adds (m·n·k) that Sgemm computes with
// unpacked loops (direct), where packing would cost more than it saves.
var smallWork = 4096

// bufsA and bufsB hold the buffers of packed blocks of A (with the
// scratch tile) and of B between calls; each element is a *[]float32.
var bufsA, bufsB sync.Pool

// getBuffer returns a buffer of n floats from pool, or a new one when the
// pool's is too small.
func getBuffer(pool *sync.Pool, n int) *[]float32 {
	if p, ok := pool.Get().(*[]float32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	s := make([]float32, n)
	return &s
}

// serial computes C = alpha·op(A)·op(B) + beta·C on the calling goroutine;
// alpha ≠ 0 and m, n, k > 0.
func serial(kn *kernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m*n*k <= smallWork {
		direct(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	// Split k into equal blocks of at most blockK steps, so that no block
	// is a sliver.
	kBlocks := ceilDiv(k, blockK)
	kc := ceilDiv(k, kBlocks)
	mc := max(kn.mr, blockM/kn.mr*kn.mr)
	nc := max(kn.nr, blockN/kn.nr*kn.nr)
	sizeA := min(mc, ceilDiv(m, kn.mr)*kn.mr) * kc
	pa := getBuffer(&bufsA, sizeA+maxTile)
	pb := getBuffer(&bufsB, min(nc, ceilDiv(n, kn.nr)*kn.nr)*kc)
	defer bufsA.Put(pa)
	defer bufsB.Put(pb)
	packedA, edge := (*pa)[:sizeA], (*pa)[sizeA:]
	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			packB(kn.nr, transB, b, ldb, pc, kb, jc, nb, *pb)
			bt := beta
			if pc > 0 {
				bt = 1
			}
			for ic := 0; ic < m; ic += mc {
				mb := min(mc, m-ic)
				packA(kn.mr, transA, a, lda, ic, mb, pc, kb, packedA)
				macro(kn, mb, nb, kb, alpha, packedA, *pb, bt, c[ic*ldc+jc:], ldc, edge)
			}
		}
	}
}

// macro multiplies a packed mb×kb block of A by a packed kb×nb block of B
// into C (whose first element is c[0]), tile by tile: C = alpha·A·B +
// beta·C. A tile that sticks out of C goes through the scratch tile edge
// (maxTile floats; it is not on the stack because the kernel is called
// through a function value, which escape analysis cannot see through).
func macro(kn *kernel, mb, nb, kb int, alpha float32, pa, pb []float32, beta float32, c []float32, ldc int, edge []float32) {
	mr, nr := kn.mr, kn.nr
	for jr := 0; jr < nb; jr += nr {
		bp := pb[jr*kb:][:nr*kb]
		for ir := 0; ir < mb; ir += mr {
			ap := pa[ir*kb:][:mr*kb]
			if ir+mr <= mb && jr+nr <= nb {
				kn.tile(kb, ap, bp, c[ir*ldc+jr:], ldc, alpha, beta)
				continue
			}
			t := edge[:mr*nr]
			kn.tile(kb, ap, bp, t, nr, alpha, 0)
			mergeEdge(t, nr, c[ir*ldc+jr:], ldc, min(mr, mb-ir), min(nr, nb-jr), beta)
		}
	}
}

// mergeEdge sets the rows×cols corner of C to t + beta·C (t when beta is
// 0), t being a tile with row stride nr.
func mergeEdge(t []float32, nr int, c []float32, ldc, rows, cols int, beta float32) {
	for i := 0; i < rows; i++ {
		src, dst := t[i*nr:][:cols], c[i*ldc:][:cols]
		if beta == 0 {
			copy(dst, src)
			continue
		}
		for j, v := range src {
			dst[j] = v + beta*dst[j]
		}
	}
}

// direct computes C = alpha·op(A)·op(B) + beta·C with plain loops, for
// products too small to pack: each element is one dot product.
func direct(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sa, ta := lda, 1 // op(A)[i][p] = a[i·sa + p·ta]
	if transA {
		sa, ta = 1, lda
	}
	sb, tb := 1, ldb // op(B)[p][j] = b[p·tb + j·sb]
	if transB {
		sb, tb = ldb, 1
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc:][:n]
		for j := range row {
			var s float32
			ai, bj := i*sa, j*sb
			for p := 0; p < k; p++ {
				s += a[ai+p*ta] * b[bj+p*tb]
			}
			if beta == 0 {
				row[j] = alpha * s
			} else {
				row[j] = alpha*s + beta*row[j]
			}
		}
	}
}
