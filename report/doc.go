// Package report rebuilds the paper's tables from the results database
// and compares them with the published numbers.
//
// Build reads the runs (package results) and aggregates, per experiment,
// the test metrics at each finished run's last epoch over folds and seeds:
// one row per profile × loss × setting, the mean, sample standard
// deviation and Student-t interval of the mean (metrics.TInterval, once
// per cell) and a paired t-test against CE by fold and seed (package
// metrics). What a run is comes from the facts it recorded when it
// started, never from its configuration's JSON: its task
// (results.Run.Task: the columns and the metric that picks a setting) and
// its setting (results.Run.Setting, a settings.Setting; a row's label
// names the fields that vary among the settings of its profile,
// settings.Varying). The losses and their order are the losses registry's.
//
// The CSV files are gota data frames: the long table of every number
// (report.csv) is assembled as one frame and each experiment's table in
// the paper's layout (tables/<experiment>.csv) is pivoted out of it, and
// gota writes both. Its GroupBy and Aggregation are not used: their mean
// and deviation turn on one NaN (gota's NA), a GroupBy on several columns
// joins their values with "_" and so merges distinct keys, and the groups
// come back in map order; the statistics are plain Go in package metrics
// instead. Where a loss has
// several settings, the headline row is chosen on the validation split,
// never the test split. Each headline cell is set beside the published
// number for the same experiment and loss (published.yaml, embedded; an
// edited copy through LoadPublished) with a verdict; only runs under the
// paper profile can be called a reproduction.
//
// WriteAll writes report.md, report.csv, one CSV per experiment under
// tables/, index.html and the figures (learning curves, learned
// ground-distance matrices, confusion matrices; PNG and SVG) under
// figures/. Every file is written atomically, and the same database gives
// byte-identical files: no clock is read, nothing is printed in map order,
// every number has a fixed format.
package report
