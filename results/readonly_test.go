package results

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"
)

// TestOpenReadOnly opens databases of every kind read-only: a current one
// and an older one open (the older one says it is outdated); the others
// are refused with their sentinel; none changes.
func TestOpenReadOnly(t *testing.T) {
	dir := t.TempDir()
	current := filepath.Join(dir, "current.db")
	closedDB(t, current, "a")
	older := filepath.Join(dir, "older.db")
	rawExec(t, older, migrationSQL(t, "0001_runs.sql"),
		`CREATE TABLE migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)`,
		`INSERT INTO migrations VALUES ('migration/0001_runs.sql', '2025-01-01T00:00:00Z')`)
	newer := filepath.Join(dir, "newer.db")
	closedDB(t, newer, "n")
	rawExec(t, newer, `INSERT INTO migrations (name, applied) VALUES ('migration/0098_a.sql', 'x'), ('migration/0099_b.sql', 'x')`)
	zero := filepath.Join(dir, "zero.db")
	if err := os.WriteFile(zero, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	text := filepath.Join(dir, "text.db")
	if err := os.WriteFile(text, []byte("SQLite format 2, not really"), 0o644); err != nil {
		t.Fatal(err)
	}
	emptySQLite := filepath.Join(dir, "empty-sqlite.db")
	rawExec(t, emptySQLite, `CREATE TABLE x (a)`, `DROP TABLE x`)
	foreign := filepath.Join(dir, "foreign.db")
	rawExec(t, foreign, `CREATE TABLE runs (key TEXT)`)
	tests := []struct {
		name    string
		path    string
		wantErr error
		want    string // in the error, after "results db <path>: "
	}{
		{"Current", current, nil, ""},
		{"Older", older, nil, ""},
		{"ErrNewerSchema", newer, ErrNewerSchema, "written by a newer replicate (migrations 0098_a.sql, 0099_b.sql unknown; this binary knows up to " + lastMigration(t) + ")"},
		{"ErrNotExist", filepath.Join(dir, "missing.db"), fs.ErrNotExist, "stat "},
		{"ErrNotReplicate/zero-byte", zero, ErrNotReplicate, "not a replicate database (empty file)"},
		{"ErrNotReplicate/not SQLite", text, ErrNotReplicate, "not a replicate database (not a SQLite file)"},
		{"ErrNotReplicate/empty SQLite", emptySQLite, ErrNotReplicate, "not a replicate database (no migrations table)"},
		{"ErrNotReplicate/foreign", foreign, ErrNotReplicate, "not a replicate database (no migrations table)"},
		{"ErrNotReplicate/folder", dir, ErrNotReplicate, "not a replicate database (a folder)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := stateOf(t, tt.path)
			d, err := OpenReadOnly(t.Context(), tt.path)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				d.Close()
			} else {
				if err == nil {
					d.Close()
					t.Fatal("opened")
				}
				if !errors.Is(err, tt.wantErr) || !strings.HasPrefix(err.Error(), "results db "+tt.path+": "+tt.want) {
					t.Errorf("got %q, want errors.Is %v and a message starting %q", err, tt.wantErr, "results db "+tt.path+": "+tt.want)
				}
			}
			sameState(t, tt.path, before)
		})
	}
}

// TestDB_Outdated checks what a read-only handle says of its version.
func TestDB_Outdated(t *testing.T) {
	dir := t.TempDir()
	current, older := filepath.Join(dir, "current.db"), filepath.Join(dir, "older.db")
	closedDB(t, current)
	rawExec(t, older, migrationSQL(t, "0001_runs.sql"),
		`CREATE TABLE migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)`,
		`INSERT INTO migrations VALUES ('migration/0001_runs.sql', '2025-01-01T00:00:00Z')`)
	d, err := OpenReadOnly(t.Context(), current)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Outdated(); err != nil {
		t.Errorf("current database: %v", err)
	}
	d.Close()
	if d, err = OpenReadOnly(t.Context(), older); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	err = d.Outdated()
	want := "results db " + older + ": written by an older replicate (it has up to 0001_runs.sql; this binary knows up to " + lastMigration(t) + ")"
	if !errors.Is(err, ErrOlderSchema) || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// TestOpenReadOnly_WhileWriting reads a database another handle is
// writing (as a report does while a grid runs): each query sees what was
// committed before it, and the read-only handle cannot write.
func TestOpenReadOnly_WhileWriting(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "live.db")
	w, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	fill(t, w, 1, true, "a")
	r, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i, key := range []string{"b", "c", "d"} {
		fill(t, w, 1, true, key)
		runs, err := r.Runs(ctx, RunFilter{})
		if err != nil || len(runs) != i+2 {
			t.Fatalf("after %d writes the reader sees %d runs (%v), want %d", i+1, len(runs), err, i+2)
		}
	}
	if _, err := r.StartRun(ctx, sampleRun("e")); err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Errorf("StartRun through the read-only handle: %v, want a read-only error", err)
	}
}

