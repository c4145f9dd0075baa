package main

import (
	"github.com/spf13/cobra"

	"github.com/replicate-emd/replicate/experiments"
)

// configShowOptions are the flags of replicate config show.
type configShowOptions struct {
	io      *streams
	name    string   // an embedded grid, or a grid file
	profile string   // "" with no --set: the grid as embedded
	sets    []string // --set key=value
}

func newConfigCmd(g *globalOptions, runF func(*configShowOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show the experiment grids",
		Args:  cobra.NoArgs,
	}
	opts := &configShowOptions{io: g.io}
	show := &cobra.Command{
		Use:   "show <name> [--profile <name>] [--set <key=value>]...",
		Short: "Print an experiment grid, as embedded or as one profile's runs see it",
		Long: `Print the YAML of an embedded experiment grid (or of a grid file) as the binary
embeds it, comments included.

With --profile (or --set) it prints the grid as the runs of that profile (default: the
grid's own) see it: only that profile, with the --set overrides written into it,
aliases expanded and default_profile naming it. Saved to a file, it is a grid whose runs
have the same keys: 'replicate --experiment FILE' runs them (a dataset path in it stays
relative to the folder of the grid it came from).`,
		Example: `  replicate config show smoke
  replicate config show mnist-rotation --profile cpu
  replicate config show mnist-rotation --profile smoke --set epochs=3 > grid.yaml`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeExperimentArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.name, opts.profile = args[0], g.profile
			if runF != nil {
				return runF(opts)
			}
			return runConfigShow(opts)
		},
	}
	addSetFlag(show, &opts.sets)
	cmd.AddCommand(show)
	return cmd
}

// runConfigShow prints the grid.
func runConfigShow(opts *configShowOptions) error {
	sets, err := experiments.ParseOverrides(opts.sets)
	if err != nil {
		return err
	}
	var text []byte
	if opts.profile == "" && len(sets) == 0 {
		text, err = experiments.Source(opts.name)
	} else {
		text, err = experiments.Resolve(opts.name, opts.profile, sets)
	}
	if err != nil {
		return err
	}
	_, err = opts.io.Out.Write(text)
	return err
}
