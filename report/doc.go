// Package report rebuilds the paper's tables from the results database
// and compares them with the published numbers.
//
// Build reads the runs (package results) and aggregates, per experiment,
// the test metrics at each finished run's last epoch over folds and seeds:
// one row per profile × loss × setting (learning rate and the other
// configuration fields that vary), the mean and sample standard deviation
// (gota data frames), the Student-t interval of the mean and a paired
// t-test against CE by fold and seed (package metrics). Where a loss has
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
