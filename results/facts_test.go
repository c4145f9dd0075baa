package results

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/settings"
)

// legacySpecs are run specs whose configurations an older replicate could
// have recorded: every profile of every embedded grid, and a spec whose
// strings need quoting in a setting's text.
func legacySpecs(t *testing.T) []experiments.RunSpec {
	t.Helper()
	grids, err := experiments.Registry()
	if err != nil {
		t.Fatal(err)
	}
	var specs []experiments.RunSpec
	for _, g := range grids {
		for _, p := range g.ProfileNames() {
			s, err := g.Expand(p)
			if err != nil {
				t.Fatal(err)
			}
			specs = append(specs, s[0], s[len(s)-1])
		}
	}
	odd := specs[0]
	odd.Experiment = "odd"
	odd.LossOptions.GroundDistance = `"quoted, with a comma", and = sign`
	odd.Model.Dtype = "x=y"
	return append(specs, odd)
}

// testMetric is a test metric of the task: what an older replicate
// recorded for it (metrics.MetricNames).
func testMetric(task datasets.Task) string {
	return map[datasets.Task]string{datasets.TaskOrdinal: "acc1off", datasets.TaskScored: "spearman", datasets.TaskOrderless: "top5"}[task]
}

// TestOpen_FillsLegacyFacts writes runs into a database of the schema
// before migration 0003, as an older replicate did (no task, no setting),
// and opens it: the migration must give every run the facts this version
// records when a run starts (RunSpec.Setting, the task of its dataset).
func TestOpen_FillsLegacyFacts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	stmts := []string{migrationSQL(t, "0001_runs.sql"), migrationSQL(t, "0002_owner_artifacts.sql"),
		`CREATE TABLE migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)`,
		`INSERT INTO migrations VALUES ('migration/0001_runs.sql', '2025-01-01T00:00:00Z'), ('migration/0002_owner_artifacts.sql', '2025-01-01T00:00:00Z')`}
	specs := legacySpecs(t)
	want := map[string][2]string{}
	for i, s := range specs {
		key := fmt.Sprintf("r%03d", i)
		data, err := datasets.Lookup(s.Dataset.Name)
		if err != nil {
			t.Fatal(err)
		}
		task, err := data.Task(s.Request())
		if err != nil {
			t.Fatal(err)
		}
		want[key] = [2]string{string(task), s.Setting().String()}
		stmts = append(stmts,
			fmt.Sprintf(`INSERT INTO runs (key, experiment, dataset, loss, fold, seed, profile, config, status, started, heartbeat)
				VALUES ('%s', '%s', '%s', '%s', %d, %d, '%s', '%s', 'finished', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')`,
				key, s.Experiment, s.Dataset.Name, s.Loss, s.Fold, s.Seed, s.Profile, strings.ReplaceAll(string(s.Canonical()), "'", "''")),
			fmt.Sprintf(`INSERT INTO metrics VALUES ('%s', 0, 'test', 'acc', 0.5), ('%s', 0, 'test', '%s', 0.5), ('%s', 0, 'train', 'spearman', 0.1)`,
				key, key, testMetric(task), key))
	}
	// A run with no test metric and a configuration that is not JSON keeps
	// its facts unknown.
	stmts = append(stmts, `INSERT INTO runs (key, experiment, dataset, loss, fold, seed, profile, config, status, started, heartbeat)
		VALUES ('bad', 'x', 'd', 'ce', 0, 1, 'p', 'not json', 'failed', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')`)
	want["bad"] = [2]string{"", ""}
	rawExec(t, path, stmts...)

	d, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	runs, err := d.Runs(t.Context(), RunFilter{})
	if err != nil || len(runs) != len(want) {
		t.Fatalf("%d runs (%v), want %d", len(runs), err, len(want))
	}
	for _, r := range runs {
		w := want[r.Key]
		if r.Task != w[0] {
			t.Errorf("run %s (%s): task %q, want %q", r.Key, r.Experiment, r.Task, w[0])
		}
		got, err := settings.Parse(r.Setting)
		if err != nil {
			t.Errorf("run %s: %v", r.Key, err)
			continue
		}
		// The text may quote differently; the setting it reads back as
		// must be the same, and it is the same text where nothing needs
		// quoting.
		if got.String() != w[1] || (r.Experiment != "odd" && r.Setting != w[1]) {
			t.Errorf("run %s (%s): setting\n%q\nwant\n%q", r.Key, r.Experiment, r.Setting, w[1])
		}
	}
}

// TestDB_Merge_FillsLegacyFacts merges a shard of an older replicate (no
// facts): its runs get their facts in the output.
func TestDB_Merge_FillsLegacyFacts(t *testing.T) {
	in := filepath.Join(t.TempDir(), "old.db")
	rawExec(t, in, migrationSQL(t, "0001_runs.sql"), migrationSQL(t, "0002_owner_artifacts.sql"),
		`CREATE TABLE migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)`,
		`INSERT INTO migrations VALUES ('migration/0001_runs.sql', '2025-01-01T00:00:00Z'), ('migration/0002_owner_artifacts.sql', '2025-01-01T00:00:00Z')`,
		`INSERT INTO runs (key, experiment, dataset, loss, fold, seed, profile, config, status, started, heartbeat)
			VALUES ('r', 'x', 'imagenet', 'ce', 0, 1, 'p', '{"experiment":"x","fold":0,"lr":0.1,"model":{"name":"mlp"}}', 'finished', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')`,
		`INSERT INTO metrics VALUES ('r', 0, 'test', 'top1', 0.5)`)
	out := mustOpen(t)
	if _, err := out.Merge(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	r, err := out.Run(t.Context(), "r")
	if err != nil || r.Task != "orderless" || r.Setting != "lr=0.1, model.name=mlp" {
		t.Errorf("merged run: task %q, setting %q (%v); want orderless and \"lr=0.1, model.name=mlp\"", r.Task, r.Setting, err)
	}
}
