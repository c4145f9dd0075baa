package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/results"
	"github.com/replicate-emd/replicate/runner"
)

func newAllCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "all",
		Short: "Run every experiment whose data is present",
		Long: `Run every declared experiment whose data is present on this machine, at each
experiment's default profile (or --profile). Finished runs are skipped.`,
		Example: `  replicate all
  replicate all --db /tmp/r.db --profile smoke`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			grids, err := experiments.Registry()
			if err != nil {
				return err
			}
			names := make([]string, len(grids))
			for i, gr := range grids {
				names[i] = gr.Name
			}
			return runExperiments(cmd.Context(), g, names)
		},
	}
}

// runExperiments expands the named grids and runs them against the
// database, printing progress on stderr and a summary on stdout.
func runExperiments(ctx context.Context, g *globalOptions, names []string) error {
	var specs []experiments.RunSpec
	for _, name := range names {
		grid, err := experiments.Lookup(name)
		if err != nil {
			return err
		}
		s, err := grid.Expand(g.profile)
		if err != nil {
			return err
		}
		specs = append(specs, s...)
	}
	db, err := results.Open(ctx, g.db)
	if err != nil {
		return err
	}
	defer db.Close()
	r := &runner.Runner{Store: db, Reporter: newTextReporter(g.io.ErrOut, g.io.errTTY), Env: runner.CurrentEnv()}
	sum, err := r.Run(ctx, specs)
	fmt.Fprintf(g.io.Out, "%d runs: %d trained, %d already finished, %d failed, %d diverged (database %s)\n",
		len(specs), sum.Finished, sum.Skipped, sum.Failed, sum.Diverged, db.Path())
	return err
}
