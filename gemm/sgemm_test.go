package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// eps32 is the unit roundoff of float32.
const eps32 = 0x1p-24

// tolFactor scales the error bound k·ε·(|alpha|·Σ|a||b| + |beta||c|) that
// a float32 product must meet against the float64 reference; 2 leaves room
// for the final scaling and the addition into C.
const tolFactor = 2

// problem is one Sgemm call: shapes, flags, scalars, strides and data.
type problem struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	lda, ldb, ldc  int
	a, b, c        []float32
}

func (p *problem) String() string {
	return fmt.Sprintf("tA=%t tB=%t m=%d n=%d k=%d alpha=%g beta=%g lda=%d ldb=%d ldc=%d",
		p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.beta, p.lda, p.ldb, p.ldc)
}

// newProblem draws A, B and C from U(−1, 1), with pad extra columns in
// every stored matrix (filled with values the product must not use); C
// holds NaNs when beta is 0, which must not reach the result.
func newProblem(rng *rand.Rand, transA, transB bool, m, n, k, pad int, alpha, beta float32) *problem {
	p := &problem{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	p.lda, p.ldb, p.ldc = max(1, ac)+pad, max(1, bc)+pad, max(1, n)+pad
	p.a = randMatrix(rng, ar, p.lda)
	p.b = randMatrix(rng, br, p.ldb)
	p.c = randMatrix(rng, m, p.ldc)
	if beta == 0 {
		for i := range p.c {
			p.c[i] = float32(math.NaN())
		}
	}
	return p
}

// randMatrix returns rows×ld values from U(−1, 1).
func randMatrix(rng *rand.Rand, rows, ld int) []float32 {
	s := make([]float32, rows*ld)
	for i := range s {
		s[i] = float32(2*rng.Float64() - 1)
	}
	return s
}

// reference returns C = alpha·op(A)·op(B) + beta·C in float64, with C
// untouched when m or n is 0 and not read when beta is 0, and the error
// bound of each element.
func reference(p *problem) (want, bound []float64) {
	want = make([]float64, len(p.c))
	bound = make([]float64, len(p.c))
	for i, v := range p.c {
		want[i] = float64(v)
	}
	at := func(i, l int) float64 {
		if p.transA {
			return float64(p.a[l*p.lda+i])
		}
		return float64(p.a[i*p.lda+l])
	}
	bt := func(l, j int) float64 {
		if p.transB {
			return float64(p.b[j*p.ldb+l])
		}
		return float64(p.b[l*p.ldb+j])
	}
	alpha, beta := float64(p.alpha), float64(p.beta)
	for i := 0; i < p.m; i++ {
		for j := 0; j < p.n; j++ {
			var s, abs float64
			if alpha != 0 {
				for l := 0; l < p.k; l++ {
					s += at(i, l) * bt(l, j)
					abs += math.Abs(at(i, l) * bt(l, j))
				}
			}
			at := i*p.ldc + j
			c := 0.0
			if beta != 0 {
				c = beta * want[at]
			}
			want[at] = alpha*s + c
			bound[at] = tolFactor * float64(p.k+2) * eps32 * (math.Abs(alpha)*abs + math.Abs(c))
		}
	}
	return want, bound
}

// run calls Sgemm on p and returns C.
func (p *problem) run() []float32 {
	c := slices.Clone(p.c)
	Sgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, c, p.ldc)
	return c
}

// check runs p and compares C with the reference: every element within
// its bound (NaN fails), everything outside the m×n region untouched.
func check(t *testing.T, p *problem) {
	t.Helper()
	got := p.run()
	want, bound := reference(p)
	bad := 0
	for i, g := range got {
		if row, col := i/p.ldc, i%p.ldc; row >= p.m || col >= p.n {
			if math.Float32bits(g) != math.Float32bits(p.c[i]) {
				t.Errorf("%v: C[%d][%d] outside the product changed: got %v, want %v", p, row, col, g, p.c[i])
				return
			}
			continue
		}
		if d := math.Abs(float64(g) - want[i]); !(d <= bound[i]) {
			if bad++; bad <= 3 {
				t.Errorf("%v: C[%d][%d] = %v, want %v ± %.3g (kernel %s)", p, i/p.ldc, i%p.ldc, g, want[i], bound[i], kern.name)
			}
		}
	}
	if bad > 3 {
		t.Errorf("%v: %d elements wrong", p, bad)
	}
}

// kernels returns the kernels this build and machine can run.
func kernels() []*kernel {
	ks := []*kernel{goKernel}
	if sseKernel != nil {
		ks = append(ks, sseKernel)
	}
	if avx2Kernel != nil && kern == avx2Kernel {
		ks = append(ks, avx2Kernel)
	}
	return ks
}

