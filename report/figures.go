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
// rows and adds the figures to e. A malformed artifact is a note, not an
// error.
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
		if f, err := curvesFigure(e, p, rows, curves, primary); err != nil {
			return err
		} else if f != nil {
			e.Figures = append(e.Figures, f)
		}
		for _, r := range rows {
			fs, err := groundDistanceFigures(ctx, src, e, r, matrices)
			if err != nil {
				return err
			}
			e.Figures = append(e.Figures, fs...)
			f, err := confusionFigure(ctx, src, e, r, confusions)
			if err != nil {
				return err
			}
			if f != nil {
				e.Figures = append(e.Figures, f)
			}
		}
	}
	return nil
}

// curve is one line of a learning-curve figure: the mean over a row's
// runs of a metric per epoch.
type curve struct {
	label string
	split string
	color int
	xys   plotter.XYs
}

// curvePoint names one point of a learning curve: a row, a split, an
// epoch.
type curvePoint struct {
	row   *Row
	split string
	epoch int
}

func curvesFigure(e *Experiment, profile string, rows []*Row, epochs map[string][]results.Metric, metric string) (*Figure, error) {
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
		return nil, nil
	}
	var lines []curve
	for i, r := range rows {
		for _, split := range []string{splitTest, splitVal} {
			c := curve{label: rowLabel(r) + " " + split, split: split, color: i}
			var eps []int
			for p := range values {
				if p.row == r && p.split == split {
					eps = append(eps, p.epoch)
				}
			}
			slices.Sort(eps)
			for _, ep := range eps {
				mean, _ := metrics.MeanStd(values[curvePoint{r, split, ep}])
				c.xys = append(c.xys, plotter.XY{X: float64(ep), Y: mean})
			}
			if len(c.xys) > 0 {
				lines = append(lines, c)
			}
		}
	}
	title := fmt.Sprintf("%s (profile %s): %s per epoch", e.Name, profile, header(metric))
	return &Figure{
		Kind:  FigureCurves,
		Title: title,
		Caption: fmt.Sprintf("Learning curves: mean %s over folds × seeds at each epoch (0-based); solid: test split, dashed: validation split. "+
			"One line per loss at its headline setting (every setting where a loss has no headline row).", metric),
		stem:  e.Name + "-" + profile + "-curves-" + metric,
		width: 16 * vg.Centimeter, height: 10 * vg.Centimeter,
		render: func(c draw.Canvas) error { return drawCurves(c, title, header(metric), lines) },
	}, nil
}

