// Package results is the SQLite store of the project: the schema and its
// migrations, and the life cycle of a run (running → finished, failed,
// diverged or interrupted) with its per-epoch metrics. It is the only
// package that speaks SQL.
package results

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"time"

	_ "github.com/mattn/go-sqlite3" // the database/sql driver "sqlite3"
)

//go:embed migration/*.sql
var migrations embed.FS

// ErrNotFound is returned when a run key is not in the store.
var ErrNotFound = errors.New("run not found")

// DB is an open results database.
type DB struct {
	db   *sql.DB
	path string
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

// Open opens (creating if needed) the SQLite database at path, with WAL, a
// busy timeout and immediate write transactions, and applies the pending
// migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("results db %s: %w", path, err)
		}
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "1")
	q.Set("_txlock", "immediate")
	q.Set("_synchronous", "NORMAL")
	sqldb, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("results db %s: %w", path, err)
	}
	// One connection: every write goes through one writer.
	sqldb.SetMaxOpenConns(1)
	d := &DB{db: sqldb, path: path, Now: time.Now, StaleAfter: DefaultStaleAfter}
	if err := d.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("results db %s: %w", path, err)
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Path returns the file the database lives in.
func (d *DB) Path() string { return d.path }

func (d *DB) migrate(ctx context.Context) error {
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := d.migrateFile(ctx, name); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

func (d *DB) migrateFile(ctx context.Context, name string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name, applied) VALUES (?, ?)`, name, d.now()); err != nil {
		return err
	}
	return tx.Commit()
}

func (d *DB) now() string { return d.Now().UTC().Format(time.RFC3339) }
