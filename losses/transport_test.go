package losses

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

func TestEMD_WorkedExample(t *testing.T) {
	// PAPER.md §1 item 6: p = [.05,.1,.5,.25,.1], y = 3 (0-based):
	// ℓ1 EMD = Σ p_i |i − 3| = .15 + .2 + .5 + 0 + .1 = 0.95;
	// squared-cost transport = Σ p_i (i − 3)² = .45 + .4 + .5 + 0 + .1 = 1.45.
	p := []float64{.05, .1, .5, .25, .1}
	q := OneHot(nil, 3, 5)
	tests := []struct {
		name  string
		power float64
		want  float64
	}{
		{"l1", 1, 0.95},
		{"squared", 2, 1.45},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EMD(p, q, OrderedDistance(5, tt.power))
			if err != nil {
				t.Fatal(err)
			}
			checkClose(t, "EMD", got, tt.want, emdTol)
		})
	}
	// ... and the closed-form squared EMD (without 1/C) is a third number.
	checkClose(t, "RPS", RPS(p, q), 0.4575, lossTol64)
}

func TestEMD_OneHotIdentity(t *testing.T) {
	// PAPER.md §1 item 6: for q one-hot at y, EMD = Σ_i p_i D[i][y].
	rng := newRand(70)
	for range 300 {
		c := 1 + rng.IntN(12)
		D := randGround(rng, c, c)
		p, y := randDist(rng, c), rng.IntN(c)
		var want float64
		for i := range p {
			want += p[i] * D[i][y]
		}
		got, err := EMD(p, OneHot(nil, y, c), D)
		if err != nil {
			t.Fatal(err)
		}
		checkClose(t, "one-hot", got, want, emdTol)
	}
}

func TestEMD_OrderedIdentity(t *testing.T) {
	// PAPER.md §1 item 6: with D = |i − j|, EMD = Σ_k |CDF_p(k) − CDF_q(k)|.
	rng := newRand(71)
	for range 300 {
		c := 1 + rng.IntN(30)
		p, q := randDist(rng, c), randDist(rng, c)
		var want, cp, cq float64
		for k := range p {
			cp, cq = cp+p[k], cq+q[k]
			want += math.Abs(cp - cq)
		}
		got, err := EMD(p, q, OrderedDistance(c, 1))
		if err != nil {
			t.Fatal(err)
		}
		checkClose(t, "ordered", got, want, emdTol)
	}
}

func TestEMD_BruteForce(t *testing.T) {
	// Oracle: enumerate every basis (spanning tree of the bipartite graph)
	// of the tiny transport problem, keep the feasible ones, take the least
	// cost: the LP optimum is attained at a vertex.
	rng := newRand(72)
	for range 300 {
		m, n := 1+rng.IntN(3), 1+rng.IntN(3)
		p, q := randDist(rng, m), randDist(rng, n)
		D := randGround(rng, m, n)
		if rng.IntN(3) == 0 { // integer costs: many ties, degenerate pivots
			for i := range D {
				for j := range D[i] {
					D[i][j] = float64(rng.IntN(3))
				}
			}
		}
		got, err := EMD(p, q, D)
		if err != nil {
			t.Fatal(err)
		}
		checkClose(t, fmt.Sprintf("EMD(%v, %v, %v) vs vertices", p, q, D), got, bruteForceEMD(p, q, D), emdTol)
	}
}

func TestEMD_GonumLP(t *testing.T) {
	// Oracle: gonum's dense simplex on the same LP, the last column
	// constraint dropped (it is implied by the others).
	rng := newRand(73)
	for k := range 100 {
		m, n := 2+rng.IntN(11), 2+rng.IntN(11)
		p, q := randDist(rng, m), randDist(rng, n)
		for i := range p { // gonum's phase I dislikes zero right-hand sides
			p[i] = (p[i] + 0.01) / (1 + 0.01*float64(m))
		}
		for j := range q {
			q[j] = (q[j] + 0.01) / (1 + 0.01*float64(n))
		}
		D := randGround(rng, m, n)
		if k%2 == 0 { // uniform masses and integer costs: heavy degeneracy
			for i := range p {
				p[i] = 1 / float64(m)
			}
			for j := range q {
				q[j] = 1 / float64(n)
			}
			for i := range D {
				for j := range D[i] {
					D[i][j] = float64(rng.IntN(3))
				}
			}
		}
		got, err := EMD(p, q, D)
		if err != nil {
			t.Fatal(err)
		}
		checkClose(t, "EMD vs gonum lp", got, lpEMD(t, p, q, D), 1e-7)
	}
}

