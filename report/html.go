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
	Right bool
	Class string // a CSS class, e.g. verdict-supported; the text says the same
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
	ClaimsTable htmlTable
	Experiments []htmlExperiment
}

// verdictClasses are the verdicts that get a colour on the page (the
// cell's text says the same, so the page reads without colour too).
var verdictClasses = []string{"supported", "contradicted", "no effect", "differs", "inconclusive", "reproduced", "not reproduced"}

// toHTMLTable folds a textTable's alignment into its cells, and gives the
// cells of a column headed "verdict" a class named after the verdict.
func toHTMLTable(t textTable) htmlTable {
	ht := htmlTable{ID: t.ID, Title: t.Title, Empty: t.Empty, Header: t.Header, Notes: t.Notes}
	verdictCol := slices.Index(t.Header, "verdict")
	for _, row := range t.Rows {
		cells := make([]htmlCell, len(row))
		for i, c := range row {
			cells[i] = htmlCell{Text: c, Right: i < len(t.Right) && t.Right[i]}
			if i == verdictCol && slices.Contains(verdictClasses, c) {
				cells[i].Class = "verdict-" + strings.ReplaceAll(c, " ", "-")
			}
		}
		ht.Rows = append(ht.Rows, cells)
	}
	return ht
}

// WriteHTML writes the report as one self-contained HTML page (no script,
// no external resource) with the tables of WriteMarkdown and the figures
// linked by relative paths figures/…, so it opens from the report folder
// in a browser without a server.
func WriteHTML(w io.Writer, rep *Report) error {
	v := newReportView(rep)
	page := htmlPage{reportView: v, ClaimsTable: toHTMLTable(v.Claims)}
	for _, e := range v.Experiments {
		he := htmlExperiment{experimentView: e}
		for _, t := range e.Tables {
			he.Tables = append(he.Tables, toHTMLTable(t))
		}
		page.Experiments = append(page.Experiments, he)
	}
	return pageTemplate.Execute(w, page)
}
