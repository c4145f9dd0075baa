package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/replicate-emd/replicate/experiments"
)

// TestSelectRuns_BadFilters checks that a filter that selects nothing fails
// (exit 1, one error line naming the flag and the valid values) for the
// root command, all and list, instead of printing "0 runs" and exiting 0.
func TestSelectRuns_BadFilters(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"loss not in grid", []string{"--experiment", "smoke", "--loss", "emd"}, []string{`--loss: no run has loss "emd" (did you mean "emd2"? losses: ce, emd2)`}},
		{"unknown loss", []string{"--experiment", "smoke", "--loss", "nope"}, []string{`--loss: no run has loss "nope"`, "(losses: ce, emd2)"}},
		{"one bad loss of two", []string{"--experiment", "smoke", "--loss", "emd2,l2"}, []string{`--loss: no run has loss "l2"`}},
		{"fold too high", []string{"--experiment", "smoke", "--fold", "7"}, []string{"--fold: no run has fold 7", "(folds: 0, 1)"}},
		{"negative fold", []string{"--experiment", "smoke", "--fold", "-1"}, []string{"--fold: no run has fold -1", "(folds: 0, 1)"}},
		{"all, unknown loss", []string{"all", "--loss", "nope"}, []string{`--loss: no run has loss "nope"`, "ce, ce+emd2, emd2, l2, xe-emd1, xe-emd2"}},
		{"all, fold too high", []string{"all", "--fold", "7"}, []string{"--fold: no run has fold 7", "(folds: 0, 1, 2, 3, 4)"}},
		{"list, unknown loss", []string{"list", "--experiment", "smoke", "--loss", "nope"}, []string{`--loss: no run has loss "nope"`}},
		{"list, negative fold", []string{"list", "--fold", "-1"}, []string{"--fold: no run has fold -1"}},
		{"file grid, fold", []string{"--experiment", "../../experiments/smoke.yaml", "--fold", "2"}, []string{"--fold: no run has fold 2"}},
	}
	for _, tt := range tests {
		for _, dry := range []bool{true, false} {
			args := append(append([]string{}, tt.args...), "--db", db)
			if dry && args[0] != "list" {
				args = append(args, "--dry-run")
			} else if dry {
				continue
			}
			t.Run(tt.name+map[bool]string{true: "/dry-run", false: ""}[dry], func(t *testing.T) {
				stdout, stderr, code := execute(t, args...)
				if code != exitFailure {
					t.Errorf("exit %d, want %d; stdout %q", code, exitFailure, stdout)
				}
				if stdout != "" {
					t.Errorf("stdout %q, want nothing", stdout)
				}
				lines := strings.Split(strings.TrimSpace(stderr), "\n")
				last := lines[len(lines)-1]
				for _, w := range tt.want {
					if !strings.HasPrefix(last, "Error: ") || !strings.Contains(last, w) {
						t.Errorf("stderr's last line %q, want an error containing %q", last, w)
					}
				}
			})
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a rejected selection created the database")
	}
}

// TestSelectRuns_Combination selects a loss of one grid with a fold of the
// other: each value exists, but no run has both.
func TestSelectRuns_Combination(t *testing.T) {
	dir := t.TempDir()
	a := writeSelectGrid(t, dir, "a", "[ce, emd2]", 2)
	b := writeSelectGrid(t, dir, "b", "[ce, l2]", 4)
	io, _, _ := testStreams()
	g := &globalOptions{io: io}
	_, err := selectRuns(g, &runOptions{losses: []string{"emd2"}, folds: []int{3}}, []string{a, b})
	var fe *experiments.FilterError
	if !errors.As(err, &fe) || fe.Field != "" {
		t.Fatalf("got %v, want a *FilterError for the combination", err)
	}
	for _, want := range []string{"--loss emd2 --fold 3:", "none of the 12 runs"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// Each alone, and a combination that exists, select runs.
	for _, o := range []*runOptions{
		{losses: []string{"emd2"}}, {folds: []int{3}}, {losses: []string{"ce"}, folds: []int{3}}, {losses: []string{"emd2", "l2"}, folds: []int{1, 3}},
	} {
		specs, err := selectRuns(g, o, []string{a, b})
		if err != nil || len(specs) == 0 {
			t.Errorf("losses %v folds %v: %d runs, %v", o.losses, o.folds, len(specs), err)
		}
	}
}

// TestSelectRuns_EmptyShard: a shard beyond the runs of a grid (a job array
// sized for a bigger grid) trains nothing, says so on stderr and exits 0.
func TestSelectRuns_EmptyShard(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	for _, args := range [][]string{
		{"--experiment", "smoke", "--shard", "7/8", "--dry-run"},
		{"--experiment", "smoke", "--shard", "5/8"},
		{"list", "--experiment", "smoke", "--shard", "7/8", "--json"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stdout, stderr, code := execute(t, append(args, "--db", db)...)
			if code != exitOK {
				t.Errorf("exit %d, want 0; stderr %q", code, stderr)
			}
			if !strings.Contains(stderr, "selects none of the 4 runs (more shards than runs): nothing to do") {
				t.Errorf("stderr %q lacks the empty-shard line", stderr)
			}
			if !strings.Contains(stdout, "\n0 runs") && !strings.HasPrefix(stdout, "0 runs") && strings.TrimSpace(stdout) != "[]" {
				t.Errorf("stdout %q, want a summary of 0 runs or []", stdout)
			}
		})
	}
	// A shard that holds runs prints no such line.
	_, stderr, code := execute(t, "--experiment", "smoke", "--shard", "3/4", "--dry-run", "--db", db)
	if code != exitOK || strings.Contains(stderr, "nothing to do") {
		t.Errorf("shard 3/4: exit %d, stderr %q", code, stderr)
	}
}

// TestSelectRuns_GoodFilters: valid filters select what they name.
func TestSelectRuns_GoodFilters(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	stdout, _, code := execute(t, "--experiment", "smoke", "--loss", "emd2", "--fold", "1", "--dry-run", "--db", db)
	if code != exitOK || !strings.Contains(stdout, "1 runs (dry run") || !strings.Contains(stdout, "emd2") {
		t.Errorf("exit %d, stdout %q; want the one emd2 run of fold 1", code, stdout)
	}
}

// writeSelectGrid writes a small synthetic grid file and returns its path.
func writeSelectGrid(t *testing.T, dir, name, losses string, folds int) string {
	t.Helper()
	y := strings.NewReplacer("NAME", name, "LOSSES", losses, "FOLDS", string(rune('0'+folds))).Replace(`
name: NAME
dataset: {name: synthetic, classes: 4}
folds: FOLDS
losses: LOSSES
seeds: [1]
default_profile: p
profiles:
  p:
    model: {name: mlp, hidden: [4]}
    epochs: 1
    batch_size: 4
    learning_rates: [0.1]
    momentum: 0.9
    weight_decay: 0
    lr_decay: 1
`)
	path := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(path, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
