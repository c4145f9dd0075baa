package report

import (
	"bytes"
	_ "embed" // published.yaml
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/losses"
	"github.com/replicate-emd/replicate/metrics"
)

//go:embed published.yaml
var publishedYAML []byte

// EmbeddedPublishedName is the file name error messages and reports give
// the embedded published numbers.
const EmbeddedPublishedName = "published.yaml (embedded)"

// Provenance says how a published number is known (the status of PAPER.md,
// the key status in published.yaml).
type Provenance string

// The provenances of PAPER.md.
const (
	// ProvenanceVerified: read in a primary public text or the released code.
	ProvenanceVerified Provenance = "verified"
	// ProvenanceSecondary: quoted by a third-party page.
	ProvenanceSecondary Provenance = "secondary"
	// ProvenanceUnknown: nobody here could read it; the row has no values.
	ProvenanceUnknown Provenance = "unknown"
)

var provenances = []Provenance{ProvenanceVerified, ProvenanceSecondary, ProvenanceUnknown}

// Published is the set of published numbers a report compares with: the
// sources they come from and one table per experiment of the paper.
type Published struct {
	File    string      // where it was read from, for messages
	Sources []*Citation // in file order
	Tables  []*PublishedTable
}

// Citation is where published numbers come from.
type Citation struct {
	ID    string `yaml:"id"`
	Title string `yaml:"title"`
	URL   string `yaml:"url"`
	Note  string `yaml:"note"`
	Line  int    `yaml:"-"`
}

// PublishedTable is one table of the paper, mapped to our experiment.
type PublishedTable struct {
	Experiment string        `yaml:"experiment"`
	Dataset    string        `yaml:"dataset"`
	Task       datasets.Task `yaml:"task"`
	Metrics    []string      `yaml:"metrics"`
	// Margin is the equivalence margin, in the metrics' units: our mean
	// reproduces a published value when an equivalence test (TOST) puts
	// the difference inside ±Margin. Required once a row has a value.
	Margin float64         `yaml:"margin"`
	Rows   []*PublishedRow `yaml:"rows"`
	Line   int             `yaml:"-"`
}

// PublishedRow is one row (method) of a published table. Loss is our loss
// name, or empty for a method this project does not train (it is shown
// for reference, never compared).
type PublishedRow struct {
	Method     string            `yaml:"method"`
	Loss       string            `yaml:"loss"`
	Provenance Provenance        `yaml:"status"` // how its values are known
	Source     string            `yaml:"source"`
	Values     map[string]Number `yaml:"values"`
	Note       string            `yaml:"note"`
	Line       int               `yaml:"-"`
}

// Number is a published value on the scale our metrics record (an
// accuracy of 65.0% is 0.65). In YAML it is a number, a percentage
// ("65.0%") or empty (not known).
type Number struct {
	Value float64
	Set   bool
	Text  string // as written in the file
	Line  int
}

// UnmarshalYAML reads a number, a percentage or an empty value.
func (n *Number) UnmarshalYAML(node *yaml.Node) error {
	n.Line = node.Line
	if node.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a number, a percentage or nothing", node.Line)
	}
	if node.Tag == "!!null" || node.Value == "" {
		return nil
	}
	s := strings.TrimSpace(node.Value)
	scale := 1.0
	if t, ok := strings.CutSuffix(s, "%"); ok {
		s, scale = strings.TrimSpace(t), 0.01
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("line %d: %q is not a number or a percentage", node.Line, node.Value)
	}
	// Percentages are divided in decimal so that 65.0% prints as 0.6500.
	if scale != 1 {
		v, _ = strconv.ParseFloat(strconv.FormatFloat(v*scale, 'g', 12, 64), 64)
	}
	n.Value, n.Set, n.Text = v, true, node.Value
	return nil
}

// ErrInvalidPublished is wrapped by every error of ParsePublished.
var ErrInvalidPublished = errors.New("invalid published numbers")

// PublishedError says which file, line and key of a published-numbers
// file are wrong.
type PublishedError struct {
	File string
	Line int    // 0 when not known
	Key  string // dotted key, e.g. tables[1].rows[0].values.acc
	Msg  string
}

// Error returns "file:line: key: message".
func (e *PublishedError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// Unwrap makes errors.Is(err, ErrInvalidPublished) true.
func (e *PublishedError) Unwrap() error { return ErrInvalidPublished }

// DefaultPublished returns the published numbers embedded in the binary
// (report/published.yaml).
func DefaultPublished() (*Published, error) {
	return ParsePublished(bytes.NewReader(publishedYAML), EmbeddedPublishedName)
}

// LoadPublished reads and validates a published-numbers file.
func LoadPublished(path string) (*Published, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("published numbers: %w", err)
	}
	defer f.Close()
	return ParsePublished(f, path)
}

