package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/runner"
)

// lastLine is the last line of out.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestRun_WritesReport: a grid run ends with the report of its database,
// in the database's folder or --out, and stdout's last line is the path of
// its index.html; --no-report, --dry-run and a shard write none.
func TestRun_WritesReport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	out, _, code := execute(t, "--experiment", "smoke", "--db", db)
	want := filepath.Join(dir, "index.html")
	if code != 0 || lastLine(out) != want {
		t.Fatalf("exit %d, last line %q; want %q", code, lastLine(out), want)
	}
	if md, err := os.ReadFile(filepath.Join(dir, "report.md")); err != nil || !strings.Contains(string(md), "| smoke | emd2 | 2 |") {
		t.Errorf("report.md (%v):\n%s", err, md)
	}
	for _, name := range []string{"r.db-wal", "r.db-shm"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s left beside the database", name)
		}
	}
	rep := filepath.Join(dir, "elsewhere")
	out, _, code = execute(t, "--experiment", "smoke", "--db", db, "--out", rep)
	if code != 0 || lastLine(out) != filepath.Join(rep, "index.html") {
		t.Errorf("--out: exit %d, last line %q", code, lastLine(out))
	}
	if _, err := os.Stat(filepath.Join(rep, "report.md")); err != nil {
		t.Error(err)
	}
	// A relative --out is printed as an absolute path.
	t.Chdir(dir)
	out, _, _ = execute(t, "--experiment", "smoke", "--db", "r.db", "--out", "rel")
	if lastLine(out) != filepath.Join(dir, "rel", "index.html") {
		t.Errorf("relative --out: last line %q", lastLine(out))
	}
	for _, args := range [][]string{
		{"--experiment", "smoke", "--db", db, "--no-report", "--out", filepath.Join(dir, "none1")},
		{"--experiment", "smoke", "--db", db, "--dry-run", "--out", filepath.Join(dir, "none2")},
		{"--experiment", "smoke", "--db", db, "--shard", "0/2", "--out", filepath.Join(dir, "none3")},
		{"all", "--db", db, "--no-report", "--dry-run", "--out", filepath.Join(dir, "none4")},
	} {
		out, stderr, code := execute(t, args...)
		if code != 0 || strings.Contains(out, "index.html") {
			t.Errorf("%q: exit %d, stdout %q", args, code, out)
		}
		if _, err := os.Stat(args[len(args)-1]); err == nil {
			t.Errorf("%q wrote a report", args)
		}
		if slices.Contains(args, "--shard") && !strings.Contains(stderr, "no report for a shard") {
			t.Errorf("shard: stderr %q", stderr)
		}
	}
	// replicate report ends with the path too.
	out, _, code = execute(t, "report", "--db", db, "--out", filepath.Join(dir, "again"))
	if code != 0 || lastLine(out) != filepath.Join(dir, "again", "index.html") || !strings.HasPrefix(out, "wrote ") {
		t.Errorf("report: exit %d, stdout %q", code, out)
	}
}

// TestOutFlag: only the commands that write the report take --out, and
// --jobs says its default once.
func TestOutFlag(t *testing.T) {
	for _, args := range [][]string{{"version", "--out", "x"}, {"merge", "--out", "x", "a.db", "b.db"}, {"list", "--out", "x"}, {"runs", "--out", "x"}} {
		if _, stderr, code := execute(t, args...); code != exitFailure || !strings.Contains(stderr, "unknown flag: --out") {
			t.Errorf("%q: exit %d, stderr %q; want unknown flag --out", args, code, stderr)
		}
	}
	for _, c := range []string{"", "all", "report"} {
		args := []string{"--help"}
		if c != "" {
			args = []string{c, "--help"}
		}
		out, _, _ := execute(t, args...)
		if !strings.Contains(out, "--out folder") {
			t.Errorf("%s --help lacks --out", c)
		}
		if c == "report" {
			continue
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, "-j, --jobs") && strings.Count(l, "default") != 1 {
				t.Errorf("%s --help: %q says its default %d times", c, l, strings.Count(l, "default"))
			}
		}
	}
	if _, stderr, code := execute(t, "--experiment", "smoke", "--jobs", "0", "--dry-run"); code != exitFailure || !strings.Contains(stderr, "--jobs must be at least 1, got 0") {
		t.Errorf("--jobs 0: exit %d, stderr %q", code, stderr)
	}
}

