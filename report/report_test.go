package report

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/results"
)

func buildKnown(t *testing.T, opt Options) *Report {
	t.Helper()
	if opt.Published == nil {
		opt.Published = mustPublished(t, testPublished)
	}
	rep, err := Build(t.Context(), knownDB(t), opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func experiment(t *testing.T, rep *Report, name string) *Experiment {
	t.Helper()
	for _, e := range rep.Experiments {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("no experiment %q in the report", name)
	return nil
}

func headline(t *testing.T, e *Experiment, profile, loss string) *Row {
	t.Helper()
	for _, r := range e.Headline {
		if r.Profile == profile && r.Loss == loss {
			return r
		}
	}
	t.Fatalf("%s: no headline row %s/%s", e.Name, profile, loss)
	return nil
}

func TestBuild_KnownCells(t *testing.T) {
	rep := buildKnown(t, Options{NoFigures: true})
	e := experiment(t, rep, "adience")
	if diff := cmp.Diff([]string{"acc", "acc1off", "mae"}, e.Columns); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	emd := headline(t, e, "paper", "emd2")
	c := emd.Cells["acc"]
	// Independent values: metrics/testdata/reference_t.py (pure Python,
	// A&S 26.7.4 series for the t CDF) on acc 0.55 0.72 0.68 against ce
	// 0.50 0.70 0.60: mean 0.65, sd 0.088881944173155855, t_{0.975,2}
	// 4.3026527297494592; differences 0.05 0.02 0.08, mean 0.05, sd 0.03,
	// t 2.8867513459481287, two-sided p 0.10197348986612553 (closed form
	// for 2 df: 1 − t/√(2 + t²) = 0.1019734898661254).
	checks := []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"mean", c.Mean, 0.65, statTol},
		{"std", c.Std, 0.088881944173155855, statTol},
		{"lo", c.Interval.Lo, 0.4292050105857762, 1e-9},
		{"hi", c.Interval.Hi, 0.87079498941422384, 1e-9},
		{"diff to ce", c.VsCE.Test.MeanDiff, 0.05, statTol},
		{"t", c.VsCE.Test.T, 2.8867513459481287, 1e-9},
		{"p", c.VsCE.Test.P, 0.10197348986612553, pTol},
		{"published", c.Published.Value, 0.60, statTol},
		{"diff to published", c.DiffPublished, 0.05, statTol},
	}
	for _, k := range checks {
		if !near(k.got, k.want, k.tol) {
			t.Errorf("emd2 acc %s: got %.17g, want %.17g", k.name, k.got, k.want)
		}
	}
	// The published 0.60 lies inside the wide interval [0.43, 0.87], which
	// shows nothing: three values this spread can neither put the mean
	// within the margin 0.05 of it nor away from it.
	if c.N != 3 || c.VsCE.Test.N != 3 || c.Verdict != VerdictUndecided {
		t.Errorf("emd2 acc: n %d, pairs %d, verdict %q; want 3, 3, inconclusive", c.N, c.VsCE.Test.N, c.Verdict)
	}
	// acc1off 0.86 0.93 0.88 against 0.99: Δ −0.10, but the corrected test
	// over 3 folds (ratio 1/2) gives p ≈ 0.09.
	if v := emd.Cells["acc1off"].Verdict; v != VerdictUndecided {
		t.Errorf("emd2 acc1off verdict %q, want inconclusive", v)
	}
	ce := headline(t, e, "paper", "ce")
	if m := ce.Cells["mae"]; m.N != 2 || m.Mean != 0.75 || ce.Runs != 3 {
		t.Errorf("ce mae: n %d of %d runs, mean %v; want 2 of 3, 0.75 (the NaN is left out)", m.N, ce.Runs, m.Mean)
	}
	if v := ce.Cells["acc"].Verdict; v != VerdictNoPublished || ce.Cells["acc"].VsCE != nil {
		t.Errorf("ce acc: verdict %q, vs CE %v; want no published number and no test", v, ce.Cells["acc"].VsCE)
	}
	// emd2's mae pairs only on folds 0 and 1 (ce's fold 2 is NaN).
	if p := emd.Cells["mae"].VsCE.Test; p.N != 2 || !near(p.MeanDiff, (0.6-1+0.4-0.5)/2, statTol) {
		t.Errorf("emd2 mae vs ce: %d pairs, mean diff %v; want 2, -0.25", p.N, p.MeanDiff)
	}
	cpu := headline(t, e, "cpu", "emd2")
	if v := cpu.Cells["acc"].Verdict; v != "not comparable (profile cpu)" {
		t.Errorf("cpu emd2 verdict %q, want not comparable", v)
	}
	if cpu.Cells["acc"].N != 1 || !math.IsNaN(cpu.Cells["acc"].Std) || !math.IsNaN(cpu.Cells["acc"].Interval.Lo) {
		t.Errorf("n=1 cell: %+v, want std and interval NaN", cpu.Cells["acc"])
	}
}

func TestBuild_SelectionByValidation(t *testing.T) {
	rep := buildKnown(t, Options{NoFigures: true})
	e := experiment(t, rep, "grid")
	if e.Task != datasets.TaskOrdinal || !e.TaskFromRuns || !e.ShowSetting || !e.MultiSetting {
		t.Errorf("grid: task %q from runs %v, show setting %v, multi %v", e.Task, e.TaskFromRuns, e.ShowSetting, e.MultiSetting)
	}
	var got []string
	for _, r := range e.Headline {
		got = append(got, r.Loss+" "+r.Setting)
	}
	// ce: lr 0.01 has the better validation accuracy (0.455 > 0.405) and
	// the worse test accuracy; emd2 has no validation metrics: no pick.
	if diff := cmp.Diff([]string{"ce lr=0.01", "xe-emd1 lr=0.01"}, got); diff != "" {
		t.Errorf("headline rows (-want +got):\n%s", diff)
	}
	if len(e.Rows) != 5 {
		t.Errorf("all-settings rows %d, want 5", len(e.Rows))
	}
	var reasons []string
	for _, c := range e.Choices {
		reasons = append(reasons, c.Loss+": "+c.Reason)
	}
	want := []string{
		"ce: 2 settings: picked lr=0.01, highest mean validation acc 0.4550 over 2 run(s)",
		"emd2: 2 settings and no validation acc recorded: no headline row (every setting is in the all-settings table)",
		"xe-emd1: one setting: nothing to choose",
	}
	if diff := cmp.Diff(want, reasons); diff != "" {
		t.Errorf("choices (-want +got):\n%s", diff)
	}
}

func TestBuild_Notes(t *testing.T) {
	rep := buildKnown(t, Options{NoFigures: true})
	tests := []struct {
		experiment, note string
	}{
		{"empty", "No finished run yet: nothing to aggregate."},
		{"empty", "1 run(s) not finished (1 failed) are not in the tables."},
		{"digits", "Metric top1 (top-1) was not recorded by any finished run: its column is empty."},
		{"adience", "1 run(s) not finished (1 failed) are not in the tables."},
		{"adience", "Profile cpu does not use the paper's settings: its numbers are never called a reproduction of a published number."},
		{"adience", "Profile cpu has no CE headline row: no difference to CE is tested."},
		{"grid", "No headline row for smoke/emd2: see the all-settings table."},
	}
	for _, tt := range tests {
		e := experiment(t, rep, tt.experiment)
		if !slices.Contains(e.Notes, tt.note) {
			t.Errorf("%s: notes lack %q; got %q", tt.experiment, tt.note, e.Notes)
		}
	}
	if len(rep.Unrun) != 1 || rep.Unrun[0].Experiment != "aadb" {
		t.Errorf("unrun tables %v, want aadb", rep.Unrun)
	}
}

// writeAll writes the known report into a fresh folder and returns it.
func writeAll(t *testing.T) (string, *Report) {
	t.Helper()
	rep := buildKnown(t, Options{})
	dir := t.TempDir()
	if _, err := WriteAll(dir, rep); err != nil {
		t.Fatal(err)
	}
	return dir, rep
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWriteAll_Golden(t *testing.T) {
	dir, rep := writeAll(t)
	md := string(readFile(t, filepath.Join(dir, MarkdownFile)))
	// Invariants first: every experiment has its section, the published
	// values and verdicts are where they belong, data strings are escaped.
	for _, want := range []string{
		"## adience — Adience &lt;test>",
		"| paper | ce | 3 | 0.6000 ± 0.1000 | 0.8500 ± 0.0500 | 0.7500 ± 0.3536 |",
		"| paper | emd2 | exact | 3 | 0.6500 ± 0.0889 | [0.4292, 0.8708] | +0.0500 | 0.102 (3 pairs) | 0.6000 (verified) | +0.0500 | inconclusive |",
		"| paper | emd2 | 1-off | 3 | 0.8900 ± 0.0361 | [0.8004, 0.9796] | +0.0400 | ",
		"| cpu | emd2 | exact | 1 | 0.6100 (n=1) | — | — | — | 0.6000 (verified) | +0.0100 | not comparable (profile cpu) |",
		"| Other & &lt;b>bold&lt;/b> |",
		"## grid — synthetic",
		"| smoke | ce | 2 | lr=0.1 | 0.4050 ± 0.0071 |",
		"## empty — synthetic",
		"## digits — synthetic",
		"## Published tables without runs",
		"](figures/grid-smoke-curves-val-acc.png)",
		"The headline table as CSV: [tables/adience.csv](tables/adience.csv).",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	csvText := string(readFile(t, filepath.Join(dir, CSVFile)))
	for _, want := range []string{
		"adience,ordinal,paper,emd2,,3,true,acc,3,0.650000,0.088882,0.950000,0.429205,0.870795,0.050000,0.101973,0.25,3,acc,,,0.600000,verified,paper,0.050000,0.5,inconclusive",
		"grid,ordinal,smoke,emd2,lr=0.1,2,false,acc,2,",
	} {
		if !strings.Contains(csvText, want) {
			t.Errorf("report.csv lacks %q", want)
		}
	}
	golden(t, "known.md", []byte(md))
	golden(t, "known.csv", []byte(csvText))
	golden(t, "known.html", readFile(t, filepath.Join(dir, HTMLFile)))
	golden(t, "known-adience.csv", readFile(t, filepath.Join(dir, experiment(t, rep, "adience").CSV)))
}

func TestWriteAll_Deterministic(t *testing.T) {
	dir1, _ := writeAll(t)
	dir2, _ := writeAll(t)
	files := func(dir string) map[string][]byte {
		out := map[string][]byte{}
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			out[rel], err = os.ReadFile(p)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b := files(dir1), files(dir2)
	if diff := cmp.Diff(sortedKeys(a), sortedKeys(b)); diff != "" {
		t.Fatalf("file lists differ (-first +second):\n%s", diff)
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs between two reports of the same database", name)
		}
		if strings.HasPrefix(filepath.Base(name), ".") {
			t.Errorf("temporary file %s left behind", name)
		}
	}
	for _, want := range []string{
		"figures/grid-smoke-curves-val-acc.png", "figures/grid-smoke-curves-test-acc.svg",
		"figures/adience-paper-curves-test-acc.png",
		"figures/grid-smoke-xe-emd1-lr-0.01-ground-distance-epoch-003.png",
		"figures/grid-smoke-xe-emd1-lr-0.01-ground-distance-epoch-005.svg",
		"figures/grid-smoke-xe-emd1-lr-0.01-confusion.png",
		"tables/adience.csv", "tables/grid.csv", "report.md", "report.csv", "index.html",
	} {
		data, ok := a[filepath.FromSlash(want)]
		switch {
		case !ok:
			t.Errorf("%s was not written; files: %v", want, sortedKeys(a))
		case strings.HasSuffix(want, ".png"):
			if _, err := png.Decode(bytes.NewReader(data)); err != nil {
				t.Errorf("%s: %v", want, err)
			}
		case strings.HasSuffix(want, ".svg"):
			if err := wellFormedXML(data); err != nil {
				t.Errorf("%s: %v", want, err)
			}
		}
	}
}

func wellFormedXML(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func TestWriteHTML_ParsesAndHoldsEveryTable(t *testing.T) {
	rep := buildKnown(t, Options{})
	var b bytes.Buffer
	if err := WriteHTML(&b, rep); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]int{} // id → data rows
	var elements []string
	var imgs []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			elements = append(elements, n.Data)
			switch n.Data {
			case "table":
				tables[attr(n, "id")] = countRows(n)
			case "img":
				imgs = append(imgs, attr(n, "src"))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	v := newReportView(rep)
	want := map[string]int{}
	if len(v.Claims.Rows) > 0 {
		want[v.Claims.ID] = len(v.Claims.Rows)
	}
	for _, e := range v.Experiments {
		for _, tb := range e.Tables {
			if len(tb.Rows) > 0 {
				want[tb.ID] = len(tb.Rows)
			}
		}
	}
	if diff := cmp.Diff(want, tables); diff != "" {
		t.Errorf("tables of the page (-markdown view +html):\n%s", diff)
	}
	if len(want) < 6 {
		t.Errorf("only %d tables: the fixture should give at least 6", len(want))
	}
	// Data strings "Adience <test>" and "Other & <b>bold</b>" are text.
	for _, el := range []string{"test", "b"} {
		if slices.Contains(elements, el) {
			t.Errorf("a data string became a <%s> element", el)
		}
	}
	if !strings.Contains(b.String(), "Other &amp; &lt;b&gt;bold&lt;/b&gt;") {
		t.Error("the reference method's name is not escaped")
	}
	for _, src := range imgs {
		if !strings.HasPrefix(src, "figures/") || !strings.HasSuffix(src, ".png") {
			t.Errorf("image %q is not a relative figures/….png link", src)
		}
	}
	if len(imgs) == 0 {
		t.Error("the page shows no figure")
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// countRows counts the rows of a table's tbody.
func countRows(n *html.Node) int {
	rows := 0
	var walk func(n *html.Node, inBody bool)
	walk = func(n *html.Node, inBody bool) {
		if n.Type == html.ElementNode && n.Data == "tr" && inBody {
			rows++
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inBody || (n.Type == html.ElementNode && n.Data == "tbody"))
		}
	}
	walk(n, false)
	return rows
}

func TestWriteMarkdown_EmptyDatabase(t *testing.T) {
	rep, err := Build(t.Context(), newFixture(t).db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"holds no runs yet",
		"Published numbers: published.yaml (embedded), 8 known value(s), ",
		"- imageofgroups (Images of Groups): no run in the database;",
		"- adience (Adience): no run in the database; the published table has 5 row(s), 0 known value(s), 10 empty slot(s).",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("empty report lacks %q:\n%s", want, b.String())
		}
	}
	var h bytes.Buffer
	if err := WriteHTML(&h, rep); err != nil {
		t.Fatal(err)
	}
	if _, err := html.Parse(&h); err != nil {
		t.Fatal(err)
	}
}

func TestFileStem(t *testing.T) {
	tests := []struct{ in, want string }{
		{"grid-smoke-ce+emd2-lr=0.01, epochs=3", "grid-smoke-ce-emd2-lr-0.01-epochs-3"},
		{"../../etc/passwd", "etc-passwd"},
		{"", "figure"},
		{"ÄÖ", "figure"},
	}
	for _, tt := range tests {
		if got := fileStem(tt.in); got != tt.want {
			t.Errorf("fileStem(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBuild_MalformedArtifacts(t *testing.T) {
	f := newFixture(t)
	for fold, data := range []string{`{"classes":2,"counts":[[1,0]]}`, `not json`, `{"classes":3,"counts":[[1,0,0],[0,1,0],[0,0,1]]}`} {
		f.add(spec{experiment: "x", profile: "smoke", loss: "ce", fold: fold,
			metrics:   final("test", "acc", 0.5, "acc1off", 0.9),
			artifacts: []results.Artifact{{Name: "confusion/test", Kind: "confusion", Epoch: 2, Data: []byte(data)}}})
	}
	rep, err := Build(t.Context(), f.db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := experiment(t, rep, "x")
	for _, want := range []string{
		"Artifact confusion/test of run x-smoke-ce-0-0-1 is malformed (want 2×2 values, got 1 rows): not drawn.",
		"Artifact confusion/test of run x-smoke-ce-0-1-1 is malformed (invalid character 'o' in literal null (expecting 'u')): not drawn.",
	} {
		if !slices.Contains(e.Notes, want) {
			t.Errorf("notes lack %q; got %q", want, e.Notes)
		}
	}
	var kinds []string
	for _, fig := range e.Figures {
		kinds = append(kinds, fig.Kind)
	}
	if diff := cmp.Diff([]string{FigureCurves, FigureConfusion}, kinds); diff != "" {
		t.Errorf("figures (-want +got):\n%s", diff)
	}
	if err := WriteFigures(t.TempDir(), rep); err != nil {
		t.Fatal(err)
	}
}

func TestDrawHeat_Sizes(t *testing.T) {
	for _, n := range []int{1, 5, 20, 60} {
		m := make([][]float64, n)
		for i := range m {
			m[i] = make([]float64, n)
			for j := range m[i] {
				m[i][j] = float64(i*n + j)
			}
		}
		for _, ext := range FigureFormats {
			c, err := draw.NewFormattedCanvas(10*vg.Centimeter, 10*vg.Centimeter, ext)
			if err != nil {
				t.Fatal(err)
			}
			cm := sharesMap()
			cm.SetMax(float64(n * n))
			h := heat{title: "t", xlabel: "x", ylabel: "y", m: m, cm: cm, format: "%.0f", scale: "count"}
			if err := drawHeat(draw.New(c), h); err != nil {
				t.Errorf("%d classes, %s: %v", n, ext, err)
			}
			var b bytes.Buffer
			if _, err := c.WriteTo(&b); err != nil || b.Len() == 0 {
				t.Errorf("%d classes, %s: %d bytes, %v", n, ext, b.Len(), err)
			}
		}
	}
}
