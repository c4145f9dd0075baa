package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/replicate-emd/replicate/results"
)

func newMergeCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "merge <out.db> <in.db>...",
		Short: "Merge shard databases into one",
		Long: `Copy the runs of each input database, with their metrics and artifacts, into the
output database (created if needed). Where both hold a run, the output keeps its own
unless only the input's is finished (a finished run always wins), or the input's run
is a rerun of the output's (--rerun there kept the output's attempt as superseded).
The superseded attempts of rerun runs (KEY~N) are copied too, each attempt once. Merging
the same input twice changes nothing.

The inputs are opened read-only and never written (not even migrated). Each must be a
replicate database: an empty file, a file that is not SQLite, a SQLite file of another
program, or a database of a newer replicate is refused before the output is touched.
An input of an older replicate is merged as it is: the columns it lacks take their
defaults.`,
		Example: `  replicate merge results/replicate.db shard-0.db shard-1.db shard-2.db shard-3.db`,
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMerge(cmd.Context(), g, args[0], args[1:])
		},
	}
}

// runMerge checks every input before it creates or changes the output, then
// merges them in order.
func runMerge(ctx context.Context, g *globalOptions, outPath string, inputs []string) error {
	for _, in := range inputs {
		db, err := results.OpenReadOnly(ctx, in)
		if err != nil {
			return fmt.Errorf("merge: %w", err)
		}
		db.Close()
	}
	out, err := results.Open(ctx, outPath)
	if err != nil {
		return err
	}
	defer out.Close()
	for _, in := range inputs {
		st, err := out.Merge(ctx, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.io.Out, "%s: %d added, %d replaced, %d kept\n", in, st.Added, st.Replaced, st.Kept)
	}
	return nil
}