func TestEMD_BlandRule(t *testing.T) {
	// The anti-cycling rule alone must reach the same optimum.
	rng := newRand(76)
	for range 100 {
		m, n := 1+rng.IntN(12), 1+rng.IntN(12)
		p, q := randDist(rng, m), randDist(rng, n)
		D := randGround(rng, m, n)
		want, err := EMD(p, q, D)
		if err != nil {
			t.Fatal(err)
		}
		tr := newTransport(p, q, D, support(p), support(q), 1)
		tr.bland = true
		if err := tr.solve(); err != nil {
			t.Fatal(err)
		}
		var got float64
		for _, c := range tr.cells {
			got += tr.flow[c] * tr.cost[c]
		}
		checkClose(t, "Bland", got, want, emdTol)
	}
}

func TestEMD_Large(t *testing.T) {
	// The sizes of the benchmarks, against the ordered identity.
	rng := newRand(77)
	for _, c := range []int{64, 256} {
		p, q := Softmax(nil, randLogits(rng, c, 1)), Softmax(nil, randLogits(rng, c, 1))
		var want, cp, cq float64
		for k := range p {
			cp, cq = cp+p[k], cq+q[k]
			want += math.Abs(cp - cq)
		}
		// Shuffle the bins of p and of q (and D with them) so that the
		// north-west corner start is far from optimal.
		pi, sigma := rng.Perm(c), rng.Perm(c)
		pp, qq, D := make([]float64, c), make([]float64, c), newMatrix(c)
		for a := range c {
			pp[a], qq[a] = p[pi[a]], q[sigma[a]]
			for b := range c {
				D[a][b] = math.Abs(float64(pi[a] - sigma[b]))
			}
		}
		got, err := EMD(pp, qq, D)
		if err != nil {
			t.Fatal(err)
		}
		checkClose(t, fmt.Sprintf("C=%d", c), got, want, emdTol)
	}
}

func TestEMD_Plan(t *testing.T) {
	rng := newRand(74)
	for range 200 {
		m, n := 1+rng.IntN(20), 1+rng.IntN(20)
		p, q := randDist(rng, m), randDist(rng, n)
		D := randGround(rng, m, n)
		saved := cloneMatrix(D)
		done := unmodified(t, p, q)
		cost, flow, err := transportPlan(p, q, D)
		done()
		if err != nil {
			t.Fatal(err)
		}
		if !equalMatrix(D, saved) {
			t.Fatal("D modified")
		}
		var total float64
		for i := range p {
			var row float64
			for j := range q {
				if flow[i][j] < 0 {
					t.Fatalf("negative flow %v", flow[i][j])
				}
				row += flow[i][j]
				total += flow[i][j] * D[i][j]
			}
			checkClose(t, "row sum", row, p[i], 1e-12)
		}
		for j := range q {
			var col float64
			for i := range p {
				col += flow[i][j]
			}
			checkClose(t, "column sum", col, q[j], 1e-12)
		}
		checkClose(t, "cost of plan", total, cost, 1e-12)
	}
}

func TestEMD_Metric(t *testing.T) {
	// With a metric ground distance EMD is a metric: zero on equal
	// histograms, symmetric, and it obeys the triangle inequality.
	rng := newRand(75)
	for range 100 {
		c := 2 + rng.IntN(10)
		D := euclideanGround(rng, c)
		p, q, r := randDist(rng, c), randDist(rng, c), randDist(rng, c)
		pq, _ := EMD(p, q, D)
		qp, _ := EMD(q, p, D)
		pr, _ := EMD(p, r, D)
		rq, _ := EMD(r, q, D)
		pp, _ := EMD(p, p, D)
		if math.Abs(pp) > emdTol {
			t.Fatalf("EMD(p, p) = %v, want 0", pp)
		}
		checkClose(t, "symmetry", pq, qp, emdTol)
		if pq > pr+rq+emdTol {
			t.Fatalf("triangle: %v > %v + %v", pq, pr, rq)
		}
	}
}

