package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersion_Stamped builds replicate with its VCS stamp from this
// checkout and runs it from a folder outside any repository: version, and
// the runs the binary records, name the checkout's commit and dirty state,
// which come from the stamp and not from the folder the binary runs in.
func TestVersion_Stamped(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skip("not a git checkout:", err)
	}
	status, err := exec.Command("git", "status", "--porcelain").Output()
	if err != nil {
		t.Skip("git status:", err)
	}
	bin := filepath.Join(t.TempDir(), "replicate")
	if out, err := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Skipf("go build -buildvcs=true: %v\n%s", err, out)
	}
	work := t.TempDir()
	run := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = work
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		return out
	}
	var v versionJSON
	if err := json.Unmarshal(run("version", "--json"), &v); err != nil {
		t.Fatal(err)
	}
	commit, dirty := strings.TrimSpace(string(head)), len(status) > 0
	if !v.VCSStamped || v.Commit != commit || v.Dirty != dirty {
		t.Errorf("version --json: %+v; want commit %s, dirty %v", v, commit, dirty)
	}
	run("--experiment", "smoke", "--loss", "ce", "--fold", "0", "--db", "r.db", "--no-report")
	var runs []runJSON
	if err := json.Unmarshal(run("runs", "--db", "r.db", "--json"), &runs); err != nil || len(runs) != 1 {
		t.Fatalf("runs: %v, %d", err, len(runs))
	}
	if runs[0].Env.Commit != commit || runs[0].Env.Dirty != dirty {
		t.Errorf("the run recorded commit %q dirty %v; want %s, %v", runs[0].Env.Commit, runs[0].Env.Dirty, commit, dirty)
	}
}
