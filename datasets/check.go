package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
)

// CheckOptions configures Check.
type CheckOptions struct {
	// Lenient accepts malformed lines and missing or unreadable images
	// (they are still reported): Check then fails only when nothing can be
	// read at all.
	Lenient bool
	// SkipImages does not look at the image files.
	SkipImages bool
	// MaxImages checks at most this many images (0: all), the first ones
	// in list order.
	MaxImages int
	// Workers decode images in parallel (0: GOMAXPROCS).
	Workers int
	// Getenv reads the environment for ResolveRoot (nil: os.Getenv).
	Getenv func(string) string
}

// CheckResult is the result of Check. Its JSON field names are the
// interface of `replicate data check --json`.
type CheckResult struct {
	Dataset   string      `json:"dataset"`   // dataset name
	Root      string      `json:"root"`      // root folder (or file) checked
	Lenient   bool        `json:"lenient"`   // lenient mode
	Files     []string    `json:"files"`     // metadata files read
	Rows      int         `json:"rows"`      // well-formed data rows
	Kept      int         `json:"kept"`      // rows that became samples
	Classes   []Count     `json:"classes"`   // kept samples per class
	Folds     []Count     `json:"folds"`     // kept samples per fold or split
	Dropped   []Count     `json:"dropped"`   // dropped rows per reason, sorted by reason
	Malformed []LineIssue `json:"malformed"` // malformed lines (file:line)
	Images    ImageCounts `json:"images"`    // image files of the kept samples
	OK        bool        `json:"ok"`        // no problem a strict load would refuse
	Problems  []string    `json:"problems"`  // why not OK
}

// Count is one row of a count table.
type Count struct {
	Index int    `json:"index"` // class or fold index (-1 for drop reasons)
	Name  string `json:"name"`  // class, fold or reason name
	Count int    `json:"count"` // number of samples or rows
}

// ImageCounts counts the image files named by the kept samples (each file
// once). Present + Missing + Unreadable = Total when Checked.
type ImageCounts struct {
	Checked    bool           `json:"checked"`    // whether images were looked at
	Total      int            `json:"total"`      // distinct image files checked
	Present    int            `json:"present"`    // exist and decode
	Missing    int            `json:"missing"`    // do not exist
	Unreadable int            `json:"unreadable"` // exist but do not decode
	Examples   []ImageProblem `json:"examples"`   // the first problems, sorted by path
}

// ImageProblem is one missing or unreadable image.
type ImageProblem struct {
	Path  string `json:"path"`  // image file
	Error string `json:"error"` // "missing" or the decoding error
}

// maxExamples bounds CheckResult.Images.Examples.
const maxExamples = 20

// Check reads the registered dataset name (Lookup) under root (resolved by
// ResolveRoot: the --root value, else REPLICATE_DATA_<NAME>, else
// $REPLICATE_DATA/<name>; the MNIST-format datasets fall back to their
// default folders, features takes the CSV file as root, synthetic needs
// none) and reports, from the metadata, the samples per class and
// per fold, the rows dropped by reason and the malformed lines; then it
// decodes every image of the kept samples and counts the present, missing
// and unreadable ones. It returns the report and, when the data has problems
// a strict load would refuse (malformed lines, missing or unreadable
// images; in lenient mode: no sample at all), an error wrapping
// ErrCheckFailed. A root that cannot be read at all is an error with a nil
// report.
func Check(ctx context.Context, name, root string, opts CheckOptions) (*CheckResult, error) {
	root = ResolveRoot(name, root, opts.Getenv)
	rep := &CheckResult{Dataset: name, Root: root, Lenient: opts.Lenient, Files: []string{},
		Classes: []Count{}, Folds: []Count{}, Dropped: []Count{}, Malformed: []LineIssue{}, Problems: []string{},
		Images: ImageCounts{Examples: []ImageProblem{}}}
	e, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	err = e.check(ctx, root, opts, rep)
	if err != nil {
		return nil, err
	}
	rep.judge()
	if !rep.OK {
		return rep, fmt.Errorf("%s: %s: %w", name, strings.Join(rep.Problems, "; "), ErrCheckFailed)
	}
	return rep, nil
}

