package results

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The queries of this file serve the report: they read the finished runs
// of one experiment in bulk, so that a report needs a handful of queries
// per experiment rather than several per run.

// MetricFilter selects the rows of EpochMetrics; an empty field matches
// everything.
type MetricFilter struct {
	Splits  []string // e.g. test, val
	Metrics []string // e.g. acc, spearman
}

// EpochMetrics returns every per-epoch metric of the finished runs of the
// experiment that f selects, by run key, each run's metrics ordered by
// epoch, split and metric. A NULL value reads back as NaN.
func (d *DB) EpochMetrics(ctx context.Context, experiment string, f MetricFilter) (map[string][]Metric, error) {
	q := `SELECT m.run, m.epoch, m.split, m.metric, m.value FROM metrics m
		JOIN runs r ON r.key = m.run
		WHERE r.experiment = ? AND r.status = ?`
	args := []any{experiment, StatusFinished}
	q, args = appendIn(q, args, "m.split", f.Splits)
	q, args = appendIn(q, args, "m.metric", f.Metrics)
	q += ` ORDER BY m.run, m.epoch, m.split, m.metric`
	out, err := d.queryMetrics(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("epoch metrics of %s: %w", experiment, err)
	}
	return out, nil
}

// appendIn adds "AND column IN (?, …)" to q when values is not empty.
func appendIn(q string, args []any, column string, values []string) (string, []any) {
	if len(values) == 0 {
		return q, args
	}
	q += " AND " + column + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", ") + ")"
	for _, v := range values {
		args = append(args, v)
	}
	return q, args
}

// ArtifactRef names a stored artifact without its content, so that a
// report can choose which of many large matrices to read.
type ArtifactRef struct {
	Run   string // the run's key
	Name  string
	Kind  string
	Epoch int    // -1 for none
	Path  string // where it lives when stored outside the database
	Size  int    // bytes stored inline
}

// ArtifactIndex lists the artifacts of the given kind (every kind when
// empty) of the finished runs of the experiment, without their content,
// ordered by run, epoch and name.
func (d *DB) ArtifactIndex(ctx context.Context, experiment, kind string) ([]ArtifactRef, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT a.run, a.name, a.kind, COALESCE(a.epoch, -1), a.path,
		COALESCE(LENGTH(a.data), 0) FROM artifacts a
		JOIN runs r ON r.key = a.run
		WHERE r.experiment = ? AND r.status = ? AND (? = '' OR a.kind = ?)
		ORDER BY a.run, COALESCE(a.epoch, -1), a.name`, experiment, StatusFinished, kind, kind)
	if err != nil {
		return nil, fmt.Errorf("artifact index of %s: %w", experiment, err)
	}
	defer rows.Close()
	var out []ArtifactRef
	for rows.Next() {
		var a ArtifactRef
		if err := rows.Scan(&a.Run, &a.Name, &a.Kind, &a.Epoch, &a.Path, &a.Size); err != nil {
			return nil, fmt.Errorf("artifact index of %s: %w", experiment, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("artifact index of %s: %w", experiment, err)
	}
	return out, nil
}

// Artifact returns the artifact of run key with the given name, content
// included, or an error wrapping ErrNotFound.
func (d *DB) Artifact(ctx context.Context, key, name string) (Artifact, error) {
	var a Artifact
	var created string
	var data []byte
	err := d.db.QueryRowContext(ctx, `SELECT name, kind, COALESCE(epoch, -1), path, data, created FROM artifacts
		WHERE run = ? AND name = ?`, key, name).Scan(&a.Name, &a.Kind, &a.Epoch, &a.Path, &data, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Artifact{}, fmt.Errorf("artifact %s of run %s: %w", name, key, ErrNotFound)
	}
	if err != nil {
		return Artifact{}, fmt.Errorf("artifact %s of run %s: %w", name, key, err)
	}
	a.Data = data
	a.Created, _ = time.Parse(time.RFC3339, created)
	return a, nil
}
