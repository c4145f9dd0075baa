//go:build amd64 && !purego

#include "textflag.h"

// TRANSPOSE8 transposes the 8×8 block whose row i is in Yi (i < 8) into
// Y8–Y15, column j in Y(8+j), in three rounds: pairs of rows (Y8 = r0[0]
// r1[0] r0[1] r1[1] | r0[4] r1[4] r0[5] r1[5], …), quads (Y0 = r0..r3[0] |
// r0..r3[4], …; Y4–Y7 for rows 4–7) and halves (the low halves give
// columns 0–3, the high halves 4–7). It overwrites Y0–Y7.
#define TRANSPOSE8 \
	VUNPCKLPS  Y1, Y0, Y8;          \
	VUNPCKHPS  Y1, Y0, Y9;          \
	VUNPCKLPS  Y3, Y2, Y10;         \
	VUNPCKHPS  Y3, Y2, Y11;         \
	VUNPCKLPS  Y5, Y4, Y12;         \
	VUNPCKHPS  Y5, Y4, Y13;         \
	VUNPCKLPS  Y7, Y6, Y14;         \
	VUNPCKHPS  Y7, Y6, Y15;         \
	VSHUFPS    $0x44, Y10, Y8, Y0;  \
	VSHUFPS    $0xEE, Y10, Y8, Y1;  \
	VSHUFPS    $0x44, Y11, Y9, Y2;  \
	VSHUFPS    $0xEE, Y11, Y9, Y3;  \
	VSHUFPS    $0x44, Y14, Y12, Y4; \
	VSHUFPS    $0xEE, Y14, Y12, Y5; \
	VSHUFPS    $0x44, Y15, Y13, Y6; \
	VSHUFPS    $0xEE, Y15, Y13, Y7; \
	VPERM2F128 $0x20, Y4, Y0, Y8;   \
	VPERM2F128 $0x20, Y5, Y1, Y9;   \
	VPERM2F128 $0x20, Y6, Y2, Y10;  \
	VPERM2F128 $0x20, Y7, Y3, Y11;  \
	VPERM2F128 $0x31, Y4, Y0, Y12;  \
	VPERM2F128 $0x31, Y5, Y1, Y13;  \
	VPERM2F128 $0x31, Y6, Y2, Y14;  \
	VPERM2F128 $0x31, Y7, Y3, Y15

// func transpose8(d *float32, dw int, s *float32, ld int, n int)
//
// The interleaving of eight rows for the packing of panels (pack.go):
// d[p·dw + i] = s[i·ld + p] for i < 8 and p < n, n a multiple of 8. Each
// iteration loads an 8×8 block (Y0–Y7, row i of s in Yi), transposes it
// and stores its columns as eight runs of d.
// Registers: SI, R11 rows 0 and 4 of the block; R9 = ld, R10 = 3·ld and
// R8 = dw, R12 = 3·dw in bytes; DI, R13 the first and fifth runs of d;
// CX blocks left.
TEXT ·transpose8(SB), NOSPLIT, $0-40
	MOVQ d+0(FP), DI
	MOVQ dw+8(FP), R8
	MOVQ s+16(FP), SI
	MOVQ ld+24(FP), R9
	MOVQ n+32(FP), CX
	SHLQ $2, R8
	SHLQ $2, R9
	SHRQ $3, CX
	JZ   done
	LEAQ (R9)(R9*2), R10
	LEAQ (R8)(R8*2), R12
	LEAQ (SI)(R9*4), R11

loop:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R9*1), Y1
	VMOVUPS (SI)(R9*2), Y2
	VMOVUPS (SI)(R10*1), Y3
	VMOVUPS (R11), Y4
	VMOVUPS (R11)(R9*1), Y5
	VMOVUPS (R11)(R9*2), Y6
	VMOVUPS (R11)(R10*1), Y7

	TRANSPOSE8

	LEAQ    (DI)(R8*4), R13
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, (DI)(R8*1)
	VMOVUPS Y10, (DI)(R8*2)
	VMOVUPS Y11, (DI)(R12*1)
	VMOVUPS Y12, (R13)
	VMOVUPS Y13, (R13)(R8*1)
	VMOVUPS Y14, (R13)(R8*2)
	VMOVUPS Y15, (R13)(R12*1)

	ADDQ $32, SI
	ADDQ $32, R11
	LEAQ (DI)(R8*8), DI
	DECQ CX
	JNZ  loop
	VZEROUPPER

done:
	RET

// func copyRuns16(d *float32, s *float32, ld int, n int)
//
// The copy of contiguous runs for the packing of B panels (pack.go):
// d[16p + j] = s[p·ld + j] for j < 16 and p < n, two runs per iteration.
TEXT ·copyRuns16(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ ld+16(FP), R8
	MOVQ n+24(FP), CX
	SHLQ $2, R8
	MOVQ CX, BX
	SHRQ $1, BX
	JZ   one

pair:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS (SI)(R8*1), Y2
	VMOVUPS 32(SI)(R8*1), Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	LEAQ    (SI)(R8*2), SI
	ADDQ    $128, DI
	DECQ    BX
	JNZ     pair

one:
	ANDQ    $1, CX
	JZ      end
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)

end:
	VZEROUPPER
	RET

// func interleave6(d *float32, s *float32, ld int, n int)
//
// transpose8 for six rows and runs of six: d[6p + i] = s[i·ld + p] for
// i < 6 and p < n, n a multiple of 8. The block's rows 6 and 7 (Y6, Y7)
// hold whatever they held: each column is stored as eight floats, its last
// two overwritten by the next column's store, except the eighth, stored
// as six, so nothing is written past d[6n−1].
TEXT ·interleave6(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ ld+16(FP), R9
	MOVQ n+24(FP), CX
	SHLQ $2, R9
	SHRQ $3, CX
	JZ   done6
	LEAQ (R9)(R9*2), R10
	LEAQ (SI)(R9*4), R11

loop6:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R9*1), Y1
	VMOVUPS (SI)(R9*2), Y2
	VMOVUPS (SI)(R10*1), Y3
	VMOVUPS (R11), Y4
	VMOVUPS (R11)(R9*1), Y5
	TRANSPOSE8

	VMOVUPS      Y8, (DI)
	VMOVUPS      Y9, 24(DI)
	VMOVUPS      Y10, 48(DI)
	VMOVUPS      Y11, 72(DI)
	VMOVUPS      Y12, 96(DI)
	VMOVUPS      Y13, 120(DI)
	VMOVUPS      Y14, 144(DI)
	VMOVUPS      X15, 168(DI)
	VEXTRACTF128 $1, Y15, X15
	VMOVQ        X15, 184(DI)

	ADDQ $32, SI
	ADDQ $32, R11
	ADDQ $192, DI
	DECQ CX
	JNZ  loop6
	VZEROUPPER

done6:
	RET
