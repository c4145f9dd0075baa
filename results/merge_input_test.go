package results

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// reorderedInput is a replicate database at the current schema whose
// tables were created with their columns in another order, holding one
// finished run "r" with one metric and one artifact.
func reorderedInput(t *testing.T, path string) {
	t.Helper()
	rawExec(t, path,
		`CREATE TABLE migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)`,
		`INSERT INTO migrations VALUES ('migration/0001_runs.sql', '2026-01-01T00:00:00Z'),
			('migration/0002_owner_artifacts.sql', '2026-01-01T00:00:00Z'),
			('migration/0003_run_facts.sql', '2026-01-01T00:00:00Z')`,
		`CREATE TABLE runs (setting TEXT NOT NULL DEFAULT '', task TEXT NOT NULL DEFAULT '', blas TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL DEFAULT '', git_dirty INTEGER NOT NULL DEFAULT 0,
			git_commit TEXT NOT NULL DEFAULT '', cpu_model TEXT NOT NULL DEFAULT '', os_arch TEXT NOT NULL DEFAULT '',
			go_version TEXT NOT NULL DEFAULT '', heartbeat TEXT NOT NULL, error TEXT NOT NULL DEFAULT '',
			epochs_done INTEGER NOT NULL DEFAULT 0, wall_seconds REAL, finished TEXT, started TEXT NOT NULL,
			status TEXT NOT NULL, config TEXT NOT NULL, profile TEXT NOT NULL, seed INTEGER NOT NULL,
			fold INTEGER NOT NULL, loss TEXT NOT NULL, dataset TEXT NOT NULL, experiment TEXT NOT NULL, key TEXT PRIMARY KEY)`,
		`CREATE TABLE metrics (value REAL, metric TEXT NOT NULL, split TEXT NOT NULL, epoch INTEGER NOT NULL,
			run TEXT NOT NULL REFERENCES runs (key) ON DELETE CASCADE, PRIMARY KEY (run, epoch, split, metric))`,
		`CREATE TABLE artifacts (created TEXT NOT NULL, data BLOB, path TEXT NOT NULL DEFAULT '', epoch INTEGER,
			kind TEXT NOT NULL, name TEXT NOT NULL, run TEXT NOT NULL REFERENCES runs (key) ON DELETE CASCADE,
			PRIMARY KEY (run, name))`,
		`INSERT INTO runs (key, experiment, dataset, loss, fold, seed, profile, config, status, started, finished,
			wall_seconds, epochs_done, error, heartbeat, go_version, os_arch, cpu_model, git_commit, git_dirty, owner, blas, task, setting)
			VALUES ('r', 'smoke', 'synthetic', 'emd2', 2, 7, 'paper', '{"a":1}', 'finished', '2026-01-02T03:04:05Z',
			'2026-01-02T03:05:05Z', 60, 3, '', '2026-01-02T03:05:05Z', 'go1.x', 'linux/amd64', 'cpu', 'abc', 1, 'host:1:n', 'gonum',
			'scored', 'b=2')`,
		`INSERT INTO metrics (run, epoch, split, metric, value) VALUES ('r', 2, 'test', 'acc', 0.75)`,
		`INSERT INTO artifacts (run, name, kind, epoch, path, data, created)
			VALUES ('r', 'ground_distance/epoch-2', 'matrix', 2, '', x'0102', '2026-01-02T03:05:05Z')`,
	)
}

