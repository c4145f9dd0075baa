package results

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestOpen_FileNames opens databases whose names mean something in a URI:
// each is created under exactly its own name and holds what was written.
func TestOpen_FileNames(t *testing.T) {
	names := []string{"run#2.db", "res%41.db", "x?mode=memory.db", "with space.db", "ünïcødé-数据.db",
		"file:x.db", "a&b=c;d.db", "+plus+.db", "q?_txlock=deferred&mode=ro", "100%.db"}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, name)
			closedDB(t, path, "k")
			ents, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range ents {
				got = append(got, e.Name())
			}
			if !slices.Equal(got, []string{name}) {
				t.Fatalf("the folder holds %q, want only %q", got, name)
			}
			d, err := Open(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if _, err := d.Run(t.Context(), "k"); err != nil {
				t.Errorf("reopened: %v", err)
			}
		})
	}
}

// TestOpen_RelativeName opens a relative name that looks like a URI.
func TestOpen_RelativeName(t *testing.T) {
	t.Chdir(t.TempDir())
	closedDB(t, "file:rel#1.db", "k")
	if _, err := os.Stat("file:rel#1.db"); err != nil {
		t.Error(err)
	}
}

// TestOpen_NewerSchema opens a database a newer replicate migrated: it is
// refused with both versions named, and left untouched.
func TestOpen_NewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	closedDB(t, path, "k")
	rawExec(t, path, `INSERT INTO migrations (name, applied) VALUES ('migration/0099_from_the_future.sql', '2030-01-01T00:00:00Z')`)
	before := stateOf(t, path)
	d, err := Open(t.Context(), path)
	if err == nil {
		d.Close()
		t.Fatal("opened a database of a newer schema")
	}
	want := "results db " + path + ": written by a newer replicate (migration 0099_from_the_future.sql unknown; this binary knows up to " + lastMigration(t) + ")"
	if err.Error() != want {
		t.Errorf("got %q\nwant %q", err, want)
	}
	sameState(t, path, before)
}

// lastMigration is the base name of the newest embedded migration.
func lastMigration(t *testing.T) string {
	t.Helper()
	ents, err := migrations.ReadDir("migration")
	if err != nil || len(ents) == 0 {
		t.Fatalf("embedded migrations: %v", err)
	}
	return ents[len(ents)-1].Name()
}

// TestOpen_Foreign opens files that are not replicate databases: each is
// refused and left untouched. A zero-byte file is a new database.
func TestOpen_Foreign(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "foreign.db")
	rawExec(t, foreign, `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`, `INSERT INTO notes (body) VALUES ('mine')`)
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte(strings.Repeat("not a database\n", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{foreign, text} {
		before := stateOf(t, path)
		if d, err := Open(t.Context(), path); err == nil {
			d.Close()
			t.Errorf("%s: opened", filepath.Base(path))
		}
		sameState(t, path, before)
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Open(t.Context(), empty)
	if err != nil {
		t.Fatalf("zero-byte file: %v", err)
	}
	d.Close()
}

// TestOpen_ManyAtOnce opens one new database from many handles at once, in
// several rounds, each handle writing one run: none may fail with
// "database is locked".
func TestOpen_ManyAtOnce(t *testing.T) {
	const handles, rounds = 12, 5
	for round := range rounds {
		path := filepath.Join(t.TempDir(), "new.db")
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, handles)
		for i := range handles {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				d, err := Open(t.Context(), path)
				if err != nil {
					errs <- err
					return
				}
				defer d.Close()
				r := sampleRun(string(rune('a' + i)))
				if _, err := d.StartRun(t.Context(), r); err != nil {
					errs <- err
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("round %d: %v", round, err)
		}
		d, err := Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		runs, err := d.Runs(t.Context(), RunFilter{})
		d.Close()
		if err != nil || len(runs) != handles {
			t.Errorf("round %d: %d runs (%v), want %d", round, len(runs), err, handles)
		}
	}
}