func TestEMD_Degenerate(t *testing.T) {
	tests := []struct {
		name string
		p, q []float64
		D    [][]float64
		want float64
	}{
		// Hand-derived: uniform to a permutation of itself with |i−j|.
		{"equal-masses", []float64{.25, .25, .25, .25}, []float64{.25, .25, .25, .25}, OrderedDistance(4, 1), 0},
		// Hand-derived: all costs equal: every plan costs 3·Σp = 3.
		{"flat-cost", []float64{.5, .5, 0}, []float64{0, .5, .5}, [][]float64{{3, 3, 3}, {3, 3, 3}, {3, 3, 3}}, 3},
		// Hand-derived: the zero histograms are at distance 0.
		{"zero-mass", []float64{0, 0}, []float64{0, 0}, OrderedDistance(2, 1), 0},
		// Hand-derived: 2 bins to 3: move .5 from bin 0 to bin 2 at cost 2, the rest stays at 0 or moves 1.
		{"rectangular", []float64{.5, .5}, []float64{0, .5, .5}, [][]float64{{0, 1, 2}, {1, 0, 1}}, 1},
		// Hand-derived: negative costs are allowed; the plan takes the
		// negative cell as far as the masses allow.
		{"negative-cost", []float64{.5, .5}, []float64{.5, .5}, [][]float64{{0, -1}, {-1, 0}}, -1},
		// Hand-derived: unnormalised but equal masses are fine: 2·0.5·1.
		{"mass-2", []float64{1, 1}, []float64{2, 0}, OrderedDistance(2, 1), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EMD(tt.p, tt.q, tt.D)
			if err != nil {
				t.Fatal(err)
			}
			checkClose(t, "EMD", got, tt.want, emdTol)
		})
	}
}

func TestEMD_Errors(t *testing.T) {
	D := OrderedDistance(2, 1)
	tests := []struct {
		name string
		p, q []float64
		D    [][]float64
		want string
	}{
		{"ErrNaN", []float64{math.NaN(), 1}, []float64{0, 1}, D, "p[0] is NaN"},
		{"ErrInf", []float64{0, 1}, []float64{math.Inf(1), 1}, D, "q[0] is +Inf"},
		{"ErrNegative", []float64{-.5, 1.5}, []float64{0, 1}, D, "p[0] is -0.5"},
		{"ErrMass", []float64{.5, .6}, []float64{0, 1}, D, "masses differ"},
		{"ErrCostNaN", []float64{.5, .5}, []float64{0, 1}, [][]float64{{0, math.NaN()}, {1, 0}}, "D[0][1] is NaN"},
		{"ErrOverflow", []float64{math.MaxFloat64, math.MaxFloat64}, []float64{0, 1}, D, "mass of p overflows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EMD(tt.p, tt.q, tt.D)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "losses: ") {
				t.Fatalf("got %v, %v; want an error containing %q", got, err, tt.want)
			}
		})
	}
}

func TestEMD_Panics(t *testing.T) {
	wantPanic(t, errHistogram, func() { EMD(nil, []float64{1}, [][]float64{}) })
	wantPanic(t, errHistogram, func() { EMD([]float64{1}, nil, [][]float64{{}}) })
	wantPanic(t, errCostShape, func() { EMD([]float64{1}, []float64{1}, [][]float64{{0, 1}}) })
	wantPanic(t, errCostShape, func() { EMD([]float64{.5, .5}, []float64{1}, [][]float64{{0}}) })
}

// FuzzEMD checks the solver against its identities on fuzzed histograms:
// the one-hot and ordered closed forms, and a feasible plan of that cost.
func FuzzEMD(f *testing.F) {
	f.Add([]byte{1, 2, 10, 5, 2}, []byte{0, 0, 0, 1, 0}, []byte{})
	f.Add([]byte{1, 1, 1, 1}, []byte{1, 1, 1, 1}, []byte{3, 3, 3, 3})
	f.Add([]byte{0, 0, 7}, []byte{7, 0, 0}, []byte{9, 1, 2, 250, 0, 0, 1, 1, 1})
	f.Fuzz(func(t *testing.T, pb, qb, db []byte) {
		c := min(len(pb), len(qb), 40)
		if c == 0 {
			return
		}
		p, q := normalised(pb[:c]), normalised(qb[:c])
		if p == nil || q == nil {
			return
		}
		// Ordered ground distance: the CDF identity.
		var want, cp, cq float64
		for k := range p {
			cp, cq = cp+p[k], cq+q[k]
			want += math.Abs(cp - cq)
		}
		got, err := EMD(p, q, OrderedDistance(c, 1))
		if err != nil {
			t.Fatal(err)
		}
		if !equalTol(got, want, emdTol) {
			t.Fatalf("ordered: got %v, want %v", got, want)
		}
		// Arbitrary costs from db: a feasible plan whose cost is reported
		// and no better than any vertex-free bound (the one-hot identity
		// when q is one-hot).
		D := newMatrix(c)
		for i := range D {
			for j := range D[i] {
				if len(db) > 0 {
					D[i][j] = float64(int(db[(i*c+j)%len(db)])-64) / 8
				}
			}
		}
		cost, flow, err := transportPlan(p, q, D)
		if err != nil {
			t.Fatal(err)
		}
		var total float64
		for i := range flow {
			var row float64
			for j, v := range flow[i] {
				row += v
				total += v * D[i][j]
			}
			if !equalTol(row, p[i], 1e-12) {
				t.Fatalf("row %d sums to %v, want %v", i, row, p[i])
			}
		}
		if !equalTol(total, cost, 1e-12) {
			t.Fatalf("plan cost %v, reported %v", total, cost)
		}
		if c <= 3 {
			if b := bruteForceEMD(p, q, D); !equalTol(cost, b, emdTol) {
				t.Fatalf("got %v, brute force %v", cost, b)
			}
		}
	})
}

