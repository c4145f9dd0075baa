package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	G "gorgonia.org/gorgonia"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/losses"
	"github.com/replicate-emd/replicate/metrics"
	"github.com/replicate-emd/replicate/models"
)

// evalBatch is the batch size of the evaluation graph.
const evalBatch = 128

// Run trains a network on every fold of data except fold (less a seeded
// validation share of it), evaluates on the training, validation and test
// samples after every epoch, and hands each epoch's metrics to sink.
//
// A learned-distance loss trains with CE alone for its warm-up epochs
// (cfg.LossOptions.WarmupEpochs); after every epoch from WarmupEpochs−1
// on, the ground distance is learned
// again from the penultimate features of the training samples and used in
// the next epoch (PAPER.md §2). With a checkpoint file in opts, the state
// is saved after every epoch and a run that finds its own checkpoint
// resumes after the epoch it records, with the same results as a run that
// never stopped; the temporary files of that checkpoint left by a killed
// process are removed first (the caller must own the run: one process at a
// time).
//
// A cancelled ctx ends the run with Interrupted and ctx's error; a
// NaN or Inf loss ends it with Diverged (the reason names the epoch
// and batch) and no error.
func Run(ctx context.Context, cfg Config, data datasets.Dataset, fold int, sink Sink, opts Options) (Result, error) {
	r, err := newRun(cfg, data, fold)
	if err != nil {
		return Result{Outcome: Failed, Reason: err.Error()}, err
	}
	res := Result{}
	fp := fingerprint(cfg, fold)
	if opts.Checkpoint != "" {
		if err := removeStaleTemps(opts.Checkpoint); err != nil && opts.Warn != nil {
			opts.Warn(err.Error())
		}
		c, err := loadCheckpoint(opts.Checkpoint, fp)
		if err == nil && c.Epoch > opts.MaxResume {
			err = fmt.Errorf("checkpoint %s is at epoch %d but only %d epochs are recorded", opts.Checkpoint, c.Epoch, opts.MaxResume)
		}
		switch {
		case err == nil:
			if err := r.restore(c); err != nil {
				return Result{Outcome: Failed, Reason: err.Error()}, err
			}
			res.Epochs, res.Resumed, res.Test = c.Epoch, c.Epoch, c.Test
		case !errors.Is(err, errNoCheckpoint) && opts.Warn != nil:
			opts.Warn(fmt.Sprintf("%v; starting from scratch", err))
		}
	}
	if res.Epochs == 0 && r.learned() && cfg.LossOptions.WarmupEpochs == 0 {
		// No warm-up: learn the first distance from the initial network.
		if err := r.learnDistance(ctx, -1, opts); err != nil {
			return r.stop(res, 0, err)
		}
	}
	for epoch := res.Epochs; epoch < cfg.Epochs; epoch++ {
		meanLoss, err := r.epoch(ctx, epoch, opts.Progress)
		if err != nil {
			return r.stop(res, epoch, err)
		}
		testM, err := r.evaluateAll(ctx, epoch, meanLoss, sink)
		if err != nil {
			return r.stop(res, epoch, err)
		}
		if r.learned() && epoch >= cfg.LossOptions.WarmupEpochs-1 && epoch+1 < cfg.Epochs {
			if err := r.learnDistance(ctx, epoch, opts); err != nil {
				return r.stop(res, epoch, err)
			}
		}
		if epoch+1 == cfg.Epochs && opts.Artifact != nil {
			if err := opts.Artifact(r.confusionArtifact(epoch)); err != nil {
				return r.stop(res, epoch, err)
			}
		}
		res.Epochs, res.Test = epoch+1, testM
		r.lrFactor *= cfg.LRDecay
		if opts.Checkpoint != "" {
			if err := saveCheckpoint(opts.Checkpoint, r.snapshot(fp, epoch+1, testM)); err != nil {
				return r.stop(res, epoch, err)
			}
		}
	}
	res.Outcome = Finished
	return res, nil
}

