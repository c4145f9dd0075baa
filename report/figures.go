package report

import (
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/losses"
	"github.com/replicate-emd/replicate/metrics"
	"github.com/replicate-emd/replicate/results"
)

// Figure is one figure of an experiment, written by WriteFigures as PNG
// and SVG.
type Figure struct {
	Kind    string // FigureCurves, FigureGroundDistance or FigureConfusion
	Title   string
	Caption string
	Path    string // relative to the report folder, without extension: figures/<name>

	// The figures of one group (the two splits of a profile's learning
	// curves, the confusion matrices of a profile, the first and last
	// learned ground distance of a row) are shown side by side, on one
	// scale, under the group's title and caption.
	group, groupCaption string

	stem          string // file name before deduplication
	width, height vg.Length
	render        func(c draw.Canvas) error
}

// Figure kinds.
const (
	FigureCurves         = "curves"
	FigureGroundDistance = "ground-distance"
	FigureConfusion      = "confusion"
)

// FigureFormats are the file formats of every figure, by extension.
var FigureFormats = []string{"png", "svg"}

// Artifact names and kinds of the training side.
const (
	groundDistancePrefix = "ground_distance/"
	confusionName        = "confusion/test"
	kindMatrix           = "matrix"
	kindConfusion        = "confusion"
)

// largeMatrix is the class count above which heat maps are drawn as
// images and without numbers.
const largeMatrix = 40

// annotateMax is the largest class count whose heat-map cells carry their
// numbers.
const annotateMax = 12

// Figure sizes: the figures of a group sit side by side on the page, so
// each is small.
const (
	curvesWidth, curvesHeight = 14 * vg.Centimeter, 9 * vg.Centimeter
	heatWidth, heatHeight     = 12 * vg.Centimeter, 11 * vg.Centimeter
)

// plottedRows are the rows whose curves and matrices are drawn: the
// headline row of each profile × loss, or all its settings when it has
// none.
func plottedRows(e *Experiment, profile string) []*Row {
	var out []*Row
	for _, c := range e.Choices {
		if c.Profile != profile {
			continue
		}
		if c.Picked != nil {
			out = append(out, c.Picked)
			continue
		}
		for _, r := range e.Rows {
			if r.Profile == c.Profile && r.Loss == c.Loss {
				out = append(out, r)
			}
		}
	}
	return out
}

// rowLabel names a row in a legend or title.
func rowLabel(r *Row) string {
	if r.Setting == "" {
		return r.Loss
	}
	return r.Loss + " (" + r.Setting + ")"
}

// buildFigures reads the per-epoch curves and the matrices of the plotted
// rows and adds the figures to e, per profile: the learning curves, the
// confusion matrices of every row, then the learned ground distances of
// each row that has them. A malformed artifact is a note, not an error.
func buildFigures(ctx context.Context, src Source, e *Experiment) error {
	primary := Primary(e.Task)
	curves, err := src.EpochMetrics(ctx, e.Name, results.MetricFilter{Splits: []string{splitTest, splitVal}, Metrics: []string{primary}})
	if err != nil {
		return err
	}
	matrices, err := src.ArtifactIndex(ctx, e.Name, kindMatrix)
	if err != nil {
		return err
	}
	confusions, err := src.ArtifactIndex(ctx, e.Name, kindConfusion)
	if err != nil {
		return err
	}
	for _, p := range e.Profiles {
		rows := plottedRows(e, p)
		e.Figures = append(e.Figures, curvesFigures(e, p, rows, curves, primary)...)
		for _, r := range rows {
			f, err := confusionFigure(ctx, src, e, r, confusions)
			if err != nil {
				return err
			}
			if f != nil {
				e.Figures = append(e.Figures, f)
			}
		}
		for _, r := range rows {
			fs, err := groundDistanceFigures(ctx, src, e, r, matrices)
			if err != nil {
				return err
			}
			e.Figures = append(e.Figures, fs...)
		}
	}
	return nil
}

// curve is one line of a learning-curve figure: the mean over a row's
// runs of a metric per epoch, and its standard deviation.
type curve struct {
	label string
	color int
	mean  plotter.XYs
	sd    []float64 // per point; NaN with one value
}

// curvePoint names one point of a learning curve: a row, a split, an
// epoch.
type curvePoint struct {
	row   *Row
	split string
	epoch int
}

