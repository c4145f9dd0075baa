package results

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Artifact is a file a run produced: a checkpoint, a learned
// ground-distance matrix, a figure. Small ones are stored inline in Data;
// large ones live at Path.
type Artifact struct {
	Name    string // unique within the run, e.g. "ground_distance/epoch-3"
	Kind    string // checkpoint, matrix, figure
	Epoch   int    // the epoch it belongs to; -1 for none
	Path    string
	Data    []byte
	Created time.Time
}

// PutArtifact stores (or replaces) an artifact of run key, held by owner.
func (d *DB) PutArtifact(ctx context.Context, key, owner string, a Artifact) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("artifact %s of run %s: %w", a.Name, key, err)
	}
	defer tx.Rollback()
	if err := checkOwner(ctx, tx, key, owner); err != nil {
		return fmt.Errorf("artifact %s of run %s: %w", a.Name, key, err)
	}
	var epoch any = a.Epoch
	if a.Epoch < 0 {
		epoch = nil
	}
	_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO artifacts (run, name, kind, epoch, path, data, created)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, key, a.Name, a.Kind, epoch, a.Path, a.Data, d.now())
	if err != nil {
		return fmt.Errorf("artifact %s of run %s: %w", a.Name, key, err)
	}
	return tx.Commit()
}

// Artifacts returns the artifacts of run key whose kind is kind (all kinds
// when empty), ordered by epoch then name.
func (d *DB) Artifacts(ctx context.Context, key, kind string) ([]Artifact, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT name, kind, COALESCE(epoch, -1), path, data, created FROM artifacts
		WHERE run = ? AND (? = '' OR kind = ?) ORDER BY COALESCE(epoch, -1), name`, key, kind, kind)
	if err != nil {
		return nil, fmt.Errorf("artifacts of run %s: %w", key, err)
	}
	defer rows.Close()
	var out []Artifact
	for rows.Next() {
		var a Artifact
		var created string
		var data sql.RawBytes
		if err := rows.Scan(&a.Name, &a.Kind, &a.Epoch, &a.Path, &data, &created); err != nil {
			return nil, fmt.Errorf("artifacts of run %s: %w", key, err)
		}
		a.Data = append([]byte(nil), data...)
		a.Created, _ = time.Parse(time.RFC3339, created)
		out = append(out, a)
	}
	return out, rows.Err()
}
