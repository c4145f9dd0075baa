package main

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/losses"
	"github.com/replicate-emd/replicate/results"
)

// The shell completions of names: experiments, profiles, losses, datasets,
// the keys --set takes, run statuses and the keys of recorded runs. Each
// returns the names that start with what is typed.

// withPrefix returns the names that start with prefix.
func withPrefix(names []string, prefix string) []string {
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out
}

// completeExperiments completes an experiment name; what looks like a path
// completes as a grid file.
func completeExperiments(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if strings.ContainsAny(toComplete, "./") {
		return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
	}
	names, err := experiments.Names()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	return withPrefix(names, toComplete), cobra.ShellCompDirectiveNoFileComp
}

// completeExperimentArg completes the one experiment argument of a
// command.
func completeExperimentArg(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return completeExperiments(cmd, args, toComplete)
}

// completeProfiles completes a profile name: those of the experiment the
// command line names (--experiment, or the argument of config show), else
// those of every embedded grid.
func completeProfiles(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var names []string
	experiment := ""
	if f := cmd.Flags().Lookup("experiment"); f != nil {
		experiment = f.Value.String()
	}
	if experiment == "" && cmd.Name() == "show" && cmd.Parent() != nil && cmd.Parent().Name() == "config" && len(args) > 0 {
		experiment = args[0]
	}
	if experiment != "" {
		if g, err := experiments.Lookup(experiment); err == nil {
			names = g.ProfileNames()
		}
	} else if grids, err := experiments.Registry(); err == nil {
		for _, g := range grids {
			for _, p := range g.ProfileNames() {
				if !slices.Contains(names, p) {
					names = append(names, p)
				}
			}
		}
		slices.Sort(names)
	}
	return withPrefix(names, toComplete), cobra.ShellCompDirectiveNoFileComp
}

// completeLosses completes the last of a comma-separated list of losses.
func completeLosses(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	done, last := "", toComplete
	if i := strings.LastIndex(toComplete, ","); i >= 0 {
		done, last = toComplete[:i+1], toComplete[i+1:]
	}
	var out []string
	for _, n := range withPrefix(losses.Names(), last) {
		out = append(out, done+n)
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// completeDatasetArg completes the dataset argument of data check.
func completeDatasetArg(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return withPrefix(datasetNames(), toComplete), cobra.ShellCompDirectiveNoFileComp
}

// datasetNames are the registered datasets' names and aliases.
func datasetNames() []string {
	var names []string
	for _, e := range datasets.Entries() {
		names = append(names, e.Name)
		names = append(names, e.Aliases...)
	}
	return names
}

// completeSetKeys completes the key of --set key=value, up to the "=".
func completeSetKeys(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if strings.Contains(toComplete, "=") {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, k := range withPrefix(experiments.ProfileKeys(), toComplete) {
		if !strings.HasSuffix(k, ".") {
			k += "="
		}
		out = append(out, k)
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// recordedStatuses are the statuses a recorded run may have.
var recordedStatuses = []string{string(results.StatusRunning), string(results.StatusFinished), string(results.StatusFailed),
	string(results.StatusDiverged), string(results.StatusInterrupted), string(results.StatusSuperseded)}

func completeStatuses(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return withPrefix(recordedStatuses, toComplete), cobra.ShellCompDirectiveNoFileComp
}

// completeRunKeys completes the key of a recorded run of the database
// --db names, read-only.
func completeRunKeys(g *globalOptions) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		if _, err := os.Stat(g.db); err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		db, err := results.OpenReadOnly(ctx, g.db)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer db.Close()
		runs, err := db.Runs(ctx, results.RunFilter{WithSuperseded: strings.Contains(toComplete, results.SupersededSep)})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, r := range runs {
			if strings.HasPrefix(r.Key, toComplete) {
				out = append(out, r.Key+"\t"+r.Experiment+" "+r.Profile+" "+r.Loss+" fold "+strconv.Itoa(r.Fold)+" "+string(r.Status))
			}
		}
		slices.Sort(out)
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
