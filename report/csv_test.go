package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The user-derived names of the formula-injection fixture.
const (
	injectExperiment = `=HYPERLINK("http://x","y")`
	injectProfile    = "+1"
	injectLoss       = "@SUM(A1)"
	injectDataset    = "-2+3"
	injectSource     = "-src"
)

// formulaStart reports whether a spreadsheet would read cell as a formula.
func formulaStart(cell string) bool {
	return cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0]))
}

// readCSV parses a CSV file and returns its header and records.
func readCSV(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(readFile(t, path))).ReadAll()
	if err != nil {
		t.Fatalf("%s does not parse back: %v", path, err)
	}
	if len(recs) < 2 {
		t.Fatalf("%s has %d lines, want a header and rows", path, len(recs))
	}
	return recs[0], recs[1:]
}

// TestWriteCSV_FormulaInjection writes the report of a database whose
// experiment, profile, loss, dataset and published source are spreadsheet
// formulas: in report.csv and tables/*.csv every text cell holding one
// starts with a single quote, every file parses back, and the numbers,
// negative ones included, are written unchanged.
func TestWriteCSV_FormulaInjection(t *testing.T) {
	f := newFixture(t)
	acc := map[string][]float64{"ce": {-0.25, -0.35}, injectLoss: {-0.5, -0.3}}
	for _, loss := range []string{"ce", injectLoss} {
		for fold := range 2 {
			f.add(spec{experiment: injectExperiment, profile: injectProfile, loss: loss, dataset: injectDataset, fold: fold, lr: 0.01,
				metrics: final("test", "acc", acc[loss][fold])})
		}
	}
	pub := mustPublished(t, fmt.Sprintf(`sources:
  - id: %q
    title: a source
tables:
  - experiment: %q
    dataset: %q
    task: ordinal
    metrics: [acc]
    margin: 0.02
    rows:
      - method: X
        loss: %q
        status: verified
        source: %q
        values: {acc: 0.5}
`, injectSource, injectExperiment, injectDataset, "ce", injectSource))
	rep, err := Build(t.Context(), f.db, Options{Published: pub})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := WriteAll(dir, rep); err != nil {
		t.Fatal(err)
	}

	// report.csv: the text columns by name; the rest are numbers.
	text := []string{"experiment", "task", "profile", "loss", "setting", "headline", "metric", "val_metric",
		"published_status", "published_source", "verdict"}
	head, rows := readCSV(t, filepath.Join(dir, CSVFile))
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for _, r := range rows {
		checkCells(t, CSVFile, head, r, func(h string) bool { return slices.Contains(text, h) })
		if got, want := r[col["experiment"]], "'"+injectExperiment; got != want {
			t.Errorf("%s: experiment %q, want %q", CSVFile, got, want)
		}
		if got, want := r[col["profile"]], "'"+injectProfile; got != want {
			t.Errorf("%s: profile %q, want %q", CSVFile, got, want)
		}
		if loss := r[col["loss"]]; loss != "ce" && loss != "'"+injectLoss {
			t.Errorf("%s: loss %q, want ce or %q", CSVFile, loss, "'"+injectLoss)
		}
		// The loss's acc is −0.5 and −0.3 (mean −0.4), CE's −0.25 and
		// −0.35 (mean −0.3), and the published CE value 0.5.
		want := map[string]string{"mean": "-0.400000", "diff_ce": "-0.100000"}
		if r[col["loss"]] == "ce" {
			want = map[string]string{"mean": "-0.300000", "published": "0.500000", "diff_published": "-0.800000",
				"published_source": "'" + injectSource}
		}
		if r[col["headline"]] != "true" || r[col["metric"]] != "acc" {
			continue
		}
		for name, w := range want {
			if got := r[col[name]]; got != w {
				t.Errorf("%s: %s row: %s %q, want %q", CSVFile, r[col["loss"]], name, got, w)
			}
		}
	}

	// tables/<experiment>.csv: the text columns are profile, loss,
	// setting and the verdicts.
	e := experiment(t, rep, injectExperiment)
	if e.CSV == "" {
		t.Fatal("no headline table")
	}
	head, rows = readCSV(t, filepath.Join(dir, filepath.FromSlash(e.CSV)))
	for _, r := range rows {
		checkCells(t, e.CSV, head, r, func(h string) bool {
			return h == "profile" || h == "loss" || h == "setting" || strings.HasSuffix(h, "_verdict")
		})
		if r[0] != "'"+injectProfile || (r[1] != "ce" && r[1] != "'"+injectLoss) {
			t.Errorf("%s: row starts %q, %q", e.CSV, r[0], r[1])
		}
		if r[1] == "'"+injectLoss && r[4] != "-0.400000" { // acc_mean
			t.Errorf("%s: acc_mean %q, want -0.400000", e.CSV, r[4])
		}
	}
}

// checkCells checks one parsed CSV record: no cell reads as a formula
// unless it is a number in a numeric column, and numeric columns hold
// numbers or nothing.
func checkCells(t *testing.T, file string, head, rec []string, isText func(string) bool) {
	t.Helper()
	for i, cell := range rec {
		if isText(head[i]) {
			if formulaStart(cell) {
				t.Errorf("%s: %s cell %q reads as a formula", file, head[i], cell)
			}
			continue
		}
		if _, err := strconv.ParseFloat(cell, 64); cell != "" && (err != nil || strings.HasPrefix(cell, "'")) {
			t.Errorf("%s: %s cell %q is not a number", file, head[i], cell)
		}
	}
}

func TestCSVText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"ce", "ce"},
		{"lr=0.01", "lr=0.01"},
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"'quoted", "'quoted"},
		{" =1", " =1"}, // a leading space is not a formula
	}
	for _, tt := range tests {
		if got := csvText(tt.in); got != tt.want {
			t.Errorf("csvText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
