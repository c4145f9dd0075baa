package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fileState is what a test compares to prove a file untouched: its bytes,
// its modification time, and the names beside it.
type fileState struct {
	data  []byte
	mtime time.Time
	dir   []string
}

func stateOf(t *testing.T, path string) fileState {
	t.Helper()
	var s fileState
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		s.mtime = fi.ModTime()
		if s.data, err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	}
	s.dir = besides(t, path)
	return s
}

// besides lists the names in path's folder that start with its name.
func besides(t *testing.T, path string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), filepath.Base(path)) {
			out = append(out, e.Name())
		}
	}
	return out
}

// sameState fails the test unless path is as before. Only an empty -wal
// and a -shm may have appeared: SQLite creates them when it reads a WAL
// database, and a read-only reader may not remove them.
func sameState(t *testing.T, path string, before fileState) {
	t.Helper()
	after := stateOf(t, path)
	if !bytes.Equal(after.data, before.data) || !after.mtime.Equal(before.mtime) {
		t.Errorf("%s changed: %d bytes at %v, was %d bytes at %v", filepath.Base(path), len(after.data), after.mtime, len(before.data), before.mtime)
	}
	base := filepath.Base(path)
	for _, name := range after.dir {
		if slices.Contains(before.dir, name) || name == base+"-shm" {
			continue
		}
		if fi, err := os.Stat(filepath.Join(filepath.Dir(path), name)); name == base+"-wal" && err == nil && fi.Size() == 0 {
			continue
		}
		t.Errorf("files beside %s: %q, were %q", base, after.dir, before.dir)
		break
	}
}

// dbFiles lists the folder's entries other than the run command's own
// folders (checkpoints, cache).
func dbFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if n := e.Name(); n != "checkpoints" && n != "cache" && n != "rep" {
			out = append(out, n)
		}
	}
	return out
}
