package results

import (
	"context"
	"fmt"
	"strings"
)

// The queries of this file serve the commands that look at recorded runs
// (replicate runs, replicate show): a run found by a prefix of its key,
// the last metrics of many runs at once, a run's artifacts without their
// content.

// MinKeyPrefix is the shortest key prefix ResolveKey accepts.
const MinKeyPrefix = 4

// AmbiguousKeyError is returned by ResolveKey when a prefix matches
// several runs.
type AmbiguousKeyError struct {
	Prefix     string
	Candidates []Run // the runs it matches (at most maxCandidates), by key
	More       bool  // more runs match than Candidates holds
}

// maxCandidates bounds the runs an AmbiguousKeyError lists.
const maxCandidates = 10

func (e *AmbiguousKeyError) Error() string {
	parts := make([]string, len(e.Candidates))
	for i, r := range e.Candidates {
		parts[i] = fmt.Sprintf("%s (%s %s %s fold %d, %s)", r.Key, r.Experiment, r.Profile, r.Loss, r.Fold, r.Status)
	}
	more := ""
	if e.More {
		more = ", …"
	}
	return fmt.Sprintf("key prefix %q is ambiguous: %s%s", e.Prefix, strings.Join(parts, ", "), more)
}

// ResolveKey returns the key of the one run whose key starts with prefix,
// as git resolves a commit: a key equal to prefix wins; otherwise the
// prefix must have at least MinKeyPrefix characters and match exactly one
// run (else an *AmbiguousKeyError listing the candidates, or an error
// wrapping ErrNotFound). Superseded attempts (KEY~N) are matched only by a
// prefix that holds the "~".
func (d *DB) ResolveKey(ctx context.Context, prefix string) (string, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM runs WHERE key = ?`, prefix).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("resolve key %q: %w", prefix, err)
	}
	if n == 1 {
		return prefix, nil
	}
	if len(prefix) < MinKeyPrefix {
		return "", fmt.Errorf("key prefix %q is too short: give at least %d characters", prefix, MinKeyPrefix)
	}
	q := `SELECT ` + runColumns + ` FROM runs WHERE substr(key, 1, ?) = ?`
	args := []any{len(prefix), prefix}
	if !strings.Contains(prefix, SupersededSep) {
		q += ` AND status != ?`
		args = append(args, StatusSuperseded)
	}
	rows, err := d.db.QueryContext(ctx, q+` ORDER BY key LIMIT ?`, append(args, maxCandidates+1)...)
	if err != nil {
		return "", fmt.Errorf("resolve key %q: %w", prefix, err)
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return "", fmt.Errorf("resolve key %q: %w", prefix, err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("resolve key %q: %w", prefix, err)
	}
	switch len(runs) {
	case 0:
		return "", fmt.Errorf("%w: no key starts with %q", ErrNotFound, prefix)
	case 1:
		return runs[0].Key, nil
	}
	e := &AmbiguousKeyError{Prefix: prefix, Candidates: runs}
	if len(runs) > maxCandidates {
		e.Candidates, e.More = runs[:maxCandidates], true
	}
	return "", e
}

// LastMetrics returns, for each run f selects, its metrics of the given
// splits (every split when none) at the last epoch it recorded for each
// split, ordered by split and metric. A NULL value reads back as NaN.
func (d *DB) LastMetrics(ctx context.Context, f RunFilter, splits ...string) (map[string][]Metric, error) {
	where, args := f.where()
	q := `SELECT m.run, m.epoch, m.split, m.metric, m.value FROM metrics m JOIN runs r ON r.key = m.run
		WHERE ` + where + ` AND m.epoch = (SELECT MAX(epoch) FROM metrics WHERE run = m.run AND split = m.split)`
	q, args = appendIn(q, args, "m.split", splits)
	out, err := d.queryMetrics(ctx, q+` ORDER BY m.run, m.split, m.metric`, args...)
	if err != nil {
		return nil, fmt.Errorf("last metrics: %w", err)
	}
	return out, nil
}

// RunArtifacts lists the artifacts of run key without their content,
// ordered by epoch and name.
func (d *DB) RunArtifacts(ctx context.Context, key string) ([]ArtifactRef, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT run, name, kind, COALESCE(epoch, -1), path, COALESCE(LENGTH(data), 0)
		FROM artifacts WHERE run = ? ORDER BY COALESCE(epoch, -1), name`, key)
	if err != nil {
		return nil, fmt.Errorf("artifacts of run %s: %w", key, err)
	}
	defer rows.Close()
	var out []ArtifactRef
	for rows.Next() {
		var a ArtifactRef
		if err := rows.Scan(&a.Run, &a.Name, &a.Kind, &a.Epoch, &a.Path, &a.Size); err != nil {
			return nil, fmt.Errorf("artifacts of run %s: %w", key, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("artifacts of run %s: %w", key, err)
	}
	return out, nil
}
