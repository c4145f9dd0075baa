package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/suggest"
)

func newDataCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "data",
		Short: "Inspect the datasets on this machine",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newDataCheckCmd(g))
	return cmd
}

// datasetList lists the registered datasets for the help, one a line:
// name, aliases, what it is.
func datasetList() string {
	var b strings.Builder
	for _, e := range datasets.Entries() {
		name := e.Name
		if len(e.Aliases) > 0 {
			name += " (" + strings.Join(e.Aliases, ", ") + ")"
		}
		fmt.Fprintf(&b, "  %-22s %s\n", name, e.Summary)
	}
	return strings.TrimRight(b.String(), "\n")
}

func newDataCheckCmd(g *globalOptions) *cobra.Command {
	var root string
	var asJSON, skipImages bool
	opts := datasets.CheckOptions{}
	cmd := &cobra.Command{
		Use:   "check <name> [--root <dir>] [--lenient] [--json]",
		Short: "Validate a dataset folder before training on it",
		Long: fmt.Sprintf(`Read a dataset's metadata and images and report, from the metadata, the rows per
class and per fold, the rows dropped by reason and the malformed lines (file:line), and
separately how many images are present, missing or unreadable.

The folder is --root, else $REPLICATE_DATA_<NAME>, else $REPLICATE_DATA/<name>
(features: the CSV file). The datasets (the registry of package datasets):

%s

The check fails (exit status 1) when a strict load would refuse the data: a malformed
line, or a missing or unreadable image. With --lenient it fails only when nothing can
be read at all.`, datasetList()),
		Example: `  replicate data check adience --root ~/data/adience
  replicate data check adience --root ../shared/real-samples/adience --lenient --json`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeDatasetArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := datasets.Lookup(args[0]); err != nil {
				// The registry's sentinel, in the words of suggest.Unknown.
				msg := strings.TrimPrefix(suggest.Unknown("dataset", args[0], datasets.Names()), datasets.ErrUnknownDataset.Error())
				return fmt.Errorf("%w%s", datasets.ErrUnknownDataset, msg)
			}
			opts.SkipImages = skipImages
			rep, checkErr := datasets.Check(cmd.Context(), args[0], root, opts)
			if rep == nil {
				return checkErr
			}
			if asJSON {
				enc := json.NewEncoder(g.io.Out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else if err := rep.WriteText(g.io.Out); err != nil {
				return err
			}
			return checkErr
		},
	}
	f := cmd.Flags()
	f.StringVar(&root, "root", "", "dataset `folder` (or file, for features)")
	f.BoolVar(&opts.Lenient, "lenient", false, "accept malformed lines and missing or unreadable images (still reported)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.BoolVar(&skipImages, "skip-images", false, "check the metadata only")
	f.IntVar(&opts.MaxImages, "max-images", 0, "check at most this many images (0: all)")
	return cmd
}
