package report

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/replicate-emd/replicate/results"
)

const cellTol = 1e-12

// knownDB builds a database with hand-chosen final metrics:
//
//	ce:   acc 0.50, 0.70 (folds 0, 1) → mean 0.60, std √0.02 = 0.141421…
//	emd2: acc 0.40, 0.60, 0.80        → mean 0.60, std 0.2
//	emd2 fold 3 failed: not aggregated; an earlier epoch's value is ignored.
func knownDB(t *testing.T) *results.DB {
	t.Helper()
	ctx := context.Background()
	db, err := results.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	add := func(key, loss string, fold int, status string, acc, mae float64) {
		t.Helper()
		r := results.Run{Key: key, Experiment: "exp", Dataset: "synthetic", Loss: loss, Fold: fold, Profile: "smoke", Config: "{}", Owner: "t"}
		if _, err := db.StartRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		ms := []results.Metric{
			{Epoch: 0, Split: "test", Metric: "acc", Value: 0.01}, // superseded by epoch 1
			{Epoch: 1, Split: "test", Metric: "acc", Value: acc},
			{Epoch: 1, Split: "test", Metric: "mae", Value: mae},
			{Epoch: 1, Split: "train", Metric: "acc", Value: 0.99},
		}
		if err := db.AppendMetrics(ctx, key, "t", ms); err != nil {
			t.Fatal(err)
		}
		if err := db.FinishRun(ctx, key, "t", status, ""); err != nil {
			t.Fatal(err)
		}
	}
	add("a", "ce", 0, results.StatusFinished, 0.5, 1)
	add("b", "ce", 1, results.StatusFinished, 0.7, math.NaN())
	add("c", "emd2", 0, results.StatusFinished, 0.4, 0.5)
	add("d", "emd2", 1, results.StatusFinished, 0.6, 0.5)
	add("e", "emd2", 2, results.StatusFinished, 0.8, 0.5)
	add("f", "emd2", 3, results.StatusFailed, 0.0, 9)
	return db
}

func near(a, b float64) bool { return math.Abs(a-b) <= cellTol }

func TestBuild_KnownRows(t *testing.T) {
	tables, err := Build(t.Context(), knownDB(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 || len(tables[0].Rows) != 2 {
		t.Fatalf("got %+v, want one table with two rows", tables)
	}
	tb := tables[0]
	if tb.Unfinished != 1 {
		t.Errorf("unfinished %d, want 1", tb.Unfinished)
	}
	ce, emd := tb.Rows[0], tb.Rows[1]
	if ce.Loss != "ce" || emd.Loss != "emd2" || ce.Runs != 2 || emd.Runs != 3 {
		t.Fatalf("rows %+v", tb.Rows)
	}
	checks := []struct {
		name      string
		got       Cell
		mean, std float64
		n         int
	}{
		{"ce acc", ce.Cells["acc"], 0.6, math.Sqrt(0.02), 2},
		{"emd2 acc", emd.Cells["acc"], 0.6, 0.2, 3},
		{"emd2 mae", emd.Cells["mae"], 0.5, 0, 3},
	}
	for _, c := range checks {
		if !near(c.got.Mean, c.mean) || !near(c.got.Std, c.std) || c.got.N != c.n {
			t.Errorf("%s: got %+v, want mean %v std %v n %d", c.name, c.got, c.mean, c.std, c.n)
		}
	}
	// ce's mae: one finite value (the NaN is not averaged): no spread.
	if m := ce.Cells["mae"]; m.N != 1 || m.Mean != 1 || !math.IsNaN(m.Std) {
		t.Errorf("ce mae: got %+v, want mean 1, n 1, std NaN", m)
	}
}

func TestWrite_KnownRows(t *testing.T) {
	tables, err := Build(t.Context(), knownDB(t))
	if err != nil {
		t.Fatal(err)
	}
	var md, csv bytes.Buffer
	if err := WriteMarkdown(&md, tables); err != nil {
		t.Fatal(err)
	}
	if err := WriteCSV(&csv, tables); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| smoke | ce | 2 | 0.6000 ± 0.1414 | — | 1.0000 (n=1) |",
		"| smoke | emd2 | 3 | 0.6000 ± 0.2000 | — | 0.5000 ± 0.0000 |",
		"1 run(s) not finished",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	wantCSV := "experiment,profile,loss,runs,metric,mean,std,n\n" +
		"exp,smoke,ce,2,acc,0.600000,0.141421,2\n" +
		"exp,smoke,ce,2,mae,1.000000,,1\n" +
		"exp,smoke,emd2,3,acc,0.600000,0.200000,3\n" +
		"exp,smoke,emd2,3,mae,0.500000,0.000000,3\n"
	if csv.String() != wantCSV {
		t.Errorf("csv:\n%s\nwant:\n%s", csv.String(), wantCSV)
	}
	// The same database gives byte-identical output.
	var md2 bytes.Buffer
	tables2, _ := Build(t.Context(), knownDB(t))
	WriteMarkdown(&md2, tables2)
	if md2.String() != md.String() {
		t.Error("two reports of the same rows differ")
	}
}

func TestWriteMarkdown_Empty(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "holds no runs yet") {
		t.Errorf("empty report lacks its note:\n%s", b.String())
	}
}
