package results

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// rawExec runs statements on the SQLite file at path through a plain
// connection, as another program would: it builds inputs this package's
// own Open would never write. path must need no escaping.
func rawExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// fileState is what a test compares to prove a file untouched: its bytes,
// its modification time and the names beside it (a -wal, -shm or -journal
// left behind shows there).
type fileState struct {
	data    []byte
	mtime   time.Time
	present bool
	dir     []string
}

func stateOf(t *testing.T, path string) fileState {
	t.Helper()
	var s fileState
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		s.present, s.mtime = true, fi.ModTime()
		if s.data, err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	}
	ents, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), filepath.Base(path)) {
			s.dir = append(s.dir, e.Name())
		}
	}
	return s
}

// sameState fails the test unless path is as before. The only files that
// may have appeared beside it are an empty -wal and a -shm: SQLite creates
// them when it reads a WAL database, and a read-only connection may not
// remove them (only the last writer to close does).
func sameState(t *testing.T, path string, before fileState) {
	t.Helper()
	after := stateOf(t, path)
	if after.present != before.present || !bytes.Equal(after.data, before.data) || !after.mtime.Equal(before.mtime) {
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

// migrationSQL returns the body of an embedded migration.
func migrationSQL(t *testing.T, name string) string {
	t.Helper()
	b, err := migrations.ReadFile("migration/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// closedDB creates a replicate database at path holding the finished runs
// keys, and closes it.
func closedDB(t *testing.T, path string, keys ...string) {
	t.Helper()
	d, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	fill(t, d, 2, true, keys...)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
}
