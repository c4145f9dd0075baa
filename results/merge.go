package results

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
)

// MergeStats counts what Merge did with one input database.
type MergeStats struct {
	Added    int // runs the output did not have
	Replaced int // unfinished runs of the output replaced by finished ones
	Kept     int // runs the output already had and kept
}

// mergeTables lists, for each table Merge copies, the columns of the
// current schema, by name: a copy never relies on the order of an input's
// columns. A migration that adds a column adds it here too (a test checks
// these against the schema).
var mergeTables = []struct {
	name, key string // key: the column naming the run
	columns   []string
}{
	{"runs", "key", []string{"key", "experiment", "dataset", "loss", "fold", "seed", "profile", "config", "status",
		"started", "finished", "wall_seconds", "epochs_done", "error", "heartbeat", "go_version", "os_arch",
		"cpu_model", "git_commit", "git_dirty", "owner", "blas", "task", "setting"}},
	{"metrics", "run", []string{"run", "epoch", "split", "metric", "value"}},
	{"artifacts", "run", []string{"run", "name", "kind", "epoch", "path", "data", "created"}},
}

// Merge copies the runs of the database at path into d, with their
// metrics and artifacts. On a key both hold, the output keeps its own run
// unless its run is not finished and the input's is: a finished run always
// wins, and merging the same input twice changes nothing.
//
// The input is opened read-only and never written. It must be a replicate
// database (see OpenReadOnly for what is refused); one of an older schema
// is merged as it is, the columns and tables it lacks taking their
// defaults (those its later migrations give), so an old shard need not be
// migrated first.
func (d *DB) Merge(ctx context.Context, path string) (MergeStats, error) {
	st, err := d.merge(ctx, path)
	if err != nil {
		return MergeStats{}, fmt.Errorf("merge %s: %w", path, err)
	}
	return st, nil
}

func (d *DB) merge(ctx context.Context, path string) (MergeStats, error) {
	var st MergeStats
	a, err := os.Stat(path)
	if err != nil {
		return st, err
	}
	if b, err := os.Stat(d.path); err == nil && os.SameFile(a, b) {
		return st, errors.New("it is the output database")
	}
	in, err := openReadOnly(ctx, path) // refuses what is not a replicate database of a known version
	if err != nil {
		return st, err
	}
	if err := in.Close(); err != nil {
		return st, err
	}
	conn, err := d.attach(ctx, path)
	if err != nil {
		return st, err
	}
	defer detach(ctx, conn)
	tx, err := conn.BeginTx(ctx, nil) // BEGIN IMMEDIATE on the output; the read-only input gets a read transaction
	if err != nil {
		return st, err
	}
	defer tx.Rollback()
	// The version again, inside the transaction that reads the input.
	s, err := inspect(ctx, tx, "src")
	if err == nil {
		_, err = s.plan(false)
	}
	if err != nil {
		return st, err
	}
	steps, err := mergeSteps(ctx, tx)
	if err != nil {
		return st, err
	}
	for _, q := range steps {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return st, err
		}
	}
	var total int
	err = tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM src.runs),
		(SELECT COUNT(*) FROM merge_pick WHERE replace = 0), (SELECT COUNT(*) FROM merge_pick WHERE replace = 1)`).
		Scan(&total, &st.Added, &st.Replaced)
	if err != nil {
		return st, err
	}
	st.Kept = total - st.Added - st.Replaced
	return st, tx.Commit()
}

// attach attaches the database at path, read-only, as "src" to a
// connection of d's pool, and returns the connection; detach undoes it.
func (d *DB) attach(ctx context.Context, path string) (*sql.Conn, error) {
	uri, err := fileURI(path, url.Values{"mode": {"ro"}})
	if err != nil {
		return nil, err
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS src`, uri); err != nil {
		conn.Close()
		return nil, fmt.Errorf("attach: %w", err)
	}
	return conn, nil
}

// detach detaches "src" and returns the connection to the pool; a
// connection it cannot detach is discarded instead, since the next merge's
// ATTACH would fail on it.
func detach(ctx context.Context, conn *sql.Conn) {
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE src`); err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	conn.Close()
}

// mergeSteps returns the statements that copy the runs of "src" that
// merge_pick selects, after dropping the output's runs they replace. Every
// copy names its columns: those of the current schema that the input has.
func mergeSteps(ctx context.Context, tx *sql.Tx) ([]string, error) {
	steps := []string{
		`CREATE TEMP TABLE IF NOT EXISTS merge_pick (key TEXT PRIMARY KEY, replace INTEGER NOT NULL)`,
		`DELETE FROM merge_pick`,
		`INSERT INTO merge_pick (key, replace)
			SELECT s.key, m.key IS NOT NULL FROM src.runs s LEFT JOIN main.runs m ON m.key = s.key
			WHERE m.key IS NULL OR (m.status != 'finished' AND s.status = 'finished')`,
		`DELETE FROM main.runs WHERE key IN (SELECT key FROM merge_pick)`,
	}
	for _, t := range mergeTables {
		cols, err := inputColumns(ctx, tx, t.name, t.columns)
		if err != nil {
			return nil, err
		}
		if len(cols) == 0 { // a table a later migration added
			continue
		}
		list := strings.Join(cols, ", ")
		steps = append(steps, `INSERT INTO main.`+t.name+` (`+list+`) SELECT `+list+` FROM src.`+t.name+
			` WHERE `+t.key+` IN (SELECT key FROM merge_pick)`)
	}
	// The runs of an older input come without their facts.
	return append(steps, fillFacts), nil
}

// inputColumns returns those of columns that the input's table has, in the
// order of columns; none when the input lacks the table.
func inputColumns(ctx context.Context, q queryer, table string, columns []string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name FROM pragma_table_info(?, 'src')`, table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer rows.Close()
	var has []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("columns of %s: %w", table, err)
		}
		has = append(has, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	var out []string
	for _, c := range columns {
		if slices.Contains(has, c) {
			out = append(out, c)
		}
	}
	return out, nil
}
