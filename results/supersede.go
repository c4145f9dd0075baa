package results

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SupersededSep separates a run's key from the number of a superseded
// attempt in the attempt's key: KEY~1, KEY~2, …
const SupersededSep = "~"

// BaseKey returns the key of the run a key belongs to: key itself, or for
// a superseded attempt's key (KEY~N) the KEY.
func BaseKey(key string) string {
	base, _, _ := strings.Cut(key, SupersededSep)
	return base
}

// Supersede keeps the recorded attempt of run key as a superseded one, so
// that the run can be trained again from scratch (replicate --rerun):
// the attempt's row moves to the key KEY~N, the next free N, with status
// superseded and its status of then in PriorStatus, and its metrics and
// artifacts move with it. Nothing is deleted. It returns the attempt's new
// key, or "" when the store holds no attempt of the run. An attempt
// running under another live process is left alone: ErrBusy, as StartRun
// says.
//
// relocate, when not nil, is called inside the transaction for each
// artifact of the attempt stored in a file (Artifact.Path): it may move the
// file so that the new attempt's files do not overwrite it, and returns
// where the file is now. Should the transaction fail after a move, it is
// called again to move the file back (path, newKey, key).
func (d *DB) Supersede(ctx context.Context, key, owner string, relocate func(path, oldKey, newKey string) (string, error)) (string, error) {
	if strings.Contains(key, SupersededSep) {
		return "", fmt.Errorf("supersede run %s: the key of a superseded attempt", key)
	}
	var moved [][2]string // new path, old path
	newKey, err := d.supersede(ctx, key, owner, relocate, &moved)
	if err != nil {
		for _, m := range moved {
			relocate(m[0], newKey, key) // best effort: the error above is the one to report
		}
		return "", fmt.Errorf("supersede run %s: %w", key, err)
	}
	return newKey, nil
}

func (d *DB) supersede(ctx context.Context, key, owner string, relocate func(path, oldKey, newKey string) (string, error), moved *[][2]string) (string, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	var status RunStatus
	var holder, heartbeat string
	err = tx.QueryRowContext(ctx, `SELECT status, owner, heartbeat FROM runs WHERE key = ?`, key).Scan(&status, &holder, &heartbeat)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", nil
	case err != nil:
		return "", err
	case status == StatusRunning && holder != owner && !d.stale(heartbeat) && d.alive(holder):
		return "", fmt.Errorf("%w (%s, heartbeat %s)", ErrBusy, holder, heartbeat)
	}
	n, err := lastAttempt(ctx, tx, "main", key)
	if err != nil {
		return "", err
	}
	newKey := key + SupersededSep + strconv.Itoa(n+1)
	if err := moveRun(ctx, tx, key, newKey); err != nil {
		return "", err
	}
	if relocate != nil {
		if err := relocateArtifacts(ctx, tx, key, newKey, relocate, moved); err != nil {
			return newKey, err
		}
	}
	return newKey, tx.Commit()
}

// lastAttempt returns the largest N of the superseded attempts KEY~N of
// run key in the database attached as schema, 0 when there is none.
func lastAttempt(ctx context.Context, q queryer, schema, key string) (int, error) {
	rows, err := q.QueryContext(ctx, `SELECT key FROM `+schema+`.runs WHERE substr(key, 1, ?) = ?`,
		len(key)+len(SupersededSep), key+SupersededSep)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	last := 0
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return 0, err
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(k, key+SupersededSep)); err == nil && n > last {
			last = n
		}
	}
	return last, rows.Err()
}

// moveRun moves run key, with its metrics and artifacts, to newKey as a
// superseded attempt.
func moveRun(ctx context.Context, tx *sql.Tx, key, newKey string) error {
	cols := mergeTables[0].columns
	exprs := make([]string, len(cols))
	for i, c := range cols {
		switch c {
		case "key":
			exprs[i] = "?"
		case "status":
			exprs[i] = "'" + string(StatusSuperseded) + "'"
		case "prior_status":
			exprs[i] = "status"
		default:
			exprs[i] = c
		}
	}
	steps := []struct {
		q    string
		args []any
	}{
		{`INSERT INTO runs (` + strings.Join(cols, ", ") + `) SELECT ` + strings.Join(exprs, ", ") + ` FROM runs WHERE key = ?`, []any{newKey, key}},
		{`UPDATE metrics SET run = ? WHERE run = ?`, []any{newKey, key}},
		{`UPDATE artifacts SET run = ? WHERE run = ?`, []any{newKey, key}},
		{`DELETE FROM runs WHERE key = ?`, []any{key}},
	}
	for _, s := range steps {
		if _, err := tx.ExecContext(ctx, s.q, s.args...); err != nil {
			return err
		}
	}
	return nil
}

// relocateArtifacts asks relocate about every file artifact of the
// attempt now at newKey and records where each file is.
func relocateArtifacts(ctx context.Context, tx *sql.Tx, key, newKey string, relocate func(path, oldKey, newKey string) (string, error), moved *[][2]string) error {
	rows, err := tx.QueryContext(ctx, `SELECT name, path FROM artifacts WHERE run = ? AND path != '' ORDER BY name`, newKey)
	if err != nil {
		return err
	}
	var files [][2]string
	for rows.Next() {
		var name, path string
		if err := rows.Scan(&name, &path); err != nil {
			rows.Close()
			return err
		}
		files = append(files, [2]string{name, path})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, f := range files {
		to, err := relocate(f[1], key, newKey)
		if err != nil {
			return fmt.Errorf("artifact %s: %w", f[0], err)
		}
		if to == f[1] {
			continue
		}
		*moved = append(*moved, [2]string{to, f[1]})
		if _, err := tx.ExecContext(ctx, `UPDATE artifacts SET path = ? WHERE run = ? AND name = ?`, to, newKey, f[0]); err != nil {
			return err
		}
	}
	return nil
}
