package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// execute runs the root command with args and returns stdout, stderr and
// the exit status main would return.
func execute(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	io, out, errOut := testStreams()
	cmd := newRootCmd(io)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(t.Context())
	code := exitCode(err)
	if err != nil {
		errOut.WriteString("Error: " + err.Error() + "\n")
	}
	return out.String(), errOut.String(), code
}

func TestSmokeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	out, _, code := execute(t, "--experiment", "smoke", "--db", db)
	if code != 0 || !strings.Contains(out, "4 runs: 4 trained") {
		t.Fatalf("first run: exit %d, stdout %q", code, out)
	}
	out, stderr, code := execute(t, "--experiment", "smoke", "--db", db)
	if code != 0 || !strings.Contains(out, "4 runs: 0 trained, 4 already finished") {
		t.Fatalf("second run: exit %d, stdout %q", code, out)
	}
	if strings.Count(stderr, "already finished") != 4 {
		t.Errorf("second run's stderr should name 4 skipped runs:\n%s", stderr)
	}
	outDir := filepath.Join(dir, "rep")
	if _, _, code := execute(t, "report", "--db", db, "--out", outDir); code != 0 {
		t.Fatalf("report: exit %d", code)
	}
	md, err := os.ReadFile(filepath.Join(outDir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{"| smoke | ce | 2 |", "| smoke | emd2 | 2 |"} {
		if !strings.Contains(string(md), row) {
			t.Errorf("report.md lacks a row starting %q:\n%s", row, md)
		}
	}
	if _, err := os.Stat(filepath.Join(outDir, "report.csv")); err != nil {
		t.Error(err)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown experiment", []string{"--experiment", "nope", "--db", filepath.Join(dir, "a.db")}, `unknown experiment "nope"`},
		{"unwritable db", []string{"--experiment", "smoke", "--db", filepath.Join(blocker, "r.db")}, "results db " + filepath.Join(blocker, "r.db")},
		{"unknown flag", []string{"--bogus"}, "unknown flag: --bogus"},
		{"report without db", []string{"report", "--db", filepath.Join(dir, "none.db")}, "run an experiment first"},
		{"bad grid file", []string{"--experiment", filepath.Join(dir, "missing.yaml")}, "experiment file:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := execute(t, tt.args...)
			if code != exitFailure {
				t.Errorf("exit %d, want %d", code, exitFailure)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "Error: ") || !strings.Contains(last, tt.want) {
				t.Errorf("stderr's last line %q, want an error containing %q", last, tt.want)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("stack trace on stderr:\n%s", stderr)
			}
		})
	}
}

// TestDataCheck_RealAdience checks the real Adience sample when present
// (CI has it at ../shared/real-samples): strict mode fails on the truncated
// lines and missing images, and names them.
func TestDataCheck_RealAdience(t *testing.T) {
	root := filepath.Join("..", "..", "..", "shared", "real-samples", "adience")
	if _, err := os.Stat(root); err != nil {
		t.Skip("real Adience sample not present:", err)
	}
	out, stderr, code := execute(t, "data", "check", "adience", "--root", root)
	if code != exitFailure {
		t.Errorf("strict check: exit %d, want %d", code, exitFailure)
	}
	for _, want := range []string{"13775 kept", "fold_2_data.txt:3803: want 12 fields, got 2", "19 present, 13756 missing, 0 unreadable"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, "dataset check failed") {
		t.Errorf("stderr %q", stderr)
	}
	if _, _, code := execute(t, "data", "check", "adience", "--root", root, "--lenient", "--json"); code != 0 {
		t.Errorf("lenient check: exit %d, want 0", code)
	}
}
