package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// checkpoint is the state of a run after a completed epoch: enough to go on
// as if the run had never stopped (the batch order of an epoch depends
// only on the seed and the epoch index).
type checkpoint struct {
	Version  int
	Config   string      // fingerprint of the Config and fold it belongs to
	Epoch    int         // epochs completed
	LR       float64     // learning rate for the next epoch
	Params   [][]float64 // network weights, in Network.Params order
	Velocity [][]float64 // optimiser state, same order
	Ground   [][]float64 // learned ground distance in use, or nil
	Test     map[string]float64
}

const checkpointVersion = 1

// fingerprint identifies the config and fold a checkpoint belongs to.
func fingerprint(cfg Config, fold int) string {
	return fmt.Sprintf("%x", sha256.Sum256([]byte(fmt.Sprintf("%#v/%d", cfg, fold))))
}

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
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
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
