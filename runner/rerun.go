package runner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/replicate-emd/replicate/experiments"
)

// supersede prepares a rerun of the run: the store keeps its recorded
// attempt, if any, as superseded (under KEY~N, with its final checkpoint
// moved to KEY~N.final.ckpt), and the run's resumable checkpoint is
// removed, so that the rerun starts from scratch (a superseded attempt is
// never resumed, and its checkpoint is not recorded). It returns the
// attempt's new key, "" when there was none.
func (r *Runner) supersede(ctx context.Context, spec experiments.RunSpec, key string) (string, error) {
	old, err := r.Store.Supersede(ctx, key, r.Owner, r.relocate)
	if err != nil {
		return "", err
	}
	if r.CheckpointDir != "" {
		if err := os.Remove(r.checkpointPath(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("rerun %s: %w", spec, err)
		}
	}
	return old, nil
}

// relocate moves a file artifact of an attempt being superseded whose name
// starts with the run's key (its final checkpoint) to the same name under
// the attempt's new key, and returns where it is. A file already gone
// stays recorded where it was.
func (r *Runner) relocate(path, oldKey, newKey string) (string, error) {
	dir, base := filepath.Split(path)
	if !strings.HasPrefix(base, oldKey+".") {
		return path, nil
	}
	to := filepath.Join(dir, newKey+strings.TrimPrefix(base, oldKey))
	if err := os.Rename(path, to); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil
		}
		return "", err
	}
	return to, nil
}
