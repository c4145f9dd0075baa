package main

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/replicate-emd/replicate/results"
)

var (
	smokeOnce sync.Once
	smokePath string
	smokeErr  string
)

// smokeDB returns a copy of a database holding the 4 finished runs of the
// smoke grid, trained once per test binary.
func smokeDB(t *testing.T) string {
	t.Helper()
	smokeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "replicate-smoke")
		if err != nil {
			smokeErr = err.Error()
			return
		}
		smokePath = filepath.Join(dir, "smoke.db")
		if out, stderr, code := executeArgs("--experiment", "smoke", "--db", smokePath, "--no-report"); code != 0 {
			smokeErr = out + stderr
		}
	})
	if smokeErr != "" {
		t.Fatal(smokeErr)
	}
	b, err := os.ReadFile(smokePath)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "r.db")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// executeArgs is execute without a test, for fixtures built once.
func executeArgs(args ...string) (string, string, int) {
	io, out, errOut := testStreams()
	cmd := newRootCmd(io)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		errOut.WriteString("Error: " + err.Error() + "\n")
	}
	return out.String(), errOut.String(), exitCode(err)
}

// TestNewCmdRuns parses the flags of runs; nothing runs.
func TestNewCmdRuns(t *testing.T) {
	tests := []struct {
		args    string
		want    runsOptions
		wantErr string
	}{
		{"", runsOptions{db: "results/replicate.db"}, ""},
		{"--experiment smoke --loss emd2 --status finished --profile p --all --json --db x.db",
			runsOptions{db: "x.db", experiment: "smoke", loss: "emd2", status: "finished", profile: "p", all: true, asJSON: true}, ""},
		{"-e smoke", runsOptions{db: "results/replicate.db", experiment: "smoke"}, ""},
		{"--status finshed", runsOptions{}, `--status: unknown status "finshed" (did you mean "finished"? known: `},
		{"--loss emd", runsOptions{}, `--loss: unknown loss "emd" (did you mean "emd2"? known: `},
		{"extra", runsOptions{}, `unknown command "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			io, _, _ := testStreams()
			var got *runsOptions
			cmd := newRootCmdHooks(io, runHooks{runs: func(o *runsOptions) error { got = o; return nil }})
			cmd.SetArgs(append([]string{"runs"}, strings.Fields(tt.args)...))
			err := cmd.ExecuteContext(t.Context())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.io, got.now = nil, nil
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

// runsWith runs replicate runs on db with the streams' TTY mode and a
// fixed clock.
func runsWith(t *testing.T, tty bool, opts runsOptions) (string, string, error) {
	t.Helper()
	io, out, errOut := testStreams()
	io.outTTY = tty
	opts.io = io
	opts.now = func() time.Time { return time.Now().Add(3 * time.Hour) }
	err := runRuns(t.Context(), &opts)
	return out.String(), errOut.String(), err
}

func TestRunsRun(t *testing.T) {
	db := smokeDB(t)
	t.Run("nontty", func(t *testing.T) {
		out, stderr, err := runsWith(t, false, runsOptions{db: db})
		if err != nil || stderr != "" {
			t.Fatalf("%v, stderr %q", err, stderr)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 4 {
			t.Fatalf("%d lines, want 4 runs and no header:\n%s", len(lines), out)
		}
		for _, l := range lines {
			f := strings.Split(l, "\t")
			if len(f) != 14 || f[1] != "finished" || f[2] != "smoke" || f[7] != "acc" || f[12] != "" || f[13] != "" {
				t.Errorf("line %q: want 14 tab-separated fields of a finished smoke run, acc, no commit", l)
			}
			if _, err := time.Parse(time.RFC3339, f[11]); err != nil {
				t.Errorf("started %q is not RFC 3339", f[11])
			}
		}
	})
	t.Run("tty", func(t *testing.T) {
		out, _, err := runsWith(t, true, runsOptions{db: db, loss: "emd2"})
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "KEY") || !strings.Contains(lines[0], "COMMIT") {
			t.Fatalf("want a header and 2 emd2 runs:\n%s", out)
		}
		for _, l := range lines[1:] {
			f := strings.Fields(l)
			if !strings.Contains(l, " emd2 ") || !strings.Contains(l, "3h ago") || f[len(f)-1] != "-" || f[len(f)-2] != "-" {
				t.Errorf("line %q: want an emd2 run started 3h ago, commit and dirty unknown", l)
			}
		}
	})
	t.Run("json", func(t *testing.T) {
		out, _, err := runsWith(t, false, runsOptions{db: db, asJSON: true, experiment: "smoke", loss: "ce"})
		if err != nil {
			t.Fatal(err)
		}
		var rows []map[string]any
		if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 2 {
			t.Fatalf("%d rows, %v:\n%s", len(rows), err, out)
		}
		want := []string{"config", "dataset", "env", "epochs_done", "error", "experiment", "finished", "fold", "key", "loss", "metric",
			"overrides", "prior_status", "profile", "seed", "setting", "started", "status", "task", "test", "val", "wall_seconds"}
		if got := slices.Sorted(maps.Keys(rows[0])); !slices.Equal(got, want) {
			t.Errorf("fields %q\nwant   %q", got, want)
		}
		env := rows[0]["env"].(map[string]any)
		if got := slices.Sorted(maps.Keys(env)); !slices.Equal(got, []string{"blas", "commit", "cpu", "dirty", "go_version", "host", "os_arch", "owner"}) {
			t.Errorf("env fields %q", got)
		}
		test := rows[0]["test"].(map[string]any)
		if _, ok := test["acc"].(float64); !ok || rows[0]["metric"] != "acc" || rows[0]["config"].(map[string]any)["loss"] != "ce" {
			t.Errorf("row %v", rows[0])
		}
	})
	t.Run("empty", func(t *testing.T) {
		out, _, err := runsWith(t, false, runsOptions{db: db, asJSON: true, status: "failed"})
		if err != nil || strings.TrimSpace(out) != "[]" {
			t.Errorf("%v, stdout %q; want []", err, out)
		}
		out, stderr, err := runsWith(t, true, runsOptions{db: db, status: "failed"})
		if err != nil || out != "" || !strings.Contains(stderr, "no recorded run matches") {
			t.Errorf("%v, stdout %q, stderr %q", err, out, stderr)
		}
	})
	t.Run("misspelt experiment", func(t *testing.T) {
		_, _, err := runsWith(t, false, runsOptions{db: db, experiment: "smok"})
		if err == nil || !strings.Contains(err.Error(), `--experiment: no recorded run: unknown experiment "smok" (did you mean "smoke"?`) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("missing database", func(t *testing.T) {
		_, _, err := runsWith(t, false, runsOptions{db: filepath.Join(t.TempDir(), "none.db")})
		if err == nil || !strings.Contains(err.Error(), "run an experiment first") {
			t.Errorf("got %v", err)
		}
	})
}

// TestRunsRun_ReadOnly: runs and show leave the database as it was.
func TestRunsRun_ReadOnly(t *testing.T) {
	db := smokeDB(t)
	before := stateOf(t, db)
	if _, stderr, code := execute(t, "runs", "--db", db, "--json"); code != 0 {
		t.Fatal(stderr)
	}
	if _, stderr, code := execute(t, "runs", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	sameState(t, db, before)
}

// testDB opens a fresh database and records finished runs under the
// given keys.
func testDB(t *testing.T, keys ...string) string {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := results.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, k := range keys {
		r := results.Run{Key: k, Experiment: "smoke", Dataset: "synthetic", Loss: "ce", Fold: i, Seed: 1, Profile: "smoke",
			Config: `{"loss":"ce"}`, Task: "ordinal", Owner: "host:1:2", Overrides: []string{"epochs=3"},
			Env: results.Env{GitCommit: "0123456789abcdef0123456789abcdef01234567", GitDirty: true, GoVersion: "go1.x"}}
		if _, err := db.StartRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := db.AppendMetrics(ctx, k, r.Owner, []results.Metric{{Epoch: 0, Split: "test", Metric: "acc", Value: 0.5},
			{Epoch: 0, Split: "train", Metric: "loss", Value: 2}}); err != nil {
			t.Fatal(err)
		}
		if err := db.FinishRun(ctx, k, r.Owner, results.StatusFinished, ""); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestShowRun_Prefix(t *testing.T) {
	db := testDB(t, "abcd1111aaaa0000", "abcd2222bbbb0000", "ffff0000cccc0000")
	tests := []struct {
		key, want, wantErr string
	}{
		{"abcd1111aaaa0000", "run abcd1111aaaa0000", ""},
		{"abcd1", "run abcd1111aaaa0000", ""},
		{"ffff", "run ffff0000cccc0000", ""},
		{"abcd", "", `key prefix "abcd" is ambiguous: abcd1111aaaa0000 (smoke smoke ce fold 0, finished), abcd2222bbbb0000 (smoke smoke ce fold 1, finished)`},
		{"abc", "", `key prefix "abc" is too short: give at least 4 characters`},
		{"0000", "", `no key starts with "0000"`},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			out, stderr, code := execute(t, "show", tt.key, "--db", db)
			if tt.wantErr != "" {
				if code != exitFailure || out != "" || !strings.Contains(stderr, tt.wantErr) {
					t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, stderr, tt.wantErr)
				}
				return
			}
			if code != 0 || !strings.HasPrefix(out, tt.want) {
				t.Errorf("exit %d, stdout %q; want it to start %q", code, out, tt.want)
			}
		})
	}
	var ae *results.AmbiguousKeyError
	err := runShow(t.Context(), &showOptions{io: &streams{}, db: db, key: "abcd", now: time.Now})
	if !errors.As(err, &ae) || len(ae.Candidates) != 2 {
		t.Errorf("got %v, want an *AmbiguousKeyError with 2 candidates", err)
	}
	if err := runShow(t.Context(), &showOptions{io: &streams{}, db: db, key: "0000", now: time.Now}); !errors.Is(err, results.ErrNotFound) {
		t.Errorf("got %v, want ErrNotFound", err)
	}
}

func TestShowRun(t *testing.T) {
	db := testDB(t, "abcd1111aaaa0000")
	io, out, _ := testStreams()
	if err := runShow(t.Context(), &showOptions{io: io, db: db, key: "abcd1111", now: time.Now}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"run abcd1111aaaa0000  finished\n", "overrides   epochs=3\n", "where it ran\n", "  host     host\n",
		"  owner    host:1:2\n", "  commit   0123456789abcdef0123456789abcdef01234567\n", "  dirty    true\n", "config\n  {\n    \"loss\": \"ce\"\n  }\n",
		"metrics (train)\n", "metrics (test)\n", "artifacts\n  none\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out.String(), " ago)") {
		t.Error("relative times when stdout is not a terminal")
	}
	io, out, _ = testStreams()
	io.outTTY = true
	if err := runShow(t.Context(), &showOptions{io: io, db: db, key: "abcd", now: time.Now}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), " ago)") && !strings.Contains(out.String(), "(just now)") {
		t.Errorf("no relative time on a terminal:\n%s", out)
	}
	io, out, _ = testStreams()
	if err := runShow(t.Context(), &showOptions{io: io, db: db, key: "abcd", asJSON: true, now: time.Now}); err != nil {
		t.Fatal(err)
	}
	var j map[string]any
	if err := json.Unmarshal(out.Bytes(), &j); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, k := range []string{"key", "config", "env", "metrics", "artifacts", "overrides", "test"} {
		if _, ok := j[k]; !ok {
			t.Errorf("show --json lacks %q", k)
		}
	}
	ms := j["metrics"].(map[string]any)["train"].([]any)[0].(map[string]any)
	if ms["epoch"] != 0.0 || ms["values"].(map[string]any)["loss"] != 2.0 {
		t.Errorf("metrics %v", ms)
	}
	if a := j["artifacts"].([]any); len(a) != 0 {
		t.Errorf("artifacts %v, want []", a)
	}
}
