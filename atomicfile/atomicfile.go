// Package atomicfile writes files so that a reader sees the old content or
// the new, never a part of it, even when the writer is killed: the content
// goes to a temporary file in the same folder, which is synced, closed and
// renamed over the file. The report's files, the training checkpoints and
// the decoded-image cache all write through it.
package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// tempInfix is what the temporary files of Write add to the file's name,
// before os.CreateTemp's decimal digits: "<name>.tmp<digits>".
const tempInfix = ".tmp"

// Write writes what fill writes to path, atomically: fill writes into
// memory first (a failing fill leaves nothing behind), then the bytes go
// to a temporary file beside path, created with mode perm, which is
// synced, closed and renamed over path. The folder is created if needed.
// Errors name path.
func Write(path string, perm fs.FileMode, fill func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := fill(&buf); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := write(path, perm, buf.Bytes()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func write(path string, perm fs.FileMode, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+tempInfix+"*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // nothing left once renamed
	err = f.Chmod(perm)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// IsTemp reports whether the file name (a base name) is one of the
// temporary files Write makes for the file named base: base, ".tmp" and
// one or more decimal digits, and nothing else.
func IsTemp(name, base string) bool {
	digits, ok := strings.CutPrefix(name, base+tempInfix)
	if !ok || digits == "" {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// RemoveTemps removes the temporary files of Write for path that a
// process killed between creating one and renaming it left behind (kill
// -9, an out-of-memory kill, a power cut): the regular files IsTemp names,
// and nothing else of the folder. A missing folder is not an error. The
// caller must know that no live process is writing path.
func RemoveTemps(path string) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if !IsTemp(e.Name(), base) || !e.Type().IsRegular() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
