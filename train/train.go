package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/losses"
	"github.com/replicate-emd/replicate/metrics"
	"github.com/replicate-emd/replicate/models"
)

const evalBatch = 256

// Run trains a network on every fold of data except fold (less a seeded
// validation share of it), evaluates on the training, validation and test
// samples after every epoch, and hands each epoch's metrics to sink. With a
// checkpoint file in opts, the state is saved after every epoch and a run
// that finds its own checkpoint resumes after the epoch it records. A
// cancelled ctx ends the run with StatusInterrupted and ctx's error; a NaN
// or Inf loss ends it with StatusDiverged and no error.
func Run(ctx context.Context, cfg Config, data *datasets.Memory, fold int, sink Sink, opts Options) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{Status: StatusFailed, Reason: err.Error()}, err
	}
	trainIdx, testIdx := data.Split(fold)
	trainIdx, valIdx := holdOut(trainIdx, cfg.ValFraction, cfg.Seed, uint64(fold))
	if len(trainIdx) == 0 || len(testIdx) == 0 {
		err := fmt.Errorf("train: fold %d leaves %d training and %d test samples", fold, len(trainIdx), len(testIdx))
		return Result{Status: StatusFailed, Reason: err.Error()}, err
	}
	r, err := newRunner(cfg, data, min(cfg.BatchSize, len(trainIdx)))
	if err != nil {
		return Result{Status: StatusFailed, Reason: err.Error()}, err
	}
	res := Result{}
	lr := cfg.LR
	fp := fingerprint(cfg, fold)
	if opts.Checkpoint != "" {
		c, err := loadCheckpoint(opts.Checkpoint, fp)
		if err == nil && c.Epoch > opts.MaxResume {
			err = fmt.Errorf("checkpoint %s is at epoch %d but only %d epochs are recorded", opts.Checkpoint, c.Epoch, opts.MaxResume)
		}
		switch {
		case err == nil:
			if err := r.restore(c); err != nil {
				return Result{Status: StatusFailed, Reason: err.Error()}, err
			}
			res.Epochs, res.Resumed, res.Test, lr = c.Epoch, c.Epoch, c.Test, c.LR
		case !errors.Is(err, errNoCheckpoint) && opts.Warn != nil:
			opts.Warn(fmt.Sprintf("%v; starting from scratch", err))
		}
	}
	for epoch := res.Epochs; epoch < cfg.Epochs; epoch++ {
		order := shuffled(trainIdx, cfg.Seed, uint64(epoch))
		meanLoss, err := r.epoch(ctx, epoch, order, lr, opts.Progress)
		if err != nil {
			return r.stop(res, epoch, err)
		}
		splits := []struct {
			name string
			idx  []int
		}{{"train", trainIdx}, {"val", valIdx}, {"test", testIdx}}
		var testM map[string]float64
		for _, sp := range splits {
			if len(sp.idx) == 0 {
				continue
			}
			m, err := r.evaluate(ctx, sp.idx)
			if err != nil {
				return r.stop(res, epoch, err)
			}
			if sp.name == "train" {
				m["loss"] = meanLoss
			}
			if sp.name == "test" {
				testM = m
			}
			if err := sink(EpochMetrics{epoch, sp.name, m}); err != nil {
				if ctx.Err() != nil {
					return Result{Status: StatusInterrupted, Epochs: epoch, Reason: ctx.Err().Error()}, ctx.Err()
				}
				return Result{Status: StatusFailed, Epochs: epoch, Reason: err.Error()}, err
			}
		}
		res.Epochs, res.Test = epoch+1, testM
		lr *= cfg.LRDecay
		if opts.Checkpoint != "" {
			if err := saveCheckpoint(opts.Checkpoint, r.snapshot(fp, epoch+1, lr, testM)); err != nil {
				return r.stop(res, epoch, err)
			}
		}
	}
	res.Status = StatusFinished
	return res, nil
}

// holdOut splits idx into a training part and a validation share frac,
// chosen by a permutation seeded by (seed, fold); both parts keep idx's
// order.
func holdOut(idx []int, frac float64, seed, fold uint64) (train, val []int) {
	n := int(math.Round(frac * float64(len(idx))))
	if n == 0 {
		return idx, nil
	}
	perm := rand.New(rand.NewPCG(seed, 0x7a1+fold)).Perm(len(idx))
	isVal := make([]bool, len(idx))
	for _, p := range perm[:n] {
		isVal[p] = true
	}
	for i, id := range idx {
		if isVal[i] {
			val = append(val, id)
		} else {
			train = append(train, id)
		}
	}
	return train, val
}

