package gemm

import (
	"math/rand/v2"
	"testing"
)

// FuzzSgemm checks random shapes, strides, flags and scalars against the
// float64 reference, with each kernel, with the real block sizes or the
// shrunken ones of smallBlocks:
//
//	go test ./gemm -run '^$' -fuzz FuzzSgemm -fuzztime 1m
func FuzzSgemm(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint8(1), uint8(0), uint8(0), uint8(1), uint8(0), uint64(1))
	f.Add(uint8(7), uint8(17), uint8(12), uint8(3), uint8(3), uint8(2), uint8(3), uint64(2))
	f.Add(uint8(13), uint8(35), uint8(0), uint8(1), uint8(5), uint8(3), uint8(1), uint64(3))
	f.Add(uint8(64), uint8(64), uint8(64), uint8(0), uint8(4), uint8(1), uint8(1), uint64(4))
	f.Fuzz(func(t *testing.T, m, n, k, pad, mode, ai, bi uint8, seed uint64) {
		// Bounded sizes keep each case fast: up to 80×80×300.
		mm, nn, kk := int(m)%81, int(n)%81, int(k)*300/255
		transA, transB, small := mode&1 != 0, mode&2 != 0, mode&4 != 0
		alpha, beta := scalars[int(ai)%len(scalars)], scalars[int(bi)%len(scalars)]
		for _, kn := range kernels() {
			func() {
				defer setVar(&kern, kn)()
				if small {
					defer smallBlocks()()
				}
				rng := rand.New(rand.NewPCG(seed, 7))
				check(t, newProblem(rng, transA, transB, mm, nn, kk, int(pad)%5, alpha, beta))
			}()
		}
	})
}
