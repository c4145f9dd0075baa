package report

import (
	"errors"
	"github.com/replicate-emd/replicate/datasets"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultPublished(t *testing.T) {
	p, err := DefaultPublished()
	if err != nil {
		t.Fatal(err)
	}
	// PAPER.md §5: four Images of Groups rows, secondary; nothing else known.
	known, empty := p.Counts()
	if known != 8 {
		t.Errorf("known values %d, want 8 (4 Images of Groups rows × exact, 1-off)", known)
	}
	// Empty slots: IoG 4 unknown rows × 2, Adience 5 × 2, AADB 5 × 1, ImageNet 3 × 2.
	if empty != 8+10+5+6 {
		t.Errorf("empty slots %d, want 29", empty)
	}
	iog := p.Table("imageofgroups")
	hou := iog.Row("emd2")
	if hou == nil || hou.Provenance != ProvenanceSecondary || hou.Source != "iog-benchmark" {
		t.Fatalf("Hou et al. row: %+v", hou)
	}
	if v := hou.Values["acc"]; !v.Set || v.Value != 0.65 || v.Text != "65.0%" {
		t.Errorf("Hou et al. exact: %+v, want 0.65 from 65.0%%", v)
	}
	if v := hou.Values["acc1off"]; v.Value != 0.961 {
		t.Errorf("Hou et al. 1-off: %v, want 0.961", v.Value)
	}
	for _, tt := range []struct {
		experiment string
		task       datasets.Task
		losses     []string
	}{
		{"adience", datasets.TaskOrdinal, []string{"ce", "l2", "emd2", "xe-emd1", "xe-emd2"}},
		{"aadb", datasets.TaskScored, []string{"ce", "l2", "emd2", "xe-emd1", "xe-emd2"}},
		{"imagenet", datasets.TaskOrderless, []string{"ce", "xe-emd1", "xe-emd2"}},
	} {
		tb := p.Table(tt.experiment)
		if tb == nil || tb.Task != tt.task {
			t.Fatalf("%s: table %+v", tt.experiment, tb)
		}
		for _, l := range tt.losses {
			r := tb.Row(l)
			if r == nil || r.Provenance != ProvenanceUnknown || r.Line == 0 {
				t.Errorf("%s/%s: row %+v, want an unknown slot with its line", tt.experiment, l, r)
			}
		}
	}
}

// TestParsePublished_FilledCopy follows the README: a copy with a slot
// filled in parses, and the report would compare with it.
func TestParsePublished_FilledCopy(t *testing.T) {
	text := string(publishedYAML)
	at := strings.Index(text, "- experiment: adience")
	text = text[:at] + strings.Replace(text[at:], "loss: ce\n        status: unknown\n        values: {acc: , acc1off: }",
		"loss: ce\n        status: verified\n        source: hou-arxiv\n        values: {acc: 51.2%, acc1off: 0.873}", 1)
	text = strings.Replace(text, "XE-EMD2\n        loss: xe-emd2\n        status: unknown\n        values: {spearman: }",
		"XE-EMD2\n        loss: xe-emd2\n        status: verified\n        source: hou-arxiv\n        values: {spearman: 0.66}", 1)
	path := filepath.Join(t.TempDir(), "mine.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := LoadPublished(path)
	if err != nil {
		t.Fatal(err)
	}
	if v := p.Table("adience").Row("ce").Values["acc"]; v.Value != 0.512 {
		t.Errorf("adience ce exact %v, want 0.512", v.Value)
	}
	if v := p.Table("aadb").Row("xe-emd2").Values["spearman"]; v.Value != 0.66 {
		t.Errorf("aadb xe-emd2 spearman %v, want 0.66", v.Value)
	}
	if known, _ := p.Counts(); known != 11 {
		t.Errorf("known %d, want 11", known)
	}
}

func TestParsePublished_Errors(t *testing.T) {
	const head = "sources:\n  - id: s\n    title: a source\ntables:\n  - experiment: adience\n    dataset: Adience\n    task: ordinal\n    metrics: [acc, acc1off]\n    rows:\n"
	row := func(lines ...string) string { return head + "      - " + strings.Join(lines, "\n        ") + "\n" }
	tests := []struct {
		name, text, want string
	}{
		{"Empty", "", "test.yaml: empty file"},
		{"UnknownTopKey", "tabels: []\n", "test.yaml:1: field tabels not found"},
		{"UnknownRowKey", row("method: CE", "loss: ce", "status: unknown", "valeus: {}"), "test.yaml:13: field valeus not found"},
		{"BadNumber", row("method: CE", "loss: ce", "status: verified", "source: s", "values: {acc: abc}"), `test.yaml:14: "abc" is not a number or a percentage`},
		{"NotAScalar", row("method: CE", "loss: ce", "status: verified", "source: s", "values: {acc: [1]}"), "test.yaml:14: want a number"},
		{"OutOfRange", row("method: CE", "loss: ce", "status: verified", "source: s", "values: {acc: 65.0}"),
			"test.yaml:14: tables[0].rows[0].values.acc: 65.0 is outside [0, 1] (accuracies are fractions: write 65.0% or 0.650)"},
		{"UnknownLoss", row("method: CE", "loss: softmax", "status: unknown"), `test.yaml:10: tables[0].rows[0].loss: unknown loss "softmax"`},
		{"UnknownStatus", row("method: CE", "loss: ce", "status: maybe"), `test.yaml:10: tables[0].rows[0].status: unknown status "maybe"`},
		{"UnknownWithValues", row("method: CE", "loss: ce", "status: unknown", "values: {acc: 50%}"),
			"test.yaml:10: tables[0].rows[0].status: unknown, but values are given"},
		{"VerifiedWithoutValues", row("method: CE", "loss: ce", "status: verified", "source: s", "values: {acc: }"),
			"test.yaml:10: tables[0].rows[0].values: status verified, but no value is given"},
		{"VerifiedWithoutSource", row("method: CE", "loss: ce", "status: verified", "values: {acc: 50%}"),
			"test.yaml:10: tables[0].rows[0].source: missing"},
		{"UndeclaredSource", row("method: CE", "loss: ce", "status: verified", "source: nope", "values: {acc: 50%}"),
			`test.yaml:10: tables[0].rows[0].source: no source with id "nope"`},
		{"MetricNotInTable", row("method: CE", "loss: ce", "status: verified", "source: s", "values: {spearman: 0.5}"),
			`test.yaml:14: tables[0].rows[0].values.spearman: metric "spearman" is not one of the table's metrics`},
		{"DuplicateLoss", row("method: CE", "loss: ce", "status: unknown") + "      - method: CE again\n        loss: ce\n        status: unknown\n",
			`test.yaml:13: tables[0].rows[1].loss: loss "ce" already has a row in this table`},
		{"MissingMethod", row("loss: ce", "status: unknown"), "test.yaml:10: tables[0].rows[0].method: missing"},
		{"UnknownTask", strings.Replace(head, "task: ordinal", "task: ranking", 1), `test.yaml:5: tables[0].task: unknown task "ranking"`},
		{"UnknownMetric", strings.Replace(head, "[acc, acc1off]", "[acc, accuracy]", 1), `test.yaml:5: tables[0].metrics[1]: unknown metric "accuracy"`},
		{"DuplicateExperiment", head + "  - experiment: adience\n    task: ordinal\n    metrics: [acc]\n",
			`test.yaml:10: tables[1].experiment: experiment "adience" already has a table`},
		{"DuplicateSource", "sources:\n  - id: s\n    title: a\n  - id: s\n    title: b\n", `test.yaml:4: sources[1].id: duplicate id "s"`},
		{"TwoDocuments", head + "---\ntables: []\n", "test.yaml:10: more than one YAML document"},
		{"Syntax", "tables: [\n", "test.yaml:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePublished(strings.NewReader(tt.text), "test.yaml")
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !errors.Is(err, ErrInvalidPublished) {
				t.Errorf("error %v does not wrap ErrInvalidPublished", err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %q, want it to start with %q", err, tt.want)
			}
		})
	}
}

func TestLoadPublished_Missing(t *testing.T) {
	_, err := LoadPublished(filepath.Join(t.TempDir(), "none.yaml"))
	if err == nil || !strings.Contains(err.Error(), "none.yaml") {
		t.Errorf("got %v, want an error naming the file", err)
	}
}

// TestVerdictPublished: the comparison with a published number is an
// equivalence test, not "inside our interval".
func TestVerdictPublished(t *testing.T) {
	cell := func(vs ...float64) *Cell {
		c := &Cell{values: map[unit]float64{}}
		for i, v := range vs {
			c.values[unit{Fold: i, Seed: 1}] = v
		}
		c.N = len(vs)
		return c
	}
	pub := &Number{Value: 0.60, Set: true}
	tests := []struct {
		name    string
		c       *Cell
		profile string
		pub     *Number
		want    Verdict
	}{
		{"Close", cell(0.601, 0.598, 0.603, 0.597, 0.600), paperProfile, pub, VerdictReproduced},
		{"Far", cell(0.651, 0.648, 0.653, 0.647, 0.650), paperProfile, pub, VerdictNotReproduced},
		// Near on average but too spread to show either.
		{"Wide", cell(0.50, 0.70, 0.60, 0.55, 0.65), paperProfile, pub, VerdictUndecided},
		{"TooFew", cell(0.60, 0.60), paperProfile, pub, VerdictTooFew},
		{"OtherProfile", cell(0.601, 0.598, 0.603), "cpu", pub, notComparable("cpu")},
		{"Unknown", cell(0.601, 0.598, 0.603), paperProfile, &Number{}, VerdictNoPublished},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := verdict(tt.c, tt.profile, tt.pub, 0.02, 0.25); got != tt.want {
				t.Errorf("got %q (TOST p %v), want %q", got, tt.c.PEquivalence, tt.want)
			}
		})
	}
}
