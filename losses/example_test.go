package losses_test

import (
	"fmt"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/replicate-emd/replicate/losses"
)

// The worked example of PAPER.md §1: five ordered classes, true class 3.
var (
	p = []float64{.05, .1, .5, .25, .1}
	t = []float64{0, 0, 0, 1, 0}
)

func ExampleEMD2() {
	fmt.Printf("%.4f\n", losses.EMD2(p, t))
	// Output: 0.0915
}

func ExampleRPS() {
	fmt.Printf("%.4f\n", losses.RPS(p, t))
	// Output: 0.4575
}

func ExampleEMD2Grad() {
	logits := []float64{0, 1, 3, 2, 1}
	loss, grad := losses.EMD2Grad(logits, t)
	fmt.Printf("loss %.4f\n", loss)
	fmt.Printf("grad %.4f\n", grad)
	// Output:
	// loss 0.1024
	// grad [0.0039 0.0096 0.0450 -0.0446 -0.0138]
}

func ExampleRPSGrad() {
	loss, grad := losses.RPSGrad([]float64{0, 1, 3, 2, 1}, t)
	fmt.Printf("loss %.4f\n", loss)
	fmt.Printf("grad %.4f\n", grad)
	// Output:
	// loss 0.5120
	// grad [0.0194 0.0480 0.2250 -0.2231 -0.0692]
}

func ExampleCrossEntropy() {
	fmt.Printf("%.4f\n", losses.CrossEntropy([]float64{0, 0, 0}, []float64{0, 1, 0})) // log 3
	// Output: 1.0986
}

func ExampleCrossEntropyGrad() {
	loss, grad := losses.CrossEntropyGrad([]float64{0, 0, 0}, []float64{0, 1, 0})
	fmt.Printf("loss %.4f grad %.4f\n", loss, grad)
	// Output: loss 1.0986 grad [0.3333 -0.6667 0.3333]
}

func ExampleL2() {
	o := 2.6 // one regression output; the label is class 4
	_, grad := losses.L2Grad(o, 4)
	fmt.Printf("L2 %.2f grad %.2f predicted class %d\n", losses.L2(o, 4), grad, losses.L2Class(o, 8))
	// Output: L2 1.96 grad -2.80 predicted class 3
}

func ExampleCostMatrixEMD2() {
	// A ground distance in the paper's loss convention: unit diagonal.
	D := losses.UnitDiagonal(losses.OrderedDistance(5, 1))
	fmt.Printf("%.4f\n", losses.CostMatrixEMD2(p, 3, D))
	// Output: 0.1700
}

func ExampleCostMatrixEMD2Grad() {
	D := [][]float64{{1, -.25, .5}, {-.25, 1, .25}, {.5, .25, 1}}
	loss, grad := losses.CostMatrixEMD2Grad([]float64{0, 0, 0}, []float64{1, 0, 0}, D)
	fmt.Printf("loss %.4f grad %.4f\n", loss, grad)
	// Output: loss 0.1574 grad [-0.1049 0.0247 0.0802]
}

func ExampleCEPlusEMD2Grad() {
	w := losses.Weights{CE: 1, EMD: 10}
	loss, grad := losses.CEPlusEMD2Grad([]float64{0, 1, 3, 2, 1}, t, nil, losses.NormMean, w)
	fmt.Printf("loss %.4f\n", loss)
	fmt.Printf("grad %.4f\n", grad)
	// Output:
	// loss 2.5478
	// grad [0.0683 0.1762 1.0422 -1.2284 -0.0583]
}

func ExampleEMD() {
	// PAPER.md §1 item 6: ℓ1 EMD 0.95, squared-cost transport 1.45.
	l1, _ := losses.EMD(p, t, losses.OrderedDistance(5, 1))
	sq, _ := losses.EMD(p, t, losses.OrderedDistance(5, 2))
	fmt.Printf("%.2f %.2f\n", l1, sq)
	// Output: 0.95 1.45
}

func ExampleLearnedGroundDistance() {
	features := [][]float64{{1, 0, 0}, {2, 0, 0}, {1, 1, 0}, {0, 0, 3}} // post-ReLU activations
	labels := []int{0, 0, 1, 2}
	D, err := losses.LearnedGroundDistance(features, labels, 3, losses.XEEMD1Mu, losses.XEEMD1Omega)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, row := range D {
		fmt.Printf("%.4f\n", row)
	}
	_, err = losses.LearnedGroundDistance(features, labels, 4, 0.5, 1)
	fmt.Println(err)
	// Output:
	// [1.0000 0.1667 0.5000]
	// [0.1667 1.0000 0.3333]
	// [0.5000 0.3333 1.0000]
	// losses: learned distance: class 3 has no sample
}

func ExampleReadDistanceCSV() {
	in := "# ground distance\n0, 1, 3\n1, 0, 1\n3, 1, 0\n"
	D, err := losses.ReadDistanceCSV(strings.NewReader(in), "d.csv", 3)
	fmt.Println(D, err)
	_, err = losses.ReadDistanceCSV(strings.NewReader("0,1\n1,x\n"), "d.csv", 2)
	fmt.Println(err)
	// Output:
	// [[0 1 3] [1 0 1] [3 1 0]] <nil>
	// d.csv:2: value 2: "x" is not a number
}

func ExampleOrderedDistance() {
	fmt.Println(losses.OrderedDistance(3, 2))
	// Output: [[0 1 4] [1 0 1] [4 1 0]]
}

func ExampleLookup() {
	s, err := losses.Lookup("xe-emd2")
	fmt.Println(s.Name, s.Mu, s.Omega, s.NeedsDistance(), err)
	_, err = losses.Lookup("emd")
	fmt.Println(err)
	// Output:
	// xe-emd2 0.25 2 true <nil>
	// losses: unknown loss "emd"; valid: ce, l2, emd2, emd2-sum, ce+emd2, ce+emd2-given, xe-emd1, xe-emd2
}

func ExampleSpec_Eval() {
	s, _ := losses.Lookup("emd2-sum")
	outputs := [][]float64{{0, 1, 3, 2, 1}, {5, 0, 0, 0, 0}}
	targets := [][]float64{t, {1, 0, 0, 0, 0}}
	loss, grad := s.Eval(outputs, targets, nil)
	fmt.Printf("batch mean %.4f, ∂/∂outputs[1] %.4f\n", loss, grad[1])
	// Output: batch mean 0.2567, ∂/∂outputs[1] [-0.0013 0.0002 0.0003 0.0004 0.0004]
}

func ExampleEMD2Node() {
	g := G.NewGraph()
	logits := G.NewMatrix(g, tensor.Float64, G.WithShape(1, 5), G.WithName("z"),
		G.WithValue(tensor.New(tensor.WithShape(1, 5), tensor.WithBacking([]float64{0, 1, 3, 2, 1}))))
	targets := G.NewMatrix(g, tensor.Float64, G.WithShape(1, 5), G.WithName("t"),
		G.WithValue(tensor.New(tensor.WithShape(1, 5), tensor.WithBacking(append([]float64(nil), t...)))))
	loss, err := losses.EMD2Node(logits, targets, losses.NormMean)
	if err != nil {
		fmt.Println(err)
		return
	}
	grads, _ := G.Grad(loss, logits)
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("loss %.4f\n", loss.Value().Data())
	fmt.Printf("grad %.4f\n", grads[0].Value().Data())
	// Output:
	// loss 0.1024
	// grad [0.0039 0.0096 0.0450 -0.0446 -0.0138]
}
