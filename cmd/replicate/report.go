package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/replicate-emd/replicate/report"
	"github.com/replicate-emd/replicate/results"
)

func newReportCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "report",
		Short: "Write the result tables (markdown and CSV) from the database",
		Long: `Read the finished runs of the database and write, into --out, report.md (one table
per experiment: a row per loss, mean ± std over folds and seeds of the test metrics at
the last epoch) and report.csv (the same numbers, one line per metric).`,
		Example: `  replicate report
  replicate report --db /tmp/r.db --out /tmp/report`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := os.Stat(g.db); err != nil {
				return fmt.Errorf("results database %s: %w (run an experiment first, or pass --db)", g.db, err)
			}
			db, err := results.Open(cmd.Context(), g.db)
			if err != nil {
				return err
			}
			defer db.Close()
			tables, err := report.Build(cmd.Context(), db)
			if err != nil {
				return err
			}
			md, csv := filepath.Join(g.out, "report.md"), filepath.Join(g.out, "report.csv")
			if err := report.WriteFileAtomic(md, func(w io.Writer) error { return report.WriteMarkdown(w, tables) }); err != nil {
				return err
			}
			if err := report.WriteFileAtomic(csv, func(w io.Writer) error { return report.WriteCSV(w, tables) }); err != nil {
				return err
			}
			fmt.Fprintf(g.io.Out, "wrote %s and %s (%d experiments)\n", md, csv, len(tables))
			return nil
		},
	}
}
