package losses

import "math"

// L2 returns the squared error of a single regression output o against the
// class index y, the paper's L2 baseline:
//
//	L2(o, y) = (o − y)²
//
// The head is one linear output per sample and the target is the class index
// itself, 0 … C−1, unscaled (the paper's exact head and scaling are unknown;
// this is the literal reading of "regressed onto the class index"). There is
// no ½. The batch loss (L2Node, Spec.Eval) is the mean over samples. A NaN
// output gives a NaN result.
func L2(o float64, y int) float64 {
	d := o - float64(y)
	return d * d
}

// L2Grad returns L2(o, y) and its derivative 2(o − y) with respect to o.
func L2Grad(o float64, y int) (loss, grad float64) {
	d := o - float64(y)
	return d * d, 2 * d
}

// L2Class returns the class predicted by a regression output o over classes
// classes: o rounded to the nearest integer (halves away from zero) and
// clamped to [0, classes−1]. A NaN output predicts class 0. L2Class panics if
// classes < 1.
func L2Class(o float64, classes int) int {
	if classes < 1 {
		panic(errEmpty)
	}
	r := math.Round(o)
	switch {
	case math.IsNaN(r) || r < 0:
		return 0
	case r > float64(classes-1):
		return classes - 1
	}
	return int(r)
}
