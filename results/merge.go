package results

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// MergeStats counts what Merge did with one input database.
type MergeStats struct {
	Added    int // runs the output did not have
	Replaced int // unfinished runs of the output replaced by finished ones
	Kept     int // runs the output already had and kept
}

// Merge copies the runs of the database at path into d, with their
// metrics and artifacts. On a key both hold, the output keeps its own run
// unless its run is not finished and the input's is: a finished run always
// wins, and merging the same input twice changes nothing. The input is
// migrated to the current schema first (it only gains columns and tables),
// then read.
func (d *DB) Merge(ctx context.Context, path string) (MergeStats, error) {
	var st MergeStats
	if _, err := os.Stat(path); err != nil {
		return st, fmt.Errorf("merge %s: %w", path, err)
	}
	if a, b := absPath(path), absPath(d.path); a == b {
		return st, fmt.Errorf("merge %s: it is the output database", path)
	}
	in, err := Open(ctx, path)
	if err != nil {
		return st, fmt.Errorf("merge %s: %w", path, err)
	}
	if err := in.Close(); err != nil {
		return st, fmt.Errorf("merge %s: %w", path, err)
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return st, fmt.Errorf("merge %s: %w", path, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS src`, "file:"+path+"?mode=ro"); err != nil {
		return st, fmt.Errorf("merge %s: attach: %w", path, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE src`)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return st, fmt.Errorf("merge %s: %w", path, err)
	}
	defer tx.Rollback()
	steps := []string{
		`CREATE TEMP TABLE IF NOT EXISTS merge_pick (key TEXT PRIMARY KEY, replace INTEGER NOT NULL)`,
		`DELETE FROM merge_pick`,
		`INSERT INTO merge_pick (key, replace)
			SELECT s.key, m.key IS NOT NULL FROM src.runs s LEFT JOIN main.runs m ON m.key = s.key
			WHERE m.key IS NULL OR (m.status != 'finished' AND s.status = 'finished')`,
		`DELETE FROM main.runs WHERE key IN (SELECT key FROM merge_pick)`,
		`INSERT INTO main.runs SELECT * FROM src.runs WHERE key IN (SELECT key FROM merge_pick)`,
		`INSERT INTO main.metrics SELECT * FROM src.metrics WHERE run IN (SELECT key FROM merge_pick)`,
		`INSERT INTO main.artifacts SELECT * FROM src.artifacts WHERE run IN (SELECT key FROM merge_pick)`,
	}
	for _, q := range steps {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return st, fmt.Errorf("merge %s: %w", path, err)
		}
	}
	var total int
	err = tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM src.runs),
		(SELECT COUNT(*) FROM merge_pick WHERE replace = 0), (SELECT COUNT(*) FROM merge_pick WHERE replace = 1)`).
		Scan(&total, &st.Added, &st.Replaced)
	if err != nil {
		return st, fmt.Errorf("merge %s: %w", path, err)
	}
	st.Kept = total - st.Added - st.Replaced
	return st, tx.Commit()
}
