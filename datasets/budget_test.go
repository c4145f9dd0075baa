package datasets

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitWaiters waits until b has n waiters queued.
func waitWaiters(t *testing.T, b *byteBudget, n int) {
	t.Helper()
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(time.Millisecond) {
		b.mu.Lock()
		got := b.waiters.Len()
		b.mu.Unlock()
		if got == n {
			return
		}
	}
	t.Fatalf("%d waiters never queued", n)
}

func TestByteBudget_Order(t *testing.T) {
	b := newByteBudget(1000)
	r1, err := b.acquire(t.Context(), 600)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan int64, 2)
	go func() {
		r, _ := b.acquire(t.Context(), 600)
		got <- 600
		r()
	}()
	waitWaiters(t, b, 1)
	// 400 bytes are free, but the small request queues behind the large
	// one: arrival order, so that large requests are not starved.
	go func() {
		r, _ := b.acquire(t.Context(), 100)
		got <- 100
		r()
	}()
	waitWaiters(t, b, 2)
	if n := b.inUse(); n != 600 {
		t.Fatalf("in use %d, want 600", n)
	}
	r1()
	if a, b := <-got, <-got; a+b != 700 {
		t.Errorf("granted %d and %d, want 600 and 100", a, b)
	}
	for start := time.Now(); b.inUse() != 0; time.Sleep(time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("in use %d after all releases", b.inUse())
		}
	}
}

func TestByteBudget_Cancel(t *testing.T) {
	b := newByteBudget(1000)
	r1, _ := b.acquire(t.Context(), 900)
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error)
	go func() {
		_, err := b.acquire(ctx, 500)
		errc <- err
	}()
	waitWaiters(t, b, 1)
	// A small request behind the cancelled one is served once it leaves.
	small := make(chan struct{})
	go func() {
		r, _ := b.acquire(t.Context(), 100)
		r()
		close(small)
	}()
	waitWaiters(t, b, 2)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	<-small
	r1()
	if n := b.inUse(); n != 0 {
		t.Errorf("in use %d, want 0", n)
	}
	// A request beyond the budget takes the whole budget.
	r, err := b.acquire(t.Context(), 5000)
	if err != nil || b.inUse() != 1000 {
		t.Fatalf("oversized: err %v, in use %d", err, b.inUse())
	}
	r()
}

// TestByteBudget_Bound hammers a budget from many goroutines and checks
// that what they hold together never exceeds it.
func TestByteBudget_Bound(t *testing.T) {
	const size = 1000
	b := newByteBudget(size)
	var held, peak atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range 300 {
				n := 1 + r.Int64N(size)
				release, err := b.acquire(t.Context(), n)
				if err != nil {
					t.Error(err)
					return
				}
				now := held.Add(n)
				for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
				}
				held.Add(-n)
				release()
			}
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > size || p == 0 {
		t.Errorf("peak held %d, want in (0, %d]", p, size)
	}
	if n := b.inUse(); n != 0 {
		t.Errorf("in use %d after all releases", n)
	}
}
