package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/replicate-emd/replicate/metrics"
)

// Every number of the markdown and HTML tables goes through these
// functions: four decimals for metric values, three significant places
// for p-values, "—" for an undefined value, so that output never depends
// on %v.

const dash = "—"

// formatFixed prints a metric value with four decimals, or a dash.
func formatFixed(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return dash
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

// formatSigned prints a difference with its sign, or a dash.
func formatSigned(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return dash
	}
	s := strconv.FormatFloat(v, 'f', 4, 64)
	if s == "-0.0000" {
		s = "0.0000"
	}
	if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

// formatMeanStd prints "mean ± std", "mean (n=1)" or a dash.
func formatMeanStd(c *Cell) string {
	switch {
	case c == nil || c.N == 0:
		return dash
	case c.N == 1:
		return formatFixed(c.Mean) + " (n=1)"
	}
	return formatFixed(c.Mean) + " ± " + formatFixed(c.Std)
}

// formatInterval prints "[lo, hi]" or a dash.
func formatInterval(iv metrics.Interval) string {
	if math.IsNaN(iv.Lo) || math.IsNaN(iv.Hi) {
		return dash
	}
	return "[" + formatFixed(iv.Lo) + ", " + formatFixed(iv.Hi) + "]"
}

// formatP prints a p-value: "<0.001", three decimals, or a dash.
func formatP(p float64) string {
	switch {
	case math.IsNaN(p):
		return dash
	case p < 0.001:
		return "<0.001"
	}
	return strconv.FormatFloat(p, 'f', 3, 64)
}

// formatTest prints a paired test: "p 0.034 (5 pairs)", or why there is
// no p-value.
func formatTest(t metrics.PairedT) string {
	switch t.Status {
	case metrics.TestOK:
		return fmt.Sprintf("%s (%d pairs)", formatP(t.P), t.N)
	case metrics.TestNoVariance:
		return fmt.Sprintf("%s (%s, %d pairs)", formatP(t.P), t.Status, t.N)
	}
	return fmt.Sprintf("%s (%s, %d pairs)", dash, t.Status, t.N)
}

// formatCount prints a cell's count, "n of runs" when some runs did not
// give a finite value.
func formatCount(c *Cell, runs int) string {
	if c.N == runs {
		return strconv.Itoa(c.N)
	}
	return fmt.Sprintf("%d of %d", c.N, runs)
}

// formatCSV prints a value for CSV with six decimals, empty when
// undefined.
func formatCSV(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	s := strconv.FormatFloat(v, 'f', 6, 64)
	if s == "-0.000000" {
		s = "0.000000"
	}
	return s
}

// formatCSVP prints a p-value for CSV with six significant digits, empty
// when undefined.
func formatCSVP(p float64) string {
	if math.IsNaN(p) {
		return ""
	}
	return strconv.FormatFloat(p, 'g', 6, 64)
}
