package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// tuneGridText is a tiny grid whose profile compares two learning rates
// on fold 0 of 3 (tune_folds: [0]): 12 runs, of which the 8 on folds 1-2
// train only for the setting chosen on fold 0. One epoch of a small MLP on
// synthetic data with a validation split: well under a second a run.
const tuneGridText = `
name: tune
dataset: {name: synthetic, classes: 4, per_class: 40, dim: 8, noise: 1.0}
folds: 3
losses: [ce, emd2]
seeds: [1]
default_profile: p
profiles:
  p:
    model: {name: mlp, hidden: [8]}
    epochs: 1
    batch_size: 16
    learning_rates: LRS
    momentum: 0.9
    weight_decay: 0
    lr_decay: 1
    val_fraction: 0.25
    tune_folds: [0]
`

// writeTuneGrid writes the tune grid with the learning rates lrs (YAML
// text) into dir and returns its path.
func writeTuneGrid(t *testing.T, dir, lrs string) string {
	t.Helper()
	path := filepath.Join(dir, "tune.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(tuneGridText, "LRS", lrs, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// tunedRuns reads the runs of the database: for each loss and fold, the
// learning rates of its runs with status, e.g. "0.1 finished".
func tunedRuns(t *testing.T, db string) map[string]map[int][]string {
	t.Helper()
	out, stderr, code := execute(t, "runs", "--db", db, "--json")
	var runs []runJSON
	if err := json.Unmarshal([]byte(out), &runs); code != 0 || err != nil {
		t.Fatalf("runs --json: exit %d, %v\n%s", code, err, stderr)
	}
	got := map[string]map[int][]string{}
	for _, r := range runs {
		var cfg struct {
			LR float64 `json:"lr"`
		}
		if err := json.Unmarshal(r.Config, &cfg); err != nil {
			t.Fatal(err)
		}
		if got[r.Loss] == nil {
			got[r.Loss] = map[int][]string{}
		}
		got[r.Loss][r.Fold] = append(got[r.Loss][r.Fold], fmt.Sprintf("%g %s", cfg.LR, r.Status))
	}
	for _, folds := range got {
		for _, lrs := range folds {
			slices.Sort(lrs)
		}
	}
	return got
}

// chosenLR is the learning rate that trained on folds 1 and 2 of loss, the
// only one; it fails the test unless exactly one did, on both folds.
func chosenLR(t *testing.T, runs map[string]map[int][]string, loss string) string {
	t.Helper()
	f1, f2 := runs[loss][1], runs[loss][2]
	if len(f1) != 1 || !slices.Equal(f1, f2) {
		t.Fatalf("%s: folds 1 and 2 trained %q and %q; want the one chosen setting on both", loss, f1, f2)
	}
	lr, _, _ := strings.Cut(f1[0], " ")
	return lr
}

// TestTuneFolds_EndToEnd trains the tune grid: every setting on fold 0,
// the chosen one only on folds 1-2; the report's headline row of each
// loss is the setting that trained on every fold; the plan and list say
// which runs wait for the choice; a second invocation trains nothing.
func TestTuneFolds_EndToEnd(t *testing.T) {
	dir := t.TempDir()
	grid := writeTuneGrid(t, dir, "[0.3, 0.0001]")
	db := filepath.Join(dir, "r.db")

	out, _, code := execute(t, "--experiment", grid, "--db", db, "--dry-run")
	if code != 0 || strings.Count(out, " 1* ") != 4 || strings.Count(out, " 2* ") != 4 || strings.Count(out, " 0  ") != 4 ||
		!strings.Contains(out, "*: 8 runs on folds outside their profile's tune_folds train only if their setting is the one chosen") {
		t.Errorf("dry run: exit %d:\n%s", code, out)
	}
	if st := listStatuses(t, grid, db); st["pending"] != 4 || st["pending if chosen"] != 8 {
		t.Errorf("list before: %v", st)
	}

	out, stderr, code := execute(t, "--experiment", grid, "--db", db)
	want := "12 runs: 8 trained, 0 already finished, 0 running elsewhere, 0 failed, 0 diverged, 0 interrupted, 4 not trained (settings not chosen on the tune folds) (database "
	if code != 0 || !strings.HasPrefix(out, want) {
		t.Fatalf("exit %d, stdout %q, want it to start %q\n%s", code, out, want, stderr)
	}
	runs := tunedRuns(t, db)
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, loss := range []string{"ce", "emd2"} {
		if got := runs[loss][0]; !slices.Equal(got, []string{"0.0001 finished", "0.3 finished"}) {
			t.Errorf("%s fold 0: %q, want both settings", loss, got)
		}
		lr := chosenLR(t, runs, loss)
		line := fmt.Sprintf("tune folds [0] of tune/p %s: 2 settings: picked lr=%s, highest mean validation acc ", loss, lr)
		if !strings.Contains(stderr, line) || !strings.Contains(stderr, "over 1 run(s) on the tune folds [0]") {
			t.Errorf("stderr lacks %q:\n%s", line, stderr)
		}
		if row := fmt.Sprintf("| p | %s | 3 | lr=%s |", loss, lr); !strings.Contains(string(md), row) {
			t.Errorf("report.md lacks the headline row %q:\n%s", row, md)
		}
	}
	// The tuning lines come between the two phases.
	if i, j := strings.Index(stderr, "tune folds [0]"), strings.Index(stderr, "fold=1"); i < 0 || j < i {
		t.Errorf("the tuning lines should precede the runs of fold 1:\n%s", stderr)
	}
	// Once the pick is settled, the unpicked settings' runs read "not chosen".
	if st := listStatuses(t, grid, db); st["finished"] != 8 || st["not chosen"] != 4 || len(st) != 2 {
		t.Errorf("list after: %v", st)
	}

	out, stderr, code = execute(t, "--experiment", grid, "--db", db, "--no-report")
	want = "12 runs: 0 trained, 8 already finished, 0 running elsewhere, 0 failed, 0 diverged, 0 interrupted, 4 not trained (settings not chosen on the tune folds) (database "
	if code != 0 || !strings.HasPrefix(out, want) {
		t.Errorf("second invocation: exit %d, stdout %q, want it to start %q\n%s", code, out, want, stderr)
	}
	if again := tunedRuns(t, db); fmt.Sprint(again) != fmt.Sprint(runs) {
		t.Errorf("second invocation changed the runs: %v, was %v", again, runs)
	}
}

// listStatuses counts the statuses replicate list gives the grid's runs.
func listStatuses(t *testing.T, grid, db string) map[string]int {
	t.Helper()
	out, stderr, code := execute(t, "list", "--experiment", grid, "--db", db, "--json")
	var rows []listedRun
	if err := json.Unmarshal([]byte(out), &rows); err != nil || code != 0 {
		t.Fatalf("list --json: exit %d, %v\n%s", code, err, stderr)
	}
	n := map[string]int{}
	for _, r := range rows {
		n[r.Status]++
	}
	return n
}

// TestTuneFolds_Unsettled: where the tuning is not settled every setting
// trains on the other folds, with a line saying why; where it is, only
// the chosen one.
func TestTuneFolds_Unsettled(t *testing.T) {
	t.Run("fold 1 alone on a fresh database", func(t *testing.T) {
		dir := t.TempDir()
		grid := writeTuneGrid(t, dir, "[0.3, 0.0001]")
		db := filepath.Join(dir, "r.db")
		out, stderr, code := execute(t, "--experiment", grid, "--db", db, "--fold", "1", "--no-report")
		if code != 0 || !strings.HasPrefix(out, "4 runs: 4 trained, 0 already finished, 0 running elsewhere, 0 failed, 0 diverged, 0 interrupted (database ") {
			t.Fatalf("exit %d, stdout %q\n%s", code, out, stderr)
		}
		for _, loss := range []string{"ce", "emd2"} {
			line := "tune folds [0] of tune/p " + loss + ": 0 of 2 runs ended, so no setting is chosen yet: every setting trains on the other folds"
			if !strings.Contains(stderr, line) {
				t.Errorf("stderr lacks %q:\n%s", line, stderr)
			}
		}
		// Then the whole grid: fold 0 settles it, fold 2 trains the pick.
		// The setting not chosen already finished on fold 1 (in doubt): it
		// counts as already finished, not as left untrained.
		out, stderr, code = execute(t, "--experiment", grid, "--db", db, "--no-report")
		if code != 0 || !strings.HasPrefix(out, "12 runs: 6 trained, 4 already finished, 0 running elsewhere, 0 failed, 0 diverged, 0 interrupted, 2 not trained (settings not chosen on the tune folds)") {
			t.Fatalf("whole grid: exit %d, stdout %q\n%s", code, out, stderr)
		}
		runs := tunedRuns(t, db)
		for _, loss := range []string{"ce", "emd2"} {
			if len(runs[loss][1]) != 2 || len(runs[loss][2]) != 1 || !slices.Contains(runs[loss][1], runs[loss][2][0]) {
				t.Errorf("%s: fold 1 %q, fold 2 %q; want both settings on fold 1, the pick on fold 2", loss, runs[loss][1], runs[loss][2])
			}
		}
		// --rerun trains the chosen setting again, not the other one
		// that finished in doubt.
		out, stderr, code = execute(t, "--experiment", grid, "--db", db, "--fold", "1", "--rerun", "--no-report")
		want := "4 runs: 2 trained, 0 already finished, 0 running elsewhere, 0 failed, 0 diverged, 0 interrupted, 2 earlier attempts kept as superseded, 2 not trained (settings not chosen on the tune folds)"
		if code != 0 || !strings.HasPrefix(out, want) {
			t.Errorf("--rerun --fold 1: exit %d, stdout %q, want %q\n%s", code, out, want, stderr)
		}
	})
	t.Run("a diverged tune run", func(t *testing.T) {
		// lr 1e9 diverges: the loss's only finished setting is chosen.
		dir := t.TempDir()
		grid := writeTuneGrid(t, dir, "[0.3, 1e200]")
		db := filepath.Join(dir, "r.db")
		out, stderr, code := execute(t, "--experiment", grid, "--db", db, "--no-report")
		want := "12 runs: 6 trained, 0 already finished, 0 running elsewhere, 0 failed, 2 diverged, 0 interrupted, 4 not trained (settings not chosen on the tune folds)"
		if code != exitPartial || !strings.HasPrefix(out, want) {
			t.Fatalf("exit %d, stdout %q, want %q\n%s", code, out, want, stderr)
		}
		runs := tunedRuns(t, db)
		for _, loss := range []string{"ce", "emd2"} {
			if got := runs[loss][0]; !slices.Equal(got, []string{"0.3 finished", "1e+200 diverged"}) {
				t.Errorf("%s fold 0: %q", loss, got)
			}
			if lr := chosenLR(t, runs, loss); lr != "0.3" {
				t.Errorf("%s: folds 1-2 trained lr %s, want 0.3", loss, lr)
			}
			if line := "tune folds [0] of tune/p " + loss + ": one setting: nothing to choose"; !strings.Contains(stderr, line) {
				t.Errorf("stderr lacks %q:\n%s", line, stderr)
			}
		}
	})
	t.Run("a failed tune run", func(t *testing.T) {
		dir := t.TempDir()
		grid := writeTuneGrid(t, dir, "[0.3, 0.0001]")
		db := filepath.Join(dir, "r.db")
		if out, stderr, code := execute(t, "--experiment", grid, "--db", db, "--fold", "0", "--no-report"); code != 0 || !strings.HasPrefix(out, "4 runs: 4 trained") {
			t.Fatalf("fold 0: exit %d, %q\n%s", code, out, stderr)
		}
		setStatus(t, db, "failed", "loss = 'ce' AND fold = 0 AND config LIKE '%\"lr\":0.3,%'")
		out, stderr, code := execute(t, "--experiment", grid, "--db", db, "--fold", "1,2", "--no-report")
		want := "8 runs: 6 trained, 0 already finished, 0 running elsewhere, 0 failed, 0 diverged, 0 interrupted, 2 not trained (settings not chosen on the tune folds)"
		if code != 0 || !strings.HasPrefix(out, want) {
			t.Fatalf("exit %d, stdout %q, want %q\n%s", code, out, want, stderr)
		}
		if line := "tune folds [0] of tune/p ce: 1 of 2 runs ended, so no setting is chosen yet: every setting trains on the other folds"; !strings.Contains(stderr, line) {
			t.Errorf("stderr lacks %q:\n%s", line, stderr)
		}
		runs := tunedRuns(t, db)
		if len(runs["ce"][1]) != 2 || len(runs["ce"][2]) != 2 {
			t.Errorf("ce: folds 1-2 %q %q, want every setting", runs["ce"][1], runs["ce"][2])
		}
		chosenLR(t, runs, "emd2")
	})
	t.Run("--set learning rates after a first run", func(t *testing.T) {
		// Fold 0 trained with lr 0.3 and 0.0001; then the grid's only
		// learning rate is 1e9, which diverges: the report picks a
		// setting recorded earlier, none of this grid's, so every setting
		// (here the one) trains on folds 1-2.
		dir := t.TempDir()
		grid := writeTuneGrid(t, dir, "[0.3, 0.0001]")
		db := filepath.Join(dir, "r.db")
		if out, stderr, code := execute(t, "--experiment", grid, "--db", db, "--fold", "0", "--no-report"); code != 0 {
			t.Fatalf("fold 0: exit %d, %q\n%s", code, out, stderr)
		}
		out, stderr, code := execute(t, "--experiment", grid, "--db", db, "--set", "learning_rates=[1e200]", "--no-report")
		want := "6 runs: 0 trained, 0 already finished, 0 running elsewhere, 0 failed, 6 diverged, 0 interrupted (database "
		if code != exitPartial || !strings.HasPrefix(out, want) {
			t.Fatalf("exit %d, stdout %q, want %q\n%s", code, out, want, stderr)
		}
		for _, loss := range []string{"ce", "emd2"} {
			line := "tune folds [0] of tune/p " + loss + ": the chosen setting is not one of this grid's (2 settings: picked lr="
			if !strings.Contains(stderr, line) {
				t.Errorf("stderr lacks %q:\n%s", line, stderr)
			}
		}
	})
	t.Run("every setting diverged on the tune folds", func(t *testing.T) {
		dir := t.TempDir()
		grid := writeTuneGrid(t, dir, "[1e200, 2e200]")
		db := filepath.Join(dir, "r.db")
		out, stderr, code := execute(t, "--experiment", grid, "--db", db, "--loss", "ce", "--no-report")
		if code != exitPartial || !strings.HasPrefix(out, "6 runs: 0 trained, 0 already finished, 0 running elsewhere, 0 failed, 6 diverged, 0 interrupted (database ") {
			t.Fatalf("exit %d, stdout %q\n%s", code, out, stderr)
		}
		if line := "tune folds [0] of tune/p ce: no setting chosen (no finished run of the loss): every setting trains on the other folds"; !strings.Contains(stderr, line) {
			t.Errorf("stderr lacks %q:\n%s", line, stderr)
		}
	})
}

// setStatus sets the status of the runs of the database that match where
// (SQL), as a run that ended so would have left it.
func setStatus(t *testing.T, db, status, where string) {
	t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	res, err := conn.Exec("UPDATE runs SET status = ? WHERE "+where, status)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%d runs match %s, want 1", n, where)
	}
}

// TestTuneFolds_Rerun: --rerun trains the tune folds again, then only the
// chosen setting on the other folds.
func TestTuneFolds_Rerun(t *testing.T) {
	dir := t.TempDir()
	grid := writeTuneGrid(t, dir, "[0.3, 0.0001]")
	db := filepath.Join(dir, "r.db")
	if out, stderr, code := execute(t, "--experiment", grid, "--db", db, "--no-report"); code != 0 {
		t.Fatalf("exit %d, %q\n%s", code, out, stderr)
	}
	before := tunedRuns(t, db)
	out, stderr, code := execute(t, "--experiment", grid, "--db", db, "--rerun", "--no-report")
	want := "12 runs: 8 trained, 0 already finished, 0 running elsewhere, 0 failed, 0 diverged, 0 interrupted, 8 earlier attempts kept as superseded, 4 not trained (settings not chosen on the tune folds)"
	if code != 0 || !strings.HasPrefix(out, want) {
		t.Fatalf("rerun: exit %d, stdout %q, want %q\n%s", code, out, want, stderr)
	}
	if after := tunedRuns(t, db); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("rerun: runs %v, were %v", after, before)
	}
	// --rerun of the other folds alone: the choice stands on what the
	// database holds.
	out, stderr, code = execute(t, "--experiment", grid, "--db", db, "--rerun", "--fold", "2", "--no-report")
	want = "4 runs: 2 trained, 0 already finished, 0 running elsewhere, 0 failed, 0 diverged, 0 interrupted, 2 earlier attempts kept as superseded, 2 not trained (settings not chosen on the tune folds)"
	if code != 0 || !strings.HasPrefix(out, want) {
		t.Fatalf("rerun fold 2: exit %d, stdout %q, want %q\n%s", code, out, want, stderr)
	}
}