// curvesFigures draws the learning curves of a profile's rows, one figure
// per split (validation first: the split that chooses settings), on one y
// range.
func curvesFigures(e *Experiment, profile string, rows []*Row, epochs map[string][]results.Metric, metric string) []*Figure {
	values := map[curvePoint][]float64{} // the finite values of each point, in run order
	for _, r := range rows {
		for _, run := range r.runs {
			for _, m := range epochs[run.Key] {
				if m.Metric == metric && !math.IsNaN(m.Value) && !math.IsInf(m.Value, 0) {
					p := curvePoint{r, m.Split, m.Epoch}
					values[p] = append(values[p], m.Value)
				}
			}
		}
	}
	if len(values) == 0 {
		return nil
	}
	splits := map[string][]curve{}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, split := range []string{splitVal, splitTest} {
		for i, r := range rows {
			c := curve{label: rowLabel(r), color: i}
			var eps []int
			for p := range values {
				if p.row == r && p.split == split {
					eps = append(eps, p.epoch)
				}
			}
			slices.Sort(eps)
			for _, ep := range eps {
				mean, sd := metrics.MeanStd(values[curvePoint{r, split, ep}])
				c.mean = append(c.mean, plotter.XY{X: float64(ep), Y: mean})
				c.sd = append(c.sd, sd)
				band := sd
				if math.IsNaN(band) {
					band = 0
				}
				lo, hi = min(lo, mean-band), max(hi, mean+band)
			}
			if len(c.mean) > 0 {
				splits[split] = append(splits[split], c)
			}
		}
	}
	pad := max((hi-lo)*0.05, 0.005)
	yr := [2]float64{lo - pad, hi + pad}
	group := "Learning curves, profile " + profile
	caption := fmt.Sprintf("Mean %s over folds × seeds at each epoch (0-based), with a band of ± one standard deviation; "+
		"one line per loss at its headline setting (every setting where a loss has no headline row). ", header(metric))
	if len(splits[splitVal]) > 0 && len(splits[splitTest]) > 0 {
		caption += "The validation split chooses the settings; the test split is what the tables report. Both panels share their y axis."
	} else if len(splits[splitVal]) == 0 {
		caption += "No run recorded validation metrics: the test split only."
	}
	var out []*Figure
	for _, split := range []string{splitVal, splitTest} {
		lines := splits[split]
		if len(lines) == 0 {
			continue
		}
		name := map[string]string{splitVal: "validation", splitTest: "test"}[split]
		title := fmt.Sprintf("%s, %s: %s, %s split", e.Name, profile, header(metric), name)
		out = append(out, &Figure{
			Kind:         FigureCurves,
			Title:        title,
			Caption:      fmt.Sprintf("%s split: mean %s per epoch ± one standard deviation over folds × seeds.", capitalise(name), header(metric)),
			group:        group,
			groupCaption: caption,
			stem:         e.Name + "-" + profile + "-curves-" + split + "-" + metric,
			width:        curvesWidth, height: curvesHeight,
			render: func(c draw.Canvas) error { return drawCurves(c, title, header(metric), lines, yr) },
		})
	}
	return out
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// epochTicks marks whole epochs only, at most about ten of them.
func epochTicks(lo, hi float64) []plot.Tick {
	first, last := int(math.Ceil(lo)), int(math.Floor(hi))
	step := max(1, int(math.Ceil(float64(last-first+1)/10)))
	var ticks []plot.Tick
	for ep := first; ep <= last; ep++ {
		t := plot.Tick{Value: float64(ep)}
		if (ep-first)%step == 0 {
			t.Label = strconv.Itoa(ep)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// drawCurves draws the learning curves on the left of c, each with its
// markers and its band of ± one standard deviation, on the y range yr,
// and their legend on the right, so that the legend never hides a line.
func drawCurves(c draw.Canvas, title, ylabel string, lines []curve, yr [2]float64) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = ylabel
	p.X.Tick.Marker = plot.TickerFunc(epochTicks)
	p.Y.Min, p.Y.Max = yr[0], yr[1]
	p.Add(plotter.NewGrid())
	first, last := math.Inf(1), math.Inf(-1)
	for _, cv := range lines {
		first, last = min(first, cv.mean[0].X), max(last, cv.mean[len(cv.mean)-1].X)
	}
	p.X.Min, p.X.Max = first-0.3, last+0.3
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	for _, cv := range lines {
		col := plotutil.Color(cv.color)
		if band := bandPolygon(cv); band != nil {
			r, g, b, _ := col.RGBA()
			band.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x38}
			p.Add(band)
		}
	}
	for _, cv := range lines {
		l, s, err := plotter.NewLinePoints(cv.mean)
		if err != nil {
			return fmt.Errorf("curve %s: %w", cv.label, err)
		}
		col := plotutil.Color(cv.color)
		l.Color, l.Width = col, vg.Points(1.5)
		l.Dashes = plotutil.Dashes(cv.color)
		s.Color, s.Shape, s.Radius = col, plotutil.Shape(cv.color), vg.Points(2.5)
		p.Add(l, s)
		leg.Add(cv.label, l, s)
	}
	pad := vg.Points(8)
	lw := leg.Rectangle(c).Size().X + pad
	if maxW := (c.Max.X - c.Min.X) / 2; lw > maxW {
		lw = maxW
	}
	p.Draw(draw.Crop(c, 0, -lw, 0, 0))
	lc := draw.Crop(c, c.Max.X-c.Min.X-lw+pad/2, 0, 0, -pad)
	leg.Draw(lc)
	return nil
}

// bandPolygon is the band mean ± sd of a curve, or nil when it has fewer
// than two points or no spread.
func bandPolygon(cv curve) *plotter.Polygon {
	if len(cv.mean) < 2 {
		return nil
	}
	ring := make(plotter.XYs, 0, 2*len(cv.mean))
	spread := false
	sdAt := func(i int) float64 {
		if math.IsNaN(cv.sd[i]) {
			return 0
		}
		spread = spread || cv.sd[i] > 0
		return cv.sd[i]
	}
	for i, pt := range cv.mean {
		ring = append(ring, plotter.XY{X: pt.X, Y: pt.Y + sdAt(i)})
	}
	for i := len(cv.mean) - 1; i >= 0; i-- {
		pt := cv.mean[i]
		ring = append(ring, plotter.XY{X: pt.X, Y: pt.Y - sdAt(i)})
	}
	if !spread {
		return nil
	}
	band, err := plotter.NewPolygon(ring)
	if err != nil { // the points are finite: means and deviations of finite values
		return nil
	}
	band.LineStyle.Width = 0
	return band
}

// matrixData is the JSON of a ground-distance artifact.
type matrixData struct {
	Classes int         `json:"classes"`
	Values  [][]float64 `json:"values"`
	Counts  [][]float64 `json:"counts"`
}

// decodeMatrix reads a square matrix of side classes from an artifact:
// the field values (ground distance) or counts (confusion).
func decodeMatrix(data []byte, counts bool) ([][]float64, error) {
	var d matrixData
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, err
	}
	m := d.Values
	if counts {
		m = d.Counts
	}
	if d.Classes < 1 || len(m) != d.Classes {
		return nil, fmt.Errorf("want %d×%d values, got %d rows", d.Classes, d.Classes, len(m))
	}
	for i, row := range m {
		if len(row) != d.Classes {
			return nil, fmt.Errorf("row %d has %d values, want %d", i, len(row), d.Classes)
		}
		for _, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("row %d holds a non-finite value", i)
			}
		}
	}
	return m, nil
}

