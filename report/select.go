package report

import (
	"fmt"

	"github.com/replicate-emd/replicate/metrics"
)

// choose picks, for each profile × loss, the headline row among its
// settings (rows, sorted as in the all-settings table), by the validation
// split only, never the test split:
//
//   - one setting: it is the headline row (nothing to choose);
//   - several settings, each with a finite mean of the primary metric on
//     the validation split (at each run's last epoch, over folds × seeds):
//     the best mean (metrics.HigherIsBetter says which way), ties to the
//     first setting in table order;
//   - several settings and some without that mean: no headline row; the
//     report shows every setting and says why.
//
// It marks the picked rows Selected and returns one Choice per profile ×
// loss, in table order.
func choose(rows []*Row, primary string) []Choice {
	higher, _ := metrics.HigherIsBetter(primary)
	var out []Choice
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].Profile == rows[i].Profile && rows[j].Loss == rows[i].Loss {
			j++
		}
		out = append(out, chooseAmong(rows[i:j], primary, higher))
		i = j
	}
	return out
}

func chooseAmong(cands []*Row, primary string, higher bool) Choice {
	c := Choice{Profile: cands[0].Profile, Loss: cands[0].Loss, Candidates: len(cands)}
	if len(cands) == 1 {
		c.Picked, c.Reason = cands[0], "one setting: nothing to choose"
		cands[0].Selected = true
		return c
	}
	var lacking []*Row
	for _, r := range cands {
		if r.Val == nil || r.Val.N == 0 {
			lacking = append(lacking, r)
		}
	}
	switch {
	case len(lacking) == len(cands):
		c.Reason = fmt.Sprintf("%d settings and no validation %s recorded: no headline row (every setting is in the all-settings table)", len(cands), primary)
		return c
	case len(lacking) > 0:
		c.Reason = fmt.Sprintf("%d settings, but %s has no validation %s: no headline row", len(cands), settingName(lacking[0]), primary)
		return c
	}
	best := cands[0]
	for _, r := range cands[1:] {
		if (higher && r.Val.Mean > best.Val.Mean) || (!higher && r.Val.Mean < best.Val.Mean) {
			best = r
		}
	}
	best.Selected = true
	c.Picked = best
	way := "lowest"
	if higher {
		way = "highest"
	}
	c.Reason = fmt.Sprintf("%d settings: picked %s, %s mean validation %s %s over %d run(s)",
		len(cands), settingName(best), way, primary, formatFixed(best.Val.Mean), best.Val.N)
	if tune := tuneFolds(best.setting); tune != nil {
		c.Reason += fmt.Sprintf(" on the tune folds %v (the other folds train the picked setting only)", tune)
	}
	return c
}

// settingName names a row's setting in prose.
func settingName(r *Row) string {
	if r.Setting == "" {
		return "the only setting"
	}
	return r.Setting
}

// selectionRule is the rule printed under every headline table.
func selectionRule(primary string) string {
	way := "lowest"
	if h, _ := metrics.HigherIsBetter(primary); h {
		way = "highest"
	}
	return fmt.Sprintf("Choice of setting: where a loss was run with several settings (learning rates, …), its headline row is the setting with the %s mean validation %s "+
		"(the \"val\" split, carved from the training folds) at each run's last epoch, over folds × seeds; ties go to the first setting of the all-settings table. "+
		"Where a profile names tune folds, only the runs on those folds count, and the other folds train the picked setting only. "+
		"The test split never takes part in the choice. A loss whose settings lack validation metrics gets no headline row.", way, primary)
}
