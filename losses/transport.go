package losses

import (
	"errors"
	"fmt"
	"math"
)

// MassTol is the relative tolerance within which EMD accepts two histograms
// as having the same total mass.
const MassTol = 1e-9

// ErrNotConverged is returned by EMD if the transport simplex exceeds its
// iteration limit (a safeguard; it has not been seen to happen).
var ErrNotConverged = errors.New("losses: transport simplex did not converge")

// EMD returns the exact Earth Mover's Distance between histograms p (m bins)
// and q (n bins) under the ground distance D (m×n), the optimal value of the
// transport problem
//
//	min Σ_ij f_ij D[i][j]  subject to  Σ_j f_ij = p_i,  Σ_i f_ij = q_j,  f ≥ 0
//
// solved exactly by the transportation simplex (north-west-corner start,
// u–v potentials, block-search pricing with Bland's rule during degenerate
// stretches so that it cannot cycle; Hitchcock 1941, Dantzig 1951). The
// result is not divided by the total mass; for distributions the mass is 1.
//
// Identities (PAPER.md §1 item 6): for q one-hot at y, EMD = Σ_i p_i D[i][y];
// for D = |i − j| (OrderedDistance(C, 1)), EMD = Σ_k |CDF_p(k) − CDF_q(k)|.
// With the squared cost (i − j)² the value differs from the closed-form EMD2.
//
// Errors (data problems): an entry of p or q that is NaN, infinite or
// negative; masses Σp and Σq that differ by more than MassTol relative; an
// entry of D that is NaN or infinite. D may have any sign. Two zero
// histograms are at distance 0. EMD panics if p or q is empty or D is not
// len(p)×len(q). The inputs are not modified.
func EMD(p, q []float64, D [][]float64) (float64, error) {
	cost, _, err := transportPlan(p, q, D)
	return cost, err
}

// transportPlan returns the optimal cost and an optimal flow (len(p)×len(q)).
func transportPlan(p, q []float64, D [][]float64) (float64, [][]float64, error) {
	m, n := len(p), len(q)
	if m == 0 || n == 0 {
		panic(errHistogram)
	}
	if len(D) != m {
		panic(errCostShape)
	}
	for _, row := range D {
		if len(row) != n {
			panic(errCostShape)
		}
	}
	sp, err := histogramMass("p", p)
	if err != nil {
		return 0, nil, err
	}
	sq, err := histogramMass("q", q)
	if err != nil {
		return 0, nil, err
	}
	if math.Abs(sp-sq) > MassTol*math.Max(sp, sq) {
		return 0, nil, fmt.Errorf("losses: EMD: masses differ: Σp = %v, Σq = %v", sp, sq)
	}
	for i, row := range D {
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, nil, fmt.Errorf("losses: EMD: D[%d][%d] is %v", i, j, v)
			}
		}
	}
	flow := newRect(m, n)
	if sp == 0 {
		return 0, flow, nil
	}
	rows, cols := support(p), support(q)
	t := newTransport(p, q, D, rows, cols, sp/sq)
	if err := t.solve(); err != nil {
		return 0, nil, err
	}
	var total float64
	for _, c := range t.cells {
		i, j := c/t.n, c%t.n
		f := math.Max(t.flow[c], 0)
		flow[rows[i]][cols[j]] = f
		total += f * t.cost[c]
	}
	return total, flow, nil
}

func histogramMass(name string, h []float64) (float64, error) {
	var s float64
	for i, v := range h {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return 0, fmt.Errorf("losses: EMD: %s[%d] is %v, want a finite value ≥ 0", name, i, v)
		}
		s += v
	}
	if math.IsInf(s, 0) {
		return 0, fmt.Errorf("losses: EMD: the mass of %s overflows", name)
	}
	return s, nil
}

// support returns the indices of the positive entries of h.
func support(h []float64) []int {
	var idx []int
	for i, v := range h {
		if v > 0 {
			idx = append(idx, i)
		}
	}
	return idx
}

// transport is a transportation problem restricted to the positive bins,
// with its current basis: a spanning tree of the bipartite graph of rows
// (nodes 0…m−1) and columns (nodes m…m+n−1) with m+n−1 basic cells.
type transport struct {
	m, n   int
	a, b   []float64 // supplies and demands
	cost   []float64 // m×n, row-major; cell c is (c/n, c%n)
	flow   []float64 // m×n; meaningful on basic cells
	basic  []bool    // m×n
	cells  []int     // the basic cells
	adj    [][]int   // per node, the basic cells that touch it
	pot    []float64 // potentials: u_i = pot[i], v_j = pot[m+j]
	parent []int     // per node, the basic cell to its parent in the BFS tree (−1 at the root)
	depth  []int
	queue  []int
	tail   []int
	next   int     // where the next block search starts
	bland  bool    // always price by Bland's rule (tests)
	tol    float64 // reduced-cost tolerance
}

