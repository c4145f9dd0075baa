package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/results"
)

// The markdown and HTML writers render the same views, so the page holds
// exactly the tables of report.md.

// textTable is a table of formatted cells.
type textTable struct {
	ID     string // unique in the report, e.g. smoke-headline
	Title  string
	Header []string
	Right  []bool // right-aligned columns
	Rows   [][]string
	Notes  []string // paragraphs under the table
	Empty  string   // said instead of the table when it has no rows
}

// experimentView is one experiment's section.
type experimentView struct {
	ID      string
	CSV     string // the headline table as CSV, a relative path; "" if none
	Heading string
	Intro   []string
	Tables  []textTable
	Groups  []figureGroup // the figures, by group, in order
	Notes   []string
}

// figureGroup is figures shown side by side: the two splits of a
// profile's learning curves, a profile's confusion matrices (one per
// loss), a row's learned ground distance at its first and last epoch.
type figureGroup struct {
	Kind    string // the figures' Kind
	Title   string
	Caption string // what the group's figures share: scale, reading
	Figures []*Figure
}

// overviewLine is one experiment in the summary: its section's ID, its
// name and what its runs were.
type overviewLine struct {
	ID, Name, Text string
}

// tocEntry is one link of the table of contents.
type tocEntry struct {
	ID, Text string
}

// The IDs of the report's fixed sections (the HTML page's anchors).
const (
	idClaims   = "claims"
	idSummary  = "summary"
	idHowTo    = "how-to-read"
	idUnrun    = "unrun"
	idContents = "contents"
)

// reportView is the whole report.
type reportView struct {
	Title       string
	Claims      textTable      // the paper's claims, first
	Overview    []overviewLine // one line per experiment
	Summary     []string
	Legend      []string
	Experiments []experimentView
	Unrun       []string
}

func newReportView(rep *Report) reportView {
	v := reportView{Title: "Results", Claims: claimsTable(rep), Summary: summary(rep), Legend: legend(rep)}
	for _, e := range rep.Experiments {
		v.Experiments = append(v.Experiments, newExperimentView(rep, e))
	}
	for _, t := range rep.Unrun {
		known, empty := (&Published{Tables: []*PublishedTable{t}}).Counts()
		v.Unrun = append(v.Unrun, fmt.Sprintf("%s (%s): no run in the database; the published table has %d row(s), %d known value(s), %d empty slot(s).",
			t.Experiment, t.Dataset, len(t.Rows), known, empty))
	}
	uniqueIDs(&v)
	for i, e := range rep.Experiments {
		v.Overview = append(v.Overview, overviewLine{ID: v.Experiments[i].ID, Name: e.Name, Text: overviewText(e)})
	}
	return v
}

// uniqueIDs makes every anchor of the page unique: the fixed sections
// keep theirs, an experiment's section or table whose ID is taken gets a
// suffix -2, -3, ….
func uniqueIDs(v *reportView) {
	used := map[string]bool{idClaims: true, idSummary: true, idHowTo: true, idUnrun: true, idContents: true}
	unique := func(id string) string {
		out := id
		for i := 2; used[out]; i++ {
			out = fmt.Sprintf("%s-%d", id, i)
		}
		used[out] = true
		return out
	}
	v.Claims.ID = unique(v.Claims.ID)
	for i := range v.Experiments {
		e := &v.Experiments[i]
		e.ID = unique(e.ID)
		for j := range e.Tables {
			e.Tables[j].ID = unique(e.Tables[j].ID)
		}
	}
}

// toc lists the page's sections: the claims, the summary, how to read the
// tables, each experiment, the published tables without runs.
func (v reportView) toc() []tocEntry {
	var out []tocEntry
	if len(v.Claims.Rows) > 0 {
		out = append(out, tocEntry{idClaims, "Claims"})
	}
	out = append(out, tocEntry{idSummary, "Summary"})
	if len(v.Experiments) > 0 {
		out = append(out, tocEntry{idHowTo, "How to read the tables"})
	}
	for _, e := range v.Experiments {
		out = append(out, tocEntry{e.ID, e.Heading})
	}
	if len(v.Unrun) > 0 {
		out = append(out, tocEntry{idUnrun, "Published tables without runs"})
	}
	return out
}

// overviewText says what an experiment's runs were: how many ended how,
// under which profiles, with which losses.
func overviewText(e *Experiment) string {
	finished := 0
	for _, r := range e.Rows {
		finished += r.Runs
	}
	counts := map[results.RunStatus]int{}
	total := finished
	for _, u := range e.Unfinished {
		counts[u.Status] += u.N
		total += u.N
	}
	s := fmt.Sprintf("%d run(s): %d finished, %d failed, %d interrupted", total, finished,
		counts[results.StatusFailed], counts[results.StatusInterrupted])
	for _, u := range e.Unfinished {
		if u.Status != results.StatusFailed && u.Status != results.StatusInterrupted {
			s += fmt.Sprintf(", %d %s", u.N, u.Status)
		}
	}
	var lossNames []string
	for _, r := range e.Rows {
		if !slices.Contains(lossNames, r.Loss) {
			lossNames = append(lossNames, r.Loss)
		}
	}
	if finished == 0 {
		return s + "; no finished run."
	}
	return s + "; profiles: " + orNone(e.Profiles) + "; losses: " + orNone(lossNames) + "."
}

