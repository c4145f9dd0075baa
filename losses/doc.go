// Package losses holds the losses of Hou, Yu and Samaras, "Squared Earth
// Mover's Distance-based Loss for Training Deep Neural Networks" (arXiv
// 1611.05916): plain-Go references with gradients, the ground-distance
// matrices they use, an exact transport solver, and gorgonia graph builders
// used by training.
//
// # The registry
//
// The registry (registry.go: Lookup, Names) is the one list of the losses
// the project trains, in the order of the paper's tables: each Spec says
// its head, its EMD² term, where its ground distance comes from, its
// weights, whether it needs ordered classes (Spec.NeedsOrder) and whether
// it trains on target distributions (Spec.SoftTargets). Grids, training,
// the report and the published numbers all ask it.
//
// # Losses
//
// With C classes, logits z, p = softmax(z) and a target row t (one-hot at the
// label y, or a soft row summing to 1), CDF_p(k) = p_0 + … + p_k:
//
//	EMD2(p, t)            = (1/C) Σ_k (CDF_p(k) − CDF_t(k))²   ordered classes, the paper's code
//	RPS(p, t)             =       Σ_k (CDF_p(k) − CDF_t(k))²   the same without 1/C
//	CrossEntropy(z, t)    = −Σ_k t_k log softmax(z)_k
//	L2(o, y)              = (o − y)²                           one scalar output per sample
//	CostMatrixEMD2(p,y,D) = (1/C) Σ_i (p_i − t_i)² D[y][i]       orderless classes, ground distance D
//	CE + EMD²             = w_CE·CE + w_EMD·E,  E either EMD2 or the cost-matrix form
//
// Each has a plain-Go reference that returns the value and the gradient with
// respect to the logits (the …Grad functions), and a gorgonia graph builder
// (the …Node functions) that returns the batch mean. The registry (Lookup,
// Names) names the combinations the rest of the project trains with.
//
// # Ground distances
//
// OrderedDistance builds |i−j|^p, ReadDistanceCSV reads a user-given matrix,
// and LearnedGroundDistance builds the matrix the paper learns from the
// network's penultimate features (its §2 recipe).
//
// # Exact EMD
//
// EMD solves the transport problem exactly (a transportation simplex). It is a
// metric in its own right and the oracle that the closed forms are checked
// against.
//
// # Errors and panics
//
// As in gonum, a shape or length mismatch is a programming error and panics
// with a message that starts with "losses: ". Functions that return only a
// float do not check that their inputs are probabilities: a NaN in gives a
// NaN out (use ValidateDistribution first when the data may be bad).
// Functions that return an error report data problems (NaN, negative mass,
// an empty class, a malformed file) as that error.
package losses