func newTransport(p, q []float64, D [][]float64, rows, cols []int, qScale float64) *transport {
	m, n := len(rows), len(cols)
	t := &transport{
		m: m, n: n,
		a: make([]float64, m), b: make([]float64, n),
		cost: make([]float64, m*n), flow: make([]float64, m*n), basic: make([]bool, m*n),
		adj: make([][]int, m+n), pot: make([]float64, m+n),
		parent: make([]int, m+n), depth: make([]int, m+n), queue: make([]int, 0, m+n),
	}
	for i, r := range rows {
		t.a[i] = p[r]
	}
	for j, c := range cols {
		t.b[j] = q[c] * qScale // equal masses to rounding
	}
	var maxAbs float64
	for i, r := range rows {
		for j, c := range cols {
			v := D[r][c]
			t.cost[i*n+j] = v
			maxAbs = math.Max(maxAbs, math.Abs(v))
		}
	}
	// Potentials are sums of up to m+n costs; allow for their rounding.
	t.tol = 1e-12 * float64(m+n) * maxAbs
	return t
}

// northWest builds the initial basis by the north-west-corner rule: a
// staircase of exactly m+n−1 cells (some may carry zero flow), which is a
// spanning tree.
func (t *transport) northWest() {
	i, j := 0, 0
	ra, rb := t.a[0], t.b[0]
	for {
		x := math.Min(ra, rb)
		t.addBasic(i*t.n+j, x)
		ra -= x
		rb -= x
		switch {
		case i == t.m-1 && j == t.n-1:
			return
		case i == t.m-1:
			j++
			rb = t.b[j]
		case j == t.n-1:
			i++
			ra = t.a[i]
		case ra <= rb: // the row is used up (on a tie, move down a row; the next cell is degenerate)
			i++
			ra = t.a[i]
		default:
			j++
			rb = t.b[j]
		}
	}
}

func (t *transport) addBasic(c int, f float64) {
	t.basic[c] = true
	t.flow[c] = f
	t.cells = append(t.cells, c)
	i, j := c/t.n, c%t.n
	t.adj[i] = append(t.adj[i], c)
	t.adj[t.m+j] = append(t.adj[t.m+j], c)
}

func (t *transport) removeBasic(c int) {
	t.basic[c] = false
	t.flow[c] = 0
	t.cells = removeInt(t.cells, c)
	i, j := c/t.n, c%t.n
	t.adj[i] = removeInt(t.adj[i], c)
	t.adj[t.m+j] = removeInt(t.adj[t.m+j], c)
}

func removeInt(s []int, v int) []int {
	for k, x := range s {
		if x == v {
			s[k] = s[len(s)-1]
			return s[:len(s)-1]
		}
	}
	panic("losses: internal error: basic cell not found")
}

// other returns the node at the other end of basic cell c from node u.
func (t *transport) other(c, u int) int {
	if u < t.m {
		return t.m + c%t.n
	}
	return c / t.n
}

// potentials solves u_i + v_j = c_ij on the basic cells by a breadth-first
// walk of the tree from row 0, recording each node's parent cell and depth.
// After the first call, reroot keeps them up to date pivot by pivot.
func (t *transport) potentials() {
	for k := range t.parent {
		t.parent[k] = -2 // unvisited
	}
	t.parent[0], t.depth[0], t.pot[0] = -1, 0, 0
	t.queue = append(t.queue[:0], 0)
	for h := 0; h < len(t.queue); h++ {
		u := t.queue[h]
		for _, c := range t.adj[u] {
			w := t.other(c, u)
			if t.parent[w] != -2 {
				continue
			}
			t.parent[w], t.depth[w] = c, t.depth[u]+1
			t.pot[w] = t.cost[c] - t.pot[u]
			t.queue = append(t.queue, w)
		}
	}
}

