// Package losses holds the losses of Hou, Yu and Samaras, "Squared Earth
// Mover's Distance-based Loss for Training Deep Neural Networks" (arXiv
// 1611.05916): plain-Go references with gradients, and gorgonia graph
// builders used by training.
package losses
