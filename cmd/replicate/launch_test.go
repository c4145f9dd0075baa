package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/replicate-emd/replicate/launch"
)

// TestLaunch_Validation checks that launch refuses an experiment, profile
// or shard count it cannot run, names the flag and the valid choices, and
// writes nothing into --dir.
func TestLaunch_Validation(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // in the error line
	}{
		{"unknown experiment", []string{"--slurm", "--experiment", "nope"},
			[]string{"--experiment", `unknown experiment "nope"`, "smoke", "adience"}},
		{"injected experiment", []string{"--slurm", "--experiment", "smoke;touch /tmp/PWNED;#"},
			[]string{"--experiment", `unknown experiment "smoke;touch /tmp/PWNED;#"`, "smoke"}},
		{"missing grid file", []string{"--k8s", "--experiment", "no such grid.yaml", "--image", "i", "--claim", "c"},
			[]string{"--experiment", "no such grid.yaml"}},
		{"unknown profile", []string{"--slurm", "--experiment", "smoke", "--profile", "bogus"},
			[]string{"--profile", `no profile "bogus"`, "smoke"}},
		{"injected profile", []string{"--k8s", "--experiment", "smoke", "--profile", "smoke|id>/tmp/x", "--image", "i", "--claim", "c"},
			[]string{"--profile", `no profile "smoke|id>/tmp/x"`}},
		{"too many shards", []string{"--slurm", "--experiment", "smoke", "--shards", strconv.Itoa(launch.MaxShards + 1)},
			[]string{"--shards", strconv.Itoa(launch.MaxShards)}},
		{"image with CR", []string{"--k8s", "--experiment", "smoke", "--image", "reg/r:1\r\n  privileged: true", "--claim", "c"},
			[]string{"--image"}},
		{"bad time", []string{"--slurm", "--experiment", "smoke", "--time", "24h"},
			[]string{"--time"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			_, stderr, code := execute(t, append([]string{"launch", "--dir", dir}, tt.args...)...)
			if code != exitFailure {
				t.Errorf("exit %d, want %d", code, exitFailure)
			}
			for _, want := range tt.want {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				entries, _ := os.ReadDir(dir)
				t.Errorf("--dir exists (%v) with %d entries, want nothing written", err, len(entries))
			}
		})
	}
}

