package report

import (
	"slices"
	"strings"

	"github.com/replicate-emd/replicate/metrics"
)

// Task is the kind of problem an experiment solves; it fixes the columns
// of the experiment's table and the metric that picks a setting.
type Task string

// The tasks of the paper.
const (
	// TaskOrdinal: ordered classes (Adience, Images of Groups): exact
	// accuracy, 1-off accuracy, MAE, and RPS and QWK as extra columns.
	TaskOrdinal Task = "ordinal"
	// TaskScored: ordered classes with a true continuous score (AADB):
	// Spearman's ρ first.
	TaskScored Task = "scored"
	// TaskOrderless: classes without order (ImageNet): top-1 and top-5.
	TaskOrderless Task = "orderless"
)

// tasks lists the valid tasks in the order of error messages.
var tasks = []Task{TaskOrdinal, TaskScored, TaskOrderless}

// layout is the table layout of a task.
type layout struct {
	columns  []string // metric names in column order; a column no run recorded is dropped
	required []string // columns kept (with a note) even when no run recorded them
	primary  string   // the validation metric that picks a setting
}

var layouts = map[Task]layout{
	TaskOrdinal: {
		columns:  []string{metrics.NameAcc, metrics.NameAcc1Off, metrics.NameMAE, metrics.NameRPS, metrics.NameQWK},
		required: []string{metrics.NameAcc, metrics.NameAcc1Off},
		primary:  metrics.NameAcc,
	},
	TaskScored: {
		columns:  []string{metrics.NameSpearman, metrics.NameAcc, metrics.NameAcc1Off, metrics.NameMAE},
		required: []string{metrics.NameSpearman},
		primary:  metrics.NameSpearman,
	},
	TaskOrderless: {
		columns:  []string{metrics.NameTop1, metrics.NameTop5},
		required: []string{metrics.NameTop1},
		primary:  metrics.NameTop1,
	},
}

// Primary returns the metric that picks a setting on the validation split
// for the task: acc (ordinal), spearman (scored) or top1 (orderless).
func (t Task) Primary() string { return layouts[t].primary }

// inferTask guesses the task from the metric names the runs recorded,
// following metrics.MetricNames: only scored tasks record spearman, only
// ordered ones acc1off and mae.
func inferTask(recorded map[string]bool) Task {
	switch {
	case recorded[metrics.NameSpearman]:
		return TaskScored
	case recorded[metrics.NameAcc1Off] || recorded[metrics.NameMAE]:
		return TaskOrdinal
	}
	return TaskOrderless
}

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

// Losses are the loss names of the training side, in the order of the
// paper's tables: baselines first.
var Losses = []string{"ce", "l2", "emd2", "emd2-sum", "ce+emd2", "ce+emd2-given", "xe-emd1", "xe-emd2"}

// lossLess orders loss names: the known ones in the order of Losses, then
// the others alphabetically.
func lossLess(a, b string) int { return rankedLess(Losses, a, b) }

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
