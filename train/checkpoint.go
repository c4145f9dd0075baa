package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/replicate-emd/replicate/atomicfile"
)

// checkpoint is the state of a run after a completed epoch: enough to go on
// as if the run had never stopped (the batch order of an epoch depends
// only on the seed and the epoch index).
type checkpoint struct {
	Version  int
	Config   string      // fingerprint of the Config and fold it belongs to
	Epoch    int         // epochs completed
	LRFactor float64     // LRDecay^Epoch
	Params   [][]float64 // network weights, in Network.Params order (float32 weights widened exactly)
	Velocity [][]float64 // optimiser state, same order
	Ground   [][]float64 // learned ground distance in use, or nil
	Test     map[string]float64
}

const checkpointVersion = 2

// fingerprint identifies the config and fold a checkpoint belongs to (the
// JSON form, which follows pointers, so that it is the same in every
// process). It is taken over the flat layout Config had when checkpoints
// of version 2 were first written (configV2), so that a run interrupted by
// an earlier build resumes from its checkpoint.
func fingerprint(cfg Config, fold int) string {
	b, err := json.Marshal(struct {
		Config configV2
		Fold   int
	}{newConfigV2(cfg), fold})
	if err != nil { // cannot happen: Config holds plain values
		panic("train: fingerprint: " + err.Error())
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// configV2 is the layout of the configuration a checkpoint's fingerprint
// hashes: the fields of Config, flat, in this order, under these names.
type configV2 struct {
	Loss           string
	CEWeight       float64
	EMDWeight      float64
	WarmupEpochs   int
	WarmupLR       float64
	GroundDistance [][]float64
	Model          string
	Hidden         []int
	Channels       []int
	Dtype          string
	Epochs         int
	BatchSize      int
	LR             float64
	Momentum       float64
	WeightDecay    float64
	LRDecay        float64
	Seed           uint64
	ValFraction    float64
	ValFold        *int
	Augment        bool
	Mirror         bool
}

func newConfigV2(c Config) configV2 {
	o, m := c.LossOptions, c.Model
	return configV2{
		Loss: c.Loss, CEWeight: o.CEWeight, EMDWeight: o.EMDWeight, WarmupEpochs: o.WarmupEpochs, WarmupLR: o.WarmupLR,
		GroundDistance: c.GroundDistance, Model: m.Name, Hidden: m.Hidden, Channels: m.Channels, Dtype: m.Dtype,
		Epochs: c.Epochs, BatchSize: c.BatchSize, LR: c.LR, Momentum: c.Momentum, WeightDecay: c.WeightDecay,
		LRDecay: c.LRDecay, Seed: c.Seed, ValFraction: c.ValFraction, ValFold: c.ValFold, Augment: c.Augment, Mirror: c.Mirror,
	}
}

// saveCheckpoint writes c to path atomically (atomicfile: a temporary
// file in the same folder, synced, then renamed over the old checkpoint),
// the gob encoding followed by its SHA-256.
func saveCheckpoint(path string, c *checkpoint) error {
	err := atomicfile.Write(path, 0o600, func(w io.Writer) error {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(c); err != nil {
			return err
		}
		sum := sha256.Sum256(buf.Bytes())
		buf.Write(sum[:])
		_, err := w.Write(buf.Bytes())
		return err
	})
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// removeStaleTemps removes the temporary files of saveCheckpoint for the
// checkpoint at path that an earlier process left when it died between
// creating one and renaming it (atomicfile.RemoveTemps). Other runs'
// checkpoints and temporary files, and any other file of the folder, are
// left alone; a missing folder is not an error.
//
// Deleting them is safe because a run is trained by one process at a time:
// the caller of Run holds the run (the results database makes it the run's
// owner), so no live process is writing this checkpoint, and the files
// are left over from a dead one. A process that lost the run while still
// alive (its heartbeat went stale and another took it over) may find its
// temporary file gone and fail its write; the store refuses that process's
// outcome anyway, since it no longer owns the run.
func removeStaleTemps(path string) error {
	if err := atomicfile.RemoveTemps(path); err != nil {
		return fmt.Errorf("checkpoint %s: remove stale temporary files: %w", path, err)
	}
	return nil
}

// errNoCheckpoint means there is nothing to resume from.
var errNoCheckpoint = errors.New("no checkpoint")

// loadCheckpoint reads the checkpoint at path and checks that it belongs
// to the run (fingerprint) and is intact (checksum).
func loadCheckpoint(path, fp string) (*checkpoint, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoCheckpoint
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if len(b) < sha256.Size {
		return nil, fmt.Errorf("checkpoint %s: truncated", path)
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, fmt.Errorf("checkpoint %s: checksum mismatch (corrupt file)", path)
	}
	var c checkpoint
	if err := gob.NewDecoder(bytes.NewReader(body)).Decode(&c); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if c.Version != checkpointVersion || c.Config != fp {
		return nil, fmt.Errorf("checkpoint %s: belongs to another run or version", path)
	}
	return &c, nil
}

// snapshot copies the state of the run after epochs completed epochs.
func (r *run) snapshot(fp string, epochs int, test map[string]float64) *checkpoint {
	c := &checkpoint{Version: checkpointVersion, Config: fp, Epoch: epochs, LRFactor: r.lrFactor, Test: test}
	for _, p := range r.net.Params() {
		c.Params = append(c.Params, float64s(p, nil))
	}
	for _, v := range r.opt.Velocity() {
		c.Velocity = append(c.Velocity, append([]float64(nil), v...))
	}
	for _, row := range r.ground {
		c.Ground = append(c.Ground, append([]float64(nil), row...))
	}
	return c
}

// restore puts a checkpoint's state into the run.
func (r *run) restore(c *checkpoint) error {
	params := r.net.Params()
	if len(c.Params) != len(params) || len(c.Velocity) != len(params) {
		return fmt.Errorf("train: checkpoint holds %d tensors, the network %d", len(c.Params), len(params))
	}
	for i, p := range params {
		n := p.Shape().TotalSize()
		if len(c.Params[i]) != n || len(c.Velocity[i]) != n {
			return fmt.Errorf("train: checkpoint tensor %d has %d values, the network %d", i, len(c.Params[i]), n)
		}
		setFloat64s(p, c.Params[i])
		copy(r.opt.Velocity()[i], c.Velocity[i])
	}
	r.lrFactor = c.LRFactor
	if c.Ground != nil {
		r.setGround(c.Ground)
	}
	return nil
}