// TestDB_Merge_ReorderedColumns merges an input whose columns are in
// another order: every value lands in its own column.
func TestDB_Merge_ReorderedColumns(t *testing.T) {
	ctx := t.Context()
	in := filepath.Join(t.TempDir(), "in.db")
	reorderedInput(t, in)
	out := mustOpen(t)
	if _, err := out.Merge(ctx, in); err != nil {
		t.Fatal(err)
	}
	r, err := out.Run(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	want := Run{Key: "r", Experiment: "smoke", Dataset: "synthetic", Loss: "emd2", Fold: 2, Seed: 7, Profile: "paper",
		Config: `{"a":1}`, Task: "scored", Setting: "b=2", Status: StatusFinished, WallSeconds: 60, EpochsDone: 3, Owner: "host:1:n",
		Env: Env{GoVersion: "go1.x", OSArch: "linux/amd64", CPUModel: "cpu", GitCommit: "abc", GitDirty: true, BLAS: "gonum"}}
	want.Started, want.Finished, want.Heartbeat = r.Started, r.Finished, r.Heartbeat
	if !reflect.DeepEqual(r, want) {
		t.Errorf("merged run\n%+v\nwant\n%+v", r, want)
	}
	if got := r.Started.Format("15:04:05") + " " + r.Finished.Format("15:04:05"); got != "03:04:05 03:05:05" {
		t.Errorf("started and finished %s", got)
	}
	ms, err := out.Metrics(ctx, "r")
	if err != nil || len(ms) != 1 || ms[0] != (Metric{Epoch: 2, Split: "test", Metric: "acc", Value: 0.75}) {
		t.Errorf("merged metrics %+v (%v)", ms, err)
	}
	as, err := out.Artifacts(ctx, "r", "")
	if err != nil || len(as) != 1 || as[0].Name != "ground_distance/epoch-2" || as[0].Kind != "matrix" || as[0].Epoch != 2 || string(as[0].Data) != "\x01\x02" {
		t.Errorf("merged artifacts %+v (%v)", as, err)
	}
}

// TestDB_Merge_InputUntouched merges a current and an older input: neither
// file changes (no migration, no WAL files left beside it), and the older
// one's runs get the defaults of the columns it lacks.
func TestDB_Merge_InputUntouched(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	current := filepath.Join(dir, "current.db")
	closedDB(t, current, "a", "b")
	older := filepath.Join(dir, "older.db")
	rawExec(t, older, migrationSQL(t, "0001_runs.sql"),
		`CREATE TABLE migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)`,
		`INSERT INTO migrations VALUES ('migration/0001_runs.sql', '2025-01-01T00:00:00Z')`,
		`INSERT INTO runs (key, experiment, dataset, loss, fold, seed, profile, config, status, started, finished, heartbeat)
			VALUES ('old', 'smoke', 'synthetic', 'ce', 0, 1, 'smoke', '{}', 'finished', '2025-01-01T00:00:00Z',
			'2025-01-01T00:01:00Z', '2025-01-01T00:01:00Z')`,
		`INSERT INTO metrics (run, epoch, split, metric, value) VALUES ('old', 0, 'test', 'acc', 0.5)`,
	)
	out := mustOpen(t)
	for _, in := range []string{current, older} {
		before := stateOf(t, in)
		if _, err := out.Merge(ctx, in); err != nil {
			t.Fatalf("%s: %v", filepath.Base(in), err)
		}
		sameState(t, in, before)
	}
	r, err := out.Run(ctx, "old")
	if err != nil || r.Loss != "ce" || r.Status != StatusFinished || r.Owner != "" || r.Env.BLAS != "" {
		t.Errorf("run of the older input %+v (%v)", r, err)
	}
	if got := accOf(t, out, "old"); got != 0.5 {
		t.Errorf("acc of the older input's run %v, want 0.5", got)
	}
	if runs, err := out.Runs(ctx, RunFilter{}); err != nil || len(runs) != 3 {
		t.Errorf("%d runs (%v), want 3", len(runs), err)
	}
}

// TestDB_Merge_RefusedInputs merges files that are not replicate
// databases, or are of a newer schema: each is refused, named, and left
// untouched, and the output gains nothing.
func TestDB_Merge_RefusedInputs(t *testing.T) {
	dir := t.TempDir()
	zero := filepath.Join(dir, "zero.db")
	if err := os.WriteFile(zero, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	text := filepath.Join(dir, "text.db")
	if err := os.WriteFile(text, []byte(strings.Repeat("hello\n", 200)), 0o644); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign.db")
	rawExec(t, foreign, `CREATE TABLE runs (key TEXT PRIMARY KEY, status TEXT)`, `INSERT INTO runs VALUES ('x', 'finished')`)
	otherMigrations := filepath.Join(dir, "other-migrations.db")
	rawExec(t, otherMigrations, `CREATE TABLE migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)`,
		`INSERT INTO migrations VALUES ('20200101_create_users', 'x')`)
	newer := filepath.Join(dir, "newer.db")
	closedDB(t, newer, "n")
	rawExec(t, newer, `INSERT INTO migrations (name, applied) VALUES ('migration/0099_from_the_future.sql', '2030-01-01T00:00:00Z')`)
	tests := []struct {
		path, want string
	}{
		{zero, "empty file"},
		{text, "not a SQLite file"},
		{foreign, "not a replicate database"},
		{otherMigrations, "not a replicate database"},
		{newer, "written by a newer replicate (migration 0099_from_the_future.sql unknown"},
		{filepath.Join(dir, "missing.db"), "no such file"},
	}
	out := mustOpen(t)
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			before := stateOf(t, tt.path)
			_, err := out.Merge(t.Context(), tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("got %v, want an error naming %s and containing %q", err, tt.path, tt.want)
			}
			sameState(t, tt.path, before)
			if runs, err := out.Runs(t.Context(), RunFilter{}); err != nil || len(runs) != 0 {
				t.Errorf("the output holds %d runs (%v), want none", len(runs), err)
			}
		})
	}
	if _, err := out.Merge(t.Context(), out.Path()); err == nil || !strings.Contains(err.Error(), "it is the output database") {
		t.Errorf("merging the output into itself: %v", err)
	}
}
