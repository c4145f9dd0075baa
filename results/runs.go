package results

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// RunStatus is where a run is in its life cycle: the runs.status column.
type RunStatus string

// The run statuses. A run is running from StartRun until FinishRun records
// how it ended (the outcomes of train.Outcome).
const (
	StatusRunning     RunStatus = "running"
	StatusFinished    RunStatus = "finished"
	StatusFailed      RunStatus = "failed"
	StatusDiverged    RunStatus = "diverged"    // the loss became NaN or Inf
	StatusInterrupted RunStatus = "interrupted" // stopped by a signal; resumes from its checkpoint
	// StatusSuperseded marks an earlier attempt of a run retrained with
	// --rerun (see Supersede): kept under the key KEY~N, never resumed, and
	// left out of the runs Runs and Experiments return by default.
	StatusSuperseded RunStatus = "superseded"
)

// Run is one row of the runs table.
type Run struct {
	Key        string
	Experiment string
	Dataset    string
	Loss       string
	Fold       int
	Seed       uint64
	Profile    string
	Config     string // canonical JSON
	// Task is the kind of problem the run's data poses (datasets.Task:
	// ordinal, scored or orderless), recorded when it starts; "" when
	// unknown (a run of an older replicate that recorded no test metric).
	Task string
	// Setting is the text of the run's setting (settings.Setting: every
	// field of its configuration but its coordinates), recorded when it
	// starts.
	Setting string
	// Overrides are the --set overrides ("key=value") that gave the run's
	// profile, recorded when it starts; nil when none.
	Overrides []string
	Status    RunStatus
	// PriorStatus is the status a superseded attempt had when a rerun
	// superseded it; "" otherwise.
	PriorStatus RunStatus
	Started     time.Time
	Finished    time.Time // zero while running
	WallSeconds float64
	EpochsDone  int
	Error       string
	Owner       string // the process holding the run while it runs
	Heartbeat   time.Time
	Env         Env
}

// Env describes where a run ran.
type Env struct {
	GoVersion string
	OSArch    string
	CPUModel  string
	GitCommit string
	GitDirty  bool
	BLAS      string
}

// Metric is one value of one run's metrics table.
type Metric struct {
	Epoch  int
	Split  string
	Metric string
	Value  float64 // NaN is stored as NULL and read back as NaN
}

// ErrFinished is returned by StartRun when the run already finished.
var ErrFinished = errors.New("run already finished")

// ErrBusy is returned by StartRun when another live process holds the run
// (its heartbeat is fresher than StaleAfter).
var ErrBusy = errors.New("run is running in another process")

// ErrNotOwner is returned when a process writes to a run that another
// process has taken over (after this one's heartbeat went stale).
var ErrNotOwner = errors.New("run is held by another process")

