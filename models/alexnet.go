package models

// FaceAlexNetOptions returns the options of the small AlexNet for faces of
// Levi & Hassner (2015), the network PAPER.md §3 names for this line of
// work, with classes outputs and initial weights from seed (float64; set
// Dtype for float32):
//
//	input 3×227×227
//	conv 96@7×7 stride 4,  ReLU, max-pool 3×3 stride 2, LRN   → 96×28×28
//	conv 256@5×5 pad 2,    ReLU, max-pool 3×3 stride 2, LRN   → 256×14×14
//	conv 384@3×3 pad 1,    ReLU, max-pool 3×3 stride 2        → 384×7×7
//	FC 18816→512, ReLU, dropout 0.5; FC 512→512, ReLU, dropout 0.5; FC 512→classes
//
// The pools round up as Caffe's do (CeilPool), which gives the 28, 14 and 7
// of the original model; LRN is CaffeLRN (size 5, α 1e-4, β 0.75, k 1).
// It needs the Fused kernels (the default). The penultimate features are
// the second FC layer after its ReLU (512 wide); dropout acts in graphs
// made by Build and not in those made by BuildEval.
func FaceAlexNetOptions(classes int, seed uint64) CNNOptions {
	return CNNOptions{
		Channels: 3, Height: 227, Width: 227,
		Convs: []ConvLayer{
			{Filters: 96, Kernel: 7, Stride: 4, Pool: 3, PoolStride: 2, CeilPool: true, LRN: true},
			{Filters: 256, Kernel: 5, Pad: 2, Pool: 3, PoolStride: 2, CeilPool: true, LRN: true},
			{Filters: 384, Kernel: 3, Pad: 1, Pool: 3, PoolStride: 2, CeilPool: true},
		},
		Hidden:  []int{512, 512},
		Outputs: classes,
		Dropout: 0.5,
		LRN:     CaffeLRN,
		Seed:    seed,
	}
}

// NewFaceAlexNet returns the float64 face AlexNet of FaceAlexNetOptions.
func NewFaceAlexNet(classes int, seed uint64) (*CNN, error) {
	return NewCNN(FaceAlexNetOptions(classes, seed))
}
