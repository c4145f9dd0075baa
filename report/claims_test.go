package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/replicate-emd/replicate/claims"
	"github.com/replicate-emd/replicate/results"
)

// claimsDB holds one experiment, "ordered", with ce and ce+emd2 over 3
// folds × 3 seeds (fixture configs: 3 folds, so the correction's ratio is
// 1/2), ce+emd2's test accuracy shifted from ce's by delta with a small
// spread, and xe-emd1 runs whose last learned distance grows with |i − j|
// (an earlier epoch has it reversed, which must not count).
func claimsDB(t *testing.T, delta float64) *results.DB {
	f := newFixture(t)
	for seed := uint64(1); seed <= 3; seed++ {
		for fold := range 3 {
			base := 0.6 + 0.02*float64(fold) + 0.01*float64(seed)
			noise := 0.002 * float64((fold*3+int(seed))%5-2)
			f.add(spec{experiment: "ordered", profile: "cpu", loss: "ce", fold: fold, seed: seed, lr: 0.01,
				metrics: final("test", "acc", base, "mae", 1-base)})
			f.add(spec{experiment: "ordered", profile: "cpu", loss: "ce+emd2", fold: fold, seed: seed, lr: 0.01,
				metrics: final("test", "acc", base+delta+noise, "mae", 1-base-delta-noise)})
			gd := func(ep int, sign float64) results.Artifact {
				m := make([][]float64, 4)
				for i := range m {
					m[i] = make([]float64, 4)
					for j := range m[i] {
						m[i][j] = sign*float64(max(i-j, j-i))/3 - 0.5 + 0.01*float64(fold)
					}
					m[i][i] = 1
				}
				return results.Artifact{Name: fmt.Sprintf("ground_distance/epoch-%03d", ep), Kind: "matrix", Epoch: ep,
					Data: fmt.Appendf(nil, `{"classes":4,"values":%s}`, matrixJSON(m))}
			}
			f.add(spec{experiment: "ordered", profile: "cpu", loss: "xe-emd1", fold: fold, seed: seed, lr: 0.01,
				metrics: final("test", "acc", base), artifacts: []results.Artifact{gd(1, -1), gd(4, 1)}})
		}
	}
	return f.db
}

func matrixJSON(m [][]float64) string {
	s := "["
	for i, row := range m {
		if i > 0 {
			s += ","
		}
		s += "["
		for j, v := range row {
			if j > 0 {
				s += ","
			}
			s += fmt.Sprint(v)
		}
		s += "]"
	}
	return s + "]"
}

var testClaims = []claims.Claim{
	{ID: "acc", Text: "s", Experiments: []string{"ordered"}, Kind: claims.Paired, Treatment: "ce+emd2", Baseline: "ce",
		Metric: "acc", Direction: claims.Better, Margin: 0.01},
	{ID: "mae", Text: "s", Experiments: []string{"ordered"}, Kind: claims.Paired, Treatment: "ce+emd2", Baseline: "ce",
		Metric: "mae", Direction: claims.Better, Margin: 0.01},
	{ID: "order", Text: "s", Experiments: []string{"ordered"}, Kind: claims.GroundDistanceOrder, Treatment: "xe-emd1",
		Direction: claims.Better, Margin: 0.3},
	{ID: "elsewhere", Text: "s", Experiments: []string{"other"}, Kind: claims.Paired, Treatment: "emd2", Baseline: "ce",
		Metric: "acc", Direction: claims.Better, Margin: 0.01},
}

func TestClaimsVerdicts(t *testing.T) {
	tests := []struct {
		name  string
		delta float64
		want  claims.Verdict
	}{
		{"KnownEffect", 0.03, claims.Supported},
		{"NoEffect", 0, claims.NoEffect},
		{"Opposite", -0.03, claims.Contradicted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Build(context.Background(), claimsDB(t, tt.delta), Options{NoFigures: true, Claims: testClaims})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Claims) != 3 {
				t.Fatalf("%d claim results, want 3 (one claim names no experiment of the database)", len(rep.Claims))
			}
			for _, c := range rep.Claims[:2] {
				if c.Verdict != tt.want || c.N != 9 || math.Abs(c.MeanDiff-map[string]float64{"acc": 1, "mae": -1}[c.Claim.ID]*tt.delta) > 2e-3 {
					t.Errorf("%s: %q (%s), Δ %v over %d pairs; want %q", c.Claim.ID, c.Verdict, c.Reason, c.MeanDiff, c.N, tt.want)
				}
				if c.Evidence.Ratio != 0.5 {
					t.Errorf("%s: ratio %v, want 1/2 for 3 folds", c.Claim.ID, c.Evidence.Ratio)
				}
			}
			var b bytes.Buffer
			if err := WriteClaimsCSV(&b, rep); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(&b).ReadAll()
			if err != nil || len(recs) != 4 || recs[1][len(claimsColumns)-3] != string(tt.want) || recs[0][0] != "claim" {
				t.Errorf("claims.csv: %v, %q", err, recs)
			}
			if src := recs[1][slices.Index(claimsColumns, "ratio_source")]; src != "3 folds, validation share 0" {
				t.Errorf("claims.csv ratio_source %q", src)
			}
			// ρ between D and |i − j| is 1 at the last epoch of every run.
			if o := rep.Claims[2]; o.Verdict != claims.Supported || o.N != 9 || math.Abs(o.MeanDiff-1) > 1e-12 {
				t.Errorf("order: %q (%s) ρ %v over %d runs", o.Verdict, o.Reason, o.MeanDiff, o.N)
			}
		})
	}
}

func TestClaimsMissingLoss(t *testing.T) {
	f := newFixture(t)
	for fold := range 3 {
		f.add(spec{experiment: "ordered", profile: "cpu", loss: "ce", fold: fold, lr: 0.01, metrics: final("test", "acc", 0.5)})
	}
	rep, err := Build(context.Background(), f.db, Options{NoFigures: true, Claims: testClaims[:1]})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Claims) != 1 || rep.Claims[0].Verdict != claims.Inconclusive || rep.Claims[0].Reason != "no finished ce+emd2 run with a chosen setting under profile cpu" {
		t.Errorf("got %+v", rep.Claims)
	}
}
