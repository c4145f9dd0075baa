package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// WriteMarkdown writes every table as markdown, with a title and a note on
// how the cells are computed.
func WriteMarkdown(w io.Writer, tables []Table) error {
	var b strings.Builder
	b.WriteString("# Results\n\n")
	b.WriteString("Each cell: mean ± sample standard deviation of the test metric at the last epoch, over the finished runs (folds × seeds); n is the number of runs.\n")
	if len(tables) == 0 {
		b.WriteString("\nThe results database holds no runs yet: run `replicate all` or `replicate --experiment NAME` first.\n")
	}
	for _, t := range tables {
		fmt.Fprintf(&b, "\n## %s\n\n", t.Experiment)
		if len(t.Rows) == 0 {
			b.WriteString("No finished run yet.\n")
		} else {
			b.WriteString("| profile | loss | n |")
			for _, m := range Metrics {
				fmt.Fprintf(&b, " %s |", m.Header)
			}
			b.WriteString("\n|---|---|---:|")
			for range Metrics {
				b.WriteString("---:|")
			}
			b.WriteString("\n")
			for _, r := range t.Rows {
				fmt.Fprintf(&b, "| %s | %s | %d |", mdEscape(r.Profile), mdEscape(r.Loss), r.Runs)
				for _, m := range Metrics {
					fmt.Fprintf(&b, " %s |", formatCell(r.Cells[m.Name], r.Cells != nil && hasCell(r.Cells, m.Name)))
				}
				b.WriteString("\n")
			}
		}
		if t.Unfinished > 0 {
			fmt.Fprintf(&b, "\n%d run(s) not finished (running, failed, diverged or interrupted) are not in the table.\n", t.Unfinished)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func hasCell(cells map[string]Cell, name string) bool {
	_, ok := cells[name]
	return ok
}

func formatCell(c Cell, ok bool) string {
	switch {
	case !ok:
		return "—"
	case math.IsNaN(c.Std):
		return fmt.Sprintf("%.4f (n=%d)", c.Mean, c.N)
	default:
		return fmt.Sprintf("%.4f ± %.4f", c.Mean, c.Std)
	}
}

// mdEscape keeps a data string from breaking a markdown table.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
}

// WriteCSV writes every table as one long CSV: one line per experiment,
// profile, loss and metric, with mean, std and n. Undefined values are
// empty fields.
func WriteCSV(w io.Writer, tables []Table) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"experiment", "profile", "loss", "runs", "metric", "mean", "std", "n"}); err != nil {
		return err
	}
	for _, t := range tables {
		for _, r := range t.Rows {
			for _, m := range Metrics {
				c, ok := r.Cells[m.Name]
				if !ok {
					continue
				}
				rec := []string{t.Experiment, r.Profile, r.Loss, strconv.Itoa(r.Runs), m.Name,
					formatFloat(c.Mean), formatFloat(c.Std), strconv.Itoa(c.N)}
				if err := cw.Write(rec); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func formatFloat(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 6, 64)
}
