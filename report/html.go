package report

import (
	"embed"
	"html/template"
	"io"
	"slices"
	"strings"
)

//go:embed templates/index.html.tmpl
var templates embed.FS

// pageTemplate is the HTML page; html/template escapes every string that
// came from data.
var pageTemplate = template.Must(template.ParseFS(templates, "templates/index.html.tmpl"))

// htmlCell is one table cell of the page.
type htmlCell struct {
	Text  string
	Class string // CSS classes: num (right-aligned), long or short (the column's text), verdict-…
	Mark  string // a verdict's symbol, shown before its word: colour is never the only cue
}

// htmlTable is a textTable with its alignment folded into the cells.
type htmlTable struct {
	ID, Title, Empty string
	Header           []string
	Rows             [][]htmlCell
	Notes            []string
}

// htmlExperiment is an experimentView with htmlTables.
type htmlExperiment struct {
	experimentView
	Tables []htmlTable
}

// htmlPage is the data of pageTemplate.
type htmlPage struct {
	reportView
	TOC          []tocEntry
	ClaimsTable  htmlTable
	ClaimsKey    []verdictStyle // the verdicts of the claims, with their colour and symbol
	PublishedKey []verdictStyle // the verdicts against a published number
	Experiments  []htmlExperiment
}

// verdictStyle is how the page shows a verdict: a colour (its CSS class),
// a symbol beside the word, and what it means in a few words.
type verdictStyle struct {
	Word, Class, Mark, Meaning string
}

// The verdicts that get a colour and a symbol. A cell matches one when
// its text is the word, or the word and a parenthesis ("inconclusive (n <
// 3)").
var (
	claimVerdicts = []verdictStyle{
		{"supported", "verdict-supported", "✓", "the claimed effect, significant and at least the margin"},
		{"contradicted", "verdict-contradicted", "✗", "a significant effect the other way"},
		{"no effect", "verdict-no-effect", "≈", "equivalent within the margin"},
		{"differs", "verdict-differs", "≠", "a significant difference, for a claim without a side"},
		{"inconclusive", "verdict-inconclusive", "?", "too few runs or too much spread to decide"},
	}
	publishedVerdicts = []verdictStyle{
		{"reproduced", "verdict-reproduced", "✓", "equivalent to the published number within the margin"},
		{"not reproduced", "verdict-not-reproduced", "✗", "significantly different from it, by at least the margin"},
		{"inconclusive", "verdict-inconclusive", "?", "neither, or fewer than 3 runs"},
	}
)

// styleOf returns the style of a verdict cell's text, if it has one.
func styleOf(text string) (verdictStyle, bool) {
	for _, vs := range slices.Concat(claimVerdicts, publishedVerdicts) {
		if text == vs.Word || strings.HasPrefix(text, vs.Word+" (") {
			return vs, true
		}
	}
	return verdictStyle{}, false
}

// Column widths on the page: a column with a cell longer than longCell
// characters is one of long text, given a minimum width so that a narrow
// screen scrolls the table instead of squeezing the column into a word
// per line; a column whose cells are all at most shortCell characters
// (names, ids, verdicts) is never wrapped, so that "ce-emd2-acc" does not
// break at its hyphens.
const (
	longCell  = 40
	shortCell = 16
)

// toHTMLTable folds a textTable's alignment into its cells, and gives the
// cells of a column headed "verdict" the class and symbol of their
// verdict.
func toHTMLTable(t textTable) htmlTable {
	ht := htmlTable{ID: t.ID, Title: t.Title, Empty: t.Empty, Header: t.Header, Notes: t.Notes}
	verdictCol := slices.Index(t.Header, "verdict")
	widest := make([]int, len(t.Header))
	for _, row := range t.Rows {
		for i, c := range row {
			if i < len(widest) {
				widest[i] = max(widest[i], len([]rune(c)))
			}
		}
	}
	for _, row := range t.Rows {
		cells := make([]htmlCell, len(row))
		for i, c := range row {
			var class []string
			if i < len(t.Right) && t.Right[i] {
				class = append(class, "num")
			}
			switch {
			case i >= len(widest):
			case widest[i] > longCell:
				class = append(class, "long")
			case widest[i] <= shortCell:
				class = append(class, "short")
			}
			cells[i] = htmlCell{Text: c}
			if vs, ok := styleOf(c); ok && i == verdictCol {
				class = append(class, vs.Class)
				cells[i].Mark = vs.Mark
			}
			cells[i].Class = strings.Join(class, " ")
		}
		ht.Rows = append(ht.Rows, cells)
	}
	return ht
}

// WriteHTML writes the report as one self-contained HTML page (no script,
// no external resource) with the tables of WriteMarkdown and the figures
// linked by relative paths figures/…, so it opens from the report folder
// in a browser without a server. The page opens with a table of contents
// and the claims, then one summary line per experiment; each experiment's
// figures are shown by group, side by side on a wide screen and one below
// the other on a narrow one.
func WriteHTML(w io.Writer, rep *Report) error {
	v := newReportView(rep)
	page := htmlPage{reportView: v, TOC: v.toc(), ClaimsTable: toHTMLTable(v.Claims),
		ClaimsKey: claimVerdicts, PublishedKey: publishedVerdicts}
	for _, e := range v.Experiments {
		he := htmlExperiment{experimentView: e}
		for _, t := range e.Tables {
			he.Tables = append(he.Tables, toHTMLTable(t))
		}
		page.Experiments = append(page.Experiments, he)
	}
	return pageTemplate.Execute(w, page)
}