// publishedFile is the YAML document.
type publishedFile struct {
	Sources []*Citation       `yaml:"sources"`
	Tables  []*PublishedTable `yaml:"tables"`
}

// ParsePublished reads published numbers from r strictly (an unknown key,
// a second document or a malformed number is an error) and validates
// them; file names the source in error messages, which read
// "file:line: key: message".
func ParsePublished(r io.Reader, file string) (*Published, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("published numbers %s: %w", file, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var doc publishedFile
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &PublishedError{File: file, Msg: "empty file"}
		}
		return nil, yamlError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &PublishedError{File: file, Line: extra.Line, Msg: "more than one YAML document"}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(file, err)
	}
	setLines(&root, &doc)
	p := &Published{File: file, Sources: doc.Sources, Tables: doc.Tables}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// yamlError turns a yaml.v3 error into a PublishedError with its line.
func yamlError(file string, err error) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	pe := &PublishedError{File: file, Msg: msg}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		pe.Line, _ = strconv.Atoi(m[1])
		pe.Msg = msg[len(m[0]):]
	}
	return pe
}

// setLines records the line of every source, table and row, read from the
// node tree of the same document.
func setLines(root *yaml.Node, doc *publishedFile) {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return
	}
	top := root.Content[0]
	if srcs := mapValue(top, "sources"); srcs != nil && srcs.Kind == yaml.SequenceNode {
		for i, n := range srcs.Content {
			if i < len(doc.Sources) && doc.Sources[i] != nil {
				doc.Sources[i].Line = n.Line
			}
		}
	}
	tbls := mapValue(top, "tables")
	if tbls == nil || tbls.Kind != yaml.SequenceNode {
		return
	}
	for i, tn := range tbls.Content {
		if i >= len(doc.Tables) || doc.Tables[i] == nil {
			continue
		}
		t := doc.Tables[i]
		t.Line = tn.Line
		rows := mapValue(tn, "rows")
		if rows == nil || rows.Kind != yaml.SequenceNode {
			continue
		}
		for j, rn := range rows.Content {
			if j < len(t.Rows) && t.Rows[j] != nil {
				t.Rows[j].Line = rn.Line
			}
		}
	}
}

