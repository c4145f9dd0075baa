package report

import (
	"fmt"
	"math"
	"time"

	"github.com/replicate-emd/replicate/claims"
	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/metrics"
	"github.com/replicate-emd/replicate/results"
	"github.com/replicate-emd/replicate/settings"
)

// Report is everything a report shows, read from the results database by
// Build. The writers (WriteMarkdown, WriteCSV, WriteHTML, WriteFigures)
// only format it, so every output of one Report holds the same numbers.
type Report struct {
	Published   *Published
	Level       float64   // confidence level of the intervals, e.g. 0.95
	Runs        int       // runs in the database, any status
	Finished    int       // finished runs
	Latest      time.Time // when the latest finished run finished; zero if none
	Experiments []*Experiment
	Unrun       []*PublishedTable // published tables whose experiment has no run
	Claims      []*ClaimResult    // the paper's claims decided, per experiment and profile
}

// Experiment is the report of one experiment.
type Experiment struct {
	Name         string
	Dataset      string          // the published table's dataset name, else the runs' dataset
	Task         datasets.Task   // the published table's task, else the task its runs recorded
	TaskFromRuns bool            // no published table: the task is the one its runs recorded
	Table        *PublishedTable // nil when the paper has no table for it
	Columns      []string        // metric names of the tables, in order
	Missing      []string        // columns that no finished run recorded
	Profiles     []string        // profiles of the finished runs, paper first
	Rows         []*Row          // every profile × loss × setting, sorted
	Headline     []*Row          // the chosen setting of each profile × loss, sorted
	Choices      []Choice        // how each profile × loss got its headline row
	ShowSetting  bool            // some setting field varies: tables get a setting column
	MultiSetting bool            // some loss has several settings: the all-settings table matters
	Unfinished   []StatusCount   // runs left out, by status
	References   []*PublishedRow // published rows of methods not trained here
	Notes        []string        // plain-text remarks, shown under the tables
	Figures      []*Figure
	CSV          string // the headline table as CSV, relative to the report folder; "" if none
}

// StatusCount is how many runs of an experiment ended with a status.
type StatusCount struct {
	Status results.RunStatus
	N      int
}

// Row is one profile × loss × setting of an experiment: its finished runs
// (folds × seeds) aggregated.
type Row struct {
	Profile  string
	Loss     string
	Setting  string // the values of the varying setting fields, e.g. "lr=0.01"; "" if none vary
	Runs     int    // finished runs aggregated
	Cells    map[string]*Cell
	Val      *Cell // the primary metric on the validation split; nil if no run recorded one
	Selected bool  // the headline row of its profile × loss

	key     string
	setting settings.Setting // the setting its runs recorded
	runs    []results.Run
}

// Cell is one metric of one row: the test metric at each run's last
// epoch, over the row's runs. Only finite values count: N may be less
// than the row's Runs when a run left the metric undefined (NaN) or did
// not record it.
type Cell struct {
	Metric   string
	Mean     float64          // NaN when N = 0
	Std      float64          // sample standard deviation; NaN when N < 2
	N        int              // finite values
	Interval metrics.Interval // Student-t interval of the mean at Report.Level

	// VsCE compares the row with the CE row of its profile, paired by
	// fold and seed; nil for CE itself, for rows outside the headline and
	// when there is no CE headline row.
	VsCE *Comparison

	// Published is the published value for this loss and metric, nil if
	// the paper's table has none (or it is unknown); only on headline rows.
	Published     *Number
	PublishedRow  *PublishedRow
	DiffPublished float64 // Mean − Published.Value
	PEquivalence  float64 // TOST p-value for |Mean − Published| < the table's margin; NaN if not tested
	Verdict       Verdict

	values map[unit]float64
}

// Comparison is a paired test of a row against the CE row of its profile.
type Comparison struct {
	Against string             // the CE row's setting label
	Test    metrics.PairedT    // a = this row, b = CE, over the common folds × seeds
	Signed  metrics.SignedRank // Wilcoxon signed-rank test on the same pairs
}

// unit is one repetition of a configuration: a fold under a seed.
type unit struct {
	Fold int
	Seed uint64
}

func unitLess(a, b unit) int {
	if a.Seed != b.Seed {
		if a.Seed < b.Seed {
			return -1
		}
		return 1
	}
	return a.Fold - b.Fold
}

// Verdict says whether a published number was reproduced.
type Verdict string

// The verdicts. A run under a profile other than "paper" gets
// notComparable, never VerdictReproduced.
const (
	// VerdictReproduced: an equivalence test (TOST, α = 0.05) puts our
	// mean within the table's margin of the published value.
	VerdictReproduced Verdict = "reproduced"
	// VerdictNotReproduced: the corrected t-test rejects equality with the
	// published value (α = 0.05) and the difference reaches the margin.
	VerdictNotReproduced Verdict = "not reproduced"
	// VerdictNoPublished: the paper's number is not known here.
	VerdictNoPublished Verdict = "no published number"
	// VerdictTooFew: fewer than three finite values, no test.
	VerdictTooFew Verdict = "inconclusive (n < 3)"
	// VerdictUndecided: neither test decides at this spread.
	VerdictUndecided Verdict = "inconclusive"
)

// notComparable is the verdict of a cell whose runs did not use the
// paper's settings.
func notComparable(profile string) Verdict {
	return Verdict(fmt.Sprintf("not comparable (profile %s)", profile))
}

// publishedAlpha is the level of the tests against a published number:
// the claims' level.
const publishedAlpha = claims.Alpha

// verdict compares a published value with a cell of the given profile:
// the cell's values minus the published value, tested with the corrected
// resampled t-test (ratio as for the claims, see splitRatio) for a
// difference and with TOST for equivalence within margin. It sets
// c.PEquivalence.
func verdict(c *Cell, profile string, pub *Number, margin, ratio float64) Verdict {
	c.PEquivalence = math.NaN()
	switch {
	case pub == nil || !pub.Set:
		return VerdictNoPublished
	case profile != paperProfile:
		return notComparable(profile)
	case c.N < 3:
		return VerdictTooFew
	}
	vals := orderedValues(c.values)
	ref := make([]float64, len(vals))
	for i := range ref {
		ref[i] = pub.Value
	}
	cmp := metrics.CorrectedResampledTTest(vals, ref, ratio, 1-publishedAlpha)
	c.PEquivalence = cmp.Equivalence(margin)
	switch {
	case c.PEquivalence < publishedAlpha:
		return VerdictReproduced
	case cmp.P < publishedAlpha && math.Abs(cmp.MeanDiff) >= margin:
		return VerdictNotReproduced
	}
	return VerdictUndecided
}

// Choice records how the headline row of one profile × loss was chosen.
type Choice struct {
	Profile, Loss string
	Candidates    int    // settings with finished runs
	Picked        *Row   // nil: no headline row
	Reason        string // in words, for the report
}
