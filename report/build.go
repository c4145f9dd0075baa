package report

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/replicate-emd/replicate/claims"
	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/metrics"
	"github.com/replicate-emd/replicate/results"
	"github.com/replicate-emd/replicate/settings"
)

// Source is what the report reads from the results database; *results.DB
// implements it.
type Source interface {
	Experiments(ctx context.Context) ([]string, error)
	Runs(ctx context.Context, f results.RunFilter) ([]results.Run, error)
	FinalMetrics(ctx context.Context, experiment, split string) (map[string][]results.Metric, error)
	EpochMetrics(ctx context.Context, experiment string, f results.MetricFilter) (map[string][]results.Metric, error)
	ArtifactIndex(ctx context.Context, experiment, kind string) ([]results.ArtifactRef, error)
	Artifact(ctx context.Context, key, name string) (results.Artifact, error)
}

// Options configures Build.
type Options struct {
	// Published are the numbers to compare with; nil means the embedded
	// DefaultPublished.
	Published *Published
	// Level is the confidence level of the intervals; 0 means 0.95.
	Level float64
	// NoFigures skips reading curves and artifacts (no figures).
	NoFigures bool
	// Claims are the claims to decide; nil means the embedded
	// claims.Embedded, an empty non-nil slice none.
	Claims []claims.Claim
}

// DefaultLevel is the confidence level of the report's intervals.
const DefaultLevel = 0.95

// Split names of the metrics table.
const (
	splitTest = "test"
	splitVal  = "val"
)

// Build reads every experiment of src and aggregates it: rows per profile
// × loss × setting, the headline choice by the validation split, the
// comparison with CE and with the published numbers, and the data of the
// figures. The result depends only on the database's content.
func Build(ctx context.Context, src Source, opt Options) (*Report, error) {
	pub := opt.Published
	if pub == nil {
		var err error
		if pub, err = DefaultPublished(); err != nil {
			return nil, err
		}
	}
	level := opt.Level
	if level == 0 {
		level = DefaultLevel
	}
	if !(level > 0 && level < 1) {
		return nil, fmt.Errorf("report: confidence level %v outside (0, 1)", level)
	}
	names, err := src.Experiments(ctx)
	if err != nil {
		return nil, err
	}
	rep := &Report{Published: pub, Level: level}
	for _, name := range names {
		e, err := buildExperiment(ctx, src, rep, name, opt)
		if err != nil {
			return nil, fmt.Errorf("report %s: %w", name, err)
		}
		rep.Experiments = append(rep.Experiments, e)
	}
	for _, t := range pub.Tables {
		if !slices.Contains(names, t.Experiment) {
			rep.Unrun = append(rep.Unrun, t)
		}
	}
	declared := opt.Claims
	if declared == nil {
		if declared, err = claims.Embedded(); err != nil {
			return nil, err
		}
	}
	if err := decideClaims(ctx, src, rep, declared); err != nil {
		return nil, fmt.Errorf("report: claims: %w", err)
	}
	nameFiles(rep)
	return rep, nil
}

