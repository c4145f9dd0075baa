package datasets

import (
	"container/list"
	"context"
	"sync"
)

// byteBudget shares a number of bytes among goroutines: acquire waits
// until the bytes asked for are free, release gives them back. Waiters are
// served in arrival order, so that a large request is not starved by a
// stream of small ones. A byteBudget is safe for concurrent use.
type byteBudget struct {
	size    int64
	mu      sync.Mutex
	used    int64
	waiters list.List // of *budgetWaiter, oldest first
}

// budgetWaiter is one acquire waiting for its bytes; ready is closed once
// they are granted.
type budgetWaiter struct {
	n     int64
	ready chan struct{}
}

// newByteBudget returns a budget of size bytes.
func newByteBudget(size int64) *byteBudget {
	return &byteBudget{size: size}
}

// acquire takes n bytes (at most the whole budget), waiting while they are
// not free. It returns a function that gives them back (to be called once),
// or ctx.Err() if ctx ends first, in which case nothing is held.
func (b *byteBudget) acquire(ctx context.Context, n int64) (release func(), err error) {
	n = min(max(n, 0), b.size)
	if n == 0 {
		return func() {}, nil
	}
	release = func() { b.release(n) }
	b.mu.Lock()
	if b.waiters.Len() == 0 && b.size-b.used >= n {
		b.used += n
		b.mu.Unlock()
		return release, nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	e := b.waiters.PushBack(w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return release, nil
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-w.ready:
		// Granted while ctx ended: give the bytes back.
		b.used -= n
	default:
		b.waiters.Remove(e)
	}
	// Either way the waiters behind may now fit.
	b.grant()
	return nil, ctx.Err()
}

// release gives back n bytes taken by acquire.
func (b *byteBudget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	if b.used < 0 {
		panic("datasets: byte budget released more than acquired")
	}
	b.grant()
}

// grant hands free bytes to the oldest waiters, in order, while they fit.
// b.mu must be held.
func (b *byteBudget) grant() {
	for e := b.waiters.Front(); e != nil; e = b.waiters.Front() {
		w := e.Value.(*budgetWaiter)
		if b.size-b.used < w.n {
			return
		}
		b.used += w.n
		b.waiters.Remove(e)
		close(w.ready)
	}
}

// inUse returns the bytes held.
func (b *byteBudget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}
