package losses

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNames(t *testing.T) {
	want := []string{"ce", "l2", "emd2", "emd2-sum", "ce+emd2", "ce+emd2-given", "xe-emd1", "xe-emd2"}
	if diff := cmp.Diff(want, Names()); diff != "" {
		t.Errorf("Names() (−want +got):\n%s", diff)
	}
	for _, name := range Names() {
		s, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if s.Name != name || s.Doc == "" {
			t.Errorf("Lookup(%q) = %+v", name, s)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestLookup_Settings(t *testing.T) {
	// PAPER.md §2: the shipped settings XE-EMD1 (μ = 0.5, ω = 1) and
	// XE-EMD2 (μ = 0.25, ω = 2); §1: default 1/C normalisation, RPS as sum.
	tests := []struct {
		name string
		want Spec
	}{
		{"emd2", Spec{EMD: EMDOrdered, Norm: NormMean, Weights: Weights{EMD: 1}}},
		{"emd2-sum", Spec{EMD: EMDOrdered, Norm: NormSum, Weights: Weights{EMD: 1}}},
		{"ce+emd2", Spec{EMD: EMDOrdered, Norm: NormMean, Weights: DefaultWeights}},
		{"xe-emd1", Spec{EMD: EMDCostMatrix, Distance: DistanceLearned, Mu: 0.5, Omega: 1, Weights: DefaultWeights}},
		{"xe-emd2", Spec{EMD: EMDCostMatrix, Distance: DistanceLearned, Mu: 0.25, Omega: 2, Weights: DefaultWeights}},
		{"ce+emd2-given", Spec{EMD: EMDCostMatrix, Distance: DistanceGiven, Weights: DefaultWeights}},
		{"ce", Spec{Weights: Weights{CE: 1}}},
		{"l2", Spec{Head: HeadScalar}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := Lookup(tt.name)
			got.Name, got.Doc = "", ""
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(−want +got):\n%s", diff)
			}
		})
	}
}

func TestLookup_ErrUnknown(t *testing.T) {
	_, err := Lookup("emd")
	if !errors.Is(err, ErrUnknownLoss) {
		t.Fatalf("got %v, want ErrUnknownLoss", err)
	}
	for _, name := range Names() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list %q", err, name)
		}
	}
}

func TestLookup_ReturnsCopy(t *testing.T) {
	s, _ := Lookup("ce+emd2")
	s.Weights.EMD = 99
	again, _ := Lookup("ce+emd2")
	if again.Weights.EMD != DefaultWeights.EMD {
		t.Fatal("modifying a looked-up Spec changed the registry")
	}
}

func TestSpec_Validate(t *testing.T) {
	tests := []struct {
		name string
		s    Spec
		ok   bool
	}{
		{"OK/custom-weights", Spec{EMD: EMDOrdered, Weights: Weights{CE: .1, EMD: 10}}, true},
		{"ErrHead", Spec{Head: Head(4), Weights: Weights{CE: 1}}, false},
		{"ErrWeights", Spec{EMD: EMDOrdered}, false},
		{"ErrEMDWeightWithoutTerm", Spec{Weights: Weights{CE: 1, EMD: 1}}, false},
		{"ErrNorm", Spec{EMD: EMDOrdered, Norm: Norm(3), Weights: Weights{EMD: 1}}, false},
		{"ErrOrderedWithDistance", Spec{EMD: EMDOrdered, Distance: DistanceGiven, Weights: Weights{EMD: 1}}, false},
		{"ErrCostMatrixNoSource", Spec{EMD: EMDCostMatrix, Weights: Weights{EMD: 1}}, false},
		{"ErrLearnedOmega", Spec{EMD: EMDCostMatrix, Distance: DistanceLearned, Mu: .5, Weights: Weights{EMD: 1}}, false},
		{"ErrForm", Spec{EMD: EMDForm(9), Weights: Weights{EMD: 1}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.s.Validate(); (err == nil) != tt.ok {
				t.Fatalf("got %v, want ok = %v", err, tt.ok)
			}
		})
	}
}

func TestSpec_Outputs(t *testing.T) {
	for _, name := range Names() {
		s, _ := Lookup(name)
		want := 8
		if name == "l2" {
			want = 1
		}
		if got := s.Outputs(8); got != want {
			t.Errorf("%s: Outputs(8) = %d, want %d", name, got, want)
		}
		if got, want := s.NeedsDistance(), strings.HasPrefix(name, "xe-") || name == "ce+emd2-given"; got != want {
			t.Errorf("%s: NeedsDistance = %v, want %v", name, got, want)
		}
		if got, want := s.Combined(), strings.Contains(name, "+") || strings.HasPrefix(name, "xe-"); got != want {
			t.Errorf("%s: Combined = %v, want %v", name, got, want)
		}
	}
}

