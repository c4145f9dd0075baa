// Package metrics computes the evaluation measures of ordinal and orderless
// single-label classification and the summary statistics used by the report
// of the replication of Hou, Yu and Samaras, "Squared Earth Mover's
// Distance-based Loss for Training Deep Neural Networks" (arXiv 1611.05916).
//
// # Inputs
//
// Predictions come either as class indices ([]int, for Accuracy, OneOff,
// MAE, QWK and ConfusionMatrix) or as predicted class probabilities: one row
// of length C per sample, [][]float64, with classes indexed 0 … C−1 and,
// for ordered classes, index order equal to class order. Labels are class
// indices in [0, C). Rows are used as given; they are not renormalised.
//
// # Misuse and data problems
//
// A length mismatch, a probability row whose length is not C, a label
// outside [0, C) or a meaningless parameter (k < 1, a confidence level
// outside (0, 1)) is a programmer error: the function panics with a message
// starting "metrics: ". Trouble that comes from the data is returned as a
// value: an empty input gives NaN, a degenerate statistic (zero variance in
// Spearman's ρ, QWK with a single class used by both raters) gives NaN, a
// probability row containing NaN or ±Inf turns every probability-based
// metric of the set into NaN, and the tests report degenerate cases in a
// status field.
//
// # Per-epoch evaluation
//
// Evaluate computes every applicable metric of a sample set and returns a
// Summary, a map from the stable metric names (NameAcc, NameRPS, …; see
// AllNames) to values. An Accumulator computes the same summary batch by
// batch.
//
// # Statistics for the report
//
// TInterval gives the Student-t confidence interval of a mean over folds or
// seeds; PairedTTest and Wilcoxon compare two methods evaluated on the same
// folds. The paper's line of work reports small gains (PAPER.md §6), so a
// comparison should carry the fold-level spread and a paired test rather
// than a single number.
package metrics
