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
	"strconv"
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
		"cpu_model", "git_commit", "git_dirty", "owner", "blas", "task", "setting", "prior_status", "overrides"}},
	{"metrics", "run", []string{"run", "epoch", "split", "metric", "value"}},
	{"artifacts", "run", []string{"run", "name", "kind", "epoch", "path", "data", "created"}},
}

// Merge copies the runs of the database at path into d, with their
// metrics and artifacts. On a key both hold, the output keeps its own run
// unless its run is not finished and the input's is (a finished run always
// wins), or the input's run is a rerun of the output's (the input holds the
// output's attempt as superseded); merging the same input twice changes
// nothing.
//
// On a key both hold as two different attempts (start time or owner
// differ), both ended with results (finished or diverged), where the
// output keeps its own run, the input's run is not dropped: it is copied as
// a superseded attempt of the key (KEY~N, its status kept as the prior
// status), as if the output had rerun it. Nothing either database recorded
// is lost; the report reads the output's current run.
//
// Superseded attempts (KEY~N, see Supersede) are copied too, each once: an
// attempt is known by its run, start time and owner, and one the output
// already holds, under any key of the run, is not copied again. An attempt
// whose key the output uses for another attempt gets the next free number.
// A live run of the input whose attempt the output holds as superseded is
// not copied back.
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
	for i, q := range steps {
		if i == len(steps)-copySteps { // the picks are made: number the attempts
			if err := renumberAttempts(ctx, tx); err != nil {
				return st, err
			}
		}
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

// copySteps is the number of statements at the end of mergeSteps' list
// that copy rows (one per table, the facts, and the demotion of the input's
// runs copied as attempts): the picks come before.
var copySteps = len(mergeTables) + 2

// mergeSteps returns the statements that pick the runs of "src" to copy
// (merge_pick: the input's key, whether it replaces the output's run, the
// key it gets), drop the output's runs they replace, and copy them. Every
// copy names its columns: those of the current schema that the input has.
func mergeSteps(ctx context.Context, tx *sql.Tx) ([]string, error) {
	runCols, err := inputColumns(ctx, tx, "runs", mergeTables[0].columns)
	if err != nil {
		return nil, err
	}
	// An input of migration 0002 or later knows its runs' owners, which
	// (with the start time) tell one attempt from another; one of 0004 or
	// later may hold superseded attempts.
	hasOwner, hasAttempts := slices.Contains(runCols, "owner"), slices.Contains(runCols, "prior_status")
	live := `INSERT INTO merge_pick (key, replace, new_key)
			SELECT s.key, m.key IS NOT NULL, s.key FROM src.runs s LEFT JOIN main.runs m ON m.key = s.key
			WHERE (m.key IS NULL OR (m.status != 'finished' AND s.status = 'finished')`
	if hasAttempts {
		live += ` OR (NOT (m.started = s.started AND m.owner = s.owner) AND EXISTS (SELECT 1 FROM src.runs ss
				WHERE ss.status = 'superseded' AND substr(ss.key, 1, length(s.key) + 1) = s.key || '~'
				AND ss.started = m.started AND ss.owner = m.owner))`
	}
	live += `)`
	if hasAttempts {
		live += ` AND s.status != 'superseded'`
	}
	if hasOwner {
		live += ` AND NOT EXISTS (SELECT 1 FROM main.runs mm WHERE mm.status = 'superseded'
				AND substr(mm.key, 1, length(s.key) + 1) = s.key || '~' AND mm.started = s.started AND mm.owner = s.owner)`
	}
	steps := []string{
		`DROP TABLE IF EXISTS temp.merge_pick`,
		`CREATE TEMP TABLE merge_pick (key TEXT PRIMARY KEY, replace INTEGER NOT NULL, new_key TEXT NOT NULL, demote INTEGER NOT NULL DEFAULT 0)`,
		live,
	}
	if hasOwner {
		// The input's current run of a key the output keeps as another
		// attempt: copied as a superseded attempt (numbered by
		// renumberAttempts), unless the output holds that attempt already.
		steps = append(steps, `INSERT INTO merge_pick (key, replace, new_key, demote)
			SELECT s.key, 0, s.key, 1 FROM src.runs s JOIN main.runs m ON m.key = s.key
			WHERE s.status IN ('finished', 'diverged') AND m.status IN ('finished', 'diverged')
			AND NOT (m.started = s.started AND m.owner = s.owner)
			AND s.key NOT IN (SELECT key FROM merge_pick)
			AND NOT EXISTS (SELECT 1 FROM main.runs mm WHERE mm.status = 'superseded'
				AND substr(mm.key, 1, length(s.key) + 1) = s.key || '~' AND mm.started = s.started AND mm.owner = s.owner)`)
	}
	if hasAttempts {
		steps = append(steps, `INSERT INTO merge_pick (key, replace, new_key)
			SELECT s.key, 0, s.key FROM src.runs s
			WHERE s.status = 'superseded' AND instr(s.key, '~') > 0 AND NOT EXISTS (SELECT 1 FROM main.runs m
				WHERE m.started = s.started AND m.owner = s.owner
				AND (m.key = substr(s.key, 1, instr(s.key, '~') - 1) OR substr(m.key, 1, instr(s.key, '~')) = substr(s.key, 1, instr(s.key, '~')))
				AND m.key NOT IN (SELECT key FROM merge_pick WHERE replace = 1))`)
	}
	steps = append(steps, `DELETE FROM main.runs WHERE key IN (SELECT key FROM merge_pick WHERE replace = 1)`)
	for _, t := range mergeTables {
		cols, err := inputColumns(ctx, tx, t.name, t.columns)
		if err != nil {
			return nil, err
		}
		if len(cols) == 0 { // a table a later migration added
			steps = append(steps, `SELECT 1`)
			continue
		}
		exprs := make([]string, len(cols))
		for i, c := range cols {
			exprs[i] = "s." + c
			if c == t.key {
				exprs[i] = "p.new_key"
			}
		}
		steps = append(steps, `INSERT INTO main.`+t.name+` (`+strings.Join(cols, ", ")+`) SELECT `+strings.Join(exprs, ", ")+
			` FROM src.`+t.name+` s JOIN merge_pick p ON p.key = s.`+t.key)
	}
	// The runs of an older input come without their facts; the demoted
	// runs become superseded attempts.
	return append(steps, fillFacts, `UPDATE main.runs SET prior_status = status, status = 'superseded'
		WHERE key IN (SELECT new_key FROM merge_pick WHERE demote = 1)`), nil
}

// renumberAttempts gives each superseded attempt merge_pick copies whose
// key the output already uses (for another attempt) the next number free
// in both databases; the input's current runs copied as attempts (demote)
// come after the input's own superseded ones, being newer.
func renumberAttempts(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT p.key FROM merge_pick p JOIN main.runs m ON m.key = p.key
		WHERE p.replace = 0 AND (instr(p.key, '~') > 0 OR p.demote = 1) ORDER BY p.demote, p.key`)
	if err != nil {
		return err
	}
	var clashes []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return err
		}
		clashes = append(clashes, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	next := map[string]int{} // base key → the last number given
	for _, k := range clashes {
		base := BaseKey(k)
		if _, ok := next[base]; !ok {
			a, err := lastAttempt(ctx, tx, "main", base)
			if err != nil {
				return err
			}
			b, err := lastAttempt(ctx, tx, "src", base)
			if err != nil {
				return err
			}
			next[base] = max(a, b)
		}
		next[base]++
		if _, err := tx.ExecContext(ctx, `UPDATE merge_pick SET new_key = ? WHERE key = ?`, base+SupersededSep+strconv.Itoa(next[base]), k); err != nil {
			return err
		}
	}
	return nil
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
