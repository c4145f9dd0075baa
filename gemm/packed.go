package gemm

// PackedA is a matrix op(A), m×k, packed once for many products
// op(A)·op(B) with different B, as a convolution multiplies its filter
// matrix by the patch matrix of every sample: Sgemm and SgemmSerial pack
// every block of op(A) again on every call. The zero value is empty; Pack
// fills it, reusing its storage. A PackedA is read-only once packed, so
// several goroutines may call its Sgemm at once.
type PackedA struct {
	kn     *kernel
	trans  bool
	m, k   int
	a      []float32 // the matrix as given to Pack, for products too small to pack
	lda    int
	kc, mc int       // the k and m block sizes
	mPad   int       // m rounded up to whole tiles
	data   []float32 // block (pc, ic) of op(A) at pc·mPad + ic·kb, packed as packA does
}

// Pack packs op(A), where op(A) is m×k and A is stored as for Sgemm (m×k
// with leading dimension lda ≥ max(1, k), or k×m with lda ≥ max(1, m) when
// transA). A must not change while p is in use: p keeps a reference to it
// for products too small to pack. Pack panics on a negative dimension, a
// leading dimension too small or a slice too short, as Sgemm does.
func (p *PackedA) Pack(transA bool, m, k int, a []float32, lda int) {
	if m < 0 || k < 0 {
		panic(errNegDim)
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	if lda < max(1, ac) {
		panic(errLdA)
	}
	if ar > 0 && ac > 0 && len(a) < (ar-1)*lda+ac {
		panic(errShortA)
	}
	kn := kern
	*p = PackedA{kn: kn, trans: transA, m: m, k: k, a: a, lda: lda, data: p.data[:0]}
	if m == 0 || k == 0 {
		return
	}
	// The blocks of serial: k in equal blocks of at most blockK steps, m
	// in blocks of mc rows.
	kBlocks := ceilDiv(k, blockK)
	p.kc = ceilDiv(k, kBlocks)
	p.mc = max(kn.mr, blockM/kn.mr*kn.mr)
	p.mPad = ceilDiv(m, kn.mr) * kn.mr
	if cap(p.data) < p.mPad*k {
		p.data = make([]float32, p.mPad*k)
	}
	p.data = p.data[:p.mPad*k]
	for pc := 0; pc < k; pc += p.kc {
		kb := min(p.kc, k-pc)
		for ic := 0; ic < m; ic += p.mc {
			mb := min(p.mc, m-ic)
			packA(kn.mr, transA, a, lda, ic, mb, pc, kb, p.data[pc*p.mPad+ic*kb:])
		}
	}
}

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for the packed op(A), on
// the calling goroutine, with the contract of Sgemm for B (k×n, or n×k
// when transB) and C (m×n). The result is the one SgemmSerial gives with
// the A that was packed, bit for bit, as long as the package's kernel and
// block sizes are those of the Pack. It panics on the misuses Sgemm
// panics on, and when p was never packed.
func (p *PackedA) Sgemm(transB bool, n int, alpha float32, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if p.kn == nil {
		panic("gemm: PackedA used before Pack")
	}
	m, k := p.m, p.k
	checkArgs(p.trans, transB, m, n, k, p.a, p.lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		scale(m, n, beta, c, ldc)
		return
	}
	if m*n*k <= smallWork {
		direct(p.trans, transB, m, n, k, alpha, p.a, p.lda, b, ldb, beta, c, ldc)
		return
	}
	running.Add(1)
	defer running.Add(-1)
	kn := p.kn
	nc := max(kn.nr, blockN/kn.nr*kn.nr)
	pb := getBuffer(&bufsB, min(nc, ceilDiv(n, kn.nr)*kn.nr)*p.kc)
	pe := getBuffer(&bufsA, maxTile)
	defer bufsB.Put(pb)
	defer bufsA.Put(pe)
	edge := (*pe)[:maxTile]
	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		for pc := 0; pc < k; pc += p.kc {
			kb := min(p.kc, k-pc)
			packB(kn.nr, transB, b, ldb, pc, kb, jc, nb, *pb)
			bt := beta
			if pc > 0 {
				bt = 1
			}
			for ic := 0; ic < m; ic += p.mc {
				mb := min(p.mc, m-ic)
				pa := p.data[pc*p.mPad+ic*kb:][:ceilDiv(mb, kn.mr)*kn.mr*kb]
				macro(kn, mb, nb, kb, alpha, pa, *pb, bt, c[ic*ldc+jc:], ldc, edge)
			}
		}
	}
}
