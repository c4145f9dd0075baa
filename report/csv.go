package report

import (
	"fmt"
	"io"
	"strconv"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
)

// csvColumns are the columns of WriteCSV.
var csvColumns = []string{
	"experiment", "task", "profile", "loss", "setting", "runs", "headline", "metric", "n", "mean", "std",
	"ci_level", "ci_lo", "ci_hi", "diff_ce", "p_ce", "p_wilcoxon_ce", "pairs_ce",
	"val_metric", "val_mean", "val_n",
	"published", "published_status", "published_source", "diff_published", "p_tost_published", "verdict",
}

// csvText makes a text field safe to open in a spreadsheet. Spreadsheets
// read a cell that starts with =, +, -, @, a tab or a carriage return as a
// formula, so a name taken from a grid file or the database (experiment,
// profile, loss, setting, source) could run one. Such a field gets a
// leading single quote, which makes it text (OWASP's advice against CSV
// injection); a program reading the CSV sees the quote as part of the
// field. encoding/csv then quotes the field where its own rules require
// (a comma, a double quote, a line break). Only text goes through here:
// numbers are written by formatCSV, formatCSVP and strconv, so a number
// such as -0.5 stays a number.
func csvText(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// The CSV files are data frames (gota). The long table of every number,
// report.csv, is assembled once as a frame of text columns (every number
// already formatted: formatCSV, formatCSVP); each experiment's table in the
// paper's layout, tables/<experiment>.csv, is pivoted out of it: the
// headline rows' key columns, then for each metric its statistics under
// the metric's name. gota writes both.

// longRow says what one line of the long table holds.
type longRow struct {
	e      *Experiment
	row    *Row
	metric string
}

// longTable assembles the long table of the report: one line per
// experiment, profile, loss, setting and metric, in the columns
// csvColumns, and what each line holds.
func longTable(rep *Report) (dataframe.DataFrame, []longRow) {
	cols := make([][]string, len(csvColumns))
	var index []longRow
	for _, e := range rep.Experiments {
		primary := Primary(e.Task)
		for _, r := range e.Rows {
			valMean, valN := "", ""
			if r.Val != nil {
				valMean, valN = formatCSV(r.Val.Mean), strconv.Itoa(r.Val.N)
			}
			for _, name := range e.Columns {
				c := r.Cells[name]
				rec := []string{csvText(e.Name), csvText(string(e.Task)), csvText(r.Profile), csvText(r.Loss), csvText(r.Setting),
					strconv.Itoa(r.Runs), strconv.FormatBool(r.Selected), csvText(name), strconv.Itoa(c.N), formatCSV(c.Mean), formatCSV(c.Std),
					formatCSV(rep.Level), formatCSV(c.Interval.Lo), formatCSV(c.Interval.Hi)}
				rec = append(rec, ceFields(c)...)
				rec = append(rec, csvText(primary), valMean, valN)
				rec = append(rec, publishedFields(rep, c)...)
				rec = append(rec, csvText(string(c.Verdict)))
				for i, v := range rec {
					cols[i] = append(cols[i], v)
				}
				index = append(index, longRow{e, r, name})
			}
		}
	}
	columns := make([]series.Series, len(csvColumns))
	for i, name := range csvColumns {
		columns[i] = series.New(cols[i], series.String, name)
	}
	return dataframe.New(columns...), index
}

// WriteCSV writes every row of every experiment (all settings) as one long
// CSV, one line per experiment, profile, loss, setting and metric. The
// comparison columns (CE, published, verdict) are filled on headline rows
// only. Undefined numbers are empty fields; numbers have six decimals
// (p-values six significant digits). Text fields that a spreadsheet would
// read as a formula start with a single quote (see csvText).
func WriteCSV(w io.Writer, rep *Report) error {
	long, _ := longTable(rep)
	return long.WriteCSV(w)
}

// wideKeys and wideStats are the columns of an experiment's table in the
// paper's layout: the key columns, then wideStats for each metric, named
// <metric>_<stat>.
var (
	wideKeys  = []string{"profile", "loss", "runs", "setting"}
	wideStats = []string{"mean", "std", "n", "ci_lo", "ci_hi", "diff_ce", "p_ce", "published", "diff_published", "verdict"}
)

// WriteExperimentCSV writes the headline table of one experiment in the
// paper's layout: one line per profile and loss, and for each metric m the
// columns m_mean, m_std, m_n, m_ci_lo, m_ci_hi, m_diff_ce, m_p_ce,
// m_published, m_diff_published and m_verdict, pivoted out of the long
// table.
func WriteExperimentCSV(w io.Writer, rep *Report, e *Experiment) error {
	long, index := longTable(rep)
	lines := func(metric string) []int {
		var out []int
		for i, l := range index {
			if l.e == e && l.row.Selected && l.metric == metric {
				out = append(out, i)
			}
		}
		return out
	}
	if len(e.Columns) == 0 {
		return fmt.Errorf("experiment %s: no metric column", e.Name)
	}
	wide := long.Subset(lines(e.Columns[0])).Select(wideKeys)
	for _, m := range e.Columns {
		part := long.Subset(lines(m)).Select(wideStats)
		for _, f := range wideStats {
			part = part.Rename(csvText(m+"_"+f), f)
		}
		wide = wide.CBind(part)
	}
	return wide.WriteCSV(w)
}

// ceFields are diff_ce, p_ce, p_wilcoxon_ce and pairs_ce.
func ceFields(c *Cell) []string {
	if c.VsCE == nil {
		return []string{"", "", "", ""}
	}
	return []string{formatCSV(c.VsCE.Test.MeanDiff), formatCSVP(c.VsCE.Test.P), formatCSVP(c.VsCE.Signed.P), strconv.Itoa(c.VsCE.Test.N)}
}

// publishedFields are published, published_status, published_source and
// diff_published.
func publishedFields(rep *Report, c *Cell) []string {
	switch {
	case c.Published != nil:
		return []string{formatCSV(c.Published.Value), csvText(string(c.PublishedRow.Provenance)), csvText(c.PublishedRow.Source), formatCSV(c.DiffPublished), formatCSVP(c.PEquivalence)}
	case c.PublishedRow != nil:
		return []string{"", csvText(string(c.PublishedRow.Provenance)), csvText(c.PublishedRow.Source), "", ""}
	}
	return []string{"", "", "", "", ""}
}
