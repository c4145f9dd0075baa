package main

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/report"
	"github.com/replicate-emd/replicate/results"
)

// splitTuned splits the selected runs into those that train whatever the
// choice of setting (profiles without tune folds, and the tune folds
// themselves) and those that train only for the setting chosen on the
// tune folds (experiments.RunSpec.ChosenOnly), each in its own order.
func splitTuned(specs []experiments.RunSpec) (first, later []experiments.RunSpec) {
	for _, s := range specs {
		if s.ChosenOnly() {
			later = append(later, s)
		} else {
			first = append(first, s)
		}
	}
	return first, later
}

// tuneGroup names the runs among which a setting is chosen.
type tuneGroup struct{ experiment, profile, loss string }

func groupOf(s experiments.RunSpec) tuneGroup { return tuneGroup{s.Experiment, s.Profile, s.Loss} }

// keepChosen returns the runs of later whose setting is the one the report
// chooses for their loss on the tune folds (report.ChosenSettings). A
// loss keeps every run, with a line on w saying why, when the choice is
// not settled: a run of the tune folds in all (the whole expanded grid)
// has not finished or diverged in db, no setting is picked, or the
// picked setting is none of this grid's (recorded by an earlier
// configuration). Training a run that turns out not to be chosen costs
// time; skipping one that is would lose a result, so doubt trains.
//
// With keepFinished, a run of a setting not chosen that already finished
// (trained in doubt by an earlier invocation) is kept too: the runner
// skips it as already finished, and the summary counts it so, not as a
// run left untrained.
//
// runs are the database's runs (db.Runs), read by the caller.
func keepChosen(ctx context.Context, w io.Writer, db *results.DB, runs []results.Run, all, later []experiments.RunSpec, keepFinished bool) ([]experiments.RunSpec, error) {
	ended, finished := map[string]bool{}, map[string]bool{}
	for _, r := range runs {
		if r.Status == results.StatusFinished || r.Status == results.StatusDiverged {
			ended[r.Key] = true
		}
		if r.Status == results.StatusFinished {
			finished[r.Key] = true
		}
	}
	tuneRuns, tuneEnded := map[tuneGroup]int{}, map[tuneGroup]int{}
	settingsOf := map[tuneGroup][]string{}
	for _, s := range all {
		g := groupOf(s)
		if set := s.Setting().String(); !slices.Contains(settingsOf[g], set) {
			settingsOf[g] = append(settingsOf[g], set)
		}
		if len(s.TuneFolds) == 0 || s.ChosenOnly() {
			continue
		}
		tuneRuns[g]++
		if ended[s.Key()] {
			tuneEnded[g]++
		}
	}
	chosen := map[tuneGroup]report.Chosen{}
	asked := map[string]bool{}
	decided := map[tuneGroup]bool{}
	for _, s := range later {
		g := groupOf(s)
		if _, seen := decided[g]; seen {
			continue
		}
		decided[g] = false
		if tuneRuns[g] == 0 || tuneEnded[g] < tuneRuns[g] {
			fmt.Fprintf(w, "tune folds %v of %s/%s %s: %d of %d runs ended, so no setting is chosen yet: every setting trains on the other folds\n",
				s.TuneFolds, g.experiment, g.profile, g.loss, tuneEnded[g], tuneRuns[g])
			continue
		}
		if !asked[g.experiment] {
			asked[g.experiment] = true
			cs, err := report.ChosenSettings(ctx, db, g.experiment)
			if err != nil {
				return nil, err
			}
			for _, c := range cs {
				chosen[tuneGroup{g.experiment, c.Profile, c.Loss}] = c
			}
		}
		c, ok := chosen[g]
		switch {
		case !ok || c.Setting == "":
			why := c.Reason
			if !ok { // no finished run of the loss: every tune run diverged
				why = "no finished run of the loss"
			}
			fmt.Fprintf(w, "tune folds %v of %s/%s %s: no setting chosen (%s): every setting trains on the other folds\n",
				s.TuneFolds, g.experiment, g.profile, g.loss, why)
		case !slices.Contains(settingsOf[g], c.Setting):
			fmt.Fprintf(w, "tune folds %v of %s/%s %s: the chosen setting is not one of this grid's (%s): every setting trains on the other folds\n",
				s.TuneFolds, g.experiment, g.profile, g.loss, c.Reason)
		default:
			decided[g] = true
			fmt.Fprintf(w, "tune folds %v of %s/%s %s: %s\n", s.TuneFolds, g.experiment, g.profile, g.loss, c.Reason)
		}
	}
	var keep []experiments.RunSpec
	for _, s := range later {
		g := groupOf(s)
		if !decided[g] || s.Setting().String() == chosen[g].Setting || (keepFinished && finished[s.Key()]) {
			keep = append(keep, s)
		}
	}
	return keep, nil
}