func buildExperiment(ctx context.Context, src Source, rep *Report, name string, opt Options) (*Experiment, error) {
	e := &Experiment{Name: name, Table: rep.Published.Table(name)}
	runs, err := src.Runs(ctx, results.RunFilter{Experiment: name})
	if err != nil {
		return nil, err
	}
	var finished []results.Run
	unfinished := map[results.RunStatus]int{}
	datasets := map[string]bool{}
	for _, r := range runs {
		rep.Runs++
		datasets[r.Dataset] = true
		if r.Status != results.StatusFinished {
			unfinished[r.Status]++
			continue
		}
		rep.Finished++
		finished = append(finished, r)
		if r.Finished.After(rep.Latest) {
			rep.Latest = r.Finished.UTC()
		}
	}
	for _, s := range sortedKeys(unfinished) {
		e.Unfinished = append(e.Unfinished, StatusCount{s, unfinished[s]})
	}
	e.Dataset = strings.Join(sortedKeys(datasets), ", ")
	if e.Table != nil {
		e.Dataset, e.Task = e.Table.Dataset, e.Table.Task
		e.References = referenceRows(e.Table)
	}
	if len(finished) == 0 {
		e.Notes = append(e.Notes, "No finished run yet: nothing to aggregate.")
		if n := unfinishedNote(e); n != "" {
			e.Notes = append(e.Notes, n)
		}
		return e, nil
	}

	test, err := src.FinalMetrics(ctx, name, splitTest)
	if err != nil {
		return nil, err
	}
	val, err := src.FinalMetrics(ctx, name, splitVal)
	if err != nil {
		return nil, err
	}
	recorded := map[string]bool{}
	for _, r := range finished {
		for _, m := range test[r.Key] {
			recorded[m.Metric] = true
		}
	}
	if e.Task == "" {
		e.Task, e.TaskFromRuns = runsTask(e, finished), true
	}
	e.Columns, e.Missing = columns(e.Task, e.Table, recorded)

	e.Rows, e.ShowSetting = groupRows(e, finished)
	for _, r := range e.Rows {
		if !slices.Contains(e.Profiles, r.Profile) {
			e.Profiles = append(e.Profiles, r.Profile)
		}
	}
	fillCells(e, test, rep.Level)
	primary := Primary(e.Task)
	fillVal(e, val, primary)
	e.Choices = choose(e.Rows, primary)
	for _, c := range e.Choices {
		if c.Candidates > 1 {
			e.MultiSetting = true
		}
		if c.Picked != nil {
			e.Headline = append(e.Headline, c.Picked)
		}
	}
	compareWithCE(e)
	comparePublished(e)
	e.Notes = append(e.Notes, experimentNotes(e, finished)...)
	if !opt.NoFigures {
		if err := buildFigures(ctx, src, e); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// runsTask is the task the finished runs of an experiment recorded when
// they started (results.Run.Task). Runs of one experiment share their
// data, so they agree; should they not, the first task in datasets.Tasks
// order is used and a note names them all. Runs that recorded none (of an
// older replicate, without a test metric to fill it from) are left out; if
// none recorded one, the experiment is read as orderless (top-1 and top-5
// apply to any task) and a note says so.
func runsTask(e *Experiment, finished []results.Run) datasets.Task {
	seen := map[datasets.Task]bool{}
	for _, r := range finished {
		if r.Task != "" {
			seen[datasets.Task(r.Task)] = true
		}
	}
	var found []datasets.Task
	for _, t := range datasets.Tasks {
		if seen[t] {
			found = append(found, t)
		}
	}
	switch {
	case len(found) == 0:
		e.Notes = append(e.Notes, "No finished run recorded its task (a database of an older replicate): its columns are those of an orderless task.")
		return datasets.TaskOrderless
	case len(found) > 1 || len(seen) > len(found):
		e.Notes = append(e.Notes, fmt.Sprintf("Its runs recorded several tasks (%v): its columns are those of the first.", sortedKeys(seen)))
	}
	return found[0]
}

// referenceRows are the published rows of methods this project does not
// train.
func referenceRows(t *PublishedTable) []*PublishedRow {
	var out []*PublishedRow
	for _, r := range t.Rows {
		if r.Loss == "" {
			out = append(out, r)
		}
	}
	return out
}

// columns returns the metric columns of a table: the task's columns that
// some run recorded, those the task or the published table require even
// if none did (listed in missing), then any other metric of the published
// table.
func columns(task datasets.Task, t *PublishedTable, recorded map[string]bool) (cols, missing []string) {
	l := layouts[task]
	required := slices.Clone(l.required)
	if t != nil {
		required = append(required, t.Metrics...)
	}
	for _, m := range l.columns {
		if recorded[m] || slices.Contains(required, m) {
			cols = append(cols, m)
		}
	}
	for _, m := range required {
		if !slices.Contains(cols, m) {
			cols = append(cols, m)
		}
	}
	for _, m := range cols {
		if !recorded[m] {
			missing = append(missing, m)
		}
	}
	return cols, missing
}

// groupRows groups finished runs into rows by profile, loss and setting,
// sorted by profile (paper first), loss (the paper's order), setting
// label. A row's label names the setting by the fields that vary among the
// settings of its profile (settings.Varying); showSetting reports whether
// any does.
func groupRows(e *Experiment, finished []results.Run) (rows []*Row, showSetting bool) {
	byProfile := map[string][]settings.Setting{}
	settingOf := make([]settings.Setting, len(finished))
	for i, r := range finished {
		settingOf[i] = runSetting(e, r)
		byProfile[r.Profile] = append(byProfile[r.Profile], settingOf[i])
	}
	vary := map[string][]string{}
	for p, ss := range byProfile {
		vary[p] = settings.Varying(ss)
		if len(vary[p]) > 0 {
			showSetting = true
		}
	}
	index := map[string]*Row{}
	for i, r := range finished {
		k := groupKey(r.Profile, r.Loss, settingOf[i].String())
		row, ok := index[k]
		if !ok {
			row = &Row{Profile: r.Profile, Loss: r.Loss, Setting: settingOf[i].Label(vary[r.Profile]), key: k,
				setting: settingOf[i], Cells: map[string]*Cell{}}
			index[k] = row
			rows = append(rows, row)
		}
		row.Runs++
		row.runs = append(row.runs, r)
	}
	slices.SortFunc(rows, func(a, b *Row) int {
		return cmp.Or(profileLess(a.Profile, b.Profile), lossLess(a.Loss, b.Loss),
			strings.Compare(a.Setting, b.Setting), strings.Compare(a.key, b.key))
	})
	return rows, showSetting
}

// groupKey joins the parts of a row's key with a NUL byte, which no name
// of the database contains.
func groupKey(parts ...string) string { return strings.Join(parts, "\x00") }

// fillCells aggregates the final test metrics of each row: each cell's
// finite values in fold × seed order, summarised once by metrics.TInterval
// (mean, sample standard deviation, count and interval).
func fillCells(e *Experiment, test map[string][]results.Metric, level float64) {
	for _, row := range e.Rows {
		for _, c := range e.Columns {
			row.Cells[c] = &Cell{Metric: c, values: map[unit]float64{}}
		}
		for _, r := range row.runs {
			u := unit{r.Fold, r.Seed}
			for _, m := range test[r.Key] {
				c, ok := row.Cells[m.Metric]
				if !ok || math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
					continue
				}
				if _, dup := c.values[u]; dup {
					// Only runs whose setting is unknown can collide: equal
					// settings, fold and seed make equal keys.
					e.Notes = appendOnce(e.Notes, fmt.Sprintf("Runs of %s/%s (%s) share fold %d and seed %d; only the first (by key) is aggregated.",
						row.Profile, row.Loss, settingName(row), u.Fold, u.Seed))
					continue
				}
				c.values[u] = m.Value
			}
		}
		for _, c := range row.Cells {
			c.Interval = metrics.TInterval(orderedValues(c.values), level)
			c.Mean, c.Std, c.N = c.Interval.Mean, c.Interval.Std, c.Interval.N
		}
	}
}

// orderedValues returns the values in fold × seed order.
func orderedValues(m map[unit]float64) []float64 {
	us := make([]unit, 0, len(m))
	for u := range m {
		us = append(us, u)
	}
	slices.SortFunc(us, unitLess)
	out := make([]float64, len(us))
	for i, u := range us {
		out[i] = m[u]
	}
	return out
}

// fillVal aggregates the primary metric of the validation split at each
// run's last epoch: the mean (metrics.MeanStd) and count of its finite
// values, in the row's run order. A row none of whose runs recorded any
// validation metric keeps Val nil.
//
// When the row's runs name tune folds (a profile's tune_folds), only the
// runs on those folds count: the other folds train the chosen setting
// only, so their validation values would favour it.
func fillVal(e *Experiment, val map[string][]results.Metric, primary string) {
	for _, row := range e.Rows {
		var values []float64
		tune := tuneFolds(row.setting)
		for _, r := range row.runs {
			if tune != nil && !slices.Contains(tune, r.Fold) {
				continue
			}
			ms, ok := val[r.Key]
			if !ok {
				continue
			}
			if row.Val == nil {
				row.Val = &Cell{Metric: primary}
			}
			for _, m := range ms {
				if m.Metric == primary && !math.IsNaN(m.Value) && !math.IsInf(m.Value, 0) {
					values = append(values, m.Value)
				}
			}
		}
		if row.Val != nil {
			row.Val.Mean, row.Val.Std = metrics.MeanStd(values)
			row.Val.N = len(values)
		}
	}
}

// tuneFolds returns the tune folds a setting names (the run field
// tune_folds), nil when it names none or they do not parse.
func tuneFolds(s settings.Setting) []int {
	text, ok := s.Get("tune_folds")
	if !ok {
		return nil
	}
	var folds []int
	if err := json.Unmarshal([]byte(text), &folds); err != nil || len(folds) == 0 {
		return nil
	}
	return folds
}

// compareWithCE runs the paired tests of every headline row against the
// CE headline row of its profile, over the folds × seeds where both have
// a finite value.
func compareWithCE(e *Experiment) {
	ce := map[string]*Row{}
	for _, r := range e.Headline {
		if r.Loss == ceLoss {
			ce[r.Profile] = r
		}
	}
	for _, r := range e.Headline {
		base, ok := ce[r.Profile]
		if !ok || r == base {
			continue
		}
		for _, name := range e.Columns {
			a, b := pairs(r.Cells[name].values, base.Cells[name].values)
			r.Cells[name].VsCE = &Comparison{Against: base.Setting, Test: metrics.PairedTTest(a, b), Signed: metrics.Wilcoxon(a, b)}
		}
	}
}

// pairs returns the values of a and b on their common units, in fold ×
// seed order.
func pairs(a, b map[unit]float64) (xa, xb []float64) {
	var us []unit
	for u := range a {
		if _, ok := b[u]; ok {
			us = append(us, u)
		}
	}
	slices.SortFunc(us, unitLess)
	for _, u := range us {
		xa, xb = append(xa, a[u]), append(xb, b[u])
	}
	return xa, xb
}

// comparePublished puts the published value, the difference and the
// verdict into every headline cell.
func comparePublished(e *Experiment) {
	for _, r := range e.Headline {
		prow := e.Table.Row(r.Loss)
		ratio, _ := splitRatio(r)
		margin := 0.0
		if e.Table != nil {
			margin = e.Table.Margin
		}
		for _, name := range e.Columns {
			c := r.Cells[name]
			c.PublishedRow = prow
			c.DiffPublished = math.NaN()
			if prow != nil {
				if v, ok := prow.Values[name]; ok && v.Set {
					c.Published = &v
					c.DiffPublished = c.Mean - v.Value
				}
			}
			c.Verdict = verdict(c, r.Profile, c.Published, margin, ratio)
		}
	}
}

// experimentNotes lists what a reader must know about an experiment's
// tables, whose runs are finished.
func experimentNotes(e *Experiment, finished []results.Run) []string {
	var notes []string
	if n := buildsNote(finished); n != "" {
		notes = append(notes, n)
	}
	if e.TaskFromRuns {
		notes = append(notes, fmt.Sprintf("The paper has no table for this experiment; its columns are those of a%s %s task, the task its runs recorded.", article(string(e.Task)), e.Task))
	}
	for _, m := range e.Missing {
		notes = append(notes, fmt.Sprintf("Metric %s (%s) was not recorded by any finished run: its column is empty.", m, header(m)))
	}
	for _, p := range e.Profiles {
		if p != paperProfile {
			notes = append(notes, fmt.Sprintf("Profile %s does not use the paper's settings: its numbers are never called a reproduction of a published number.", p))
		}
	}
	var noVal []string
	for _, c := range e.Choices {
		if c.Candidates > 1 && c.Picked == nil {
			noVal = append(noVal, c.Profile+"/"+c.Loss)
		}
	}
	if len(noVal) > 0 {
		notes = append(notes, fmt.Sprintf("No headline row for %s: see the all-settings table.", strings.Join(noVal, ", ")))
	}
	hasCE := map[string]bool{}
	for _, r := range e.Headline {
		if r.Loss == ceLoss {
			hasCE[r.Profile] = true
		}
	}
	for _, p := range e.Profiles {
		if !hasCE[p] {
			notes = append(notes, fmt.Sprintf("Profile %s has no CE headline row: no difference to CE is tested.", p))
		}
	}
	if e.Table != nil {
		var absent []string
		for _, pr := range e.Table.Rows {
			if pr.Loss == "" || pr.Provenance == ProvenanceUnknown || slices.ContainsFunc(e.Headline, func(r *Row) bool { return r.Loss == pr.Loss }) {
				continue
			}
			absent = append(absent, fmt.Sprintf("%s (loss %s)", pr.Method, pr.Loss))
		}
		if len(absent) > 0 {
			notes = append(notes, "Published numbers with no headline row here to compare with: "+strings.Join(absent, ", ")+".")
		}
	}
	if n := unfinishedNote(e); n != "" {
		notes = append(notes, n)
	}
	return notes
}

// buildsNote says when the runs of a table come from more than one
// commit, or some from a build with uncommitted changes (results.Env,
// recorded from the binary's VCS stamp); "" when they all come from one
// clean commit, or all from builds without a stamp.
func buildsNote(runs []results.Run) string {
	commits := map[string]int{}
	dirty := 0
	for _, r := range runs {
		commits[r.Env.GitCommit]++
		if r.Env.GitDirty {
			dirty++
		}
	}
	if len(commits) < 2 && dirty == 0 {
		return ""
	}
	var parts []string
	for _, c := range sortedKeys(commits) {
		name := c
		switch {
		case c == "":
			name = "unknown (no VCS stamp)"
		case len(c) > 12:
			name = c[:12]
		}
		parts = append(parts, fmt.Sprintf("%s (%d run%s)", name, commits[c], plural(commits[c])))
	}
	note := fmt.Sprintf("Runs of this table come from %d commit%s: %s", len(commits), plural(len(commits)), strings.Join(parts, ", "))
	if dirty > 0 {
		note += fmt.Sprintf("; %d run%s from a dirty build (uncommitted changes)", dirty, plural(dirty))
	}
	return note + "."
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// unfinishedNote says how many runs were left out and why; "" if none.
func unfinishedNote(e *Experiment) string {
	n := 0
	var parts []string
	for _, s := range e.Unfinished {
		n += s.N
		parts = append(parts, fmt.Sprintf("%d %s", s.N, s.Status))
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d run(s) not finished (%s) are not in the tables.", n, strings.Join(parts, ", "))
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "n"
	}
	return ""
}

// appendOnce appends s unless notes already holds it.
func appendOnce(notes []string, s string) []string {
	if slices.Contains(notes, s) {
		return notes
	}
	return append(notes, s)
}