// cancelWriter is stderr for a command that is cancelled once what it
// wrote holds trigger.
type cancelWriter struct {
	lockedBuffer
	trigger string
	cancel  func()
	once    sync.Once
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	n, err := w.lockedBuffer.Write(p)
	if strings.Contains(w.String(), w.trigger) {
		w.once.Do(w.cancel)
	}
	return n, err
}

// executeCancelled runs the root command with args, cancelling it (as the
// first Ctrl-C does) once its stderr holds trigger.
func executeCancelled(t *testing.T, trigger string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	io, out, _ := testStreams()
	errOut := &cancelWriter{trigger: trigger, cancel: cancel}
	io.ErrOut = errOut
	cmd := newRootCmd(io)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	code := exitCode(err)
	if err != nil {
		errOut.Write([]byte("Error: " + err.Error() + "\n"))
	}
	return out.String(), errOut.String(), code
}

// TestTuneFolds_Interrupted: an interruption before, while or after the
// choice loses nothing recorded, says what did not start, and the next
// invocation goes on where it stopped.
func TestTuneFolds_Interrupted(t *testing.T) {
	tests := []struct {
		name     string
		setup    []string // the flags of an invocation before, if any
		flags    []string // the interrupted invocation's own flags
		trigger  string   // the stderr text on which it is cancelled
		want     string   // its summary line's start
		recorded int      // finished runs in the database after it
		left     int      // runs the next invocation trains
	}{
		{"during the tune folds", nil, nil, "[4/4] tune/p loss=emd2 fold=0",
			"12 runs: 3 trained, 0 already finished, 0 running elsewhere, 0 failed, 0 diverged, 1 interrupted, 8 not started (they wait for the tune folds) (database ", 3, 5},
		// ce's choice reads the database; emd2's reuses it, and the
		// cancelled context stops the second phase before any run.
		{"after choosing", nil, nil, "tune folds [0] of tune/p ce: 2 settings",
			"12 runs: 4 trained, 0 already finished, 0 running elsewhere, 0 failed, 0 diverged, 0 interrupted, 4 not trained (settings not chosen on the tune folds) (database ", 4, 4},
		// ce is unsettled (no tune run); emd2's choice reads the database
		// with the cancelled context.
		{"while choosing", []string{"--fold", "0", "--loss", "emd2"}, []string{"--fold", "1,2"}, "tune folds [0] of tune/p ce: 0 of 2 runs ended",
			"8 runs: 0 trained, 0 already finished, 0 running elsewhere, 0 failed, 0 diverged, 0 interrupted, 8 not started (they wait for the tune folds) (database ", 2, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "r.db")
			args := []string{"--experiment", writeTuneGrid(t, dir, "[0.3, 0.0001]"), "--db", db, "--no-report", "--jobs", "1"}
			if tt.setup != nil {
				if out, stderr, code := execute(t, append(slices.Clone(args), tt.setup...)...); code != 0 {
					t.Fatalf("setup: exit %d, %q\n%s", code, out, stderr)
				}
			}
			args = append(args, tt.flags...)
			out, stderr, code := executeCancelled(t, tt.trigger, args...)
			if code != exitInterrupted || !strings.HasPrefix(out, tt.want) {
				t.Fatalf("exit %d, stdout %q, want %d and %q\n%s", code, out, exitInterrupted, tt.want, stderr)
			}
			// Nothing recorded is lost: every run that ended is in the
			// database as it ended, and none of folds 1-2 started.
			finished := 0
			for loss, folds := range tunedRuns(t, db) {
				for fold, lrs := range folds {
					for _, lr := range lrs {
						switch {
						case fold != 0:
							t.Errorf("%s fold %d: %s after the interruption", loss, fold, lr)
						case strings.HasSuffix(lr, " finished"):
							finished++
						}
					}
				}
			}
			if finished != tt.recorded {
				t.Errorf("%d finished runs in the database, want %d", finished, tt.recorded)
			}
			out, stderr, code = execute(t, args...)
			if code != 0 || !strings.Contains(out, fmt.Sprintf(" runs: %d trained, ", tt.left)) {
				t.Errorf("next invocation: exit %d, stdout %q, want %d trained\n%s", code, out, tt.left, stderr)
			}
		})
	}
}
