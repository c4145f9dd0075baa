// Package models builds the gorgonia networks of the project: an MLP, a
// configurable CNN (by default the small two-block CNN of DESIGN.md) and the
// face AlexNet of Levi & Hassner named in PAPER.md §3. Each exposes its
// logits and its penultimate features (post-ReLU, non-negative).
//
// # The registry
//
// Every network is one [Entry] of the registry (registry.go): its name
// (mlp, cnn, face-alexnet), whether it takes images, whether its widths are
// fixed, and how it is built from a run's model settings
// ([settings.Model]). Grids validate model names against [Lookup] and
// [Names] and bound their widths with [Entry.ConvWidths]; training builds
// through [New] and reads the dtype with [ParseDtype]. A new network is its
// file plus its line in the registry.
//
// # Weights outlive graphs
//
// A network owns its weights (Params, in a fixed order). Build and
// BuildEval bind those tensors — not copies — into a graph, so one network
// can have a training graph at batch B and a forward-only evaluation graph
// at another batch size, and an optimiser that updates Params in place
// updates every graph. A training loop does, once per run:
//
//	net, err := models.NewCNN(models.CNNOptions{Dtype: tensor.Float32,
//		Channels: 1, Height: 28, Width: 28, Outputs: 8, Seed: seed})
//
//	g := G.NewGraph() // training graph: dropout active
//	x := G.NewTensor(g, dt, 4, G.WithShape(B, 1, 28, 28), G.WithValue(xs)) // or B×784
//	built, err := net.Build(g, x)
//	loss := …(built.Logits, targets)
//	_, err = G.Grad(loss, built.Weights...)
//	vm := G.NewTapeMachine(g, G.BindDualValues(built.Weights...))
//
//	ge := G.NewGraph() // evaluation graph: no dropout
//	xe := G.NewTensor(ge, dt, 4, G.WithShape(E, 1, 28, 28), G.WithValue(xes))
//	eval, err := models.BuildEval(net, ge, xe)
//	var feats G.Value
//	G.Read(eval.Features, &feats) // see "Reading values" below
//	evm := G.NewTapeMachine(ge)
//
// and then per step: fill xs in place, vm.RunAll(), read the gradients of
// built.Weights, update Params, zero the gradients, vm.Reset(). Nothing is
// rebuilt per step. The tape machine adds into bound gradients on every
// run, so they must be zeroed after each step. A graph's machine must not
// run while the optimiser writes the weights, and one machine must not run
// on two goroutines at once (the fused ops keep per-graph scratch).
//
// # Dtypes, initialisation, determinism
//
// Networks are float64 (the default) or float32; the input must have the
// network's dtype. Weights are drawn from a PCG generator seeded by the
// network's seed (init.go: He-uniform convolutions, Glorot-uniform fully
// connected layers, zero biases); float32 weights are the float64 draws
// rounded. Dropout masks come from a second seeded stream. Runs repeat bit
// for bit on the same machine and GOMAXPROCS; the fused kernels sum the
// filter gradient in per-goroutine partial sums, so another GOMAXPROCS can
// change the last bits.
//
// # Kernels and BLAS
//
// A CNN computes its convolution blocks either with the Fused kernels (the
// default: one gorgonia op per block — convolution, bias, ReLU, max-pool —
// with a hand-written gradient, fused_conv.go) or with the Native kernels
// (gorgonia's Conv2d, BroadcastAdd, Rectify and MaxPool2D composed). Both
// give the same values and gradients; on the small CNN's training step
// Fused is 5× faster with OpenBLAS (2× with gonum) and allocates 1.3 MB
// per step instead of 173 MB (bench/README.md). Fused blocks return the same
// output tensors on every run (see "Reading values"). Matrix products, the
// fused blocks' and gorgonia's own (G.Mul), use by default package gemm in
// float32 (an AVX2 kernel in assembly where the CPU has it; blas_gonum.go
// installs it as gorgonia's BLAS) and gonum's pure-Go BLAS in float64, and
// OpenBLAS for both when built with -tags openblas (blas_openblas.go). BLAS
// reports which.
//
// # Verification
//
// ops_test.go checks every gorgonia op the networks use (Conv2d, MaxPool2D,
// Rectify, Mul, BroadcastAdd, Reshape, the LRN pieces) and the fused block
// against plain-Go references (reference_test.go), values and gradients,
// to 1e-9 in float64; gradcheck_test.go checks the gradient of whole tiny
// networks with a cross-entropy head against central finite differences
// on every weight.
//
// # Reading values
//
// After RunAll, Value() of an intermediate node may hold what a later
// instruction wrote into the same register (TestGorgonia_IntermediateValues),
// and a value kept from one run may change in the next (the fused blocks
// reuse their output tensors). Read features, logits or probabilities with
// G.Read, which copies the value when it is computed, or make them the last
// node of the graph and copy what you keep.
package models