// divergedError marks a NaN or Inf loss.
type divergedError struct {
	epoch, batch int
	loss         float64
}

func (e *divergedError) Error() string {
	return fmt.Sprintf("loss is %v at epoch %d, batch %d", e.loss, e.epoch, e.batch)
}

func (r *runner) stop(res Result, epoch int, err error) (Result, error) {
	res.Reason = err.Error()
	switch {
	case ctxErr(err):
		res.Status = StatusInterrupted
		return res, err
	case isDiverged(err):
		res.Status = StatusDiverged
		return res, nil
	default:
		res.Status = StatusFailed
		return res, fmt.Errorf("train: epoch %d: %w", epoch, err)
	}
}

func isDiverged(err error) bool {
	_, ok := err.(*divergedError)
	return ok
}

func ctxErr(err error) bool {
	return err == context.Canceled || err == context.DeadlineExceeded
}

// shuffled returns a permutation of idx that depends only on seed and epoch.
func shuffled(idx []int, seed, epoch uint64) []int {
	out := append([]int(nil), idx...)
	rng := rand.New(rand.NewPCG(seed, 0x5f1e+epoch))
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// runner holds the two graphs of a run: the training graph at the batch
// size and the forward-only evaluation graph; both bind the same weights.
type runner struct {
	cfg   Config
	data  *datasets.Memory
	net   models.Network
	batch int
	opt   *nesterov

	tx, tt  *tensor.Dense // training inputs and targets
	xNode   *G.Node
	tNode   *G.Node
	lossN   *G.Node
	weights G.Nodes
	tvm     G.VM

	ex     *tensor.Dense // evaluation inputs
	exNode *G.Node
	probs  *G.Node
	evm    G.VM
}

func newRunner(cfg Config, data *datasets.Memory, batch int) (*runner, error) {
	net, err := models.NewMLP(tensor.Float64, data.Dim(), cfg.Hidden, data.Classes, cfg.Seed)
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, data: data, net: net, batch: batch}
	r.opt = newNesterov(net.Params(), cfg.Momentum, cfg.WeightDecay)
	if err := r.buildTrain(); err != nil {
		return nil, err
	}
	if err := r.buildEval(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *runner) buildTrain() error {
	g := G.NewGraph()
	d, c := r.data.Dim(), r.data.Classes
	r.tx = tensor.New(tensor.WithShape(r.batch, d), tensor.Of(tensor.Float64))
	r.tt = tensor.New(tensor.WithShape(r.batch, c), tensor.Of(tensor.Float64))
	r.xNode = G.NewMatrix(g, tensor.Float64, G.WithShape(r.batch, d), G.WithName("x"))
	r.tNode = G.NewMatrix(g, tensor.Float64, G.WithShape(r.batch, c), G.WithName("t"))
	built, err := r.net.Build(g, r.xNode)
	if err != nil {
		return err
	}
	if r.lossN, err = lossNode(r.cfg.Loss, built.Logits, r.tNode); err != nil {
		return err
	}
	r.weights = built.Weights
	if _, err := G.Grad(r.lossN, r.weights...); err != nil {
		return fmt.Errorf("train: gradient of %s: %w", r.cfg.Loss, err)
	}
	r.tvm = G.NewTapeMachine(g, G.BindDualValues(r.weights...))
	return nil
}

func (r *runner) buildEval() error {
	g := G.NewGraph()
	d := r.data.Dim()
	r.ex = tensor.New(tensor.WithShape(evalBatch, d), tensor.Of(tensor.Float64))
	r.exNode = G.NewMatrix(g, tensor.Float64, G.WithShape(evalBatch, d), G.WithName("x"))
	built, err := r.net.Build(g, r.exNode)
	if err != nil {
		return err
	}
	if r.probs, err = G.SoftMax(built.Logits); err != nil {
		return fmt.Errorf("train: softmax: %w", err)
	}
	r.evm = G.NewTapeMachine(g)
	return nil
}

// lossNode maps a loss name onto its graph builder.
func lossNode(name string, logits, targets *G.Node) (*G.Node, error) {
	switch name {
	case "ce":
		return losses.CrossEntropyNode(logits, targets)
	case "emd2":
		return losses.EMD2Node(logits, targets, losses.NormMean)
	}
	return nil, fmt.Errorf("train: loss %q is not trainable yet", name)
}

// epoch runs one pass of SGD over order (the last partial batch is
// dropped; the order changes every epoch) and returns the mean batch loss.
func (r *runner) epoch(ctx context.Context, epoch int, order []int, lr float64, progress func(Progress)) (float64, error) {
	steps := len(order) / r.batch
	total := 0.0
	x := r.tx.Data().([]float64)
	t := r.tt.Data().([]float64)
	c, d := r.data.Classes, r.data.Dim()
	grads := make([][]float64, len(r.weights))
	for s := 0; s < steps; s++ {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		clear(t)
		for i, idx := range order[s*r.batch : (s+1)*r.batch] {
			for j, v := range r.data.Row(idx) {
				x[i*d+j] = float64(v)
			}
			t[i*c+r.data.Y[idx]] = 1
		}
		if err := G.Let(r.xNode, r.tx); err != nil {
			return 0, err
		}
		if err := G.Let(r.tNode, r.tt); err != nil {
			return 0, err
		}
		if err := r.tvm.RunAll(); err != nil {
			return 0, fmt.Errorf("batch %d: %w", s, err)
		}
		loss := r.lossN.Value().Data().(float64)
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			r.tvm.Reset()
			return 0, &divergedError{epoch: epoch, batch: s, loss: loss}
		}
		total += loss
		for i, w := range r.weights {
			gv, err := w.Grad()
			if err != nil {
				return 0, fmt.Errorf("batch %d: gradient %d: %w", s, i, err)
			}
			grads[i] = gv.Data().([]float64)
		}
		if err := r.opt.step(lr, r.net.Params(), grads); err != nil {
			return 0, err
		}
		// The tape machine adds into the bound gradients: clear them.
		for _, g := range grads {
			clear(g)
		}
		r.tvm.Reset()
		if progress != nil {
			progress(Progress{Epoch: epoch, Epochs: r.cfg.Epochs, Batch: s + 1, Batches: steps, BatchSize: r.batch, Loss: total / float64(s+1)})
		}
	}
	return total / float64(steps), nil
}