// judge sets OK and Problems.
func (r *CheckResult) judge() {
	if r.Kept == 0 {
		r.Problems = append(r.Problems, "no sample")
	}
	if !r.Lenient {
		if n := len(r.Malformed); n > 0 {
			r.Problems = append(r.Problems, fmt.Sprintf("%d malformed line(s)", n))
		}
		if r.Images.Missing > 0 {
			r.Problems = append(r.Problems, fmt.Sprintf("%d missing image(s)", r.Images.Missing))
		}
		if r.Images.Unreadable > 0 {
			r.Problems = append(r.Problems, fmt.Sprintf("%d unreadable image(s)", r.Images.Unreadable))
		}
	}
	r.OK = len(r.Problems) == 0
}

// fromSummary copies what a loader read, kept and left out.
func (r *CheckResult) fromSummary(lr *LoadSummary) {
	if lr == nil {
		return
	}
	r.Files = append(r.Files, lr.Files...)
	r.Rows, r.Kept = lr.Rows, lr.Kept
	for _, reason := range lr.DropReasons() {
		r.Dropped = append(r.Dropped, Count{Index: -1, Name: reason, Count: lr.Dropped[reason]})
	}
	r.Malformed = append(r.Malformed, lr.Malformed...)
}

// setCounts fills the class and fold tables.
func (r *CheckResult) setCounts(info Info, perClass, perFold []int) {
	for i, n := range perClass {
		r.Classes = append(r.Classes, Count{Index: i, Name: nameAt(info.ClassNames, i), Count: n})
	}
	for i, n := range perFold {
		r.Folds = append(r.Folds, Count{Index: i, Name: nameAt(info.FoldNames, i), Count: n})
	}
}

func nameAt(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return fmt.Sprint(i)
}

// checkList checks a list-based dataset.
func (r *CheckResult) checkList(ctx context.Context, opts CheckOptions, load func() (*List, error)) error {
	l, err := load()
	if err != nil {
		return err
	}
	r.fromSummary(l.Summary)
	r.setCounts(l.Info(), l.ClassCounts(), l.FoldCounts())
	if opts.SkipImages {
		return nil
	}
	ic := newImageChecker(ctx, opts)
	seen := make(map[string]bool)
	for _, s := range l.Samples {
		if s.Path == "" || seen[s.Path] {
			continue
		}
		seen[s.Path] = true
		if !ic.add(filepath.Join(l.Root, s.Path)) {
			break
		}
	}
	r.Images = ic.wait()
	return ctx.Err()
}

// checkImageNet streams ImageNet without building a list.
func (r *CheckResult) checkImageNet(ctx context.Context, root string, opts CheckOptions) error {
	var ic *imageChecker
	if !opts.SkipImages {
		ic = newImageChecker(ctx, opts)
	}
	var perClass, perFold []int
	info, lr, err := WalkImageNet(ctx, root, ImageNetOptions{Lenient: true}, func(s Sample) error {
		for s.Label >= len(perClass) {
			perClass = append(perClass, 0)
		}
		for s.Fold >= len(perFold) {
			perFold = append(perFold, 0)
		}
		perClass[s.Label]++
		perFold[s.Fold]++
		if ic != nil {
			ic.add(filepath.Join(root, s.Path))
		}
		return nil
	})
	if ic != nil {
		r.Images = ic.wait()
	}
	if err != nil {
		return err
	}
	perClass = append(perClass, make([]int, max(0, info.Classes-len(perClass)))...)
	perFold = append(perFold, make([]int, max(0, len(info.FoldNames)-len(perFold)))...)
	r.fromSummary(lr)
	r.setCounts(info, perClass, perFold)
	return ctx.Err()
}

// checkMemory checks an in-memory dataset; a parse error becomes a
// malformed entry.
func (r *CheckResult) checkMemory(load func() (*Memory, error)) error {
	m, err := load()
	var pe *ParseError
	if errors.As(err, &pe) {
		r.Files = append(r.Files, pe.File)
		r.Malformed = append(r.Malformed, LineIssue{File: pe.File, Line: pe.Line, Message: pe.Err.Error()})
		return nil
	}
	if err != nil {
		return err
	}
	r.Rows, r.Kept = m.Len(), m.Len()
	perClass := make([]int, m.Classes)
	var perFold []int
	for i, y := range m.Y {
		perClass[y]++
		for m.Fold[i] >= len(perFold) {
			perFold = append(perFold, 0)
		}
		perFold[m.Fold[i]]++
	}
	r.setCounts(m.Info(), perClass, perFold)
	return nil
}