// withKernel runs f as a subtest for each kernel, with kern set to it.
func withKernel(t *testing.T, f func(t *testing.T)) {
	for _, kn := range kernels() {
		t.Run(kn.name, func(t *testing.T) {
			defer setVar(&kern, kn)()
			f(t)
		})
	}
}

// setVar sets *p to v and returns a function that restores it.
func setVar[T any](p *T, v T) func() {
	old := *p
	*p = v
	return func() { *p = old }
}

// smallBlocks shrinks the block sizes and thresholds so that small
// matrices cross several blocks in every dimension, take the packed path
// and split across goroutines; it returns the restoring function.
func smallBlocks() func() {
	r := []func(){
		setVar(&blockK, 11), setVar(&blockM, 13), setVar(&blockN, 35),
		setVar(&smallWork, 0), setVar(&parallelMinWork, 1),
	}
	return func() {
		for _, f := range r {
			f()
		}
	}
}

var (
	scalars = []float32{0, 1, -0.5, 2}
	flags   = [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}}
)

// shapes returns the m, n, k to test around the tile mr×nr and the
// blocks: 1, odd sizes, one below, at and above each tile and block size.
func shapes(mr, nr int) [][3]int {
	out := [][3]int{{1, 1, 1}, {1, 1, 0}, {3, 5, 7}, {2, 9, 1}, {17, 1, 3}, {1, 33, 19}}
	for _, d := range []int{-1, 0, 1} {
		out = append(out,
			[3]int{mr + d, nr + d, 5}, [3]int{2*mr + d, nr, 9}, [3]int{mr, 2*nr + d, 4},
			[3]int{7, 11, 11 + d}, [3]int{13 + d, 35 + d, 22 + d},
			[3]int{2*13 + d, 3*35 + d, 3*11 + d},
		)
	}
	return out
}

// TestSgemm_Small checks every flag and scalar combination on small shapes,
// with minimal and padded strides, with the blocks shrunk so that the
// shapes cross tile and block edges.
func TestSgemm_Small(t *testing.T) {
	withKernel(t, func(t *testing.T) {
		defer smallBlocks()()
		rng := rand.New(rand.NewPCG(1, 1))
		for _, s := range shapes(kern.mr, kern.nr) {
			for _, f := range flags {
				for _, pad := range []int{0, 3} {
					for _, alpha := range scalars {
						for _, beta := range scalars {
							check(t, newProblem(rng, f[0], f[1], s[0], s[1], s[2], pad, alpha, beta))
						}
					}
				}
			}
		}
	})
}

// TestSgemm_Direct checks the unpacked path of small products.
func TestSgemm_Direct(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 1))
	for _, s := range [][3]int{{1, 1, 1}, {3, 4, 5}, {16, 16, 16}, {7, 1, 9}} {
		if s[0]*s[1]*s[2] > smallWork {
			t.Fatalf("%v is not a direct product", s)
		}
		for _, f := range flags {
			for _, beta := range scalars {
				check(t, newProblem(rng, f[0], f[1], s[0], s[1], s[2], 2, -0.5, beta))
			}
		}
	}
}

// TestSgemm_Blocks checks shapes one below, at and one above the real
// block sizes (kc, mc, nc), with the real thresholds.
func TestSgemm_Blocks(t *testing.T) {
	if testing.Short() {
		t.Skip("large products")
	}
	withKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 1))
		mc := blockM / kern.mr * kern.mr
		nc := blockN / kern.nr * kern.nr
		var ss [][3]int
		for _, d := range []int{-1, 0, 1} {
			ss = append(ss, [3]int{7, 9, blockK + d}, [3]int{mc + d, 17, 2*blockK + d},
				[3]int{5, nc + d, 3}, [3]int{mc + d, nc + d, 2})
		}
		for i, s := range ss {
			f := flags[i%len(flags)]
			check(t, newProblem(rng, f[0], f[1], s[0], s[1], s[2], 1, scalars[i%4], scalars[(i+1)%4]))
		}
	})
}