// evaluate predicts the samples idx and returns their metrics (the names
// of metrics.MetricNames for the dataset).
func (r *runner) evaluate(ctx context.Context, idx []int) (map[string]float64, error) {
	d, c := r.data.Dim(), r.data.Classes
	x := r.ex.Data().([]float64)
	scored := r.data.Ordered && r.data.Score != nil
	acc := metrics.NewAccumulator(c, r.data.Ordered, scored)
	for start := 0; start < len(idx); start += evalBatch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		chunk := idx[start:min(start+evalBatch, len(idx))]
		clear(x)
		for i, id := range chunk {
			for j, v := range r.data.Row(id) {
				x[i*d+j] = float64(v)
			}
		}
		if err := G.Let(r.exNode, r.ex); err != nil {
			return nil, err
		}
		if err := r.evm.RunAll(); err != nil {
			return nil, fmt.Errorf("evaluate: %w", err)
		}
		p := r.probs.Value().Data().([]float64)
		for i, id := range chunk {
			score := math.NaN()
			if scored {
				score = r.data.Score[id]
			}
			acc.Add(p[i*c:(i+1)*c], r.data.Y[id], score)
		}
		r.evm.Reset()
	}
	return acc.Summary(), nil
}

// snapshot copies the state of the run after epochs completed epochs.
func (r *runner) snapshot(fp string, epochs int, lr float64, test map[string]float64) *checkpoint {
	c := &checkpoint{Version: checkpointVersion, Config: fp, Epoch: epochs, LR: lr, Test: test}
	for _, p := range r.net.Params() {
		c.Params = append(c.Params, append([]float64(nil), p.Data().([]float64)...))
	}
	for _, v := range r.opt.velocity {
		c.Velocity = append(c.Velocity, append([]float64(nil), v...))
	}
	return c
}

// restore puts a checkpoint's state into the run.
func (r *runner) restore(c *checkpoint) error {
	params := r.net.Params()
	if len(c.Params) != len(params) || len(c.Velocity) != len(params) {
		return fmt.Errorf("train: checkpoint holds %d tensors, the network %d", len(c.Params), len(params))
	}
	for i, p := range params {
		w := p.Data().([]float64)
		if len(c.Params[i]) != len(w) || len(c.Velocity[i]) != len(w) {
			return fmt.Errorf("train: checkpoint tensor %d has %d values, the network %d", i, len(c.Params[i]), len(w))
		}
		copy(w, c.Params[i])
		copy(r.opt.velocity[i], c.Velocity[i])
	}
	return nil
}