// TestSet_CLI: --set changes the selected profile on the root command,
// all and list; the runs get new keys and record the overrides; a bad
// override is refused with the grid's message.
func TestSet_CLI(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	plain, _, _ := execute(t, "--experiment", "smoke", "--db", db, "--dry-run")
	out, _, code := execute(t, "--experiment", "smoke", "--db", db, "--dry-run", "--set", "epochs=3", "--set", "learning_rates=[0.01,0.001]")
	if code != 0 || !strings.Contains(out, "overrides: epochs=3 learning_rates=[0.01,0.001]\n8 runs (dry run") {
		t.Fatalf("exit %d, stdout:\n%s", code, out)
	}
	for _, l := range strings.Split(out, "\n")[1:9] {
		if key := strings.Fields(l)[0]; strings.Contains(plain, key) {
			t.Errorf("run %s kept its key under an override", key)
		}
	}
	out, _, code = execute(t, "list", "--experiment", "smoke", "--db", db, "--set", "model.hidden=[8]", "--json")
	var rows []listedRun
	if err := json.Unmarshal([]byte(out), &rows); err != nil || code != 0 || len(rows) != 4 {
		t.Fatalf("list --json: exit %d, %v:\n%s", code, err, out)
	}
	if !slices.Equal(rows[0].Overrides, []string{"model.hidden=[8]"}) || rows[0].Status != "pending" {
		t.Errorf("listed %+v", rows[0])
	}
	out, _, _ = execute(t, "list", "--experiment", "smoke", "--db", db, "--set", "model.hidden=[8]")
	if lastLine(out) != "overrides: model.hidden=[8]" {
		t.Errorf("list: last line %q", lastLine(out))
	}
	out, _, _ = execute(t, "list", "--experiment", "smoke", "--db", db, "--json")
	if !strings.Contains(out, `"overrides": []`) {
		t.Errorf("list --json without overrides: want \"overrides\": []:\n%s", out)
	}
	// Train with an override: the runs record it.
	if _, stderr, code := execute(t, "--experiment", "smoke", "--db", db, "--loss", "ce", "--set", "epochs=2", "--no-report"); code != 0 {
		t.Fatalf("train: exit %d\n%s", code, stderr)
	}
	out, _, _ = execute(t, "runs", "--db", db, "--json")
	var runs []runJSON
	if err := json.Unmarshal([]byte(out), &runs); err != nil || len(runs) != 2 {
		t.Fatalf("%v, %d runs", err, len(runs))
	}
	for _, r := range runs {
		if !slices.Equal(r.Overrides, []string{"epochs=2"}) || r.EpochsDone != 2 {
			t.Errorf("run %s: overrides %q, %d epochs", r.Key, r.Overrides, r.EpochsDone)
		}
	}
	// Errors, in the grid's words.
	for _, tt := range []struct{ set, want string }{
		{"epocs=3", `experiments/smoke.yaml: --set epocs=3: profiles.smoke: unknown key "epocs" (did you mean "epochs"?)`},
		{"epochs=abc", `experiments/smoke.yaml: --set epochs=abc: profiles.smoke.epochs: want an integer, got "abc"`},
		{"momentum=2", `experiments/smoke.yaml: --set momentum=2: profiles.smoke.momentum: must lie in [0, 1), got 2`},
		{"epochs", `--set "epochs": want key=value, e.g. epochs=3`},
	} {
		for _, cmd := range [][]string{{"--experiment", "smoke"}, {"list", "--experiment", "smoke"}, {"config", "show", "smoke"}} {
			args := append(append(slices.Clone(cmd), "--db", db, "--set", tt.set), "--dry-run")
			if cmd[0] != "--experiment" {
				args = args[:len(args)-1]
			}
			out, stderr, code := execute(t, args...)
			if code != exitFailure || out != "" || lastLine(stderr) != "Error: "+tt.want {
				t.Errorf("%q: exit %d, stdout %q, stderr %q; want %q", args, code, out, lastLine(stderr), tt.want)
			}
		}
	}
}