// price returns a nonbasic cell with negative reduced cost c_ij − u_i − v_j
// (below −tol), or −1 if there is none, which means the basis is optimal.
//
// Bland's rule (bland = true) takes the first such cell in index order.
// Otherwise block search (as in network simplex codes): the cells are
// scanned cyclically from where the last search stopped, in blocks of about
// √(mn), and the most negative cell of the first block that has one is
// taken. −1 is returned only after a full cycle found none.
func (t *transport) price(bland bool) int {
	total := t.m * t.n
	if bland {
		for c := range total {
			if t.reduced(c) < -t.tol && !t.basic[c] {
				return c
			}
		}
		return -1
	}
	block := max(int(math.Sqrt(float64(total))), 16)
	best, bestR := -1, -t.tol
	c := t.next
	i, j := c/t.n, c%t.n
	for k := 1; k <= total; k++ {
		if !t.basic[c] {
			if r := t.cost[c] - t.pot[i] - t.pot[t.m+j]; r < bestR {
				best, bestR = c, r
			}
		}
		c, j = c+1, j+1
		if j == t.n {
			i, j = i+1, 0
			if i == t.m {
				c, i = 0, 0
			}
		}
		if k%block == 0 && best >= 0 {
			break
		}
	}
	t.next = c
	return best
}

func (t *transport) reduced(c int) float64 {
	i, j := c/t.n, c%t.n
	return t.cost[c] - t.pot[i] - t.pot[t.m+j]
}

// cycle returns the tree path from row node i to column node m+j, as basic
// cells in order from row i, and how many of them lie on row i's side of
// the paths' meeting point (walking up from row i). With the entering cell
// (i, j) the path closes the pivot cycle; the cells at even positions
// (0, 2, …) lose flow.
func (t *transport) cycle(dst []int, i, j int) ([]int, int) {
	a, b := i, t.m+j
	t.tail = t.tail[:0]
	dst = dst[:0]
	for a != b {
		if t.depth[a] >= t.depth[b] {
			c := t.parent[a]
			dst = append(dst, c)
			a = t.other(c, a)
		} else {
			c := t.parent[b]
			t.tail = append(t.tail, c)
			b = t.other(c, b)
		}
	}
	split := len(dst)
	for k := len(t.tail) - 1; k >= 0; k-- {
		dst = append(dst, t.tail[k])
	}
	return dst, split
}

// reroot restores the potentials, parents and depths after a pivot. Removing
// the leaving cell cut off a subtree S; the entering cell hangs it back on
// at node top (its endpoint in S). Only S changes: walk it from top.
func (t *transport) reroot(enter, top int) {
	up := t.other(enter, top)
	t.parent[top], t.depth[top] = enter, t.depth[up]+1
	t.pot[top] = t.cost[enter] - t.pot[up]
	t.queue = append(t.queue[:0], top)
	for h := 0; h < len(t.queue); h++ {
		u := t.queue[h]
		for _, c := range t.adj[u] {
			if c == t.parent[u] {
				continue
			}
			w := t.other(c, u)
			t.parent[w], t.depth[w] = c, t.depth[u]+1
			t.pot[w] = t.cost[c] - t.pot[u]
			t.queue = append(t.queue, w)
		}
	}
}

// solve runs the transportation simplex to optimality.
func (t *transport) solve() error {
	t.northWest()
	if t.m == 1 || t.n == 1 {
		return nil // the only feasible flow
	}
	t.potentials()
	maxIter := 100*t.m*t.n + 1000
	degenerate := 0
	var path []int
	for range maxIter {
		bland := t.bland || degenerate > t.m+t.n
		enter := t.price(bland)
		if enter < 0 {
			return nil
		}
		i, j := enter/t.n, enter%t.n
		var split int
		path, split = t.cycle(path, i, j)
		leave, at, theta := -1, -1, math.Inf(1)
		for k := 0; k < len(path); k += 2 {
			c := path[k]
			f := t.flow[c]
			if f < theta || (f == theta && c < leave) {
				leave, at, theta = c, k, f
			}
		}
		theta = math.Max(theta, 0)
		for k, c := range path {
			if k%2 == 0 {
				t.flow[c] -= theta
			} else {
				t.flow[c] += theta
			}
		}
		t.removeBasic(leave)
		t.addBasic(enter, theta)
		if at < split {
			t.reroot(enter, i) // the leaving cell was above row i
		} else {
			t.reroot(enter, t.m+j)
		}
		if theta > 0 {
			degenerate = 0
		} else {
			degenerate++
		}
	}
	return ErrNotConverged
}

func newRect(m, n int) [][]float64 {
	back := make([]float64, m*n)
	r := make([][]float64, m)
	for i := range r {
		r[i] = back[i*n : (i+1)*n : (i+1)*n]
	}
	return r
}
