package report

import (
	"slices"
	"strings"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/losses"
	"github.com/replicate-emd/replicate/metrics"
)

// layout is the table layout of a task (datasets.Task: the kind of
// problem, recorded by each run when it starts).
type layout struct {
	columns  []string // metric names in column order; a column no run recorded is dropped
	required []string // columns kept (with a note) even when no run recorded them
	primary  string   // the validation metric that picks a setting
}

var layouts = map[datasets.Task]layout{
	datasets.TaskOrdinal: {
		columns:  []string{metrics.NameAcc, metrics.NameAcc1Off, metrics.NameMAE, metrics.NameRPS, metrics.NameQWK},
		required: []string{metrics.NameAcc, metrics.NameAcc1Off},
		primary:  metrics.NameAcc,
	},
	datasets.TaskScored: {
		columns:  []string{metrics.NameSpearman, metrics.NameAcc, metrics.NameAcc1Off, metrics.NameMAE},
		required: []string{metrics.NameSpearman},
		primary:  metrics.NameSpearman,
	},
	datasets.TaskOrderless: {
		columns:  []string{metrics.NameTop1, metrics.NameTop5},
		required: []string{metrics.NameTop1},
		primary:  metrics.NameTop1,
	},
}

// Primary returns the metric that picks a setting on the validation split
// for a task: acc (ordinal), spearman (scored) or top1 (orderless).
func Primary(t datasets.Task) string { return layouts[t].primary }

// metricHeaders are the column headers of the metrics.
var metricHeaders = map[string]string{
	metrics.NameAcc:      "exact",
	metrics.NameAcc1Off:  "1-off",
	metrics.NameMAE:      "MAE",
	metrics.NameMAEExp:   "MAE (expected)",
	metrics.NameRPS:      "RPS",
	metrics.NameEMD2:     "EMD²",
	metrics.NameTop1:     "top-1",
	metrics.NameTop5:     "top-5",
	metrics.NameQWK:      "QWK",
	metrics.NameSpearman: "Spearman ρ",
}

// header returns the column header of a metric.
func header(metric string) string {
	if h, ok := metricHeaders[metric]; ok {
		return h
	}
	return metric
}

// lossLess orders loss names: the registered ones in the registry's
// order (losses.Names, the order of the paper's tables), then the others
// alphabetically.
func lossLess(a, b string) int { return rankedLess(losses.Names(), a, b) }

// profileOrder puts the paper's settings first.
var profileOrder = []string{"paper", "cpu", "smoke"}

func profileLess(a, b string) int { return rankedLess(profileOrder, a, b) }

// rankedLess compares a and b by their index in order, unknown names last
// and alphabetically.
func rankedLess(order []string, a, b string) int {
	ia, ib := slices.Index(order, a), slices.Index(order, b)
	switch {
	case ia >= 0 && ib >= 0:
		return ia - ib
	case ia >= 0:
		return -1
	case ib >= 0:
		return 1
	}
	return strings.Compare(a, b)
}

// ceLoss is the baseline every loss is compared with.
const ceLoss = "ce"

// paperProfile is the only profile whose numbers may be called a
// reproduction of a published number.
const paperProfile = "paper"
