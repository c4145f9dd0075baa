package report

import (
	"embed"
	"html/template"
	"io"
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
	Experiments []htmlExperiment
}

// WriteHTML writes the report as one self-contained HTML page (no script,
// no external resource) with the tables of WriteMarkdown and the figures
// linked by relative paths figures/…, so it opens from the report folder
// in a browser without a server.
func WriteHTML(w io.Writer, rep *Report) error {
	v := newReportView(rep)
	page := htmlPage{reportView: v}
	for _, e := range v.Experiments {
		he := htmlExperiment{experimentView: e}
		for _, t := range e.Tables {
			ht := htmlTable{ID: t.ID, Title: t.Title, Empty: t.Empty, Header: t.Header, Notes: t.Notes}
			for _, row := range t.Rows {
				cells := make([]htmlCell, len(row))
				for i, c := range row {
					cells[i] = htmlCell{Text: c, Right: i < len(t.Right) && t.Right[i]}
				}
				ht.Rows = append(ht.Rows, cells)
			}
			he.Tables = append(he.Tables, ht)
		}
		page.Experiments = append(page.Experiments, he)
	}
	return pageTemplate.Execute(w, page)
}
