package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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
// process).
func fingerprint(cfg Config, fold int) string {
	b, err := json.Marshal(struct {
		Config Config
		Fold   int
	}{cfg, fold})
	if err != nil { // cannot happen: Config holds plain values
		panic("train: fingerprint: " + err.Error())
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// tempSuffix is what saveCheckpoint's temporary files add to the
// checkpoint's name: ".tmp" and the decimal digits os.CreateTemp puts for
// the "*".
const tempSuffix = ".tmp*"

// saveCheckpoint writes c to path atomically: a temporary file in the same
// folder, synced, then renamed over the old checkpoint.
func saveCheckpoint(path string, c *checkpoint) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(c); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+tempSuffix)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return nil
}

// removeStaleTemps removes the temporary files of saveCheckpoint for the
// checkpoint at path that an earlier process left when it died between
// creating one and renaming it (kill -9, an out-of-memory kill, a power
// cut): the name of path followed by ".tmp" and digits, and nothing else.
// Other runs' checkpoints and temporary files, and any other file of the
// folder, are left alone; a missing folder is not an error.
//
// Deleting them is safe because a run is trained by one process at a time:
// the caller of Run holds the run (the results database makes it the run's
// owner), so no live process is writing this checkpoint, and the files
// are left over from a dead one. A process that lost the run while still
// alive (its heartbeat went stale and another took it over) may find its
// temporary file gone and fail its write; the store refuses that process's
// outcome anyway, since it no longer owns the run.
func removeStaleTemps(path string) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	prefix := base + strings.TrimSuffix(tempSuffix, "*")
	var errs []error
	for _, e := range entries {
		digits, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !allDigits(digits) || !e.Type().IsRegular() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("checkpoint %s: remove stale temporary files: %w", path, err)
	}
	return nil
}

// allDigits reports whether s is one or more decimal digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
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
	for _, v := range r.opt.velocity {
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
		copy(r.opt.velocity[i], c.Velocity[i])
	}
	r.lrFactor = c.LRFactor
	if c.Ground != nil {
		r.setGround(c.Ground)
	}
	return nil
}