// figureGroups gathers the figures of an experiment by group, in the
// order of their first figure.
func figureGroups(figs []*Figure) []figureGroup {
	var out []figureGroup
	at := map[string]int{}
	for _, f := range figs {
		key := f.Kind + "\x00" + f.group
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, figureGroup{Kind: f.Kind, Title: f.group, Caption: f.groupCaption})
		}
		out[i].Figures = append(out[i].Figures, f)
	}
	return out
}

func summary(rep *Report) []string {
	var s []string
	if len(rep.Experiments) == 0 {
		s = append(s, "The results database holds no runs yet: run `replicate all` or `replicate --experiment NAME` first.")
	} else {
		line := fmt.Sprintf("Results database: %d run(s) in %d experiment(s), %d finished", rep.Runs, len(rep.Experiments), rep.Finished)
		if !rep.Latest.IsZero() {
			line += "; the latest finished at " + rep.Latest.UTC().Format(time.RFC3339)
		}
		s = append(s, line+".")
	}
	known, empty := rep.Published.Counts()
	s = append(s, fmt.Sprintf("Published numbers: %s, %d known value(s), %d empty slot(s).", rep.Published.File, known, empty))
	return s
}

func legend(rep *Report) []string {
	level := levelText(rep.Level)
	return []string{
		"Headline table: one row per profile and loss (the paper's layout); each cell is the mean ± sample standard deviation, over the finished runs (folds × seeds), of the test metric at each run's last epoch; n counts the runs. Accuracies are fractions (0.6500 is 65.0%).",
		"Statistics table, one line per loss and metric: n, the values that are finite (of the runs); the " + level + " Student-t interval of the mean; Δ vs CE, the mean difference to the CE headline row of the same profile, paired by fold and seed, with the two-sided p-value of a paired t-test over those pairs; published, the paper's number with its status (verified, secondary or unknown); Δ published, our mean minus it.",
		"Verdict against a published number (runs of the paper profile only): reproduced when an equivalence test (TOST, α = 0.05, on the runs' values minus the published number, with the corrected variance of the claims) puts the difference inside the table's margin; not reproduced when the corrected t-test rejects equality and the difference reaches the margin; inconclusive otherwise, or with fewer than 3 runs; not comparable when the runs did not use the paper's settings (a profile other than paper); no published number when the paper's number is not known here.",
		"All-settings table (when a loss was run with several settings): every setting with its validation score; the headline row is chosen on the validation split only (the rule is printed under each table).",
	}
}

func levelText(level float64) string {
	return strconv.FormatFloat(100*level, 'f', -1, 64) + "%"
}

func newExperimentView(rep *Report, e *Experiment) experimentView {
	id := fileStem(e.Name)
	v := experimentView{ID: id, Heading: e.Name, Groups: figureGroups(e.Figures), Notes: e.Notes}
	if e.Dataset != "" {
		v.Heading += " — " + e.Dataset
	}
	if e.Task != "" {
		v.Intro = append(v.Intro, fmt.Sprintf("Task: %s. Profiles: %s.", taskText(e.Task), orNone(e.Profiles)))
	}
	v.CSV = e.CSV
	if len(e.Rows) == 0 {
		return v
	}
	v.Tables = append(v.Tables, headlineTable(e, id), statisticsTable(rep, e, id))
	if len(e.References) > 0 {
		v.Tables = append(v.Tables, referenceTable(rep, e, id))
	}
	if e.MultiSetting {
		v.Tables = append(v.Tables, allSettingsTable(e, id))
	}
	return v
}

