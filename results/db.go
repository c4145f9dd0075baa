// Package results is the SQLite store of the project: the schema and its
// migrations, and the life cycle of a run (its RunStatus: running →
// finished, failed, diverged or interrupted) with its per-epoch metrics
// and artifacts. A run records, when it starts, the facts the report reads
// instead of re-deriving them: its task and its setting (migration
// 0003_run_facts.sql; the runs of older databases get them from
// fill_facts.sql when migrated or merged). A run retrained with --rerun
// keeps its earlier attempt under the key KEY~N with status superseded
// (Supersede; migration 0004_superseded_overrides.sql, which also records
// a run's --set overrides): the queries by key and by status finished,
// the report's among them, see the live attempt only, and Merge copies
// every attempt once. It is the only package that speaks SQL.
package results

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/mattn/go-sqlite3" // the database/sql driver "sqlite3"
)

// ErrNotFound is returned when a run key is not in the store.
var ErrNotFound = errors.New("run not found")

// DB is an open results database.
type DB struct {
	db   *sql.DB
	path string
	// pending are the migrations a database opened read-only lacks.
	pending []string
	// Now is the clock; tests replace it.
	Now func() time.Time
	// StaleAfter is how old a running run's heartbeat may be before another
	// process may take the run over (its process is presumed dead).
	StaleAfter time.Duration
	// OwnerAlive, when set, tells whether the process named by a run's
	// owner still lives; a run held by a dead owner is taken over at once,
	// without waiting for its heartbeat to go stale.
	OwnerAlive func(owner string) bool
}

// DefaultStaleAfter is the default of DB.StaleAfter; runners refresh the
// heartbeat several times within it.
const DefaultStaleAfter = 90 * time.Second

// busyTimeout is how long a connection waits for another one's lock
// before it gives up with "database is locked".
const busyTimeout = 10 * time.Second

// Open opens the results database at path for reading and writing,
// creating it (and its folder) if needed, with WAL, a busy timeout and
// immediate write transactions, and applies the pending migrations.
//
// A file that is not a replicate database (not SQLite, or SQLite holding
// other tables) is refused with an error wrapping ErrNotReplicate, and one
// a newer replicate migrated with one wrapping ErrNewerSchema; either way
// nothing is written to it. A missing or zero-byte file is a new database.
func Open(ctx context.Context, path string) (*DB, error) {
	d, err := open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("results db %s: %w", path, err)
	}
	return d, nil
}

func open(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	if err := sniff(path, true); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_foreign_keys", "1")
	q.Set("_txlock", "immediate") // every BeginTx, on the pool or a Conn, is BEGIN IMMEDIATE
	q.Set("_synchronous", "NORMAL")
	uri, err := fileURI(path, q)
	if err != nil {
		return nil, err
	}
	sqldb, err := sql.Open("sqlite3", uri)
	if err != nil {
		return nil, err
	}
	// One connection: every write goes through one writer.
	sqldb.SetMaxOpenConns(1)
	d := &DB{db: sqldb, path: path, Now: time.Now, StaleAfter: DefaultStaleAfter}
	if err := d.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, err
	}
	return d, nil
}

// OpenReadOnly opens the existing results database at path for reading
// only: nothing is ever written to the file, and no migration is applied,
// so it is safe on a database a running grid is writing, and on a merge's
// inputs. It refuses a missing file, a zero-byte file, a file that is not
// SQLite and a SQLite file that is not a replicate database (errors
// wrapping ErrNotReplicate), and a database a newer replicate migrated
// (ErrNewerSchema). A database of an older known schema opens; Outdated
// tells.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	d, err := openReadOnly(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("results db %s: %w", path, err)
	}
	return d, nil
}

func openReadOnly(ctx context.Context, path string) (*DB, error) {
	if err := sniff(path, false); err != nil {
		return nil, err
	}
	d, err := openReadOnlyURI(ctx, path, false)
	if err != nil && cannotShareWAL(err, path) {
		// A WAL database in a folder this process cannot write, with no
		// -wal file there: SQLite cannot create the -shm file it reads
		// through, and no writer holds the database (a writer keeps a -wal
		// file beside it), so the file alone is the whole database.
		d, err = openReadOnlyURI(ctx, path, true)
	}
	return d, err
}

// cannotShareWAL says whether err is SQLite's refusal to read a WAL
// database because its -shm file cannot be created, and no -wal file with
// content lies beside path.
func cannotShareWAL(err error, path string) bool {
	var e sqlite3.Error
	if !errors.As(err, &e) || e.Code != sqlite3.ErrReadonly && e.Code != sqlite3.ErrCantOpen {
		return false
	}
	fi, serr := os.Stat(path + "-wal")
	return errors.Is(serr, os.ErrNotExist) || serr == nil && fi.Size() == 0
}

func openReadOnlyURI(ctx context.Context, path string, immutable bool) (*DB, error) {
	q := url.Values{}
	q.Set("mode", "ro")
	if immutable {
		q.Set("immutable", "1")
	}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_txlock", "deferred")
	uri, err := fileURI(path, q)
	if err != nil {
		return nil, err
	}
	sqldb, err := sql.Open("sqlite3", uri)
	if err != nil {
		return nil, err
	}
	sqldb.SetMaxOpenConns(1)
	d := &DB{db: sqldb, path: path, Now: time.Now, StaleAfter: DefaultStaleAfter}
	st, err := inspect(ctx, sqldb, "main")
	if err == nil {
		d.pending, err = st.plan(false)
	}
	if err != nil {
		sqldb.Close()
		return nil, err
	}
	return d, nil
}

// fileURI returns the SQLite URI of the file at path with the query q. The
// path is made absolute and percent-encoded, so that every legal file name
// names itself: '?' and '#' would otherwise end the path and '%' start an
// escape, and a name that itself looks like a URI stays a file name.
func fileURI(path string, q url.Values) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String(), nil
}

// sqliteMagic opens every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// sniff checks, before SQLite opens path, that the file there can be a
// results database: a SQLite file, or (when create is set) a missing or
// zero-byte file, which becomes a new database.
func sniff(path string, create bool) error {
	fi, err := os.Stat(path)
	switch {
	case create && errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.IsDir():
		return fmt.Errorf("%w (a folder)", ErrNotReplicate)
	case fi.Size() == 0 && create:
		return nil
	case fi.Size() == 0:
		return fmt.Errorf("%w (empty file)", ErrNotReplicate)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	if n, _ := f.Read(head); n < len(head) || string(head) != sqliteMagic {
		return fmt.Errorf("%w (not a SQLite file)", ErrNotReplicate)
	}
	return nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Path returns the file the database lives in.
func (d *DB) Path() string { return d.path }

// isBusy reports whether err is SQLite's "database is locked" (or
// "table is locked"), which a retry may clear.
func isBusy(err error) bool {
	var e sqlite3.Error
	return errors.As(err, &e) && (e.Code == sqlite3.ErrBusy || e.Code == sqlite3.ErrLocked)
}

func (d *DB) now() string { return d.Now().UTC().Format(time.RFC3339) }
