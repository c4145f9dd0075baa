package gemm

// Packing: the blocked algorithm copies each block of op(A) and op(B) into
// a buffer in the order the kernel reads it. A block of op(A) rows
// [i0, i0+mb) and steps [p0, p0+kb) becomes panels of mr rows, panel q at
// q·mr·kb, holding for each step p the mr values op(A)[i0+q·mr+i][p0+p] at
// p·mr+i. A block of op(B) becomes panels of nr columns, holding for each
// step the nr values op(B)[p0+p][j0+q·nr+j] at p·nr+j. Rows or columns
// past the block's end are zero.
//
// A panel is either a copy of short contiguous runs (op(A) = Aᵀ, op(B) = B:
// each step's values are contiguous in memory) or an interleaving of mr or
// nr rows of memory (op(A) = A, op(B) = Bᵀ). The copies move four floats at
// a time (an array assignment, which the compiler does with one vector
// load and store); the interleavings read their rows in parallel, so that
// every write is sequential.

// packA packs rows [i0, i0+mb) and steps [p0, p0+kb) of op(A) into dst.
func packA(mr int, trans bool, a []float32, lda, i0, mb, p0, kb int, dst []float32) {
	for q := 0; q*mr < mb; q++ {
		rows := min(mr, mb-q*mr)
		d := dst[q*mr*kb:][:mr*kb]
		r0 := i0 + q*mr
		switch {
		case trans && mr == 6 && rows == 6:
			copy6(d, a, lda, (p0*lda)+r0, kb)
		case trans: // op(A)[i][p] = a[p·lda + i]
			for p := 0; p < kb; p++ {
				dp := d[p*mr:][:mr]
				copy(dp, a[(p0+p)*lda+r0:][:rows])
				clear(dp[rows:])
			}
		default: // op(A)[i][p] = a[i·lda + p]
			interleave(d, mr, a, lda, r0*lda+p0, rows, kb)
		}
	}
}

// packB packs steps [p0, p0+kb) and columns [j0, j0+nb) of op(B) into dst.
func packB(nr int, trans bool, b []float32, ldb, p0, kb, j0, nb int, dst []float32) {
	for q := 0; q*nr < nb; q++ {
		cols := min(nr, nb-q*nr)
		d := dst[q*nr*kb:][:nr*kb]
		c0 := j0 + q*nr
		switch {
		case trans: // op(B)[p][j] = b[j·ldb + p]
			interleave(d, nr, b, ldb, c0*ldb+p0, cols, kb)
		case nr == 16 && cols == 16:
			copy16(d, b, ldb, p0*ldb+c0, kb)
		default: // op(B)[p][j] = b[p·ldb + j]
			for p := 0; p < kb; p++ {
				dp := d[p*nr:][:nr]
				copy(dp, b[(p0+p)*ldb+c0:][:cols])
				clear(dp[cols:])
			}
		}
	}
}

// copy6 copies kb runs of six floats, the first at s[at] and each ld after
// the last, to d: d[6p+i] = s[at + p·ld + i].
func copy6(d, s []float32, ld, at, kb int) {
	d = d[:6*kb]
	for p := 0; p < kb; p++ {
		src := s[at+p*ld:][:6]
		dst := d[6*p:][:6]
		*(*[4]float32)(dst) = *(*[4]float32)(src)
		*(*[2]float32)(dst[4:]) = *(*[2]float32)(src[4:])
	}
}

// copy16 copies kb runs of sixteen floats, the first at s[at] and each ld
// after the last, to d: d[16p+j] = s[at + p·ld + j].
func copy16(d, s []float32, ld, at, kb int) {
	d = d[:16*kb]
	if fast := copy16Runs; fast != nil && kb > 0 {
		fast(d, s[at:], ld, kb)
		return
	}
	for p := 0; p < kb; p++ {
		src := s[at+p*ld:][:16]
		dst := d[16*p:][:16]
		*(*[4]float32)(dst) = *(*[4]float32)(src)
		*(*[4]float32)(dst[4:]) = *(*[4]float32)(src[4:])
		*(*[4]float32)(dst[8:]) = *(*[4]float32)(src[8:])
		*(*[4]float32)(dst[12:]) = *(*[4]float32)(src[12:])
	}
}

// interleave writes kb steps of w values into d, d[p·w+i] = s[at + i·ld +
// p] for the first rows values of each step and 0 for the rest: rows rows
// of s, ld apart, read side by side, up to eight at a time.
func interleave(d []float32, w int, s []float32, ld, at, rows, kb int) {
	d = d[:w*kb]
	i := 0
	if fast := interleave6Rows; fast != nil && w == 6 && rows == 6 {
		kb8 := kb &^ 7
		fast(d, s[at:], ld, kb8)
		for p := kb8; p < kb; p++ {
			t := (*[6]float32)(d[6*p:])
			for r := range t {
				t[r] = s[at+r*ld+p]
			}
		}
		return
	}
	if fast := transpose8Block; fast != nil && w >= 8 {
		kb8 := kb &^ 7
		for ; i+8 <= rows; i += 8 {
			fast(d[i:], w, s[at+i*ld:], ld, kb8)
			for p := kb8; p < kb; p++ {
				t := (*[8]float32)(d[p*w+i:])
				for r := range t {
					t[r] = s[at+(i+r)*ld+p]
				}
			}
		}
	}
	for ; i+8 <= rows; i += 8 {
		s0, s1 := s[at+i*ld:][:kb], s[at+(i+1)*ld:][:kb]
		s2, s3 := s[at+(i+2)*ld:][:kb], s[at+(i+3)*ld:][:kb]
		s4, s5 := s[at+(i+4)*ld:][:kb], s[at+(i+5)*ld:][:kb]
		s6, s7 := s[at+(i+6)*ld:][:kb], s[at+(i+7)*ld:][:kb]
		for p := range s0 {
			t := (*[8]float32)(d[p*w+i:])
			t[0], t[1], t[2], t[3] = s0[p], s1[p], s2[p], s3[p]
			t[4], t[5], t[6], t[7] = s4[p], s5[p], s6[p], s7[p]
		}
	}
	if i+6 <= rows && w == 6 {
		s0, s1 := s[at+i*ld:][:kb], s[at+(i+1)*ld:][:kb]
		s2, s3 := s[at+(i+2)*ld:][:kb], s[at+(i+3)*ld:][:kb]
		s4, s5 := s[at+(i+4)*ld:][:kb], s[at+(i+5)*ld:][:kb]
		for p := range s0 {
			t := (*[6]float32)(d[p*w+i:])
			t[0], t[1], t[2], t[3], t[4], t[5] = s0[p], s1[p], s2[p], s3[p], s4[p], s5[p]
		}
		i += 6
	}
	for ; i+2 <= rows; i += 2 {
		s0, s1 := s[at+i*ld:][:kb], s[at+(i+1)*ld:][:kb]
		for p := range s0 {
			t := (*[2]float32)(d[p*w+i:])
			t[0], t[1] = s0[p], s1[p]
		}
	}
	for ; i < rows; i++ {
		for p, v := range s[at+i*ld:][:kb] {
			d[p*w+i] = v
		}
	}
	for ; i < w; i++ {
		for p := 0; p < kb; p++ {
			d[p*w+i] = 0
		}
	}
}