// drawCurves draws the learning curves on the left of c and their legend
// on the right, so that the legend never hides a line.
func drawCurves(c draw.Canvas, title, ylabel string, lines []curve) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	for _, cv := range lines {
		l, err := plotter.NewLine(cv.xys)
		if err != nil {
			return fmt.Errorf("curve %s: %w", cv.label, err)
		}
		l.Color = plotutil.Color(cv.color)
		l.Width = vg.Points(1.5)
		if cv.split == splitVal {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l)
		leg.Add(cv.label, l)
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

// groundDistanceFigures draws the learned ground distance of a row at its
// first and last recorded epoch, averaged over the runs that recorded it.
func groundDistanceFigures(ctx context.Context, src Source, e *Experiment, r *Row, index []results.ArtifactRef) ([]*Figure, error) {
	refs := refsOf(r, index, func(a results.ArtifactRef) bool { return strings.HasPrefix(a.Name, groundDistancePrefix) })
	if len(refs) == 0 {
		return nil, nil
	}
	first, last := refs[0].Epoch, refs[0].Epoch
	for _, a := range refs {
		first, last = min(first, a.Epoch), max(last, a.Epoch)
	}
	var out []*Figure
	for _, ep := range slices.Compact([]int{first, last}) {
		at := refsOf(r, refs, func(a results.ArtifactRef) bool { return a.Epoch == ep })
		ms, err := loadMatrices(ctx, src, e, at, false)
		if err != nil {
			return nil, err
		}
		if len(ms) == 0 {
			continue
		}
		mean := meanMatrix(ms)
		title := fmt.Sprintf("%s (profile %s): ground distance of %s, epoch %d", e.Name, r.Profile, rowLabel(r), ep)
		out = append(out, &Figure{
			Kind:  FigureGroundDistance,
			Title: title,
			Caption: fmt.Sprintf("Learned ground-distance matrix after epoch %d (0-based; %s), mean over %d run(s); rows and columns are classes; blue low, red high (range %s to %s).",
				ep, map[bool]string{true: "its first", false: "its last"}[ep == first], len(ms), formatFixed(minOf(mean)), formatFixed(maxOf(mean))),
			stem:  fmt.Sprintf("%s-%s-%s-ground-distance-epoch-%03d", e.Name, r.Profile, rowStem(r), ep),
			width: 12 * vg.Centimeter, height: 11 * vg.Centimeter,
			render: func(c draw.Canvas) error {
				return drawHeat(c, title, "class", "class", mean, moreland.SmoothBlueRed(), false, "%.2f")
			},
		})
	}
	return out, nil
}

// confusionFigure draws the test confusion matrix of a row summed over its
// runs.
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
	title := fmt.Sprintf("%s (profile %s): confusion of %s (test)", e.Name, r.Profile, rowLabel(r))
	return &Figure{
		Kind:  FigureConfusion,
		Title: title,
		Caption: fmt.Sprintf("Test confusion matrix at the last epoch, summed over %d run(s) (folds × seeds): rows true class, columns predicted class; darker is more.",
			len(ms)),
		stem:  fmt.Sprintf("%s-%s-%s-confusion", e.Name, r.Profile, rowStem(r)),
		width: 12 * vg.Centimeter, height: 11 * vg.Centimeter,
		render: func(c draw.Canvas) error {
			return drawHeat(c, title, "predicted class", "true class", sum, blues(), true, "%.0f")
		},
	}, nil
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

// blues is a sequential color map from dark blue (low) to near white
// (high), linear in luminance; reversed, it shows larger counts darker.
func blues() palette.ColorMap {
	cm, err := moreland.NewLuminance([]color.Color{
		color.NRGBA{R: 8, G: 48, B: 107, A: 255},
		color.NRGBA{R: 66, G: 146, B: 198, A: 255},
		color.NRGBA{R: 247, G: 251, B: 255, A: 255},
	})
	if err != nil { // the controls above rise in luminance
		panic("report: " + err.Error())
	}
	return cm
}

// drawHeat draws a heat map of m on c (see heatPlot).
func drawHeat(c draw.Canvas, title, xlabel, ylabel string, m [][]float64, cm palette.ColorMap, reverse bool, format string) error {
	p, err := heatPlot(title, xlabel, ylabel, m, cm, reverse, format)
	if err != nil {
		return err
	}
	p.Draw(c)
	return nil
}

// heatPlot draws matrix m (row 0 at the top) with color map cm scaled to
// its range, reversed if asked (light low, dark high), with the numbers
// printed in the cells when the matrix is small.
func heatPlot(title, xlabel, ylabel string, m [][]float64, cm palette.ColorMap, reverse bool, format string) (*plot.Plot, error) {
	lo, hi := minOf(m), maxOf(m)
	if hi == lo {
		hi = lo + 1
	}
	cm.SetMin(lo)
	cm.SetMax(hi)
	var pal palette.Palette = cm.Palette(255)
	if reverse {
		cs := pal.Colors()
		rev := make(colors, len(cs))
		for i, c := range cs {
			rev[len(cs)-1-i] = c
		}
		pal = rev
	}
	n := len(m)
	h := plotter.NewHeatMap(matrixGrid(m), pal)
	h.Min, h.Max = lo, hi
	h.Rasterized = n > largeMatrix
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Add(h)
	step := max(1, n/10)
	var xt, yt plot.ConstantTicks
	for i := 0; i < n; i += step {
		xt = append(xt, plot.Tick{Value: float64(i), Label: strconv.Itoa(i)})
		yt = append(yt, plot.Tick{Value: float64(n - 1 - i), Label: strconv.Itoa(i)})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = xt, yt
	if n <= annotateMax {
		var xys plotter.XYs
		var labels []string
		for i, row := range m {
			for j, v := range row {
				xys = append(xys, plotter.XY{X: float64(j), Y: float64(n - 1 - i)})
				labels = append(labels, fmt.Sprintf(format, v))
			}
		}
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
		if err != nil {
			return nil, err
		}
		for i := range l.TextStyle {
			l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
			l.TextStyle[i].Font.Size = vg.Points(max(5, 11-float64(n)/2))
			l.TextStyle[i].Color = labelColor(pal, (m[i/n][i%n]-lo)/(hi-lo))
		}
		p.Add(l)
	}
	return p, nil
}

// colors is a palette.Palette.
type colors []color.Color

func (c colors) Colors() []color.Color { return c }

// labelColor is black on light cells and white on dark ones.
func labelColor(pal palette.Palette, frac float64) color.Color {
	cs := pal.Colors()
	c := cs[min(len(cs)-1, max(0, int(frac*float64(len(cs)-1)+0.5)))]
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