// StartRun records that run r starts now, held by r.Owner, with its facts
// (r.Task, r.Setting) and overrides. A run already
// finished is left alone and ErrFinished returned; a run running with a
// fresh heartbeat under another owner gives ErrBusy; a run left failed,
// diverged, interrupted, or running with a stale heartbeat (its process
// died) is taken over: its row is reset to running, and its metrics and
// artifacts are kept, because a run resumed from its checkpoint goes on
// from them (and a run started afresh overwrites them epoch by epoch).
//
// It returns the epochs the previous attempt recorded (0 for a new run), so
// that a resumed run never skips epochs this database does not hold.
func (d *DB) StartRun(ctx context.Context, r Run) (int, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("start run %s: %w", r.Key, err)
	}
	defer tx.Rollback()
	var status RunStatus
	var owner, heartbeat string
	var prev int
	err = tx.QueryRowContext(ctx, `SELECT status, owner, heartbeat, epochs_done FROM runs WHERE key = ?`, r.Key).Scan(&status, &owner, &heartbeat, &prev)
	switch {
	case err == nil && status == StatusFinished:
		return prev, ErrFinished
	case err == nil && status == StatusRunning && owner != r.Owner && !d.stale(heartbeat) && d.alive(owner):
		return prev, fmt.Errorf("start run %s: %w (%s, heartbeat %s)", r.Key, ErrBusy, owner, heartbeat)
	case err == nil:
		_, err = tx.ExecContext(ctx, `UPDATE runs SET status = ?, started = ?, heartbeat = ?, owner = ?, finished = NULL,
			wall_seconds = NULL, error = '', go_version = ?, os_arch = ?, cpu_model = ?, git_commit = ?, git_dirty = ?, blas = ?,
			task = ?, setting = ?, overrides = ? WHERE key = ?`, StatusRunning, d.now(), d.now(), r.Owner, r.Env.GoVersion, r.Env.OSArch, r.Env.CPUModel,
			r.Env.GitCommit, r.Env.GitDirty, r.Env.BLAS, r.Task, r.Setting, overridesText(r.Overrides), r.Key)
		if err != nil {
			return 0, fmt.Errorf("start run %s: %w", r.Key, err)
		}
		return prev, tx.Commit()
	case !errors.Is(err, sql.ErrNoRows):
		return 0, fmt.Errorf("start run %s: %w", r.Key, err)
	}
	now := d.now()
	_, err = tx.ExecContext(ctx, `INSERT INTO runs (key, experiment, dataset, loss, fold, seed, profile, config,
		status, started, heartbeat, owner, go_version, os_arch, cpu_model, git_commit, git_dirty, blas, task, setting, overrides)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Key, r.Experiment, r.Dataset, r.Loss, r.Fold, int64(r.Seed), r.Profile, r.Config,
		StatusRunning, now, now, r.Owner, r.Env.GoVersion, r.Env.OSArch, r.Env.CPUModel, r.Env.GitCommit, r.Env.GitDirty, r.Env.BLAS,
		r.Task, r.Setting, overridesText(r.Overrides))
	if err != nil {
		return 0, fmt.Errorf("start run %s: %w", r.Key, err)
	}
	return 0, tx.Commit()
}

// overridesText is the overrides column's text: a JSON array, or ” for
// none.
func overridesText(overrides []string) string {
	if len(overrides) == 0 {
		return ""
	}
	b, _ := json.Marshal(overrides) // strings only: cannot fail
	return string(b)
}

// stale reports whether a heartbeat time is older than StaleAfter.
func (d *DB) stale(heartbeat string) bool {
	t, err := time.Parse(time.RFC3339, heartbeat)
	return err != nil || d.Now().Sub(t) > d.StaleAfter
}

// alive reports whether owner may still be running.
func (d *DB) alive(owner string) bool {
	return d.OwnerAlive == nil || d.OwnerAlive(owner)
}

// Heartbeat refreshes the heartbeat of run key held by owner.
func (d *DB) Heartbeat(ctx context.Context, key, owner string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("heartbeat of run %s: %w", key, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE runs SET heartbeat = ? WHERE key = ? AND owner = ? AND status = ?`, d.now(), key, owner, StatusRunning)
	if err != nil {
		return fmt.Errorf("heartbeat of run %s: %w", key, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("heartbeat of run %s: %w", key, ErrNotOwner)
	}
	return tx.Commit()
}