// TestLaunch_GridFile launches a grid file whose path holds a space, a
// quote and a #: the name is checked, and reaches the script quoted.
func TestLaunch_GridFile(t *testing.T) {
	grid, err := os.ReadFile(filepath.Join("..", "..", "experiments", "smoke.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "it's my #grid.yaml")
	if err := os.WriteFile(path, grid, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	out, stderr, code := execute(t, "launch", "--slurm", "--experiment", path, "--profile", "smoke", "--shards", "6", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Count(out, "wrote ") != 3 {
		t.Errorf("stdout %q, want three files written", out)
	}
	if !strings.Contains(stderr, "warning: 6 shards for 4 runs") {
		t.Errorf("stderr %q, want a warning about empty shards", stderr)
	}
	body, err := os.ReadFile(filepath.Join(dir, "replicate-it-s-my--grid.sbatch"))
	if err != nil {
		t.Fatal(err)
	}
	want := `'--experiment=` + strings.ReplaceAll(path, "'", `'\''`) + `' '--profile=smoke'`
	if !strings.Contains(string(body), want) {
		t.Errorf("array script lacks %s:\n%s", want, body)
	}
}

// TestLaunch_Kubernetes writes the Kubernetes files for an embedded grid.
func TestLaunch_Kubernetes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	_, stderr, code := execute(t, "launch", "--k8s", "--experiment", "smoke", "--shards", "2", "--image", "reg/r:1", "--claim", "results", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, name := range []string{"replicate-smoke-shards.yaml", "replicate-smoke-merge.yaml", "submit-k8s.sh"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	if stderr != "" {
		t.Errorf("stderr %q, want nothing", stderr)
	}
}

// TestLaunch_EndToEnd runs the generated files with the real binary, from
// folders whose names hold quotes, $( , ; and spaces: every shard of
// the smoke grid trains, and the merge gathers all runs and writes the
// report. The Kubernetes pods are simulated: the kubelet's expansion of
// $(JOB_COMPLETION_INDEX) and $$ in command and args, then the command.
func TestLaunch_EndToEnd(t *testing.T) {
	bin := binary(t)
	for _, kind := range []string{"slurm", "k8s"} {
		t.Run(kind, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), `it's a $(odd) "dir"`)
			binDir := filepath.Join(root, "bin #$x")
			if err := os.MkdirAll(binDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(bin, filepath.Join(binDir, "replicate")); err != nil {
				t.Fatal(err)
			}
			res := filepath.Join(root, "results; x")
			dir := filepath.Join(root, "launch")
			args := []string{"launch", "--" + kind, "--experiment", "smoke", "--profile", "smoke", "--shards", "3", "--results", res, "--dir", dir}
			if kind == "slurm" {
				args = append(args, "--binary", filepath.Join(binDir, "replicate"))
			} else {
				args = append(args, "--image", "reg/replicate:1", "--claim", "results")
			}
			if _, stderr, code := execute(t, args...); code != 0 {
				t.Fatalf("launch: exit %d: %s", code, stderr)
			}
			if err := os.MkdirAll(res, 0o755); err != nil { // submit-slurm.sh, or the volume
				t.Fatal(err)
			}
			env := append(os.Environ(), "PATH="+binDir+":"+os.Getenv("PATH"))
			if kind == "slurm" {
				for i := range 3 {
					runIn(t, root, append(env, "SLURM_ARRAY_TASK_ID="+strconv.Itoa(i)), "bash", filepath.Join(dir, "replicate-smoke.sbatch"))
				}
				runIn(t, root, env, "bash", filepath.Join(dir, "replicate-smoke-merge.sbatch"))
			} else {
				for i := range 3 {
					argv := podArgv(t, filepath.Join(dir, "replicate-smoke-shards.yaml"), i)
					if argv[0] != "replicate" {
						t.Fatalf("shard pod runs %q, want replicate", argv)
					}
					argv[0] = filepath.Join(binDir, argv[0]) // the image's PATH
					runIn(t, root, env, argv...)
				}
				runIn(t, root, env, podArgv(t, filepath.Join(dir, "replicate-smoke-merge.yaml"), 0)...)
			}
			if n := len(runMetrics(t, filepath.Join(res, "replicate.db"))); n != 4 {
				t.Errorf("merged database holds %d runs, want the grid's 4", n)
			}
			if _, err := os.Stat(filepath.Join(res, "report.md")); err != nil {
				t.Error(err)
			}
		})
	}
}

// podArgv reads the one container of a Job manifest and returns its argv
// as the kubelet would run it in the pod with the given completion index.
func podArgv(t *testing.T, path string, index int) []string {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var job struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Command, Args []string
					}
				}
			}
		}
	}
	if err := yaml.Unmarshal(body, &job); err != nil || len(job.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("%s: %v\n%s", path, err, body)
	}
	c := job.Spec.Template.Spec.Containers[0]
	// Enough of the kubelet's expansion for these values: "$$" is "$",
	// $(JOB_COMPLETION_INDEX) the index, scanning left to right.
	kubelet := strings.NewReplacer("$$", "$", "$(JOB_COMPLETION_INDEX)", strconv.Itoa(index))
	var argv []string
	for _, a := range append(c.Command, c.Args...) {
		argv = append(argv, kubelet.Replace(a))
	}
	return argv
}

// runIn runs argv in dir with env and fails the test if it fails.
func runIn(t *testing.T, dir string, env []string, argv ...string) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%q: %v\n%s", argv, err, out)
	}
}