func TestSpec_EncodeTargets(t *testing.T) {
	ce, _ := Lookup("ce")
	l2, _ := Lookup("l2")
	if diff := cmp.Diff([]float64{0, 1, 0, 1, 0, 0}, ce.EncodeTargets(nil, []int{1, 0}, 3)); diff != "" {
		t.Errorf("one-hot (−want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{1, 0, 2}, l2.EncodeTargets(nil, []int{1, 0, 2}, 3)); diff != "" {
		t.Errorf("index (−want +got):\n%s", diff)
	}
	wantPanic(t, errLabel, func() { ce.EncodeTargets(nil, []int{3}, 3) })
	wantPanic(t, errLength, func() { ce.EncodeTargets(make([]float64, 2), []int{1}, 3) })
	wantPanic(t, errEmpty, func() { ce.EncodeTargets(nil, []int{0}, 0) })
}

func TestSpec_PrepareDistance(t *testing.T) {
	given, _ := Lookup("ce+emd2-given")
	learned, _ := Lookup("xe-emd1")
	ce, _ := Lookup("ce")
	D := OrderedDistance(3, 1)
	saved := cloneMatrix(D)
	got, err := given.PrepareDistance(D, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !equalMatrix(D, saved) {
		t.Fatal("PrepareDistance modified D")
	}
	if diff := cmp.Diff(UnitDiagonal(D), got); diff != "" {
		t.Errorf("given (−want +got):\n%s", diff)
	}
	if _, err := learned.PrepareDistance(D, 3); err == nil {
		t.Error("learned distance with a zero diagonal accepted")
	}
	if _, err := given.PrepareDistance(D, 4); err == nil {
		t.Error("3×3 accepted for 4 classes")
	}
	if got, err := ce.PrepareDistance(D, 3); got != nil || err != nil {
		t.Errorf("ce: got %v, %v; want nil, nil", got, err)
	}
	if _, err := ce.LearnDistance(nil, nil, 3); err == nil {
		t.Error("ce learned a distance")
	}
}

func TestSpec_Eval(t *testing.T) {
	// Batch mean of the per-sample functions; invariant to batch order.
	rng := newRand(100)
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			s, _ := Lookup(name)
			c, b := 5, 7
			D := orNil(specDistance(t, rng, s, c))
			out, tg := randBatch(rng, s, b, c, logitCases[0].gen, false)
			loss, grad := s.Eval(out, tg, D)
			var want float64
			for i := range out {
				var l float64
				switch {
				case s.Head == HeadScalar:
					l = L2(out[i][0], int(tg[i][0]))
				case s.EMD == EMDNone:
					l = CrossEntropy(out[i], tg[i])
				default:
					l, _ = CEPlusEMD2Grad(out[i], tg[i], D, s.Norm, s.Weights)
				}
				want += l / float64(b)
			}
			checkClose(t, "batch mean", loss, want, lossTol64)

			perm := rng.Perm(b)
			po, pt := make([][]float64, b), make([][]float64, b)
			for k, i := range perm {
				po[k], pt[k] = out[i], tg[i]
			}
			ploss, pgrad := s.Eval(po, pt, D)
			checkClose(t, "permuted", ploss, loss, lossTol64)
			for k, i := range perm {
				if !slices.Equal(pgrad[k], grad[i]) {
					t.Fatalf("permuted gradient row differs")
				}
			}
		})
	}
}

func TestSpec_EvalPanics(t *testing.T) {
	ce, _ := Lookup("ce")
	xe, _ := Lookup("xe-emd1")
	l2, _ := Lookup("l2")
	z := [][]float64{{0, 1}}
	tg := [][]float64{{1, 0}}
	wantPanic(t, errEmpty, func() { ce.Eval(nil, nil, nil) })
	wantPanic(t, errLength, func() { ce.Eval(z, nil, nil) })
	wantPanic(t, errBatchShape, func() { ce.Eval([][]float64{{0, 1}, {0}}, [][]float64{{1, 0}, {1}}, nil) })
	wantPanic(t, errNeedDist, func() { xe.Eval(z, tg, nil) })
	wantPanic(t, errBatchShape, func() { l2.Eval(z, tg, nil) })
	bad := ce
	bad.Weights = Weights{}
	wantPanic(t, errBadParam, func() { bad.Eval(z, tg, nil) })
}
