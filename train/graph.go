package train

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/replicate-emd/replicate/losses"
	"github.com/replicate-emd/replicate/models"
)

// trainGraph is the training graph at the batch size: inputs, targets, the
// ground distance (for cost-matrix losses), the loss and its gradients.
type trainGraph struct {
	x, t, d *tensor.Dense
	xn, tn  *G.Node
	dn      *G.Node // nil without a distance
	loss    G.Value // the loss after a run (copied when computed; see buildEval)
	weights G.Nodes
	vm      G.VM
}

func buildTrain(net models.Network, spec losses.Spec, dt tensor.Dtype, batch, dim, classes int) (*trainGraph, error) {
	g := G.NewGraph()
	out := spec.Outputs(classes)
	tg := &trainGraph{
		x: tensor.New(tensor.WithShape(batch, dim), tensor.Of(dt)),
		t: tensor.New(tensor.WithShape(batch, out), tensor.Of(dt)),
	}
	tg.xn = G.NewMatrix(g, dt, G.WithShape(batch, dim), G.WithName("x"))
	tg.tn = G.NewMatrix(g, dt, G.WithShape(batch, out), G.WithName("t"))
	if spec.NeedsDistance() {
		tg.d = tensor.New(tensor.WithShape(classes, classes), tensor.Of(dt))
		tg.dn = G.NewMatrix(g, dt, G.WithShape(classes, classes), G.WithName("D"))
	}
	built, err := net.Build(g, tg.xn)
	if err != nil {
		return nil, err
	}
	loss, err := spec.Node(built.Logits, tg.tn, tg.dn)
	if err != nil {
		return nil, fmt.Errorf("train: loss %s: %w", spec.Name, err)
	}
	G.Read(loss, &tg.loss)
	tg.weights = built.Weights
	if _, err := G.Grad(loss, tg.weights...); err != nil {
		return nil, fmt.Errorf("train: gradient of %s: %w", spec.Name, err)
	}
	tg.vm = G.NewTapeMachine(g, G.BindDualValues(tg.weights...))
	return tg, nil
}

// evalGraph is the forward-only graph: the class probabilities (or the
// scalar output of a regression head) and the penultimate features.
type evalGraph struct {
	x    *tensor.Dense
	xn   *G.Node
	out  G.Value // B×C probabilities, or B×1 regression output, after a run
	feat G.Value // B×F penultimate features, after a run
	vm   G.VM
}

func buildEval(net models.Network, spec losses.Spec, dt tensor.Dtype, batch, dim int) (*evalGraph, error) {
	g := G.NewGraph()
	eg := &evalGraph{x: tensor.New(tensor.WithShape(batch, dim), tensor.Of(dt))}
	eg.xn = G.NewMatrix(g, dt, G.WithShape(batch, dim), G.WithName("x"))
	built, err := models.BuildEval(net, g, eg.xn)
	if err != nil {
		return nil, err
	}
	out := built.Logits
	if spec.Head == losses.HeadLogits {
		// gorgonia's own SoftMax shifts every row by a max that is not the
		// row's own; losses.SoftmaxNode is row-wise stable.
		if out, err = losses.SoftmaxNode(built.Logits); err != nil {
			return nil, fmt.Errorf("train: softmax: %w", err)
		}
	}
	// A node's Value() after a run may hold what a later instruction wrote
	// into the same memory: G.Read copies each value when it is computed.
	G.Read(out, &eg.out)
	G.Read(built.Features, &eg.feat)
	eg.vm = G.NewTapeMachine(g)
	return eg, nil
}

// setRow writes vals into row i of a 2-D tensor of either float dtype.
func setRow(t *tensor.Dense, i int, vals []float32) {
	switch d := t.Data().(type) {
	case []float64:
		row := d[i*len(vals) : (i+1)*len(vals)]
		for j, v := range vals {
			row[j] = float64(v)
		}
	case []float32:
		copy(d[i*len(vals):(i+1)*len(vals)], vals)
	}
}

// setFloat64s writes vals into a tensor of either float dtype.
func setFloat64s(t *tensor.Dense, vals []float64) {
	switch d := t.Data().(type) {
	case []float64:
		copy(d, vals)
	case []float32:
		for i, v := range vals {
			d[i] = float32(v)
		}
	}
}

// float64s returns the values of a node's value as float64.
func float64s(v G.Value, dst []float64) []float64 {
	switch d := v.Data().(type) {
	case []float64:
		return append(dst[:0], d...)
	case []float32:
		dst = dst[:0]
		for _, x := range d {
			dst = append(dst, float64(x))
		}
		return dst
	case float64:
		return append(dst[:0], d)
	case float32:
		return append(dst[:0], float64(d))
	}
	return dst[:0]
}

// gradData returns the backing slice of a gradient value.
func gradData(v G.Value) (any, error) {
	switch d := v.Data().(type) {
	case []float64, []float32:
		return d, nil
	}
	return nil, fmt.Errorf("train: gradient of type %T", v.Data())
}

// zero clears a backing slice of either float type.
func zero(d any) {
	switch s := d.(type) {
	case []float64:
		clear(s)
	case []float32:
		clear(s)
	}
}