// TestNewerSchema_Refused opens a newer database read-write and read-only:
// both are refused with ErrNewerSchema.
func TestNewerSchema_Refused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	closedDB(t, path, "k")
	rawExec(t, path, `INSERT INTO migrations (name, applied) VALUES ('migration/0099_x.sql', 'x')`)
	before := stateOf(t, path)
	for name, open := range map[string]func(context.Context, string) (*DB, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
		if d, err := open(t.Context(), path); !errors.Is(err, ErrNewerSchema) {
			if d != nil {
				d.Close()
			}
			t.Errorf("%s: got %v, want ErrNewerSchema", name, err)
		}
	}
	sameState(t, path, before)
}

// TestMergeTables_MatchSchema checks that the columns Merge copies by name
// are exactly those of the current schema.
func TestMergeTables_MatchSchema(t *testing.T) {
	d := mustOpen(t)
	for _, tt := range mergeTables {
		rows, err := d.db.Query(`SELECT name FROM pragma_table_info(?)`, tt.name)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			got = append(got, n)
		}
		rows.Close()
		want := slices.Clone(tt.columns)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("table %s: the schema has %q, Merge copies %q", tt.name, got, want)
		}
	}
}

// TestDB_BeginImmediate checks that a write transaction, begun on the pool
// or on one connection (as Merge does), takes the write lock at BEGIN: a
// second writer that does not wait is refused while it is open.
func TestDB_BeginImmediate(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "lock.db")
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	other, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	otherWrites := func() error {
		_, err := other.Exec(`INSERT INTO migrations (name, applied) VALUES ('probe', 'x')`)
		if err == nil {
			_, err = other.Exec(`DELETE FROM migrations WHERE name = 'probe'`)
		}
		return err
	}
	if err := otherWrites(); err != nil {
		t.Fatalf("no transaction open: %v", err)
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := otherWrites(); !isBusy(err) {
		t.Errorf("with a transaction begun on the pool and nothing run in it, another writer got %v, want locked", err)
	}
	tx.Rollback()
	conn, err := d.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx2, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if tx, err = conn.BeginTx(ctx2, nil); err != nil {
		t.Fatal(err)
	}
	if err := otherWrites(); !isBusy(err) {
		t.Errorf("with a transaction begun on a connection, another writer got %v, want locked", err)
	}
	tx.Rollback()
}

// TestOpenReadOnly_ReadOnlyFolder: a WAL database that no process holds,
// in a folder this process cannot write (where SQLite cannot create the
// -shm file), still opens for reading, and nothing is written beside it.
func TestOpenReadOnly_ReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into a read-only folder")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "r.db")
	closedDB(t, path, "a")
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	before := stateOf(t, path)
	d, err := OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := d.Runs(context.Background(), RunFilter{})
	d.Close()
	if err != nil || len(runs) != 1 || runs[0].Key != "a" {
		t.Fatalf("runs %v, %v; want the run a", runs, err)
	}
	if after := stateOf(t, path); !slices.Equal(before.dir, after.dir) || string(before.data) != string(after.data) {
		t.Errorf("the folder changed: %v → %v", before.dir, after.dir)
	}
}

// TestCannotShareWAL: the fallback to an immutable read is taken only for
// SQLite's read-only refusals, and never while a -wal file with content
// (a writer's pages not yet in the file) lies beside the database.
func TestCannotShareWAL(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.db")
	ro := sqlite3.Error{Code: sqlite3.ErrReadonly}
	if !cannotShareWAL(ro, path) {
		t.Error("no -wal file: want the fallback")
	}
	if cannotShareWAL(sqlite3.Error{Code: sqlite3.ErrCorrupt}, path) || cannotShareWAL(errors.New("x"), path) {
		t.Error("another error: want no fallback")
	}
	if err := os.WriteFile(path+"-wal", []byte("pages"), 0o644); err != nil {
		t.Fatal(err)
	}
	if cannotShareWAL(ro, path) {
		t.Error("a -wal file with content: want no fallback")
	}
}
