package results

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

//go:embed migration/*.sql
var migrations embed.FS

// fillFacts fills the facts (task, setting; migration 0003) of the runs an
// older replicate recorded. It runs after every migration and every merge,
// and leaves alone the runs whose facts are known.
//
//go:embed fill_facts.sql
var fillFacts string

// ErrNotReplicate is wrapped by the error of opening a file that is not a
// replicate database: empty (when read), not SQLite, or SQLite without
// replicate's migrations table.
var ErrNotReplicate = errors.New("not a replicate database")

// ErrNewerSchema is wrapped by the error of opening a database that a
// newer replicate migrated: it records a migration this binary does not
// know, so this binary can neither read nor write it safely.
var ErrNewerSchema = errors.New("written by a newer replicate")

// ErrOlderSchema is wrapped by Outdated's error: the database lacks some of
// this binary's migrations.
var ErrOlderSchema = errors.New("written by an older replicate")

// firstMigration is the migration every replicate database has applied.
const firstMigration = "migration/0001_runs.sql"

// known returns the names of the embedded migrations, in the order they
// apply (the names are stored with their folder, as in the migrations
// table).
func known() []string {
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		panic("results: " + err.Error()) // the pattern is constant
	}
	slices.Sort(names)
	return names
}

// queryer is what inspect reads through: the pool, a connection or a
// transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schema is what a database says of its version.
type schema struct {
	hasMigrations bool     // the migrations table exists
	objects       int      // tables, indexes, views and triggers, the migrations table included
	applied       []string // the names its migrations table records, sorted
}

// inspect reads the version of the database attached as name ("main" for
// the database itself) without writing anything.
func inspect(ctx context.Context, q queryer, name string) (schema, error) {
	var s schema
	err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(type = 'table' AND name = 'migrations'), 0)
		FROM `+name+`.sqlite_master WHERE name NOT LIKE 'sqlite\_%' ESCAPE '\'`).Scan(&s.objects, &s.hasMigrations)
	if err != nil {
		return s, err
	}
	if !s.hasMigrations {
		return s, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT name FROM `+name+`.migrations ORDER BY name`)
	if err != nil {
		return s, fmt.Errorf("%w (its migrations table is not replicate's: %v)", ErrNotReplicate, err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return s, fmt.Errorf("%w (its migrations table is not replicate's: %v)", ErrNotReplicate, err)
		}
		s.applied = append(s.applied, n)
	}
	return s, rows.Err()
}

// plan returns the migrations the database lacks, or why this binary must
// not touch it. With create, a database without any object is new (every
// migration pending); so is one holding only an empty migrations table,
// which an interrupted first open of an earlier replicate could leave.
func (s schema) plan(create bool) ([]string, error) {
	all := known()
	switch {
	case create && s.objects == 0:
		return all, nil
	case create && s.hasMigrations && s.objects == 1 && len(s.applied) == 0:
		return all, nil
	case !s.hasMigrations:
		return nil, fmt.Errorf("%w (no migrations table)", ErrNotReplicate)
	case !slices.Contains(s.applied, firstMigration):
		return nil, fmt.Errorf("%w (its migrations table lacks %s)", ErrNotReplicate, path.Base(firstMigration))
	}
	var unknown []string
	for _, n := range s.applied {
		if !slices.Contains(all, n) {
			unknown = append(unknown, path.Base(n))
		}
	}
	if len(unknown) > 0 {
		what := "migration " + unknown[0]
		if len(unknown) > 1 {
			what = "migrations " + strings.Join(unknown, ", ")
		}
		return nil, fmt.Errorf("%w (%s unknown; this binary knows up to %s)", ErrNewerSchema, what, path.Base(all[len(all)-1]))
	}
	var pending []string
	for _, n := range all {
		if !slices.Contains(s.applied, n) {
			pending = append(pending, n)
		}
	}
	return pending, nil
}

// Outdated returns nil when the database has every migration this binary
// knows, and otherwise an error wrapping ErrOlderSchema that names both
// versions. Only a database opened with OpenReadOnly can be outdated: Open
// migrates.
func (d *DB) Outdated() error {
	if len(d.pending) == 0 {
		return nil
	}
	all := known()
	has := "no migration"
	if i := slices.Index(all, d.pending[0]); i > 0 {
		has = "up to " + path.Base(all[i-1])
	}
	return fmt.Errorf("results db %s: %w (it has %s; this binary knows up to %s)", d.path, ErrOlderSchema, has, path.Base(all[len(all)-1]))
}

// migrate brings the database to the current schema. It first reads the
// version, so that a foreign or newer database is refused before anything
// is written to it (even the switch to WAL), and a current one is opened
// without taking the write lock. Otherwise it switches to WAL, and applies
// the pending migrations in one immediate transaction, which also creates
// the migrations table and reads the version again: of several processes
// opening one new database at once, one migrates and the others wait for
// it, then find nothing to do.
func (d *DB) migrate(ctx context.Context) error {
	s, err := inspect(ctx, d.db, "main")
	var pending []string
	if err == nil {
		pending, err = s.plan(true)
	}
	if err != nil {
		return err
	}
	if err := d.setWAL(ctx); err != nil {
		return fmt.Errorf("journal mode: %w", err)
	}
	if len(pending) == 0 {
		return nil
	}
	tx, err := d.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: see _txlock in open
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	if s, err = inspect(ctx, tx, "main"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	pending, err = s.plan(true)
	if err != nil || len(pending) == 0 {
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	for _, name := range pending {
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name, applied) VALUES (?, ?)`, name, d.now()); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fillFacts); err != nil {
		return fmt.Errorf("fill the facts of older runs: %w", err)
	}
	return tx.Commit()
}

// setWAL switches the database to WAL, which it then keeps. The switch
// needs an exclusive lock, and SQLite may answer "database is locked" at
// once rather than wait for it (another process switching or migrating the
// same new file), so a busy answer is retried until busyTimeout.
func (d *DB) setWAL(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		var mode string
		err := d.db.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode)
		switch {
		case err == nil && mode == "wal":
			return nil
		case err == nil:
			return fmt.Errorf("the database stays in journal mode %q", mode)
		case !isBusy(err) || time.Now().After(deadline):
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
