package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/results"
)

// listedRun is one line of `replicate list`; its JSON field names are part
// of the command's interface.
type listedRun struct {
	Key        string  `json:"key"`
	Experiment string  `json:"experiment"`
	Profile    string  `json:"profile"`
	Dataset    string  `json:"dataset"`
	Loss       string  `json:"loss"`
	Fold       int     `json:"fold"`
	LR         float64 `json:"lr"`
	EMDWeight  float64 `json:"emd_weight,omitempty"` // of a combined loss; 0: its default
	Seed       uint64  `json:"seed"`
	Status     string  `json:"status"` // pending, or the status in the database
	// Overrides are the --set overrides that gave the run's profile.
	Overrides []string `json:"overrides"`
}

func newListCmd(g *globalOptions) *cobra.Command {
	var asJSON bool
	var experiment string
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "list [--experiment <name>]",
		Short: "List the runs of the declared experiments and which are done",
		Long: `List the runs that 'replicate all' (or --experiment) would train, one line per run,
with their key and their status in the database: pending (not in the database yet),
running, finished, failed, diverged or interrupted. Filters (--loss, --fold, --shard),
--profile and --set select runs as they do for training: a loss or fold that no listed
run has, or a combination that selects nothing, is an error; an empty shard lists
nothing. An override changes a run's configuration, hence its key: the runs it gives
are pending until trained.`,
		Example: `  replicate list
  replicate list --experiment smoke --json
  replicate list --experiment smoke --set epochs=3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			names := []string{experiment}
			if experiment == "" {
				var err error
				if names, err = experiments.Names(); err != nil {
					return err
				}
			}
			specs, all, err := selectAndExpand(g, o, names)
			if err != nil {
				return err
			}
			status, err := runStatuses(cmd, g, specs, all)
			if err != nil {
				return err
			}
			rows := make([]listedRun, 0, len(specs))
			for _, s := range specs {
				st := status[s.Key()]
				if st == "" {
					st = "pending"
					if s.ChosenOnly() {
						st = "pending if chosen" // trains only if its setting is chosen on the tune folds
					}
				}
				overrides := s.Overrides
				if overrides == nil {
					overrides = []string{}
				}
				rows = append(rows, listedRun{s.Key(), s.Experiment, s.Profile, s.Dataset.Name, s.Loss, s.Fold, s.LR, s.LossOptions.EMDWeight, s.Seed, st, overrides})
			}
			if asJSON {
				enc := json.NewEncoder(g.io.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			tw := tabwriter.NewWriter(g.io.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tEXPERIMENT\tPROFILE\tDATASET\tLOSS\tFOLD\tLR\tEMD_W\tSEED\tSTATUS")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%g\t%s\t%d\t%s\n", r.Key, r.Experiment, r.Profile, r.Dataset, r.Loss, r.Fold, r.LR, emdWeightText(r.EMDWeight), r.Seed, r.Status)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if len(o.sets) > 0 {
				fmt.Fprintf(g.io.Out, "overrides: %s\n", strings.Join(o.sets, " "))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&experiment, "experiment", "e", "", "list only the experiment `name`")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	cmd.Flags().StringSliceVar(&o.losses, "loss", nil, "only these losses")
	cmd.Flags().IntSliceVar(&o.folds, "fold", nil, "only these folds")
	cmd.Flags().StringVar(&o.shard, "shard", "", "only shard `i/N`")
	addSetFlag(cmd, &o.sets)
	_ = cmd.RegisterFlagCompletionFunc("experiment", completeExperiments)
	_ = cmd.RegisterFlagCompletionFunc("loss", completeLosses)
	return cmd
}

// runStatuses reads the status of every run in the database; a database
// that does not exist yet means every run is pending. A run of specs that
// waits for the pick on its profile's tune folds, when the pick is settled
// and is another setting, reads "not chosen" (keepChosen decides, as a
// grid run would; all is the whole expanded grid).
func runStatuses(cmd *cobra.Command, g *globalOptions, specs, all []experiments.RunSpec) (map[string]string, error) {
	out := map[string]string{}
	if _, err := os.Stat(g.db); errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	db, err := results.Open(cmd.Context(), g.db)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	runs, err := db.Runs(cmd.Context(), results.RunFilter{})
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		out[r.Key] = string(r.Status)
	}
	_, later := splitTuned(specs)
	if len(later) == 0 {
		return out, nil
	}
	kept, err := keepChosen(cmd.Context(), io.Discard, db, runs, all, later, true)
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, s := range kept {
		keep[s.Key()] = true
	}
	for _, s := range later {
		if k := s.Key(); out[k] == "" && !keep[k] {
			out[k] = "not chosen"
		}
	}
	return out, nil
}
