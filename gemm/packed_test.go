package gemm

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// checkPacked packs p's A into pa and checks that pa.Sgemm gives
// SgemmSerial's result bit for bit, and that it meets the error bound.
func checkPacked(t *testing.T, pa *PackedA, p *problem) {
	t.Helper()
	want := slices.Clone(p.c)
	SgemmSerial(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, want, p.ldc)
	pa.Pack(p.transA, p.m, p.k, p.a, p.lda)
	got := slices.Clone(p.c)
	pa.Sgemm(p.transB, p.n, p.alpha, p.b, p.ldb, p.beta, got, p.ldc)
	if !slices.Equal(bits(got), bits(want)) {
		t.Errorf("%v: PackedA.Sgemm differs from SgemmSerial (kernel %s)", p, kern.name)
	}
}

// TestPackedA checks PackedA against SgemmSerial on every kernel, flag and
// scalar combination, with the blocks shrunk so that the shapes cross tile
// and block edges and with the real blocks; one PackedA is reused for
// every problem, so repacking into old storage is covered too.
func TestPackedA(t *testing.T) {
	withKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 1))
		var pa PackedA
		func() {
			defer smallBlocks()()
			for _, s := range shapes(kern.mr, kern.nr) {
				for _, f := range flags {
					for _, pad := range []int{0, 3} {
						for _, alpha := range scalars {
							checkPacked(t, &pa, newProblem(rng, f[0], f[1], s[0], s[1], s[2], pad, alpha, scalars[rng.IntN(len(scalars))]))
						}
					}
				}
			}
		}()
		mc := blockM / kern.mr * kern.mr
		for i, s := range [][3]int{{1, 1, 1}, {3, 4, 5}, {mc + 1, 40, blockK + 1}, {2*mc - 1, 17, 2*blockK + 3}, {96, 3136 / 8, 147}, {7, 9, 0}} {
			f := flags[i%len(flags)]
			checkPacked(t, &pa, newProblem(rng, f[0], f[1], s[0], s[1], s[2], 1, scalars[i%len(scalars)], scalars[(i+1)%len(scalars)]))
		}
	})
}

// TestPackedA_Concurrent checks that goroutines sharing one PackedA get
// SgemmSerial's results (run it with -race).
func TestPackedA_Concurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 1))
	m, k, n := 40, 300, 70
	a := randMatrix(rng, m, k)
	var pa PackedA
	pa.Pack(false, m, k, a, k)
	var wg sync.WaitGroup
	errs := make([]bool, 4)
	for g := range errs {
		b := randMatrix(rng, k, n)
		wg.Go(func() {
			want := make([]float32, m*n)
			got := make([]float32, m*n)
			SgemmSerial(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
			pa.Sgemm(false, n, 1, b, n, 0, got, n)
			errs[g] = !slices.Equal(bits(got), bits(want))
		})
	}
	wg.Wait()
	for g, bad := range errs {
		if bad {
			t.Errorf("goroutine %d: PackedA.Sgemm differs from SgemmSerial", g)
		}
	}
}

// TestPackedA_Panics checks the argument checks of Pack and Sgemm.
func TestPackedA_Panics(t *testing.T) {
	a := make([]float32, 12)
	for _, c := range []struct {
		name, want string
		f          func()
	}{
		{"negative m", errNegDim, func() { new(PackedA).Pack(false, -1, 2, a, 2) }},
		{"small lda", errLdA, func() { new(PackedA).Pack(false, 3, 4, a, 3) }},
		{"short A", errShortA, func() { new(PackedA).Pack(true, 4, 4, a, 4) }},
		{"short C", errShortC, func() {
			var p PackedA
			p.Pack(false, 3, 4, a, 4)
			p.Sgemm(false, 2, 1, make([]float32, 8), 2, 0, make([]float32, 5), 2)
		}},
		{"unpacked", "gemm: PackedA used before Pack", func() { new(PackedA).Sgemm(false, 1, 1, a, 1, 0, a, 1) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != c.want {
					t.Errorf("panic %v, want %q", r, c.want)
				}
			}()
			c.f()
		})
	}
}