// AppendMetrics records metrics of run key, held by owner, and refreshes
// its heartbeat.
func (d *DB) AppendMetrics(ctx context.Context, key, owner string, ms []Metric) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("metrics of run %s: %w", key, err)
	}
	defer tx.Rollback()
	if err := checkOwner(ctx, tx, key, owner); err != nil {
		return fmt.Errorf("metrics of run %s: %w", key, err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO metrics (run, epoch, split, metric, value) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("metrics of run %s: %w", key, err)
	}
	defer stmt.Close()
	maxEpoch := -1
	for _, m := range ms {
		var v any = m.Value
		if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
			v = nil
		}
		if _, err := stmt.ExecContext(ctx, key, m.Epoch, m.Split, m.Metric, v); err != nil {
			return fmt.Errorf("metrics of run %s: %w", key, err)
		}
		maxEpoch = max(maxEpoch, m.Epoch)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE runs SET heartbeat = ?, epochs_done = MAX(epochs_done, ?) WHERE key = ?`, d.now(), maxEpoch+1, key); err != nil {
		return fmt.Errorf("metrics of run %s: %w", key, err)
	}
	return tx.Commit()
}

// checkOwner returns ErrNotFound or ErrNotOwner unless owner holds the
// running run key.
func checkOwner(ctx context.Context, tx *sql.Tx, key, owner string) error {
	var got string
	var status RunStatus
	err := tx.QueryRowContext(ctx, `SELECT owner, status FROM runs WHERE key = ?`, key).Scan(&got, &status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return err
	case got != owner || status != StatusRunning:
		return ErrNotOwner
	}
	return nil
}

// FinishRun records the end of run key, held by owner, with its status and
// error text.
func (d *DB) FinishRun(ctx context.Context, key, owner string, status RunStatus, errText string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("finish run %s: %w", key, err)
	}
	defer tx.Rollback()
	if err := checkOwner(ctx, tx, key, owner); err != nil {
		return fmt.Errorf("finish run %s: %w", key, err)
	}
	var started string
	if err := tx.QueryRowContext(ctx, `SELECT started FROM runs WHERE key = ?`, key).Scan(&started); err != nil {
		return fmt.Errorf("finish run %s: %w", key, err)
	}
	now := d.Now().UTC()
	wall := 0.0
	if t, err := time.Parse(time.RFC3339, started); err == nil {
		wall = now.Sub(t).Seconds()
	}
	_, err = tx.ExecContext(ctx, `UPDATE runs SET status = ?, error = ?, finished = ?, wall_seconds = ?, heartbeat = ? WHERE key = ?`,
		status, errText, now.Format(time.RFC3339), wall, now.Format(time.RFC3339), key)
	if err != nil {
		return fmt.Errorf("finish run %s: %w", key, err)
	}
	return tx.Commit()
}

// RunFilter selects runs; empty fields match everything. Superseded
// attempts are left out unless WithSuperseded is set or Status asks for
// them.
type RunFilter struct {
	Experiment string
	Status     RunStatus
	Loss       string
	Profile    string
	// WithSuperseded includes the superseded attempts of rerun runs.
	WithSuperseded bool
}

// where returns the SQL condition of the filter on the runs table (as
// alias r) and its arguments; "1" selects every run.
func (f RunFilter) where() (string, []any) {
	var conds []string
	var args []any
	for _, c := range []struct{ column, value string }{
		{"r.experiment", f.Experiment}, {"r.status", string(f.Status)}, {"r.loss", f.Loss}, {"r.profile", f.Profile},
	} {
		if c.value != "" {
			conds, args = append(conds, c.column+" = ?"), append(args, c.value)
		}
	}
	if !f.WithSuperseded && f.Status == "" {
		conds, args = append(conds, "r.status != ?"), append(args, StatusSuperseded)
	}
	if len(conds) == 0 {
		return "1", nil
	}
	return strings.Join(conds, " AND "), args
}

const runColumns = `key, experiment, dataset, loss, fold, seed, profile, config, task, setting, overrides, status, prior_status,
	started, COALESCE(finished, ''), COALESCE(wall_seconds, 0), epochs_done, error, owner, heartbeat,
	go_version, os_arch, cpu_model, git_commit, git_dirty, blas`

// Runs returns the runs matching f, ordered by experiment, loss, fold, key.
func (d *DB) Runs(ctx context.Context, f RunFilter) ([]Run, error) {
	where, args := f.where()
	rows, err := d.db.QueryContext(ctx, `SELECT `+runColumns+` FROM runs AS r WHERE `+where+
		` ORDER BY experiment, loss, fold, key`, args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Run returns the run with the given key, or ErrNotFound.
func (d *DB) Run(ctx context.Context, key string) (Run, error) {
	row := d.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE key = ?`, key)
	r, err := scanRun(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("run %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return Run{}, fmt.Errorf("run %s: %w", key, err)
	}
	return r, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanRun(s scanner) (Run, error) {
	var r Run
	var seed int64
	var started, finished, heartbeat, overrides string
	err := s.Scan(&r.Key, &r.Experiment, &r.Dataset, &r.Loss, &r.Fold, &seed, &r.Profile, &r.Config, &r.Task, &r.Setting,
		&overrides, &r.Status, &r.PriorStatus, &started, &finished, &r.WallSeconds, &r.EpochsDone, &r.Error, &r.Owner, &heartbeat,
		&r.Env.GoVersion, &r.Env.OSArch, &r.Env.CPUModel, &r.Env.GitCommit, &r.Env.GitDirty, &r.Env.BLAS)
	if err != nil {
		return Run{}, err
	}
	if overrides != "" {
		// Written by overridesText; a value that does not parse is kept whole.
		if json.Unmarshal([]byte(overrides), &r.Overrides) != nil {
			r.Overrides = []string{overrides}
		}
	}
	r.Seed = uint64(seed)
	r.Started, _ = time.Parse(time.RFC3339, started)
	r.Heartbeat, _ = time.Parse(time.RFC3339, heartbeat)
	if finished != "" {
		r.Finished, _ = time.Parse(time.RFC3339, finished)
	}
	return r, nil
}

// Metrics returns every metric of run key, ordered by epoch, split, metric.
func (d *DB) Metrics(ctx context.Context, key string) ([]Metric, error) {
	out, err := d.queryMetrics(ctx, `SELECT run, epoch, split, metric, value FROM metrics WHERE run = ?
		ORDER BY epoch, split, metric`, key)
	if err != nil {
		return nil, fmt.Errorf("metrics of run %s: %w", key, err)
	}
	return out[key], nil
}

// FinalMetrics returns, for each finished run of the experiment, the
// metrics of the given split at the run's last recorded epoch.
func (d *DB) FinalMetrics(ctx context.Context, experiment, split string) (map[string][]Metric, error) {
	out, err := d.queryMetrics(ctx, `SELECT m.run, m.epoch, m.split, m.metric, m.value FROM metrics m
		JOIN runs r ON r.key = m.run
		WHERE r.experiment = ? AND r.status = ? AND m.split = ?
		  AND m.epoch = (SELECT MAX(epoch) FROM metrics WHERE run = m.run AND split = m.split)
		ORDER BY m.run, m.metric`, experiment, StatusFinished, split)
	if err != nil {
		return nil, fmt.Errorf("final metrics of %s: %w", experiment, err)
	}
	return out, nil
}

// queryMetrics runs a query whose rows are (run, epoch, split, metric,
// value) and groups them by run key, in row order. A NULL value reads back
// as NaN.
func (d *DB) queryMetrics(ctx context.Context, q string, args ...any) (map[string][]Metric, error) {
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]Metric{}
	for rows.Next() {
		var key string
		var m Metric
		var v sql.NullFloat64
		if err := rows.Scan(&key, &m.Epoch, &m.Split, &m.Metric, &v); err != nil {
			return nil, err
		}
		m.Value = math.NaN()
		if v.Valid {
			m.Value = v.Float64
		}
		out[key] = append(out[key], m)
	}
	return out, rows.Err()
}

// Experiments returns the names of the experiments with at least one run
// that is not a superseded attempt.
func (d *DB) Experiments(ctx context.Context) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT DISTINCT experiment FROM runs WHERE status != ? ORDER BY experiment`, StatusSuperseded)
	if err != nil {
		return nil, fmt.Errorf("list experiments: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