// imageChecker decodes image files on a pool of workers.
type imageChecker struct {
	ctx    context.Context
	max    int
	sent   int
	jobs   chan string
	wg     sync.WaitGroup
	mu     sync.Mutex
	counts ImageCounts
	probs  []ImageProblem
}

func newImageChecker(ctx context.Context, opts CheckOptions) *imageChecker {
	w := opts.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	c := &imageChecker{ctx: ctx, max: opts.MaxImages, jobs: make(chan string, 4*w)}
	c.counts.Checked = true
	for range w {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			for p := range c.jobs {
				c.check(p)
			}
		}()
	}
	return c
}

// add queues one file; it returns false when no more files are wanted.
func (c *imageChecker) add(path string) bool {
	if (c.max > 0 && c.sent >= c.max) || c.ctx.Err() != nil {
		return false
	}
	c.sent++
	select {
	case c.jobs <- path:
		return true
	case <-c.ctx.Done():
		return false
	}
}

func (c *imageChecker) check(path string) {
	if c.ctx.Err() != nil {
		return
	}
	_, err := readImageFile(c.ctx, path)
	if err != nil && c.ctx.Err() != nil {
		return // cancelled: not a verdict on the image
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts.Total++
	switch {
	case err == nil:
		c.counts.Present++
	case errors.Is(err, ErrImageMissing):
		c.counts.Missing++
		c.probs = append(c.probs, ImageProblem{Path: path, Error: "missing"})
	default:
		c.counts.Unreadable++
		c.probs = append(c.probs, ImageProblem{Path: path, Error: err.Error()})
	}
}

// wait finishes the queue and returns the counts.
func (c *imageChecker) wait() ImageCounts {
	close(c.jobs)
	c.wg.Wait()
	sort.Slice(c.probs, func(i, j int) bool { return c.probs[i].Path < c.probs[j].Path })
	c.counts.Examples = append([]ImageProblem{}, c.probs[:min(len(c.probs), maxExamples)]...)
	return c.counts
}

// WriteText writes the report for people: counts as aligned tables, the
// malformed lines and image problems, and a closing verdict line.
func (r *CheckResult) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	mode := "strict"
	if r.Lenient {
		mode = "lenient"
	}
	ew.printf("dataset %s, root %s (%s)\n", r.Dataset, r.Root, mode)
	if len(r.Files) > 0 {
		ew.printf("files: %s\n", strings.Join(r.Files, ", "))
	}
	ew.printf("rows: %d read, %d kept, %d dropped, %d malformed lines\n", r.Rows, r.Kept, sumCounts(r.Dropped), len(r.Malformed))
	r.table(ew, "per class", r.Classes)
	r.table(ew, "per fold", r.Folds)
	r.table(ew, "dropped by reason", r.Dropped)
	if len(r.Malformed) > 0 {
		ew.printf("malformed lines:\n")
		for _, m := range r.Malformed {
			ew.printf("  %s\n", m)
		}
	}
	if r.Images.Checked {
		im := r.Images
		ew.printf("images: %d checked: %d present, %d missing, %d unreadable\n", im.Total, im.Present, im.Missing, im.Unreadable)
		for _, p := range im.Examples {
			ew.printf("  %s: %s\n", p.Path, p.Error)
		}
		if n := im.Missing + im.Unreadable - len(im.Examples); n > 0 {
			ew.printf("  … and %d more\n", n)
		}
	} else {
		ew.printf("images: not checked\n")
	}
	if r.OK {
		ew.printf("ok\n")
	} else {
		ew.printf("problems: %s\n", strings.Join(r.Problems, "; "))
	}
	return ew.err
}

func (r *CheckResult) table(ew *errWriter, title string, rows []Count) {
	if len(rows) == 0 {
		return
	}
	ew.printf("%s:\n", title)
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, c := range rows {
		fmt.Fprintf(tw, "  %s\t%d\t\n", c.Name, c.Count)
	}
	if err := tw.Flush(); err != nil && ew.err == nil {
		ew.err = err
	}
}

func sumCounts(c []Count) int {
	n := 0
	for _, x := range c {
		n += x.Count
	}
	return n
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

// Write writes p unless an earlier write failed.
func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