// run is the state of one run.
type run struct {
	cfg      Config
	spec     losses.Spec
	data     datasets.Dataset
	classes  int
	ordered  bool
	scored   bool
	labels   []int
	scores   []float64
	targets  [][]float64 // a target distribution per sample (nil rows: hard labels); nil for hard-label data
	dim      int
	batch    int
	net      models.Network
	opt      *Nesterov
	tg       *trainGraph
	warm     *trainGraph // CE alone, for the warm-up of a combined loss; nil if none
	eg       *evalGraph
	lrFactor float64     // LRDecay^epochs done
	ground   [][]float64 // the distance in use (nil: none yet)
	trainIdx []int
	valIdx   []int
	testIdx  []int
	conf     *metrics.Confusion // of the last test evaluation
	buf      []float32
	outBuf   []float64
	featBuf  []float64
}

func newRun(cfg Config, data datasets.Dataset, fold int) (*run, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	spec, err := losses.Lookup(cfg.Loss)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if cfg.LossOptions.CEWeight > 0 && spec.Weights.CE > 0 {
		spec.Weights.CE = cfg.LossOptions.CEWeight
	}
	if cfg.LossOptions.EMDWeight > 0 && spec.Weights.EMD > 0 {
		spec.Weights.EMD = cfg.LossOptions.EMDWeight
	}
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	info := data.Info()
	if err := CheckData(spec.Name, info); err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, spec: spec, data: data, classes: info.Classes, ordered: info.Ordered, lrFactor: 1}
	r.scored = datasets.TaskOf(info) == datasets.TaskScored
	n := data.Len()
	r.labels, r.scores = make([]int, n), make([]float64, n)
	if info.SoftTargets {
		r.targets = make([][]float64, n)
	}
	var groups []string // nil unless some sample names a group
	var trainIdx []int
	for i := 0; i < n; i++ {
		s := data.Sample(i)
		r.labels[i], r.scores[i] = s.Label, s.Score
		if r.targets != nil {
			r.targets[i] = s.Target
		}
		if s.Group != "" && groups == nil {
			groups = make([]string, n)
		}
		if groups != nil {
			groups[i] = s.Group
		}
		switch {
		case s.Fold == fold:
			r.testIdx = append(r.testIdx, i)
		case cfg.ValFold != nil && s.Fold == *cfg.ValFold:
			r.valIdx = append(r.valIdx, i)
		default:
			trainIdx = append(trainIdx, i)
		}
	}
	r.trainIdx = trainIdx
	if cfg.ValFold == nil {
		r.trainIdx, r.valIdx = holdOut(trainIdx, r.labels, groups, cfg.ValFraction, cfg.Seed, uint64(fold))
	}
	if len(r.trainIdx) == 0 || len(r.testIdx) == 0 {
		return nil, fmt.Errorf("train: fold %d leaves %d training and %d test samples", fold, len(r.trainIdx), len(r.testIdx))
	}
	dt, err := models.ParseDtype(cfg.Model.Dtype)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	shape := data.Shape()
	r.dim = 1
	for _, s := range shape {
		r.dim *= s
	}
	if r.net, err = models.New(cfg.Model, shape, spec.Outputs(r.classes), cfg.Seed); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	r.batch = min(cfg.BatchSize, len(r.trainIdx))
	r.opt = NewNesterov(r.net.Params(), cfg.Momentum, cfg.WeightDecay)
	if r.tg, err = buildTrain(r.net, spec, dt, r.batch, r.dim, r.classes); err != nil {
		return nil, err
	}
	if spec.Combined() && cfg.LossOptions.WarmupEpochs > 0 && !r.learned() {
		// The warm-up of a combined loss trains with CE alone: its own
		// graph, on the same weights and optimiser state. (A learned
		// distance needs none: its cost-matrix term is off while D is
		// zero, which it is until the first distance is learned.)
		ce, err := losses.Lookup("ce")
		if err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		if r.warm, err = buildTrain(r.net, ce, dt, r.batch, r.dim, r.classes); err != nil {
			return nil, err
		}
	}
	if r.eg, err = buildEval(r.net, spec, dt, min(evalBatch, n), r.dim); err != nil {
		return nil, err
	}
	if spec.Distance == losses.DistanceGiven {
		d, err := spec.PrepareDistance(cfg.GroundDistance, r.classes)
		if err != nil {
			return nil, fmt.Errorf("train: ground distance: %w", err)
		}
		r.setGround(d)
	}
	return r, nil
}

