package report

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/replicate-emd/replicate/claims"
	"github.com/replicate-emd/replicate/results"
)

// TestBuildsNote: a table whose runs come from several commits, or some
// from a dirty build, says so; one clean commit, or no stamp at all, says
// nothing.
func TestBuildsNote(t *testing.T) {
	run := func(commit string, dirty bool) results.Run {
		return results.Run{Env: results.Env{GitCommit: commit, GitDirty: dirty}}
	}
	const a, b = "0123456789abcdef0123", "fedcba9876543210fedc"
	tests := []struct {
		name string
		runs []results.Run
		want string
	}{
		{"one clean commit", []results.Run{run(a, false), run(a, false)}, ""},
		{"no stamp", []results.Run{run("", false), run("", false)}, ""},
		{"two commits", []results.Run{run(a, false), run(b, false), run(b, false)},
			"Runs of this table come from 2 commits: 0123456789ab (1 run), fedcba987654 (2 runs)."},
		{"dirty", []results.Run{run(a, true), run(a, false)},
			"Runs of this table come from 1 commit: 0123456789ab (2 runs); 1 run from a dirty build (uncommitted changes)."},
		{"stamped and not", []results.Run{run(a, false), run("", false)},
			"Runs of this table come from 2 commits: unknown (no VCS stamp) (1 run), 0123456789ab (1 run)."},
	}
	for _, tt := range tests {
		if got := buildsNote(tt.runs); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

// TestBuild_SupersededAndCommits reruns a run (its first attempt kept as
// superseded) from another, dirty commit: the tables hold the rerun only,
// no note counts the superseded attempt as unfinished, and a note says the
// table mixes commits.
func TestBuild_SupersededAndCommits(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	start := func(key string, fold int, env results.Env, acc float64) {
		s := spec{experiment: "grid", profile: "smoke", loss: "ce", fold: fold, seed: 1, lr: 0.1, dataset: "synthetic"}
		r := results.Run{Key: key, Experiment: "grid", Dataset: "synthetic", Loss: "ce", Fold: fold, Seed: 1, Profile: "smoke",
			Config: s.config(), Task: "ordinal", Setting: s.setting(), Owner: "test", Env: env}
		if _, err := f.db.StartRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := f.db.AppendMetrics(ctx, key, "test", final("test", "acc", acc)); err != nil {
			t.Fatal(err)
		}
		if err := f.db.FinishRun(ctx, key, "test", results.StatusFinished, ""); err != nil {
			t.Fatal(err)
		}
	}
	old := results.Env{GitCommit: "aaaaaaaaaaaaaaaa"}
	start("k0", 0, old, 0.25)
	start("k1", 1, old, 0.25)
	if _, err := f.db.Supersede(ctx, "k1", "test", nil); err != nil {
		t.Fatal(err)
	}
	start("k1", 1, results.Env{GitCommit: "bbbbbbbbbbbbbbbb", GitDirty: true}, 0.75)
	rep, err := Build(ctx, f.db, Options{NoFigures: true, Claims: []claims.Claim{}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Runs != 2 || len(rep.Experiments) != 1 {
		t.Fatalf("%d runs in %d experiments, want 2 in 1", rep.Runs, len(rep.Experiments))
	}
	e := rep.Experiments[0]
	if len(e.Rows) != 1 || e.Rows[0].Runs != 2 || e.Rows[0].Cells["acc"].Mean != 0.5 {
		t.Errorf("rows %+v: want one row of 2 runs, mean acc (0.25 + 0.75) / 2", e.Rows)
	}
	if len(e.Unfinished) != 0 {
		t.Errorf("unfinished %+v: a superseded attempt is not an unfinished run", e.Unfinished)
	}
	want := "Runs of this table come from 2 commits: aaaaaaaaaaaa (1 run), bbbbbbbbbbbb (1 run); 1 run from a dirty build (uncommitted changes)."
	if !slices.Contains(e.Notes, want) {
		t.Errorf("notes lack %q:\n%s", want, strings.Join(e.Notes, "\n"))
	}
}