// mapValue returns the value node of key in mapping n, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// Validate checks every source, table and row. Rules: sources have a
// unique id and a title; a table names a unique experiment, a known task
// and known metric names; a row has a method, a known loss or "" (no two
// rows of a table with the same loss), a known status, values only for
// the table's metrics and within their range; an unknown row has no
// values, any other row at least one value and a declared source.
func (p *Published) Validate() error {
	bad := func(line int, key, format string, args ...any) error {
		return &PublishedError{File: p.File, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	ids := map[string]bool{}
	for i, s := range p.Sources {
		key := fmt.Sprintf("sources[%d]", i)
		switch {
		case s == nil:
			return bad(0, key, "empty entry")
		case s.ID == "":
			return bad(s.Line, key+".id", "missing")
		case ids[s.ID]:
			return bad(s.Line, key+".id", "duplicate id %q", s.ID)
		case s.Title == "":
			return bad(s.Line, key+".title", "missing")
		}
		ids[s.ID] = true
	}
	experiments := map[string]bool{}
	known := metrics.AllNames()
	for i, t := range p.Tables {
		key := fmt.Sprintf("tables[%d]", i)
		switch {
		case t == nil:
			return bad(0, key, "empty entry")
		case t.Experiment == "":
			return bad(t.Line, key+".experiment", "missing")
		case experiments[t.Experiment]:
			return bad(t.Line, key+".experiment", "experiment %q already has a table", t.Experiment)
		case !slices.Contains(datasets.Tasks, t.Task):
			return bad(t.Line, key+".task", "unknown task %q (known: %v)", t.Task, datasets.Tasks)
		case len(t.Metrics) == 0:
			return bad(t.Line, key+".metrics", "empty: name the metrics the paper reports")
		}
		experiments[t.Experiment] = true
		for j, m := range t.Metrics {
			if !slices.Contains(known, m) {
				return bad(t.Line, fmt.Sprintf("%s.metrics[%d]", key, j), "unknown metric %q (known: %v)", m, known)
			}
			if slices.Index(t.Metrics, m) != j {
				return bad(t.Line, fmt.Sprintf("%s.metrics[%d]", key, j), "duplicate metric %q", m)
			}
		}
		seenLosses := map[string]bool{}
		for j, r := range t.Rows {
			if err := p.validateRow(t, r, fmt.Sprintf("%s.rows[%d]", key, j), ids, seenLosses); err != nil {
				return err
			}
		}
		if t.Margin < 0 || math.IsNaN(t.Margin) || math.IsInf(t.Margin, 0) {
			return bad(t.Line, key+".margin", "want a finite number above 0, got %v", t.Margin)
		}
		if known, _ := (&Published{Tables: []*PublishedTable{t}}).Counts(); known > 0 && t.Margin == 0 {
			return bad(t.Line, key+".margin", "missing: a table with published values needs the equivalence margin (e.g. margin: 0.02 for two points of accuracy)")
		}
	}
	return nil
}

func (p *Published) validateRow(t *PublishedTable, r *PublishedRow, key string, sources, seen map[string]bool) error {
	if r == nil {
		return &PublishedError{File: p.File, Line: t.Line, Key: key, Msg: "empty entry"}
	}
	bad := func(line int, k, format string, args ...any) error {
		return &PublishedError{File: p.File, Line: line, Key: key + k, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case r.Method == "":
		return bad(r.Line, ".method", "missing")
	case r.Loss != "" && !slices.Contains(losses.Names(), r.Loss):
		return bad(r.Line, ".loss", "unknown loss %q (known: %v, or \"\" for a method not trained here)", r.Loss, losses.Names())
	case r.Loss != "" && seen[r.Loss]:
		return bad(r.Line, ".loss", "loss %q already has a row in this table", r.Loss)
	case !slices.Contains(provenances, r.Provenance):
		return bad(r.Line, ".status", "unknown status %q (known: %v)", r.Provenance, provenances)
	case r.Source != "" && !sources[r.Source]:
		return bad(r.Line, ".source", "no source with id %q", r.Source)
	}
	seen[r.Loss] = r.Loss != ""
	set := 0
	for _, m := range sortedKeys(r.Values) {
		v := r.Values[m]
		if !slices.Contains(t.Metrics, m) {
			return bad(lineOr(v.Line, r.Line), ".values."+m, "metric %q is not one of the table's metrics %v", m, t.Metrics)
		}
		if !v.Set {
			continue
		}
		set++
		if lo, hi := valueRange(m); v.Value < lo || v.Value > hi {
			return bad(v.Line, ".values."+m, "%s is outside [%g, %g] (accuracies are fractions: write 65.0%% or 0.650)", v.Text, lo, hi)
		}
	}
	switch {
	case r.Provenance == ProvenanceUnknown && set > 0:
		return bad(r.Line, ".status", "unknown, but values are given: set status to verified or secondary")
	case r.Provenance != ProvenanceUnknown && set == 0:
		return bad(r.Line, ".values", "status %s, but no value is given", r.Provenance)
	case r.Provenance != ProvenanceUnknown && r.Source == "":
		return bad(r.Line, ".source", "missing: a %s number needs a source", r.Provenance)
	}
	return nil
}

func lineOr(line, fallback int) int {
	if line > 0 {
		return line
	}
	return fallback
}

// valueRange is the range a published value of the metric must lie in.
func valueRange(metric string) (lo, hi float64) {
	switch metric {
	case metrics.NameAcc, metrics.NameAcc1Off, metrics.NameTop1, metrics.NameTop5:
		return 0, 1
	case metrics.NameQWK, metrics.NameSpearman:
		return -1, 1
	}
	return 0, math.Inf(1)
}

// Table returns the published table of the experiment, or nil.
func (p *Published) Table(experiment string) *PublishedTable {
	if p == nil {
		return nil
	}
	for _, t := range p.Tables {
		if t.Experiment == experiment {
			return t
		}
	}
	return nil
}

// Row returns the row of the table mapped to our loss, or nil.
func (t *PublishedTable) Row(loss string) *PublishedRow {
	if t == nil || loss == "" {
		return nil
	}
	for _, r := range t.Rows {
		if r.Loss == loss {
			return r
		}
	}
	return nil
}

// Citation returns the source with the given id, or nil.
func (p *Published) Citation(id string) *Citation {
	if p == nil {
		return nil
	}
	for _, s := range p.Sources {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Counts returns how many published values are known and how many slots
// are still empty (one per metric of each unknown row).
func (p *Published) Counts() (known, empty int) {
	for _, t := range p.Tables {
		for _, r := range t.Rows {
			for _, m := range t.Metrics {
				if v, ok := r.Values[m]; ok && v.Set {
					known++
				} else {
					empty++
				}
			}
		}
	}
	return known, empty
}