func taskText(t datasets.Task) string {
	switch t {
	case datasets.TaskOrdinal:
		return "ordered classes (exact and 1-off accuracy, MAE)"
	case datasets.TaskScored:
		return "ordered classes with a true score (Spearman ρ)"
	case datasets.TaskOrderless:
		return "classes without order (top-1, top-5)"
	}
	return string(t)
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

// rowHead is the first columns of a row in the headline and all-settings
// tables: profile, loss, n and, when settings vary, the setting.
func rowHead(e *Experiment, r *Row) []string {
	cells := []string{r.Profile, r.Loss, strconv.Itoa(r.Runs)}
	if e.ShowSetting {
		cells = append(cells, orDash(r.Setting))
	}
	return cells
}

func headHeader(e *Experiment) ([]string, []bool) {
	h, right := []string{"profile", "loss", "n"}, []bool{false, false, true}
	if e.ShowSetting {
		h, right = append(h, "setting"), append(right, false)
	}
	return h, right
}

func orDash(s string) string {
	if s == "" {
		return dash
	}
	return s
}

func headlineTable(e *Experiment, id string) textTable {
	t := textTable{ID: id + "-headline", Title: "Headline"}
	t.Header, t.Right = headHeader(e)
	for _, c := range e.Columns {
		t.Header, t.Right = append(t.Header, header(c)), append(t.Right, true)
	}
	for _, r := range e.Headline {
		cells := rowHead(e, r)
		for _, c := range e.Columns {
			cells = append(cells, formatMeanStd(r.Cells[c]))
		}
		t.Rows = append(t.Rows, cells)
	}
	t.Empty = "No headline row: every loss has several settings and no validation metrics to choose between them."
	if e.MultiSetting {
		t.Notes = append(t.Notes, selectionRule(Primary(e.Task)))
		for _, c := range e.Choices {
			t.Notes = append(t.Notes, fmt.Sprintf("%s/%s: %s.", c.Profile, c.Loss, c.Reason))
		}
	} else {
		t.Notes = append(t.Notes, "Each loss was run with one setting: no choice was made.")
	}
	return t
}

func statisticsTable(rep *Report, e *Experiment, id string) textTable {
	t := textTable{
		ID:    id + "-statistics",
		Title: "Statistics",
		Header: []string{"profile", "loss", "metric", "n", "mean ± std", levelText(rep.Level) + " t-interval",
			"Δ vs CE", "p (paired t)", "published", "Δ published", "verdict"},
		Right: []bool{false, false, false, true, true, true, true, true, true, true, false},
		Empty: "No headline row: nothing to test.",
	}
	for _, r := range e.Headline {
		for _, name := range e.Columns {
			c := r.Cells[name]
			diff, p := dash, dash
			switch {
			case c.VsCE != nil:
				diff, p = formatSigned(c.VsCE.Test.MeanDiff), formatTest(c.VsCE.Test)
			case r.Loss == ceLoss:
				diff, p = "(baseline)", ""
			}
			t.Rows = append(t.Rows, []string{r.Profile, r.Loss, header(name), formatCount(c, r.Runs), formatMeanStd(c),
				formatInterval(c.Interval), diff, p, publishedText(c), formatSigned(c.DiffPublished), string(c.Verdict)})
		}
	}
	return t
}

// publishedText prints a cell's published value with its status.
func publishedText(c *Cell) string {
	switch {
	case c.Published != nil:
		return fmt.Sprintf("%s (%s)", formatFixed(c.Published.Value), c.PublishedRow.Provenance)
	case c.PublishedRow != nil && c.PublishedRow.Provenance == ProvenanceUnknown:
		return "unknown"
	}
	return dash
}

func referenceTable(rep *Report, e *Experiment, id string) textTable {
	t := textTable{ID: id + "-references", Title: "Published numbers of methods not trained here",
		Header: []string{"method"}, Right: []bool{false}}
	for _, m := range e.Table.Metrics {
		t.Header, t.Right = append(t.Header, header(m)), append(t.Right, true)
	}
	t.Header, t.Right = append(t.Header, "status", "source"), append(t.Right, false, false)
	for _, r := range e.References {
		cells := []string{r.Method}
		for _, m := range e.Table.Metrics {
			v := r.Values[m]
			if v.Set {
				cells = append(cells, formatFixed(v.Value))
			} else {
				cells = append(cells, dash)
			}
		}
		cells = append(cells, string(r.Provenance), citationText(rep.Published, r.Source))
		t.Rows = append(t.Rows, cells)
	}
	return t
}

// citationText names a source by its title.
func citationText(p *Published, id string) string {
	c := p.Citation(id)
	if c == nil {
		return orDash(id)
	}
	s := c.Title
	if c.URL != "" {
		s += ", " + c.URL
	}
	return s
}

func allSettingsTable(e *Experiment, id string) textTable {
	t := textTable{ID: id + "-settings", Title: "All settings"}
	t.Header, t.Right = headHeader(e)
	primary := Primary(e.Task)
	t.Header, t.Right = append(t.Header, "val "+header(primary)), append(t.Right, true)
	for _, c := range e.Columns {
		t.Header, t.Right = append(t.Header, header(c)), append(t.Right, true)
	}
	t.Header, t.Right = append(t.Header, "headline"), append(t.Right, false)
	for _, r := range e.Rows {
		cells := rowHead(e, r)
		val := "no val"
		if r.Val != nil {
			val = formatMeanStd(r.Val)
		}
		cells = append(cells, val)
		for _, c := range e.Columns {
			cells = append(cells, formatMeanStd(r.Cells[c]))
		}
		mark := ""
		if r.Selected {
			mark = "yes"
		}
		t.Rows = append(t.Rows, append(cells, mark))
	}
	t.Notes = append(t.Notes, "Every setting's test numbers are shown for transparency; picking among them by these test numbers would be peeking at the test split.")
	return t
}