// CheckData reports whether the loss can train on data described by info:
// a loss that needs ordered classes (losses.Spec.NeedsOrder) refuses
// orderless ones, and one that needs a single label per sample
// (losses.Spec.SoftTargets) refuses target distributions.
func CheckData(loss string, info datasets.Info) error {
	spec, err := losses.Lookup(loss)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	switch {
	case spec.Head == losses.HeadScalar && !info.Ordered:
		return fmt.Errorf("train: loss %s regresses the class index and needs ordered classes; %s is orderless", spec.Name, info.Name)
	case spec.NeedsOrder() && !info.Ordered:
		return fmt.Errorf("train: loss %s assumes ordered classes; %s is orderless (use a cost-matrix loss)", spec.Name, info.Name)
	case info.SoftTargets && !spec.SoftTargets():
		var soft []string
		for _, name := range losses.Names() {
			if s, _ := losses.Lookup(name); s.SoftTargets() {
				soft = append(soft, name)
			}
		}
		return fmt.Errorf("train: loss %s needs one label per sample, and %s gives target distributions (the losses that train on them: %s)",
			spec.Name, info.Name, strings.Join(soft, ", "))
	}
	return nil
}

// learned reports whether the loss learns its ground distance.
func (r *run) learned() bool { return r.spec.Distance == losses.DistanceLearned }

// setGround puts D into the training graph's distance input (nil: zeros,
// which turns the cost-matrix term off: CE alone).
func (r *run) setGround(d [][]float64) {
	r.ground = d
	flat := make([]float64, r.classes*r.classes)
	for i, row := range d {
		copy(flat[i*r.classes:], row)
	}
	setFloat64s(r.tg.d, flat)
}

// warmingUp reports whether epoch belongs to the CE-only warm-up, which
// every combined loss (CE + EMD², given or learned distance) gets for its
// first WarmupEpochs epochs (PAPER.md §1.4).
func (r *run) warmingUp(epoch int) bool {
	return r.spec.Combined() && epoch < r.cfg.LossOptions.WarmupEpochs
}

// graph is the training graph of an epoch: CE alone during the warm-up of
// a combined loss with a given or ordered distance, else the loss's own.
func (r *run) graph(epoch int) *trainGraph {
	if r.warm != nil && r.warmingUp(epoch) {
		return r.warm
	}
	return r.tg
}

// lr is the learning rate of an epoch: the warm-up rate during a combined
// loss's warm-up, else the configured one, times LRDecay per epoch done.
// The decay counts the warm-up epochs: the combined phase starts at
// LR × LRDecay^WarmupEpochs.
func (r *run) lr(epoch int) float64 {
	if r.warmingUp(epoch) {
		return r.cfg.LossOptions.WarmupLR * r.lrFactor
	}
	return r.cfg.LR * r.lrFactor
}

// shuffled returns a permutation of idx that depends only on seed and epoch.
func shuffled(idx []int, seed, epoch uint64) []int {
	out := append([]int(nil), idx...)
	rng := rand.New(rand.NewPCG(seed, 0x5f1e+epoch))
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// divergedError marks a NaN or Inf loss.
type divergedError struct {
	epoch, batch int
	loss         float64
}

func (e *divergedError) Error() string {
	return fmt.Sprintf("loss is %v at epoch %d, batch %d", e.loss, e.epoch, e.batch)
}

func (r *run) stop(res Result, epoch int, err error) (Result, error) {
	res.Reason = err.Error()
	var div *divergedError
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		res.Outcome = Interrupted
		return res, err
	case errors.As(err, &div):
		res.Outcome = Diverged
		return res, nil
	default:
		res.Outcome = Failed
		return res, fmt.Errorf("train: epoch %d: %w", epoch, err)
	}
}

