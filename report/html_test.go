package report

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
	"gonum.org/v1/plot/plotter"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/results"
)

// page is a parsed index.html.
type page struct {
	doc *html.Node
	ids map[string]int // id → elements holding it
}

func parsePage(t *testing.T, path string) page {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(readFile(t, path)))
	if err != nil {
		t.Fatal(err)
	}
	p := page{doc: doc, ids: map[string]int{}}
	p.each(func(n *html.Node) {
		if id := attr(n, "id"); id != "" {
			p.ids[id]++
		}
	})
	return p
}

// each calls fn on every element, in document order.
func (p page) each(fn func(n *html.Node)) {
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			fn(n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(p.doc)
}

// find returns the elements named tag inside n for which ok holds.
func find(n *html.Node, tag string, ok func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag && (ok == nil || ok(n)) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func hasClass(n *html.Node, class string) bool {
	return slices.Contains(strings.Fields(attr(n, "class")), class)
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func TestWriteAll_Page(t *testing.T) {
	dir, rep := writeAll(t)
	p := parsePage(t, filepath.Join(dir, HTMLFile))

	viewport := find(p.doc, "meta", func(n *html.Node) bool { return attr(n, "name") == "viewport" })
	if len(viewport) != 1 || !strings.Contains(attr(viewport[0], "content"), "width=device-width") {
		t.Errorf("the page has no viewport meta for phones: %v", viewport)
	}
	for id, n := range p.ids {
		if n > 1 {
			t.Errorf("id %q is on %d elements", id, n)
		}
	}

	// Every link inside the page resolves; every file it links exists.
	var internal, files []string
	p.each(func(n *html.Node) {
		for _, ref := range []string{attr(n, "href"), attr(n, "src")} {
			switch {
			case ref == "":
			case strings.HasPrefix(ref, "#"):
				internal = append(internal, ref[1:])
			case strings.Contains(ref, "://"):
				t.Errorf("the page links outside itself: %q", ref)
			default:
				files = append(files, ref)
			}
		}
	})
	for _, id := range internal {
		if p.ids[id] == 0 {
			t.Errorf("link #%s leads nowhere", id)
		}
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			t.Errorf("the page links a missing file: %v", err)
		}
	}

	// The table of contents links the claims, the summary and every
	// experiment's section, in the page's order.
	navs := find(p.doc, "nav", nil)
	if len(navs) != 1 {
		t.Fatalf("%d nav elements, want 1", len(navs))
	}
	var toc []string
	for _, a := range find(navs[0], "a", nil) {
		toc = append(toc, strings.TrimPrefix(attr(a, "href"), "#"))
	}
	var sections []string
	for _, s := range find(p.doc, "section", nil) {
		sections = append(sections, attr(s, "id"))
	}
	if diff := cmp.Diff(sections, toc); diff != "" {
		t.Errorf("the contents do not list the sections (-sections +contents):\n%s", diff)
	}
	if len(sections) < 3+len(rep.Experiments) || sections[0] != idClaims || sections[1] != idSummary {
		t.Errorf("sections %v: want the claims, the summary, the legend, then each experiment", sections)
	}

	// The summary has one line per experiment, linking to its section.
	summary := find(p.doc, "section", func(n *html.Node) bool { return attr(n, "id") == idSummary })
	lines := find(summary[0], "li", nil)
	if len(lines) != len(rep.Experiments) {
		t.Errorf("the summary has %d lines, want one per experiment (%d)", len(lines), len(rep.Experiments))
	}
	for i, li := range lines {
		if !strings.Contains(text(li), "finished") {
			t.Errorf("summary line %d does not count the finished runs: %q", i, text(li))
		}
	}

	// A verdict's colour is never its only cue: each coloured cell has a
	// symbol besides its word, and a key explains both.
	verdicts := find(p.doc, "td", func(n *html.Node) bool { return strings.Contains(attr(n, "class"), "verdict-") })
	if len(verdicts) == 0 {
		t.Fatal("no verdict cell has a colour")
	}
	for _, td := range verdicts {
		marks := find(td, "span", func(n *html.Node) bool { return hasClass(n, "mark") })
		if len(marks) != 1 || strings.TrimSpace(text(marks[0])) == "" {
			t.Errorf("verdict cell %q has no symbol", text(td))
		}
	}
	if keys := find(p.doc, "ul", func(n *html.Node) bool { return hasClass(n, "key") }); len(keys) != 2 {
		t.Errorf("%d verdict keys, want 2 (claims, published numbers)", len(keys))
	}

	// Figures come in groups, side by side; each shows a figure written.
	groups := find(p.doc, "div", func(n *html.Node) bool { return hasClass(n, "figs") })
	if len(groups) == 0 {
		t.Fatal("no figure group")
	}
	figures := 0
	for _, g := range groups {
		fs := find(g, "figure", nil)
		if len(fs) == 0 {
			t.Error("an empty figure group")
		}
		figures += len(fs)
	}
	want := 0
	for _, e := range rep.Experiments {
		want += len(e.Figures)
	}
	if figures != want {
		t.Errorf("the page shows %d figures, the report has %d", figures, want)
	}
}

func TestHTMLTable_VerdictCells(t *testing.T) {
	tb := textTable{Header: []string{"x", "verdict", "why"}, Right: []bool{true, false, false}, Rows: [][]string{
		{"1", "supported", strings.Repeat("a", longCell+1)},
		{"2", "not reproduced", ""},
		{"3", "inconclusive (n < 3)", ""},
		{"4", "not comparable (profile cpu)", ""},
		{"5", "no published number", ""},
	}}
	ht := toHTMLTable(tb)
	want := [][2]string{
		{"verdict-supported", "✓"},
		{"verdict-not-reproduced", "✗"},
		{"verdict-inconclusive", "?"},
		{"", ""},
		{"", ""},
	}
	for i, row := range ht.Rows {
		got := [2]string{row[1].Class, row[1].Mark}
		if got != want[i] {
			t.Errorf("%q: class and symbol %q, want %q", tb.Rows[i][1], got, want[i])
		}
		if row[0].Class != "num short" {
			t.Errorf("row %d: the number cell has class %q", i, row[0].Class)
		}
		if row[2].Class != "long" {
			t.Errorf("row %d: the long text column has class %q", i, row[2].Class)
		}
	}
}

func TestUniqueIDs(t *testing.T) {
	v := reportView{Claims: textTable{ID: "claims-table"}, Experiments: []experimentView{
		{ID: "claims", Tables: []textTable{{ID: "claims-headline"}}},
		{ID: "x", Tables: []textTable{{ID: "x-headline"}}},
		{ID: "x", Tables: []textTable{{ID: "x-headline"}}},
	}}
	uniqueIDs(&v)
	var got []string
	for _, e := range v.Experiments {
		got = append(got, e.ID)
		for _, tb := range e.Tables {
			got = append(got, tb.ID)
		}
	}
	want := []string{"claims-2", "claims-headline", "x", "x-headline", "x-2", "x-headline-2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
}

func TestOverviewText(t *testing.T) {
	e := &Experiment{Profiles: []string{"paper", "cpu"},
		Rows:       []*Row{{Loss: "ce", Runs: 3}, {Loss: "emd2", Runs: 2}, {Loss: "emd2", Runs: 1}},
		Unfinished: []StatusCount{{results.StatusDiverged, 1}, {results.StatusFailed, 2}}}
	want := "9 run(s): 6 finished, 2 failed, 0 interrupted, 1 diverged; profiles: paper, cpu; losses: ce, emd2."
	if got := overviewText(e); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	e = &Experiment{Unfinished: []StatusCount{{results.StatusInterrupted, 4}}}
	if got, want := overviewText(e), "4 run(s): 0 finished, 0 failed, 4 interrupted; no finished run."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestEpochTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		labels []string
	}{
		{-0.3, 1.3, []string{"0", "1"}},
		{-0.5, 0.5, []string{"0"}},
		{2.7, 7.3, []string{"3", "4", "5", "6", "7"}},
		{-0.3, 159.3, []string{"0", "16", "32", "48", "64", "80", "96", "112", "128", "144"}},
	}
	for _, tt := range tests {
		var labels []string
		for _, tk := range epochTicks(tt.lo, tt.hi) {
			if tk.Value != math.Trunc(tk.Value) {
				t.Errorf("[%g, %g]: a tick at %g, not a whole epoch", tt.lo, tt.hi, tk.Value)
			}
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if diff := cmp.Diff(tt.labels, labels); diff != "" {
			t.Errorf("[%g, %g]: labels (-want +got):\n%s", tt.lo, tt.hi, diff)
		}
	}
}

func TestBandPolygon(t *testing.T) {
	cv := curve{mean: plotter.XYs{{X: 0, Y: 0.5}, {X: 1, Y: 0.6}, {X: 2, Y: 0.7}}, sd: []float64{0.1, math.NaN(), 0.2}}
	band := bandPolygon(cv)
	if band == nil {
		t.Fatal("no band")
	}
	want := plotter.XYs{{X: 0, Y: 0.6}, {X: 1, Y: 0.6}, {X: 2, Y: 0.9}, {X: 2, Y: 0.5}, {X: 1, Y: 0.6}, {X: 0, Y: 0.4}}
	if diff := cmp.Diff(want, band.XYs[0], cmp.Comparer(func(a, b float64) bool { return near(a, b, 1e-12) })); diff != "" {
		t.Errorf("band (-want +got):\n%s", diff)
	}
	if band.LineStyle.Width != 0 {
		t.Error("the band has an outline")
	}
	if bandPolygon(curve{mean: cv.mean, sd: []float64{math.NaN(), 0, math.NaN()}}) != nil {
		t.Error("a band without spread")
	}
	if bandPolygon(curve{mean: cv.mean[:1], sd: cv.sd[:1]}) != nil {
		t.Error("a band of one point")
	}
}

func TestRowShares(t *testing.T) {
	got := rowShares([][]float64{{3, 1}, {0, 0}})
	want := [][]float64{{0.75, 0.25}, {0, 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestFigures_ClassNamesAndScale draws the matrices of a dataset whose
// classes the registry names (adience) and of one whose it does not.
func TestFigures_ClassNamesAndScale(t *testing.T) {
	adience, err := datasets.Lookup("adience")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	matrix := func(n int, v func(i, j int) float64) string {
		rows := make([]string, n)
		for i := range n {
			cells := make([]string, n)
			for j := range n {
				cells[j] = fmt.Sprint(v(i, j))
			}
			rows[i] = "[" + strings.Join(cells, ",") + "]"
		}
		return "[" + strings.Join(rows, ",") + "]"
	}
	for _, ds := range []string{"adience", "mnist-rotation"} {
		for fold := range 2 {
			counts := matrix(8, func(i, j int) float64 { return float64(10*(i+1) - 9*min(1, abs(i-j))) })
			d := func(ep int) results.Artifact {
				return results.Artifact{Name: fmt.Sprintf("ground_distance/epoch-%03d", ep), Kind: "matrix", Epoch: ep,
					Data: []byte(fmt.Sprintf(`{"classes":8,"values":%s}`, matrix(8, func(i, j int) float64 {
						if i == j {
							return 1
						}
						return float64(abs(i-j))/8 - 0.5 + float64(ep)/10
					})))}
			}
			f.add(spec{experiment: ds, profile: "smoke", loss: "xe-emd1", dataset: ds, fold: fold,
				metrics: join(final("test", "acc", 0.5, "acc1off", 0.9), epochCurve("val", 0.5)),
				artifacts: []results.Artifact{d(2), d(3), d(4),
					{Name: "confusion/test", Kind: "confusion", Epoch: 4, Data: []byte(`{"classes":8,"counts":` + counts + `}`)}}})
		}
	}
	rep, err := Build(t.Context(), f.db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := WriteFigures(dir, rep); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		experiment string
		names      []string
		note       string
	}{
		{"adience", adience.ClassNames, "class names from the datasets registry (adience)"},
		{"mnist-rotation", []string{"0", "7"}, "classes are numbered 0 to 7: the datasets registry names no classes for mnist-rotation"},
	} {
		e := experiment(t, rep, tt.experiment)
		var kinds []string
		for _, fig := range e.Figures {
			kinds = append(kinds, fig.Kind)
			if fig.Kind == FigureCurves {
				continue
			}
			if !strings.Contains(fig.groupCaption, tt.note) {
				t.Errorf("%s: caption %q does not say %q", fig.Title, fig.groupCaption, tt.note)
			}
			svg := string(readFile(t, filepath.Join(dir, filepath.FromSlash(fig.Path)+".svg")))
			for _, name := range tt.names {
				if !strings.Contains(svg, ">"+html.EscapeString(name)+"<") {
					t.Errorf("%s: no axis label %q", fig.Title, name)
				}
			}
		}
		want := []string{FigureCurves, FigureCurves, FigureConfusion, FigureGroundDistance, FigureGroundDistance}
		if diff := cmp.Diff(want, kinds); diff != "" {
			t.Errorf("%s: figures (-want +got):\n%s", tt.experiment, diff)
		}
		groups := figureGroups(e.Figures)
		if len(groups) != 3 {
			t.Fatalf("%s: %d figure groups, want 3 (curves, confusion, ground distance)", tt.experiment, len(groups))
		}
		gd := groups[2]
		if len(gd.Figures) != 2 || !strings.Contains(gd.Figures[0].Caption, "epoch 2 (0-based; its first)") ||
			!strings.Contains(gd.Figures[1].Caption, "epoch 4 (0-based; its last)") {
			t.Errorf("%s: ground distance panels %q", tt.experiment, []string{gd.Figures[0].Caption, gd.Figures[1].Caption})
		}
		for _, want := range []string{"is 1 by convention", "μ = 0.5", "near classes get negative weights", "rewarded", "far classes positive"} {
			if !strings.Contains(gd.Caption, want) {
				t.Errorf("%s: the ground distance caption lacks %q: %s", tt.experiment, want, gd.Caption)
			}
		}
	}
}

func abs(x int) int { return max(x, -x) }
