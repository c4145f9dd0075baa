package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/replicate-emd/replicate/experiments"
)

type listItem struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Dataset     string   `json:"dataset"`
	Losses      []string `json:"losses"`
	Profiles    []string `json:"profiles"`
	Runs        int      `json:"runs"`
}

func newListCmd(g *globalOptions) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the declared experiments",
		Long:  "List the experiments declared in the registry, with their dataset, losses, profiles and the number of runs of the default (or --profile) profile.",
		Example: `  replicate list
  replicate list --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			grids, err := experiments.Registry()
			if err != nil {
				return err
			}
			items := []listItem{}
			for _, gr := range grids {
				specs, err := gr.Expand(g.profile)
				if err != nil {
					specs = nil // the profile does not exist for this grid
				}
				items = append(items, listItem{gr.Name, gr.Description, gr.Dataset.Name, gr.Losses, gr.ProfileNames(), len(specs)})
			}
			if asJSON {
				enc := json.NewEncoder(g.io.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(items)
			}
			tw := tabwriter.NewWriter(g.io.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tDATASET\tLOSSES\tPROFILES\tRUNS\tDESCRIPTION")
			for _, it := range items {
				fmt.Fprintf(tw, "%s\t%s\t%v\t%v\t%d\t%s\n", it.Name, it.Dataset, it.Losses, it.Profiles, it.Runs, it.Description)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
