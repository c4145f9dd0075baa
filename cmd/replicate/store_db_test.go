package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestStore_DBFlagFileNames runs the smoke grid, reports it and merges it
// with --db and merge paths whose names mean something in a URI: each
// command uses exactly the file named, and the report and the merge leave
// their input as it was.
func TestStore_DBFlagFileNames(t *testing.T) {
	for _, name := range []string{"run#2.db", "res%41.db", "x?mode=memory.db", "sp ace ü.db"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, name)
			if out, stderr, code := execute(t, "--experiment", "smoke", "--db", db, "--no-report"); code != 0 || !strings.Contains(out, "4 runs: 4 trained") {
				t.Fatalf("run: exit %d, stdout %q\n%s", code, out, stderr)
			}
			if got := dbFiles(t, dir); !slices.Equal(got, []string{name}) {
				t.Fatalf("the folder holds %q, want only %q", got, name)
			}
			before := stateOf(t, db)
			rep := filepath.Join(dir, "rep")
			if _, stderr, code := execute(t, "report", "--db", db, "--out", rep); code != 0 {
				t.Fatalf("report: exit %d\n%s", code, stderr)
			}
			if md, err := os.ReadFile(filepath.Join(rep, "report.md")); err != nil || !strings.Contains(string(md), "| smoke | emd2 | 2 |") {
				t.Errorf("report.md (%v):\n%s", err, md)
			}
			sameState(t, db, before)
			merged := filepath.Join(dir, "merged "+name)
			out, stderr, code := execute(t, "merge", merged, db)
			if code != 0 || !strings.Contains(out, ": 4 added, 0 replaced, 0 kept") {
				t.Fatalf("merge: exit %d, stdout %q\n%s", code, out, stderr)
			}
			sameState(t, db, before)
			if got := besides(t, merged); !slices.Equal(got, []string{"merged " + name}) {
				t.Errorf("merge output: %q", got)
			}
		})
	}
}

// TestStore_ReportRefusesNonReplicate points the report at files that are
// not replicate databases: it fails, says why, and writes nothing to them.
func TestStore_ReportRefusesNonReplicate(t *testing.T) {
	dir := t.TempDir()
	zero, text := filepath.Join(dir, "zero.db"), filepath.Join(dir, "text.db")
	if err := os.WriteFile(zero, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(text, []byte(strings.Repeat("not sqlite\n", 50)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, want string }{
		{zero, "not a replicate database (empty file)"},
		{text, "not a replicate database (not a SQLite file)"},
		{filepath.Join(dir, "none.db"), "run an experiment first"},
	} {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			before := stateOf(t, tt.path)
			_, stderr, code := execute(t, "report", "--db", tt.path, "--out", filepath.Join(dir, "rep"))
			if code != exitFailure || !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, tt.path) {
				t.Errorf("exit %d, stderr %q; want exit %d and an error naming the file with %q", code, stderr, exitFailure, tt.want)
			}
			sameState(t, tt.path, before)
		})
	}
}

// TestStore_MergeRefusesInputs merges a good shard with files that are not
// replicate databases: the merge fails before it creates the output, and
// no input changes.
func TestStore_MergeRefusesInputs(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	if _, stderr, code := execute(t, "--experiment", "smoke", "--db", good, "--shard", "0/4"); code != 0 {
		t.Fatalf("shard: exit %d\n%s", code, stderr)
	}
	zero, text := filepath.Join(dir, "zero.db"), filepath.Join(dir, "text.db")
	if err := os.WriteFile(zero, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(text, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ bad, want string }{
		{zero, "not a replicate database (empty file)"},
		{text, "not a replicate database (not a SQLite file)"},
	} {
		t.Run(filepath.Base(tt.bad), func(t *testing.T) {
			out := filepath.Join(dir, "out-"+filepath.Base(tt.bad))
			goodBefore, badBefore := stateOf(t, good), stateOf(t, tt.bad)
			_, stderr, code := execute(t, "merge", out, good, tt.bad)
			if code != exitFailure || !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, tt.bad) {
				t.Errorf("exit %d, stderr %q; want exit %d and an error naming %s with %q", code, stderr, exitFailure, tt.bad, tt.want)
			}
			sameState(t, good, goodBefore)
			sameState(t, tt.bad, badBefore)
			if got := besides(t, out); len(got) != 0 {
				t.Errorf("the refused merge left %q", got)
			}
		})
	}
}

// TestTrainedOf reads the summary line, and tells when there is none
// rather than panicking.
func TestTrainedOf(t *testing.T) {
	for _, tt := range []struct {
		out  string
		n    int
		isOK bool
	}{
		{"progress\n6 runs: 4 trained, 2 already finished, 0 running elsewhere\n", 4, true},
		{"Error: results db /x/shared.db: create migrations table: database is locked\n", 0, false},
		{"", 0, false},
		{"6 runs: lots trained", 0, false},
	} {
		if n, ok := trainedOf(tt.out, 6); n != tt.n || ok != tt.isOK {
			t.Errorf("trainedOf(%q) = %d, %v; want %d, %v", tt.out, n, ok, tt.n, tt.isOK)
		}
	}
}
