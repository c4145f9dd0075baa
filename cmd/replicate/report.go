package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/replicate-emd/replicate/report"
	"github.com/replicate-emd/replicate/results"
)

func newReportCmd(g *globalOptions) *cobra.Command {
	var published, out string
	cmd := &cobra.Command{
		Use:   "report [--published <file>] [--out <folder>]",
		Short: "Write the result tables, figures and page from the database",
		Long: `Read the runs of the database and write, into --out (default: the folder of --db):

  report.md          per experiment: the headline table in the paper's layout (a row per
                     profile and loss, mean ± std over folds and seeds of the test metrics at
                     the last epoch), a statistics table (95% t-interval, difference to CE with
                     a paired t-test by fold and seed, the published number and a verdict),
                     every setting when a loss has several (the headline one chosen on the
                     validation split, never the test split), notes and figures
  report.csv         every number of every setting, one line per metric
  tables/<exp>.csv   each experiment's headline table in the paper's layout
  index.html         one page with the tables and figures; opens without a server
  figures/           learning curves, learned ground-distance matrices and confusion
                     matrices, as PNG and SVG

The last line of stdout is the path of index.html.

Published numbers come from the file embedded in the binary (report/published.yaml);
--published reads an edited copy instead, e.g. one where you typed in the numbers of the
paper's tables. Only runs under the paper profile are ever called a reproduction of a
published number. Superseded attempts of rerun runs are left out. A table whose runs
come from several commits, or from a build with uncommitted changes, says so in a
note. The same database gives byte-identical files.

The database is opened read-only: the report never writes to it, and may be run while a
grid is writing it (it reads what was committed when it starts each query).`,
		Example: `  replicate report
  replicate report --db /tmp/r.db --out /tmp/report
  replicate report --published my-published.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var pub *report.Published
			if published != "" {
				var err error
				if pub, err = report.LoadPublished(published); err != nil {
					return err
				}
			}
			index, err := writeReport(cmd.Context(), g.io.Out, g.db, reportDir(g.db, out), pub)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.io.Out, index)
			return nil
		},
	}
	cmd.Flags().StringVar(&published, "published", "", "published numbers to compare with (YAML; default: the embedded report/published.yaml)")
	addOutFlag(cmd, &out)
	return cmd
}

// writeReport writes the report of the database at dbPath into the folder
// out, says what it wrote on w, and returns the path of its index.html
// (absolute when it can tell). pub nil means the embedded published
// numbers.
func writeReport(ctx context.Context, w io.Writer, dbPath, out string, pub *report.Published) (string, error) {
	db, err := openForReport(ctx, dbPath)
	if err != nil {
		return "", err
	}
	defer db.Close()
	rep, err := report.Build(ctx, db, report.Options{Published: pub})
	if err != nil {
		return "", err
	}
	files, err := report.WriteAll(out, rep)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(w, "wrote %d files into %s (%d experiments): %s, %s, %s\n",
		len(files), out, len(rep.Experiments), report.MarkdownFile, report.CSVFile, report.HTMLFile)
	index := filepath.Join(out, report.HTMLFile)
	if abs, err := filepath.Abs(index); err == nil {
		index = abs
	}
	return index, nil
}

// openForReport opens the database the report reads, read-only: it must be
// a replicate database of this binary's schema (an older one is not
// migrated here, since the report never writes).
func openForReport(ctx context.Context, path string) (*results.DB, error) {
	db, err := results.OpenReadOnly(ctx, path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("results database %s: %w (run an experiment first, or pass --db)", path, fs.ErrNotExist)
	}
	if err != nil {
		return nil, err
	}
	if err := db.Outdated(); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w; open it once with this replicate to migrate it (e.g. 'replicate list --db %s')", err, path)
	}
	return db, nil
}
