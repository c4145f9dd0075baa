package report

import (
	"fmt"
	"io"
	"path/filepath"
)

// The files of a report, relative to its folder.
const (
	MarkdownFile = "report.md"  // WriteMarkdown
	CSVFile      = "report.csv" // WriteCSV
	HTMLFile     = "index.html" // WriteHTML
	TablesDir    = "tables"     // WriteExperimentCSV, one file per experiment
	FiguresDir   = "figures"    // WriteFigures
)

// WriteAll writes every file of the report into dir: the figures, one CSV
// per experiment under tables/, report.csv, claims.csv, report.md and index.html,
// each atomically, in that order (a page never links a file not yet
// written). It returns the paths written, in that order.
func WriteAll(dir string, rep *Report) ([]string, error) {
	var written []string
	if err := WriteFigures(dir, rep); err != nil {
		return written, err
	}
	for _, e := range rep.Experiments {
		for _, f := range e.Figures {
			for _, ext := range FigureFormats {
				written = append(written, filepath.Join(dir, filepath.FromSlash(f.Path)+"."+ext))
			}
		}
	}
	write := func(rel string, fill func(io.Writer) error) error {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if err := WriteFileAtomic(path, fill); err != nil {
			return err
		}
		written = append(written, path)
		return nil
	}
	for _, e := range rep.Experiments {
		if e.CSV == "" {
			continue
		}
		if err := write(e.CSV, func(w io.Writer) error { return WriteExperimentCSV(w, rep, e) }); err != nil {
			return written, err
		}
	}
	steps := []struct {
		name string
		fill func(io.Writer) error
	}{
		{CSVFile, func(w io.Writer) error { return WriteCSV(w, rep) }},
		{ClaimsFile, func(w io.Writer) error { return WriteClaimsCSV(w, rep) }},
		{MarkdownFile, func(w io.Writer) error { return WriteMarkdown(w, rep) }},
		{HTMLFile, func(w io.Writer) error { return WriteHTML(w, rep) }},
	}
	for _, s := range steps {
		if err := write(s.name, s.fill); err != nil {
			return written, fmt.Errorf("report: %w", err)
		}
	}
	return written, nil
}