// TestRerun_CLI reruns runs: the earlier attempts are kept as superseded,
// runs lists them with --all only, and the report counts the reruns only.
func TestRerun_CLI(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	if _, stderr, code := execute(t, "--experiment", "smoke", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	out, stderr, code := execute(t, "--experiment", "smoke", "--db", db, "--rerun", "--loss", "emd2")
	if code != 0 || !strings.Contains(out, "2 runs: 2 trained, 0 already finished") || !strings.Contains(out, "2 earlier attempts kept as superseded") {
		t.Fatalf("rerun: exit %d, stdout %q\n%s", code, out, stderr)
	}
	countLines := func(args ...string) int {
		out, _, _ := execute(t, args...)
		return strings.Count(out, "\n")
	}
	if n := countLines("runs", "--db", db); n != 4 {
		t.Errorf("runs: %d lines, want 4", n)
	}
	if n := countLines("runs", "--db", db, "--all"); n != 6 {
		t.Errorf("runs --all: %d lines, want 6", n)
	}
	out, _, _ = execute(t, "runs", "--db", db, "--status", "superseded")
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Split(l, "\t"); !strings.HasSuffix(f[0], "~1") || f[4] != "emd2" {
			t.Errorf("superseded line %q", l)
		}
	}
	key := strings.Split(out, "\t")[0]
	out, _, code = execute(t, "show", key, "--db", db)
	if code != 0 || !strings.HasPrefix(out, "run "+key+"  superseded (was finished)") {
		t.Errorf("show %s: %q", key, out)
	}
	if out, _, _ := execute(t, "list", "--experiment", "smoke", "--db", db); strings.Count(out, "finished") != 4 {
		t.Errorf("list:\n%s", out)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil || !strings.Contains(string(md), "| smoke | emd2 | 2 |") || strings.Contains(string(md), "superseded") {
		t.Errorf("report.md (%v): want 2 emd2 runs and no superseded one:\n%s", err, md)
	}
	// Merging the database elsewhere keeps every attempt.
	merged := filepath.Join(dir, "merged.db")
	if out, _, code := execute(t, "merge", merged, db); code != 0 || !strings.Contains(out, "6 added") {
		t.Errorf("merge: exit %d, %q", code, out)
	}
	if n := countLines("runs", "--db", merged, "--all"); n != 6 {
		t.Errorf("merged runs --all: %d lines, want 6", n)
	}
	// A dry run says what --rerun would do, and trains nothing.
	out, _, _ = execute(t, "--experiment", "smoke", "--db", db, "--rerun", "--dry-run")
	if !strings.Contains(out, "--rerun would train each again") {
		t.Errorf("dry run: %q", out)
	}
}

func TestConfigShow(t *testing.T) {
	want, err := experiments.Source("smoke")
	if err != nil {
		t.Fatal(err)
	}
	out, _, code := execute(t, "config", "show", "smoke")
	if code != 0 || out != string(want) {
		t.Errorf("config show smoke: exit %d, want the embedded file:\n%s", code, out)
	}
	out, _, code = execute(t, "config", "show", "mnist-rotation", "--profile", "cpu", "--set", "epochs=3")
	if code != 0 || !strings.HasPrefix(out, "# mnist-rotation, profile cpu, overrides: epochs=3\n") || !strings.Contains(out, "default_profile: cpu") ||
		!strings.Contains(out, "    epochs: 3\n") || strings.Contains(out, "  paper:") || strings.Contains(out, "  smoke:") {
		t.Errorf("resolved profile: exit %d:\n%s", code, out)
	}
	// The resolved grid, saved, has the keys of the overridden runs.
	path := filepath.Join(t.TempDir(), "grid.yaml")
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	a, _, _ := execute(t, "list", "--experiment", path, "--db", filepath.Join(t.TempDir(), "r.db"))
	b, _, _ := execute(t, "list", "--experiment", "mnist-rotation", "--profile", "cpu", "--set", "epochs=3", "--db", filepath.Join(t.TempDir(), "r.db"))
	keys := func(s string) []string {
		var k []string
		for _, l := range strings.Split(s, "\n")[1:] {
			if f := strings.Fields(l); len(f) > 0 && len(f[0]) == 16 {
				k = append(k, f[0])
			}
		}
		return k
	}
	if len(keys(a)) == 0 || !slices.Equal(keys(a), keys(b)) {
		t.Errorf("keys of the saved grid %q, want %q", keys(a), keys(b))
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"config", "show", "smok"}, `unknown experiment "smok" (did you mean "smoke"?`},
		{[]string{"config", "show", "smoke", "--profile", "smoek"}, `has no profile "smoek" (did you mean "smoke"?`},
		{[]string{"config", "show"}, "accepts 1 arg(s), received 0"},
	} {
		if _, stderr, code := execute(t, tt.args...); code != exitFailure || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q", tt.args, code, stderr)
		}
	}
	// Flag parsing: --set repeats, in order; the profile is the global one.
	var got *configShowOptions
	io, _, _ := testStreams()
	cmd := newRootCmdHooks(io, runHooks{config: func(o *configShowOptions) error { got = o; return nil }})
	cmd.SetArgs([]string{"config", "show", "x.yaml", "--profile", "p", "--set", "a=[1,2]", "--set", "b.c=3"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.name != "x.yaml" || got.profile != "p" || !slices.Equal(got.sets, []string{"a=[1,2]", "b.c=3"}) {
		t.Errorf("options %+v", got)
	}
}

func TestVersion(t *testing.T) {
	out, _, code := execute(t, "version")
	if code != 0 || !strings.HasPrefix(out, "replicate ") || !strings.Contains(out, "commit   "+runner.NoStamp+"\n") ||
		!strings.Contains(out, "dirty    unknown\n") || !strings.Contains(out, "blas     ") || !strings.Contains(out, "os/arch  ") {
		t.Errorf("version under go test (no VCS stamp): exit %d:\n%s", code, out)
	}
	out, _, _ = execute(t, "version", "--json")
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := []string{"blas", "commit", "commit_time", "dirty", "go_version", "module", "os_arch", "vcs_stamped", "version"}
	if got := slices.Sorted(maps.Keys(v)); !slices.Equal(got, want) {
		t.Errorf("fields %q, want %q", got, want)
	}
	if v["module"] != "github.com/replicate-emd/replicate" || v["commit"] != "" || v["vcs_stamped"] != false {
		t.Errorf("version --json %v", v)
	}
	// A stamped build says its commit and dirty flag.
	io, buf, _ := testStreams()
	b := runner.Build{Module: "m", Version: "v1.0.0", Commit: "0123abc", CommitTime: "2026-01-02T03:04:05Z", Dirty: true, Stamped: true}
	if err := runVersion(&versionOptions{io: io, build: b, goVer: "go1.x", osArch: "linux/amd64", blas: "gonum"}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"replicate v1.0.0\n", "commit   0123abc (2026-01-02T03:04:05Z)\n", "dirty    yes (uncommitted changes)\n", "go       go1.x\n"} {
		if !strings.Contains(buf.String(), w) {
			t.Errorf("stamped version lacks %q:\n%s", w, buf)
		}
	}
}

// TestDataCheck_DidYouMean: a misspelt dataset name suggests the right
// one.
func TestDataCheck_DidYouMean(t *testing.T) {
	_, stderr, code := execute(t, "data", "check", "adiance")
	if code != exitFailure || !strings.Contains(stderr, `unknown dataset "adiance" (did you mean "adience"? known: `) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
