package gemm

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestInterleave checks interleave, with and without the assembly
// transposition where there is one, against its definition: d[p·w+i] =
// s[at + i·ld + p] for i < rows, 0 for rows ≤ i < w.
func TestInterleave(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	type routines struct {
		t8 func([]float32, int, []float32, int, int)
		i6 func([]float32, []float32, int, int)
	}
	fast := []routines{{}}
	if transpose8Block != nil {
		fast = append(fast, routines{transpose8Block, interleave6Rows})
	}
	for fi, f := range fast {
		defer setVar(&transpose8Block, f.t8)()
		defer setVar(&interleave6Rows, f.i6)()
		for _, w := range []int{2, 4, 6, 16} {
			for _, rows := range []int{1, w / 2, w - 1, w} {
				for _, kb := range []int{1, 7, 8, 9, 16, 30} {
					t.Run(fmt.Sprintf("asm=%d/w=%d/rows=%d/kb=%d", fi, w, rows, kb), func(t *testing.T) {
						const ld, at = 37, 5
						s := randMatrix(rng, rows+1, ld)
						d := slices.Repeat([]float32{-9}, w*kb+3)
						interleave(d, w, s, ld, at, rows, kb)
						for p := 0; p < kb; p++ {
							for i := 0; i < w; i++ {
								want := float32(0)
								if i < rows {
									want = s[at+i*ld+p]
								}
								if got := d[p*w+i]; got != want {
									t.Fatalf("d[%d·%d+%d] = %v, want %v", p, w, i, got, want)
								}
							}
						}
						if !slices.Equal(d[w*kb:], []float32{-9, -9, -9}) {
							t.Errorf("wrote past the panel: %v", d[w*kb:])
						}
					})
				}
			}
		}
	}
}

// TestCopy16 checks copy16, with and without the assembly copy where there
// is one, against its definition: d[16p+j] = s[at + p·ld + j].
func TestCopy16(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 2))
	fast := []func([]float32, []float32, int, int){nil}
	if copy16Runs != nil {
		fast = append(fast, copy16Runs)
	}
	for fi, f := range fast {
		defer setVar(&copy16Runs, f)()
		for _, kb := range []int{1, 2, 3, 8, 31} {
			const ld, at = 21, 3
			s := randMatrix(rng, kb+1, ld)
			d := slices.Repeat([]float32{-9}, 16*kb+3)
			copy16(d, s, ld, at, kb)
			for p := 0; p < kb; p++ {
				if got, want := d[16*p:][:16], s[at+p*ld:][:16]; !slices.Equal(got, want) {
					t.Fatalf("asm=%d kb=%d: step %d = %v, want %v", fi, kb, p, got, want)
				}
			}
			if !slices.Equal(d[16*kb:], []float32{-9, -9, -9}) {
				t.Errorf("asm=%d kb=%d: wrote past the panel: %v", fi, kb, d[16*kb:])
			}
		}
	}
}