// epoch runs one pass of SGD over the training samples in an order that
// depends only on the seed and the epoch (the last partial batch is
// dropped), and returns the mean batch loss.
func (r *run) epoch(ctx context.Context, epoch int, progress func(Progress)) (float64, error) {
	order := shuffled(r.trainIdx, r.cfg.Seed, uint64(epoch))
	steps := len(order) / r.batch
	lr := r.lr(epoch)
	tg := r.graph(epoch)
	total := 0.0
	grads := make([]any, len(tg.weights))
	targets := make([]float64, r.batch*r.spec.Outputs(r.classes))
	view := datasets.View{Train: r.cfg.Augment, Epoch: epoch}
	for s := 0; s < steps; s++ {
		batch := order[s*r.batch : (s+1)*r.batch]
		labels := make([]int, len(batch))
		for i, idx := range batch {
			var err error
			if r.buf, err = r.data.Tensor(ctx, idx, view, r.buf); err != nil {
				return 0, err
			}
			setRow(tg.x, i, r.buf)
			labels[i] = r.labels[idx]
		}
		r.encodeTargets(targets, batch, labels)
		setFloat64s(tg.t, targets)
		if err := runTrainStep(tg, s); err != nil {
			return 0, err
		}
		loss := float64s(tg.loss, r.outBuf[:0])[0]
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			tg.vm.Reset()
			return 0, &divergedError{epoch: epoch, batch: s, loss: loss}
		}
		total += loss
		for i, w := range tg.weights {
			gv, err := w.Grad()
			if err != nil {
				return 0, fmt.Errorf("batch %d: gradient %d: %w", s, i, err)
			}
			if grads[i], err = gradData(gv); err != nil {
				return 0, err
			}
		}
		if err := r.opt.Step(lr, r.net.Params(), grads); err != nil {
			return 0, err
		}
		// The tape machine adds into the bound gradients: clear them.
		for _, g := range grads {
			zero(g)
		}
		tg.vm.Reset()
		if progress != nil {
			progress(Progress{Epoch: epoch, Epochs: r.cfg.Epochs, Batch: s + 1, Batches: steps, BatchSize: r.batch, Loss: total / float64(s+1)})
		}
	}
	return total / float64(steps), nil
}

// encodeTargets writes the target rows of a batch into dst: one-hot rows
// (or class indices for a regression head), each replaced by the sample's
// target distribution when it has one.
func (r *run) encodeTargets(dst []float64, batch, labels []int) {
	r.spec.EncodeTargets(dst, labels, r.classes)
	if r.targets == nil {
		return
	}
	for i, idx := range batch {
		if t := r.targets[idx]; t != nil {
			copy(dst[i*r.classes:(i+1)*r.classes], t)
		}
	}
}

func runTrainStep(tg *trainGraph, s int) error {
	if err := G.Let(tg.xn, tg.x); err != nil {
		return err
	}
	if err := G.Let(tg.tn, tg.t); err != nil {
		return err
	}
	if tg.dn != nil {
		if err := G.Let(tg.dn, tg.d); err != nil {
			return err
		}
	}
	if err := tg.vm.RunAll(); err != nil {
		tg.vm.Reset()
		return fmt.Errorf("batch %d: %w", s, err)
	}
	return nil
}

// evaluateAll evaluates the train, val and test splits after an epoch,
// sends their metrics to sink and returns the test metrics.
func (r *run) evaluateAll(ctx context.Context, epoch int, meanLoss float64, sink Sink) (map[string]float64, error) {
	var testM map[string]float64
	for _, sp := range []struct {
		name string
		idx  []int
	}{{"train", r.trainIdx}, {"val", r.valIdx}, {"test", r.testIdx}} {
		if len(sp.idx) == 0 {
			continue
		}
		acc := metrics.NewAccumulator(r.classes, r.ordered, r.scored)
		if err := r.predict(ctx, sp.idx, func(i int, probs, _ []float64, value float64) {
			score := math.NaN()
			if r.scored {
				score = r.scores[sp.idx[i]]
			}
			switch {
			case r.spec.Head == losses.HeadScalar:
				acc.AddRegression(probs, value, r.labels[sp.idx[i]], score)
			case r.targets != nil && r.targets[sp.idx[i]] != nil:
				acc.AddTarget(probs, r.targets[sp.idx[i]], score)
			default:
				acc.Add(probs, r.labels[sp.idx[i]], score)
			}
		}, false); err != nil {
			return nil, err
		}
		m := map[string]float64(acc.Summary())
		switch sp.name {
		case "train":
			m["loss"] = meanLoss
		case "test":
			testM, r.conf = m, acc.Confusion()
		}
		if err := sink(EpochMetrics{Epoch: epoch, Split: sp.name, Values: m}); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
	}
	return testM, nil
}

