package main

import (
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
unless only the input's is finished: a finished run always wins. Merging the same
input twice changes nothing.`,
		Example: `  replicate merge results/replicate.db shard-0.db shard-1.db shard-2.db shard-3.db`,
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := results.Open(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer out.Close()
			for _, in := range args[1:] {
				st, err := out.Merge(cmd.Context(), in)
				if err != nil {
					return err
				}
				fmt.Fprintf(g.io.Out, "%s: %d added, %d replaced, %d kept\n", in, st.Added, st.Replaced, st.Kept)
			}
			return nil
		},
	}
}