// TestSgemm_Threads checks that the result is bit for bit the same on one
// goroutine and split across several, along m and along n.
func TestSgemm_Threads(t *testing.T) {
	withKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(4, 1))
		for _, s := range [][3]int{{100, 37, 50}, {37, 100, 50}, {kern.mr*7 + 1, kern.nr*5 + 3, 300}} {
			for _, f := range flags {
				p := newProblem(rng, f[0], f[1], s[0], s[1], s[2], 1, 1.5, 0.5)
				one := p.run()
				restore := setVar(&parallelMinWork, 1)
				for _, procs := range []int{2, 3, 5} {
					prev := runtime.GOMAXPROCS(procs)
					many := p.run()
					runtime.GOMAXPROCS(prev)
					if !slices.Equal(bits(one), bits(many)) {
						t.Errorf("%v: %d goroutines differ from one", p, procs)
					}
				}
				restore()
				check(t, p)
			}
		}
	})
}

// TestSgemmSerial checks that SgemmSerial gives Sgemm's result bit for
// bit, on products large enough for Sgemm to split.
func TestSgemmSerial(t *testing.T) {
	withKernel(t, func(t *testing.T) {
		defer setVar(&parallelMinWork, 1)()
		rng := rand.New(rand.NewPCG(7, 1))
		for _, f := range flags {
			for _, alpha := range scalars {
				p := newProblem(rng, f[0], f[1], 29, 53, 40, 1, alpha, 0.5)
				want := p.run()
				got := slices.Clone(p.c)
				SgemmSerial(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, got, p.ldc)
				if !slices.Equal(bits(got), bits(want)) {
					t.Errorf("%v: SgemmSerial differs from Sgemm", p)
				}
			}
		}
	})
}

// TestSgemm_NotRead checks that A and B are not read when alpha or k is 0
// (their NaNs do not reach C) and that C is not read when beta is 0.
func TestSgemm_NotRead(t *testing.T) {
	withKernel(t, func(t *testing.T) {
		defer smallBlocks()()
		nan := float32(math.NaN())
		for _, tc := range []struct {
			name          string
			k             int
			alpha, beta   float32
			a, b, c, want float32
		}{
			{"alpha0", 3, 0, 2, nan, nan, 1.5, 3},
			{"alpha0-beta0", 3, 0, 0, nan, nan, nan, 0},
			{"k0", 0, 1, -0.5, nan, nan, 4, -2},
			{"beta0", 2, 1, 0, 1, 2, nan, 4},
		} {
			t.Run(tc.name, func(t *testing.T) {
				m, n := 2*kern.mr+1, kern.nr+1
				a := slices.Repeat([]float32{tc.a}, m*max(1, tc.k))
				b := slices.Repeat([]float32{tc.b}, n*max(1, tc.k))
				c := slices.Repeat([]float32{tc.c}, m*n)
				Sgemm(false, false, m, n, tc.k, tc.alpha, a, max(1, tc.k), b, n, tc.beta, c, n)
				for i, v := range c {
					if v != tc.want {
						t.Fatalf("C[%d] = %v, want %v", i, v, tc.want)
					}
				}
			})
		}
	})
}

// TestSgemm_Panics checks the argument checks.
func TestSgemm_Panics(t *testing.T) {
	s := make([]float32, 100)
	for _, tc := range []struct {
		name string
		want string
		call func()
	}{
		{"negative", errNegDim, func() { Sgemm(false, false, -1, 2, 2, 1, s, 2, s, 2, 0, s, 2) }},
		{"lda", errLdA, func() { Sgemm(false, false, 2, 2, 3, 1, s, 2, s, 2, 0, s, 2) }},
		{"ldaTrans", errLdA, func() { Sgemm(true, false, 4, 2, 3, 1, s, 3, s, 2, 0, s, 2) }},
		{"ldb", errLdB, func() { Sgemm(false, false, 2, 3, 2, 1, s, 2, s, 2, 0, s, 3) }},
		{"ldbTrans", errLdB, func() { Sgemm(false, true, 2, 3, 4, 1, s, 4, s, 3, 0, s, 3) }},
		{"ldc", errLdC, func() { Sgemm(false, false, 2, 3, 2, 1, s, 2, s, 3, 0, s, 2) }},
		{"shortA", errShortA, func() { Sgemm(false, false, 11, 2, 10, 1, s, 10, s, 2, 0, s, 2) }},
		{"shortB", errShortB, func() { Sgemm(false, true, 2, 11, 10, 1, s, 10, s, 10, 0, s, 11) }},
		{"shortC", errShortC, func() { Sgemm(false, false, 11, 10, 2, 1, s, 2, s, 10, 0, s, 10) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != tc.want {
					t.Errorf("panic %v, want %q", r, tc.want)
				}
			}()
			tc.call()
		})
	}
}

// bits returns the bit patterns of s, so that NaNs compare equal.
func bits(s []float32) []uint32 {
	out := make([]uint32, len(s))
	for i, v := range s {
		out[i] = math.Float32bits(v)
	}
	return out
}