// predict runs the evaluation graph over idx and calls fn with each
// sample's class probabilities, its expected class value and, when
// withFeatures, its penultimate features. With cfg.Mirror the network's
// outputs and features are averaged over the image and its mirror. For a
// regression head the probabilities are the one-hot row of the rounded,
// clamped (averaged) output and value is that raw output; for a softmax
// head value is NaN (the expectation of probs).
func (r *run) predict(ctx context.Context, idx []int, fn func(i int, probs, features []float64, value float64), withFeatures bool) error {
	eb := r.eg.x.Shape()[0]
	views := []datasets.View{{}}
	if r.cfg.Mirror {
		views = append(views, datasets.View{Mirror: true})
	}
	c := r.classes
	w := r.spec.Outputs(c) // outputs per sample: C, or 1 for a regression head
	var outs, feats []float64
	row := make([]float64, c)
	for start := 0; start < len(idx); start += eb {
		chunk := idx[start:min(start+eb, len(idx))]
		outs, feats = outs[:0], feats[:0]
		for vi, view := range views {
			o, f, err := r.forward(ctx, chunk, view, withFeatures)
			if err != nil {
				return err
			}
			if vi == 0 {
				outs, feats = append(outs, o...), append(feats, f...)
				continue
			}
			for j := range outs {
				outs[j] += o[j]
			}
			for j := range feats {
				feats[j] += f[j]
			}
		}
		if len(views) > 1 {
			for j := range outs {
				outs[j] /= float64(len(views))
			}
			for j := range feats {
				feats[j] /= float64(len(views))
			}
		}
		fw := 0
		if withFeatures {
			fw = len(feats) / len(chunk)
		}
		for i := range chunk {
			var f []float64
			if withFeatures {
				f = feats[i*fw : (i+1)*fw]
			}
			if r.spec.Head == losses.HeadScalar {
				v := outs[i]
				clear(row)
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					row[losses.L2Class(v, c)] = 1
				}
				fn(start+i, row, f, v)
				continue
			}
			fn(start+i, outs[i*w:(i+1)*w], f, math.NaN())
		}
	}
	return nil
}

// forward evaluates one chunk in one view and returns the network's
// outputs (len(chunk)×C probabilities, or len(chunk) raw values of a
// regression head) and, if asked, its features.
func (r *run) forward(ctx context.Context, chunk []int, view datasets.View, withFeatures bool) ([]float64, []float64, error) {
	x := r.eg.x
	zero(x.Data())
	for i, idx := range chunk {
		var err error
		if r.buf, err = r.data.Tensor(ctx, idx, view, r.buf); err != nil {
			return nil, nil, err
		}
		setRow(x, i, r.buf)
	}
	if err := G.Let(r.eg.xn, x); err != nil {
		return nil, nil, err
	}
	defer r.eg.vm.Reset()
	if err := r.eg.vm.RunAll(); err != nil {
		return nil, nil, fmt.Errorf("evaluate: %w", err)
	}
	w := r.spec.Outputs(r.classes)
	out := float64s(r.eg.out, r.outBuf)
	r.outBuf = out
	outs := append([]float64(nil), out[:len(chunk)*w]...)
	var feats []float64
	if withFeatures {
		all := float64s(r.eg.feat, r.featBuf)
		r.featBuf = all
		fw := len(all) / x.Shape()[0]
		feats = append([]float64(nil), all[:len(chunk)*fw]...)
	}
	return outs, feats, nil
}

// confusionArtifact is the test confusion matrix of the last epoch.
func (r *run) confusionArtifact(epoch int) Artifact {
	var counts [][]int
	if r.conf != nil {
		counts = r.conf.Counts
	}
	b, _ := json.Marshal(struct {
		Classes int     `json:"classes"`
		Counts  [][]int `json:"counts"`
	}{r.classes, counts})
	return Artifact{Name: "confusion/test", Kind: "confusion", Epoch: epoch, Data: b}
}
