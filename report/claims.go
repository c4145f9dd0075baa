package report

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/replicate-emd/replicate/claims"
	"github.com/replicate-emd/replicate/metrics"
	"github.com/replicate-emd/replicate/results"
)

// ClaimResult is the verdict on one declared claim of the paper for one
// experiment and profile: the treatment's headline row against the
// baseline's (each at its setting chosen on the validation split), paired
// by fold and seed.
type ClaimResult struct {
	Experiment, Profile string
	claims.Decision
	// TreatmentSetting and BaselineSetting are the settings compared.
	TreatmentSetting, BaselineSetting string
	// RatioNote says where the test/train ratio of the correction came from.
	RatioNote string
	// Missing says why there is no evidence at all, if so (a loss not run).
	Missing string
}

// decideClaims decides every claim on every experiment and profile of the
// report that it names; Holm's adjustment runs across the claims of one
// experiment and profile.
func decideClaims(ctx context.Context, src Source, rep *Report, declared []claims.Claim) error {
	for _, e := range rep.Experiments {
		var matrices []results.ArtifactRef
		for _, p := range e.Profiles {
			var group []*ClaimResult
			var ev []claims.Evidence
			for _, c := range declared {
				if !c.For(e.Name) {
					continue
				}
				if c.Kind == claims.GroundDistanceOrder && matrices == nil {
					var err error
					if matrices, err = src.ArtifactIndex(ctx, e.Name, kindMatrix); err != nil {
						return err
					}
				}
				res, evidence, err := claimEvidence(ctx, src, e, p, c, matrices)
				if err != nil {
					return err
				}
				group, ev = append(group, res), append(ev, evidence)
			}
			for i, d := range claims.Decide(ev) {
				group[i].Decision = d
				if group[i].Missing != "" {
					group[i].Reason = group[i].Missing
				}
			}
			rep.Claims = append(rep.Claims, group...)
		}
	}
	// The claims file's order first, then the experiments' and profiles'.
	order := map[string]int{}
	for i, c := range declared {
		order[c.ID] = i
	}
	slices.SortStableFunc(rep.Claims, func(a, b *ClaimResult) int { return order[a.Claim.ID] - order[b.Claim.ID] })
	return nil
}

// claimEvidence gathers the paired values of one claim on one experiment
// and profile.
func claimEvidence(ctx context.Context, src Source, e *Experiment, profile string, c claims.Claim, matrices []results.ArtifactRef) (*ClaimResult, claims.Evidence, error) {
	res := &ClaimResult{Experiment: e.Name, Profile: profile}
	ev := claims.Evidence{Claim: c, Experiment: e.Name}
	treat := headlineRow(e, profile, c.Treatment)
	if treat == nil {
		res.Missing = fmt.Sprintf("no finished %s run with a chosen setting under profile %s", c.Treatment, profile)
		return res, ev, nil
	}
	res.TreatmentSetting = treat.Setting
	ev.Ratio, res.RatioNote = splitRatio(treat)
	if c.Kind == claims.GroundDistanceOrder {
		rho, err := orderRecovery(ctx, src, e, treat, matrices)
		if err != nil {
			return nil, ev, err
		}
		if len(rho) == 0 {
			res.Missing = fmt.Sprintf("the %s runs recorded no learned ground distance", c.Treatment)
		}
		ev.Treatment = orderedValues(rho)
		return res, ev, nil
	}
	base := headlineRow(e, profile, c.Baseline)
	if base == nil {
		res.Missing = fmt.Sprintf("no finished %s run with a chosen setting under profile %s", c.Baseline, profile)
		return res, ev, nil
	}
	res.BaselineSetting = base.Setting
	tc, bc := treat.Cells[c.Metric], base.Cells[c.Metric]
	if tc == nil || bc == nil {
		res.Missing = fmt.Sprintf("the runs recorded no %s", c.Metric)
		return res, ev, nil
	}
	ev.Treatment, ev.Baseline = pairs(tc.values, bc.values)
	return res, ev, nil
}

func headlineRow(e *Experiment, profile, loss string) *Row {
	for _, r := range e.Headline {
		if r.Profile == profile && r.Loss == loss {
			return r
		}
	}
	return nil
}

// splitRatio is the n_test/n_train of the Nadeau–Bengio correction for the
// runs of r. When the test fold cycles over k folds (cross-validation),
// one fold is tested and the rest, less the validation share, trained:
// 1/((k−1)(1−val_fraction)), or 1/(k−2) with a fixed validation fold.
// When every run tests the same fold (an official split repeated over
// seeds), the ratio is 0: the seeds' spread is all the test sees, and the
// verdict holds for that test set.
func splitRatio(r *Row) (float64, string) {
	folds := map[int]bool{}
	for _, run := range r.runs {
		folds[run.Fold] = true
	}
	if len(folds) < 2 {
		return 0, "one test fold: seeds only, no correction"
	}
	count, _ := r.setting.Get("folds")
	k, err := strconv.Atoi(count)
	if err != nil || k < 2 {
		return 0, "fold count unknown: no correction"
	}
	if _, fixed := r.setting.Get("val_fold"); fixed && k > 2 {
		return 1 / float64(k-2), fmt.Sprintf("%d folds, a fixed validation fold: 1/%d", k, k-2)
	}
	share, _ := r.setting.Get("val_fraction")
	vf, _ := strconv.ParseFloat(share, 64)
	if !(vf >= 0 && vf < 1) {
		vf = 0
	}
	return 1 / (float64(k-1) * (1 - vf)), fmt.Sprintf("%d folds, validation share %g", k, vf)
}

// orderRecovery returns, per run of r, Spearman's ρ between the learned
// ground distance of the run's last recorded epoch and the class distance
// |i − j|, over the pairs i < j.
func orderRecovery(ctx context.Context, src Source, e *Experiment, r *Row, index []results.ArtifactRef) (map[unit]float64, error) {
	refs := refsOf(r, index, func(a results.ArtifactRef) bool { return strings.HasPrefix(a.Name, groundDistancePrefix) })
	last := map[string]results.ArtifactRef{}
	for _, a := range refs {
		if l, ok := last[a.Run]; !ok || a.Epoch > l.Epoch {
			last[a.Run] = a
		}
	}
	out := map[unit]float64{}
	for _, run := range r.runs {
		ref, ok := last[run.Key]
		if !ok || ref.Size == 0 {
			continue
		}
		a, err := src.Artifact(ctx, ref.Run, ref.Name)
		if err != nil {
			return nil, err
		}
		m, err := decodeMatrix(a.Data, false)
		if err != nil || len(m) < 3 {
			continue
		}
		var d, gap []float64
		for i := range m {
			for j := i + 1; j < len(m); j++ {
				d, gap = append(d, m[i][j]), append(gap, float64(j-i))
			}
		}
		if rho := metrics.Spearman(d, gap); !math.IsNaN(rho) {
			out[unit{run.Fold, run.Seed}] = rho
		}
	}
	return out, nil
}