// loadMatrices reads the artifacts refs (one per run) and returns them
// with the number read; a run whose artifact is malformed or of another
// size than the first is left out with a note.
func loadMatrices(ctx context.Context, src Source, e *Experiment, refs []results.ArtifactRef, counts bool) ([][][]float64, error) {
	var out [][][]float64
	for _, ref := range refs {
		if ref.Size == 0 {
			e.Notes = appendOnce(e.Notes, fmt.Sprintf("Artifact %s of run %s is not stored in the database: not drawn.", ref.Name, ref.Run))
			continue
		}
		a, err := src.Artifact(ctx, ref.Run, ref.Name)
		if err != nil {
			return nil, err
		}
		m, err := decodeMatrix(a.Data, counts)
		if err != nil {
			e.Notes = appendOnce(e.Notes, fmt.Sprintf("Artifact %s of run %s is malformed (%v): not drawn.", ref.Name, ref.Run, err))
			continue
		}
		if len(out) > 0 && len(m) != len(out[0]) {
			e.Notes = appendOnce(e.Notes, fmt.Sprintf("Artifact %s of run %s has %d classes, others %d: not drawn.", ref.Name, ref.Run, len(m), len(out[0])))
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

// refsOf returns the refs of the row's runs that keep says to keep.
func refsOf(r *Row, refs []results.ArtifactRef, keep func(results.ArtifactRef) bool) []results.ArtifactRef {
	runs := map[string]bool{}
	for _, run := range r.runs {
		runs[run.Key] = true
	}
	var out []results.ArtifactRef
	for _, ref := range refs {
		if runs[ref.Run] && keep(ref) {
			out = append(out, ref)
		}
	}
	return out
}

// classNames returns the names of a row's classes from the datasets
// registry, and a note saying where they come from; nil names (and the
// note saying so) when the registry names none for the row's dataset, or
// not n of them: the axes then number the classes.
func classNames(r *Row, n int) ([]string, string) {
	if len(r.runs) == 0 {
		return nil, "classes are numbered 0 to " + strconv.Itoa(n-1)
	}
	name := r.runs[0].Dataset
	if entry, err := datasets.Lookup(name); err == nil && len(entry.ClassNames) == n {
		return entry.ClassNames, "class names from the datasets registry (" + name + ")"
	}
	return nil, fmt.Sprintf("classes are numbered 0 to %d: the datasets registry names no classes for %s", n-1, name)
}

// groundDistanceFigures draws the learned ground distance of a row at its
// first and last recorded epoch, averaged over the runs that recorded it,
// side by side on one colour scale centred at 0.
func groundDistanceFigures(ctx context.Context, src Source, e *Experiment, r *Row, index []results.ArtifactRef) ([]*Figure, error) {
	refs := refsOf(r, index, func(a results.ArtifactRef) bool { return strings.HasPrefix(a.Name, groundDistancePrefix) })
	if len(refs) == 0 {
		return nil, nil
	}
	first, last := refs[0].Epoch, refs[0].Epoch
	for _, a := range refs {
		first, last = min(first, a.Epoch), max(last, a.Epoch)
	}
	type panel struct {
		epoch int
		runs  int
		mean  [][]float64
	}
	var panels []panel
	for _, ep := range slices.Compact([]int{first, last}) {
		at := refsOf(r, refs, func(a results.ArtifactRef) bool { return a.Epoch == ep })
		ms, err := loadMatrices(ctx, src, e, at, false)
		if err != nil {
			return nil, err
		}
		if len(ms) == 0 || len(panels) > 0 && len(ms[0]) != len(panels[0].mean) {
			continue
		}
		panels = append(panels, panel{ep, len(ms), meanMatrix(ms)})
	}
	if len(panels) == 0 {
		return nil, nil
	}
	reach := 0.0 // the scale runs from −reach to reach in both panels
	for _, pn := range panels {
		lo, hi := offDiagonalRange(pn.mean)
		reach = max(reach, math.Abs(lo), math.Abs(hi))
	}
	n := len(panels[0].mean)
	names, namesNote := classNames(r, n)
	mu := ""
	if spec, err := losses.Lookup(r.Loss); err == nil && spec.Distance == losses.DistanceLearned {
		mu = " = " + strconv.FormatFloat(spec.Mu, 'g', -1, 64)
	}
	group := fmt.Sprintf("Learned ground distance: %s, profile %s", rowLabel(r), r.Profile)
	when := "after the first and the last epoch it was learned, on one colour scale"
	if len(panels) == 1 {
		when = "after the only epoch it was learned, on a colour scale"
	}
	caption := "The ground distance D the loss learned from the network's own features, " + when +
		" centred at 0 (blue negative, white 0, red positive). The diagonal (grey) is 1 by convention: " +
		"a class's distance to itself is set, not learned. Off the diagonal, D is shifted by μ" + mu + ", so near classes get " +
		"negative weights (blue: probability placed on them lowers the loss, it is rewarded) and far classes positive ones " +
		"(red: penalised). Rows and columns are classes; " + namesNote + "."
	var out []*Figure
	for _, pn := range panels {
		which := "its last"
		switch {
		case first == last:
			which = "its only"
		case pn.epoch == first:
			which = "its first"
		}
		title := fmt.Sprintf("%s, %s: D of %s, epoch %d", e.Name, r.Profile, rowLabel(r), pn.epoch)
		h := heat{title: title, xlabel: "class", ylabel: "class", m: pn.mean, names: names,
			cm: divergingMap(reach), format: "%.2f", scale: "D", greyDiagonal: true}
		lo, hi := offDiagonalRange(pn.mean)
		out = append(out, &Figure{
			Kind:  FigureGroundDistance,
			Title: title,
			Caption: fmt.Sprintf("After epoch %d (0-based; %s), mean over %d run(s); off the diagonal from %s to %s.",
				pn.epoch, which, pn.runs, formatFixed(lo), formatFixed(hi)),
			group:        group,
			groupCaption: caption,
			stem:         fmt.Sprintf("%s-%s-%s-ground-distance-epoch-%03d", e.Name, r.Profile, rowStem(r), pn.epoch),
			width:        heatWidth, height: heatHeight,
			render: func(c draw.Canvas) error { return drawHeat(c, h) },
		})
	}
	return out, nil
}

// offDiagonalRange returns the least and greatest value of m off its
// diagonal; both are the diagonal's for a 1×1 matrix.
func offDiagonalRange(m [][]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for i, row := range m {
		for j, v := range row {
			if i != j || len(m) == 1 {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	return lo, hi
}

// confusionFigure draws the test confusion matrix of a row summed over its
// runs and normalised by row, on the scale 0 to 1 that every confusion
// figure shares.
func confusionFigure(ctx context.Context, src Source, e *Experiment, r *Row, index []results.ArtifactRef) (*Figure, error) {
	refs := refsOf(r, index, func(a results.ArtifactRef) bool { return a.Name == confusionName })
	if len(refs) == 0 {
		return nil, nil
	}
	ms, err := loadMatrices(ctx, src, e, refs, true)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	sum := sumMatrix(ms)
	total := 0.0
	for _, row := range sum {
		for _, v := range row {
			total += v
		}
	}
	names, namesNote := classNames(r, len(sum))
	title := fmt.Sprintf("%s, %s: test confusion of %s", e.Name, r.Profile, rowLabel(r))
	h := heat{title: title, xlabel: "predicted class", ylabel: "true class", m: rowShares(sum), names: names,
		cm: sharesMap(), format: "%.2f", scale: "share of the row"}
	return &Figure{
		Kind:    FigureConfusion,
		Title:   title,
		Caption: fmt.Sprintf("%s: %s test predictions over %d run(s).", rowLabel(r), strconv.FormatFloat(total, 'f', -1, 64), len(ms)),
		group:   "Test confusion matrices, profile " + r.Profile,
		groupCaption: "One per loss at its headline setting: the test predictions at each run's last epoch, summed over folds × seeds " +
			"and normalised by row, so that a cell is the share of the true class (row) predicted as the column's class and the " +
			"diagonal is each class's recall. Every panel has the same colour scale, 0 (white) to 1 (dark blue); " + namesNote + ".",
		stem:  fmt.Sprintf("%s-%s-%s-confusion", e.Name, r.Profile, rowStem(r)),
		width: heatWidth, height: heatHeight,
		render: func(c draw.Canvas) error { return drawHeat(c, h) },
	}, nil
}

// rowShares divides each row of m by its sum (a row of zeros stays zero).
func rowShares(m [][]float64) [][]float64 {
	out := make([][]float64, len(m))
	for i, row := range m {
		out[i] = make([]float64, len(row))
		sum := 0.0
		for _, v := range row {
			sum += v
		}
		if sum == 0 {
			continue
		}
		for j, v := range row {
			out[i][j] = v / sum
		}
	}
	return out
}

// rowStem names a row in file names.
func rowStem(r *Row) string {
	if r.Setting == "" {
		return r.Loss
	}
	return r.Loss + "-" + r.Setting
}

// sumMatrix returns the elementwise sum of equally sized matrices.
func sumMatrix(ms [][][]float64) [][]float64 {
	out := make([][]float64, len(ms[0]))
	for i := range out {
		out[i] = make([]float64, len(ms[0][i]))
		for j := range out[i] {
			for _, m := range ms {
				out[i][j] += m[i][j]
			}
		}
	}
	return out
}

// meanMatrix returns the elementwise mean of equally sized matrices.
func meanMatrix(ms [][][]float64) [][]float64 {
	out := sumMatrix(ms)
	for _, row := range out {
		for j := range row {
			row[j] /= float64(len(ms))
		}
	}
	return out
}

func minOf(m [][]float64) float64 {
	v := math.Inf(1)
	for _, row := range m {
		v = min(v, slices.Min(row))
	}
	return v
}

func maxOf(m [][]float64) float64 {
	v := math.Inf(-1)
	for _, row := range m {
		v = max(v, slices.Max(row))
	}
	return v
}

// matrixGrid shows a matrix as a plotter.GridXYZ with row 0 at the top.
type matrixGrid [][]float64

func (g matrixGrid) Dims() (c, r int)   { return len(g[0]), len(g) }
func (g matrixGrid) Z(c, r int) float64 { return g[len(g)-1-r][c] }
func (g matrixGrid) X(c int) float64    { return float64(c) }
func (g matrixGrid) Y(r int) float64    { return float64(r) }

// sharesMap is the colour map of the confusion matrices: a sequential
// blue, linear in luminance, from near white at 0 to dark blue at 1.
func sharesMap() palette.ColorMap {
	cm, err := moreland.NewLuminance([]color.Color{
		color.NRGBA{R: 8, G: 48, B: 107, A: 255},
		color.NRGBA{R: 66, G: 146, B: 198, A: 255},
		color.NRGBA{R: 247, G: 251, B: 255, A: 255},
	})
	if err != nil { // the controls above rise in luminance
		panic("report: " + err.Error())
	}
	rev := reversed{cm}
	rev.SetMin(0)
	rev.SetMax(1)
	return rev
}

// divergingMap is the colour map of a ground distance: blue below 0, white
// at 0, red above, from −reach to reach.
func divergingMap(reach float64) palette.ColorMap {
	cm := moreland.SmoothBlueRed()
	if !(reach > 0) {
		reach = 1
	}
	cm.SetMin(-reach)
	cm.SetMax(reach)
	return cm
}

// reversed is a colour map read backwards: its lowest value gets the
// colour of the highest.
type reversed struct{ palette.ColorMap }

func (r reversed) At(v float64) (color.Color, error) {
	return r.ColorMap.At(r.Min() + r.Max() - v)
}

func (r reversed) Palette(n int) palette.Palette {
	cs := r.ColorMap.Palette(n).Colors()
	out := make(colors, len(cs))
	for i, c := range cs {
		out[len(cs)-1-i] = c
	}
	return out
}

// heat is a heat map of a square matrix, with row 0 at the top: what
// drawHeat draws.
type heat struct {
	title, xlabel, ylabel string
	m                     [][]float64
	names                 []string         // class names; nil numbers the classes
	cm                    palette.ColorMap // its range is the figure's scale
	format                string           // of the numbers in the cells
	scale                 string           // the label of the colour bar
	// greyDiagonal paints the diagonal grey, outside the colour scale: its
	// values are set by convention, not measured.
	greyDiagonal bool
}

// colourBarWidth is the room the colour bar takes on the right of a heat
// map, its tick labels included.
const colourBarWidth = 2.2 * vg.Centimeter

// drawHeat draws the heat map h on c with its colour bar on the right.
func drawHeat(c draw.Canvas, h heat) error {
	p, err := heatPlot(h)
	if err != nil {
		return err
	}
	left := draw.Crop(c, 0, -colourBarWidth, 0, 0)
	p.Draw(left)
	data := p.DataCanvas(left)
	bar := plot.New()
	bar.Add(&plotter.ColorBar{ColorMap: h.cm, Vertical: true})
	bar.HideX()
	bar.X.Padding, bar.Y.Padding = 0, 0
	bar.Y.Label.Text = h.scale
	bar.Y.Tick.Label.Font.Size = vg.Points(8)
	bar.Y.Label.TextStyle.Font.Size = vg.Points(9)
	bc := c
	bc.Min.X, bc.Max.X = left.Max.X+vg.Points(6), c.Max.X-vg.Points(4)
	bc.Min.Y, bc.Max.Y = data.Min.Y, data.Max.Y
	bar.Draw(bc)
	return nil
}

// heatPlot draws the matrix of h with its colour map and range, the class
// names (or numbers) on both axes, and the numbers printed in the cells
// when the matrix is small.
func heatPlot(h heat) (*plot.Plot, error) {
	m, n := h.m, len(h.m)
	lo, hi := h.cm.Min(), h.cm.Max()
	grid := m
	if h.greyDiagonal {
		grid = make([][]float64, n)
		for i, row := range m {
			grid[i] = slices.Clone(row)
			grid[i][i] = math.NaN()
		}
	}
	hm := plotter.NewHeatMap(matrixGrid(grid), h.cm.Palette(255))
	hm.Min, hm.Max = lo, hi
	hm.NaN = diagonalGrey
	// Values past the scale (none when it spans them) take its end colours.
	if c, err := h.cm.At(lo); err == nil {
		hm.Underflow = c
	}
	if c, err := h.cm.At(hi); err == nil {
		hm.Overflow = c
	}
	hm.Rasterized = n > largeMatrix
	p := plot.New()
	p.Title.Text = h.title
	p.X.Label.Text = h.xlabel
	p.Y.Label.Text = h.ylabel
	p.Add(hm)
	step := max(1, n/10)
	if h.names != nil && n <= annotateMax {
		step = 1
	}
	var xt, yt plot.ConstantTicks
	long := false
	for i := 0; i < n; i += step {
		label := strconv.Itoa(i)
		if h.names != nil {
			label = h.names[i]
		}
		long = long || len([]rune(label)) > 3
		xt = append(xt, plot.Tick{Value: float64(i), Label: label})
		yt = append(yt, plot.Tick{Value: float64(n - 1 - i), Label: label})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = xt, yt
	if long {
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YTop
	}
	if n <= annotateMax {
		var xys plotter.XYs
		var labels []string
		for i, row := range m {
			for j, v := range row {
				xys = append(xys, plotter.XY{X: float64(j), Y: float64(n - 1 - i)})
				labels = append(labels, fmt.Sprintf(h.format, v))
			}
		}
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
		if err != nil {
			return nil, err
		}
		for i := range l.TextStyle {
			l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
			l.TextStyle[i].Font.Size = vg.Points(min(10, max(5, 75/float64(n))))
			l.TextStyle[i].Color = labelColor(h.cm, m[i/n][i%n])
			if h.greyDiagonal && i/n == i%n {
				l.TextStyle[i].Color = color.Black
			}
		}
		p.Add(l)
	}
	return p, nil
}

// diagonalGrey is the colour of cells outside a heat map's scale.
var diagonalGrey = color.NRGBA{R: 150, G: 150, B: 150, A: 255}

// colors is a palette.Palette.
type colors []color.Color

func (c colors) Colors() []color.Color { return c }

// labelColor is black on light cells and white on dark ones.
func labelColor(cm palette.ColorMap, v float64) color.Color {
	c, err := cm.At(min(max(v, cm.Min()), cm.Max()))
	if err != nil {
		return color.Black
	}
	r, g, b, _ := c.RGBA()
	if 0.299*float64(r)+0.587*float64(g)+0.114*float64(b) < 0.5*0xffff {
		return color.White
	}
	return color.Black
}

// nameFiles gives every figure of the report a unique path
// figures/<stem> and every experiment with rows a unique tables/<name>.csv,
// the names reduced to [a-z0-9._-].
func nameFiles(rep *Report) {
	unique := func(used map[string]bool, base string) string {
		name := base
		for i := 2; used[name]; i++ {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		used[name] = true
		return name
	}
	figures, tables := map[string]bool{}, map[string]bool{}
	for _, e := range rep.Experiments {
		if len(e.Headline) > 0 {
			e.CSV = TablesDir + "/" + unique(tables, fileStem(e.Name)) + ".csv"
		}
		for _, f := range e.Figures {
			f.Path = FiguresDir + "/" + unique(figures, fileStem(f.stem))
		}
	}
}

// fileStem reduces s to a safe file name: lower case letters, digits, '.',
// '_' and '-', other runs of characters replaced by one '-'; at most 120
// bytes.
func fileStem(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
			dash = r == '-'
		case !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-.")
	if len(out) > 120 {
		out = strings.TrimRight(out[:120], "-.")
	}
	if out == "" {
		out = "figure"
	}
	return out
}

// WriteFigures renders every figure of the report into dir (the report
// folder) as PNG and SVG, each file written atomically.
func WriteFigures(dir string, rep *Report) error {
	for _, e := range rep.Experiments {
		for _, f := range e.Figures {
			for _, ext := range FigureFormats {
				path := filepath.Join(dir, filepath.FromSlash(f.Path)+"."+ext)
				err := WriteFileAtomic(path, func(w io.Writer) error {
					c, err := draw.NewFormattedCanvas(f.width, f.height, ext)
					if err != nil {
						return err
					}
					if err := f.render(draw.New(c)); err != nil {
						return err
					}
					_, err = c.WriteTo(w)
					return err
				})
				if err != nil {
					return fmt.Errorf("figure %s: %w", f.Title, err)
				}
			}
		}
	}
	return nil
}