func normalised(b []byte) []float64 {
	p := make([]float64, len(b))
	var s float64
	for i, v := range b {
		p[i] = float64(v)
		s += p[i]
	}
	if s == 0 {
		return nil
	}
	for i := range p {
		p[i] /= s
	}
	return p
}

// randGround returns an m×n cost matrix with entries in [−1, 3).
func randGround(rng *rand.Rand, m, n int) [][]float64 {
	D := newRect(m, n)
	for i := range D {
		for j := range D[i] {
			D[i][j] = 4*rng.Float64() - 1
		}
	}
	return D
}

// euclideanGround returns the distances between c random points in the
// plane: a metric.
func euclideanGround(rng *rand.Rand, c int) [][]float64 {
	x, y := make([]float64, c), make([]float64, c)
	for i := range x {
		x[i], y[i] = rng.Float64(), rng.Float64()
	}
	D := newMatrix(c)
	for i := range D {
		for j := range D[i] {
			D[i][j] = math.Hypot(x[i]-x[j], y[i]-y[j])
		}
	}
	return D
}

// bruteForceEMD enumerates every set of m+n−1 cells, keeps those that form
// a spanning tree of the bipartite row/column graph, solves the tree's
// unique flow by peeling leaves, and returns the least cost among the
// feasible (non-negative) ones. Exponential: for m·n ≤ 9 or so.
func bruteForceEMD(p, q []float64, D [][]float64) float64 {
	m, n := len(p), len(q)
	cells, k := m*n, m+n-1
	best := math.Inf(1)
	for mask := 0; mask < 1<<cells; mask++ {
		if popcount(mask) != k {
			continue
		}
		flow, ok := treeFlow(mask, p, q)
		if !ok {
			continue
		}
		var cost float64
		for c, f := range flow {
			cost += f * D[c/n][c%n]
		}
		best = math.Min(best, cost)
	}
	return best
}

func popcount(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// treeFlow solves the flow on the cells of mask, if they form a spanning
// tree, by repeatedly fixing the flow of a cell whose row or column has no
// other open cell. It reports false if the cells are not a tree or the flow
// is negative somewhere.
func treeFlow(mask int, p, q []float64) (map[int]float64, bool) {
	m, n := len(p), len(q)
	ra, rb := append([]float64(nil), p...), append([]float64(nil), q...)
	open := map[int]bool{}
	for c := range m * n {
		if mask&(1<<c) != 0 {
			open[c] = true
		}
	}
	flow := map[int]float64{}
	for len(open) > 0 {
		progress := false
		for c := range open {
			i, j := c/n, c%n
			rowDeg, colDeg := 0, 0
			for d := range open {
				if d/n == i {
					rowDeg++
				}
				if d%n == j {
					colDeg++
				}
			}
			var f float64
			switch {
			case rowDeg == 1:
				f = ra[i]
			case colDeg == 1:
				f = rb[j]
			default:
				continue
			}
			flow[c] = f
			ra[i] -= f
			rb[j] -= f
			delete(open, c)
			progress = true
		}
		if !progress {
			return nil, false // a cycle: not a tree
		}
	}
	for _, r := range append(ra, rb...) {
		if math.Abs(r) > 1e-12 {
			return nil, false // not spanning
		}
	}
	for _, f := range flow {
		if f < -1e-12 {
			return nil, false
		}
	}
	return flow, true
}

// lpEMD solves the transport LP with gonum's simplex.
func lpEMD(t *testing.T, p, q []float64, D [][]float64) float64 {
	t.Helper()
	m, n := len(p), len(q)
	rows := m + n - 1
	A := mat.NewDense(rows, m*n, nil)
	b := make([]float64, rows)
	c := make([]float64, m*n)
	for i := range m {
		for j := range n {
			c[i*n+j] = D[i][j]
			A.Set(i, i*n+j, 1)
			if j < n-1 {
				A.Set(m+j, i*n+j, 1)
			}
		}
		b[i] = p[i]
	}
	for j := range n - 1 {
		b[m+j] = q[j]
	}
	opt, _, err := lp.Simplex(c, A, b, 1e-12, nil)
	if err != nil {
		t.Fatalf("gonum lp: %v", err)
	}
	return opt
}
