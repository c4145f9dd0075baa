//go:build amd64 && !purego

#include "textflag.h"

// The AVX2 micro-kernel of Sgemm (see kernel_amd64.go and the package
// documentation). Registers:
//
//	SI  A panel: 6 floats per step     DI  B panel: 16 floats per step
//	CX  steps left                     BX  groups of four steps left
//	DX, R9–R13  the six rows of C      R8  row stride of C in bytes
//	Y0, Y1  B[p][0:8], B[p][8:16]      Y2, Y3  broadcasts of A[p][i]
//	Y4–Y15  the tile: row i in Y(4+2i) (columns 0–7) and Y(5+2i) (8–15)

// STEP does one step p: C[i][j] += A[p][i]·B[p][j] for the 6×16 tile, with
// A[p] at ao(SI) and B[p] at bo(DI).
#define STEP(ao, bo) \
	VMOVUPS      (bo)(DI), Y0;    \
	VMOVUPS      (bo+32)(DI), Y1; \
	VBROADCASTSS (ao)(SI), Y2;    \
	VBROADCASTSS (ao+4)(SI), Y3;  \
	VFMADD231PS  Y0, Y2, Y4;      \
	VFMADD231PS  Y1, Y2, Y5;      \
	VFMADD231PS  Y0, Y3, Y6;      \
	VFMADD231PS  Y1, Y3, Y7;      \
	VBROADCASTSS (ao+8)(SI), Y2;  \
	VBROADCASTSS (ao+12)(SI), Y3; \
	VFMADD231PS  Y0, Y2, Y8;      \
	VFMADD231PS  Y1, Y2, Y9;      \
	VFMADD231PS  Y0, Y3, Y10;     \
	VFMADD231PS  Y1, Y3, Y11;     \
	VBROADCASTSS (ao+16)(SI), Y2; \
	VBROADCASTSS (ao+20)(SI), Y3; \
	VFMADD231PS  Y0, Y2, Y12;     \
	VFMADD231PS  Y1, Y2, Y13;     \
	VFMADD231PS  Y0, Y3, Y14;     \
	VFMADD231PS  Y1, Y3, Y15

// SCALEROW sets row i of the tile (registers lo, hi) to alpha·acc +
// beta·C, C's row being at r; Y0 holds alpha and Y1 beta. STOREROW writes
// the row to C.
#define SCALEROW(lo, hi, r) \
	VMULPS      Y0, lo, lo;     \
	VMULPS      Y0, hi, hi;     \
	VFMADD231PS (r), Y1, lo;    \
	VFMADD231PS 32(r), Y1, hi

#define STOREROW(lo, hi, r) \
	VMOVUPS lo, (r); \
	VMOVUPS hi, 32(r)

// func kernel6x16(kc int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·kernel6x16(SB), NOSPLIT, $0-48
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8

	// Row pointers of C; touch each row's two cache lines early.
	LEAQ (DX)(R8*1), R9
	LEAQ (DX)(R8*2), R10
	LEAQ (R9)(R8*2), R11
	LEAQ (R10)(R8*2), R12
	LEAQ (R11)(R8*2), R13
	PREFETCHT0 (DX)
	PREFETCHT0 63(DX)
	PREFETCHT0 (R9)
	PREFETCHT0 63(R9)
	PREFETCHT0 (R10)
	PREFETCHT0 63(R10)
	PREFETCHT0 (R11)
	PREFETCHT0 63(R11)
	PREFETCHT0 (R12)
	PREFETCHT0 63(R12)
	PREFETCHT0 (R13)
	PREFETCHT0 63(R13)

	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

	MOVQ CX, BX
	SHRQ $2, BX
	JZ   tail

loop4: // four steps per iteration
	STEP(0, 0)
	STEP(24, 64)
	STEP(48, 128)
	STEP(72, 192)
	ADDQ $96, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  loop4

tail: // the last kc mod 4 steps
	ANDQ $3, CX
	JZ   store

loop1:
	STEP(0, 0)
	ADDQ $24, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop1

store:
	VBROADCASTSS alpha+40(FP), Y0
	MOVL         beta+44(FP), AX
	SHLL         $1, AX            // drop the sign bit: ±0 leave zero
	JZ           scaleonly
	VBROADCASTSS beta+44(FP), Y1
	SCALEROW(Y4, Y5, DX)
	SCALEROW(Y6, Y7, R9)
	SCALEROW(Y8, Y9, R10)
	SCALEROW(Y10, Y11, R11)
	SCALEROW(Y12, Y13, R12)
	SCALEROW(Y14, Y15, R13)
	JMP          write

