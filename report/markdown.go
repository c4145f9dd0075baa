package report

import (
	"io"
	"strings"
)

// WriteMarkdown writes the report as one markdown document: the claims, a
// summary (one line per experiment, then the database and the published
// numbers), a legend, then per experiment its tables, its figures by
// group (relative links figures/…, so report.md must sit in the report
// folder) and its notes.
func WriteMarkdown(w io.Writer, rep *Report) error {
	v := newReportView(rep)
	b := &mdWriter{}
	b.block("# " + v.Title)
	if len(v.Claims.Rows) > 0 {
		b.block("## Claims")
		writeMarkdownTable(b, v.Claims)
		b.block("The claims table as CSV: [" + ClaimsFile + "](" + ClaimsFile + ").")
	}
	b.block("## Summary")
	if len(v.Overview) > 0 {
		lines := make([]string, len(v.Overview))
		for i, o := range v.Overview {
			lines[i] = o.Name + ": " + o.Text
		}
		b.block(mdLines(lines, "- "))
	}
	b.block(mdLines(v.Summary, ""))
	if len(v.Experiments) > 0 {
		b.block("How to read the tables:")
		b.block(mdLines(v.Legend, "- "))
	}
	for _, e := range v.Experiments {
		b.block("## " + mdText(e.Heading))
		intro := mdLines(e.Intro, "")
		if e.CSV != "" {
			intro += "\nThe headline table as CSV: [" + e.CSV + "](" + e.CSV + ")."
		}
		if intro != "" {
			b.block(strings.TrimPrefix(intro, "\n"))
		}
		for _, t := range e.Tables {
			writeMarkdownTable(b, t)
		}
		if len(e.Groups) > 0 {
			b.block("### Figures")
			for _, g := range e.Groups {
				b.block("#### " + mdText(g.Title))
				b.block(mdText(g.Caption))
				for _, f := range g.Figures {
					b.block("![" + mdText(f.Title) + "](" + f.Path + ".png)")
					b.block(mdText(f.Caption) + " [PNG](" + f.Path + ".png), [SVG](" + f.Path + ".svg)")
				}
			}
		}
		if len(e.Notes) > 0 {
			b.block("### Notes")
			b.block(mdLines(e.Notes, "- "))
		}
	}
	if len(v.Unrun) > 0 {
		b.block("## Published tables without runs")
		b.block(mdLines(v.Unrun, "- "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdWriter builds a markdown document of blocks separated by one blank
// line.
type mdWriter struct{ strings.Builder }

func (b *mdWriter) block(s string) {
	if b.Len() > 0 {
		b.WriteString("\n")
	}
	b.WriteString(s + "\n")
}

// mdLines writes each line with a prefix ("- " for a list).
func mdLines(lines []string, prefix string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = prefix + mdText(l)
	}
	return strings.Join(out, "\n")
}

func writeMarkdownTable(b *mdWriter, t textTable) {
	b.block("### " + mdText(t.Title))
	if len(t.Rows) == 0 {
		b.block(mdText(t.Empty))
	} else {
		var s strings.Builder
		s.WriteString("|")
		for _, h := range t.Header {
			s.WriteString(" " + mdCell(h) + " |")
		}
		s.WriteString("\n|")
		for _, r := range t.Right {
			if r {
				s.WriteString("---:|")
			} else {
				s.WriteString("---|")
			}
		}
		for _, row := range t.Rows {
			s.WriteString("\n|")
			for _, c := range row {
				s.WriteString(" " + mdCell(c) + " |")
			}
		}
		b.block(s.String())
	}
	for _, n := range t.Notes {
		b.block(mdText(n))
	}
}

// mdCell keeps a data string from breaking a markdown table row.
func mdCell(s string) string {
	return strings.ReplaceAll(mdText(s), "|", `\|`)
}

// mdText keeps a data string on its line and from opening an HTML tag or
// comment: a "<" before a letter, '/', '!' or '?' becomes "&lt;" (a "<"
// before anything else, as in "<0.001", is plain text in markdown).
func mdText(s string) string {
	s = strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '<' && i+1 < len(s) && opensTag(s[i+1]) {
			b.WriteString("&lt;")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func opensTag(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '!' || c == '?'
}