scaleonly: // beta = 0: C is not read
	VMULPS Y0, Y4, Y4
	VMULPS Y0, Y5, Y5
	VMULPS Y0, Y6, Y6
	VMULPS Y0, Y7, Y7
	VMULPS Y0, Y8, Y8
	VMULPS Y0, Y9, Y9
	VMULPS Y0, Y10, Y10
	VMULPS Y0, Y11, Y11
	VMULPS Y0, Y12, Y12
	VMULPS Y0, Y13, Y13
	VMULPS Y0, Y14, Y14
	VMULPS Y0, Y15, Y15

write:
	STOREROW(Y4, Y5, DX)
	STOREROW(Y6, Y7, R9)
	STOREROW(Y8, Y9, R10)
	STOREROW(Y10, Y11, R11)
	STOREROW(Y12, Y13, R12)
	STOREROW(Y14, Y15, R13)
	VZEROUPPER
	RET

// The SSE micro-kernel, for amd64 CPUs without AVX2 or FMA (SSE2 is part
// of amd64). Registers:
//
//	SI  A panel: 6 floats per step     DI  B panel: 8 floats per step
//	CX  steps left                     DX, R9–R13  the six rows of C
//	X12, X13  B[p][0:4], B[p][4:8]     X14  broadcast of A[p][i]; X15 scratch
//	X0–X11  the tile: row i in X(2i) (columns 0–3) and X(2i+1) (4–7)

// SROW adds A[p][i]·B[p] to row i of the tile (lo, hi), A[p][i] being at
// off(SI); it overwrites X14 and X15.
#define SROW(off, lo, hi) \
	MOVSS  (off)(SI), X14; \
	SHUFPS $0, X14, X14;   \
	MOVAPS X12, X15;       \
	MULPS  X14, X15;       \
	ADDPS  X15, lo;        \
	MULPS  X13, X14;       \
	ADDPS  X14, hi

// SSCALE sets row i of the tile (lo, hi) to alpha·acc + beta·C, C's row
// being at r; X14 holds alpha and X15 beta, and X12, X13 are scratch.
#define SSCALE(lo, hi, r) \
	MULPS  X14, lo;     \
	MULPS  X14, hi;     \
	MOVUPS (r), X12;    \
	MOVUPS 16(r), X13;  \
	MULPS  X15, X12;    \
	MULPS  X15, X13;    \
	ADDPS  X12, lo;     \
	ADDPS  X13, hi

#define SSTORE(lo, hi, r) \
	MOVUPS lo, (r); \
	MOVUPS hi, 16(r)

// func kernel6x8(kc int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·kernel6x8(SB), NOSPLIT, $0-48
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	LEAQ (DX)(R8*1), R9
	LEAQ (DX)(R8*2), R10
	LEAQ (R9)(R8*2), R11
	LEAQ (R10)(R8*2), R12
	LEAQ (R11)(R8*2), R13

	XORPS X0, X0
	XORPS X1, X1
	XORPS X2, X2
	XORPS X3, X3
	XORPS X4, X4
	XORPS X5, X5
	XORPS X6, X6
	XORPS X7, X7
	XORPS X8, X8
	XORPS X9, X9
	XORPS X10, X10
	XORPS X11, X11

sloop: // one step per iteration
	MOVUPS (DI), X12
	MOVUPS 16(DI), X13
	SROW(0, X0, X1)
	SROW(4, X2, X3)
	SROW(8, X4, X5)
	SROW(12, X6, X7)
	SROW(16, X8, X9)
	SROW(20, X10, X11)
	ADDQ   $24, SI
	ADDQ   $32, DI
	DECQ   CX
	JNZ    sloop

	MOVSS  alpha+40(FP), X14
	SHUFPS $0, X14, X14
	MOVL   beta+44(FP), AX
	SHLL   $1, AX            // drop the sign bit: ±0 leave zero
	JZ     sscaleonly
	MOVSS  beta+44(FP), X15
	SHUFPS $0, X15, X15
	SSCALE(X0, X1, DX)
	SSCALE(X2, X3, R9)
	SSCALE(X4, X5, R10)
	SSCALE(X6, X7, R11)
	SSCALE(X8, X9, R12)
	SSCALE(X10, X11, R13)
	JMP    swrite

sscaleonly: // beta = 0: C is not read
	MULPS X14, X0
	MULPS X14, X1
	MULPS X14, X2
	MULPS X14, X3
	MULPS X14, X4
	MULPS X14, X5
	MULPS X14, X6
	MULPS X14, X7
	MULPS X14, X8
	MULPS X14, X9
	MULPS X14, X10
	MULPS X14, X11

swrite:
	SSTORE(X0, X1, DX)
	SSTORE(X2, X3, R9)
	SSTORE(X4, X5, R10)
	SSTORE(X6, X7, R11)
	SSTORE(X8, X9, R12)
	SSTORE(X10, X11, R13)
	RET
