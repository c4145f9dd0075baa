package launch

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The manifest as the tests read it back: declared here, apart from the
// package's own types, and decoded with KnownFields so that any key the
// tests do not expect (privileged, securityContext, env…) fails the decode.
type (
	testJob struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Spec testJobSpec `yaml:"spec"`
	}
	testJobSpec struct {
		CompletionMode       string `yaml:"completionMode"`
		Completions          int    `yaml:"completions"`
		Parallelism          int    `yaml:"parallelism"`
		BackoffLimit         int    `yaml:"backoffLimit"`
		BackoffLimitPerIndex int    `yaml:"backoffLimitPerIndex"`
		Template             struct {
			Spec testPodSpec `yaml:"spec"`
		} `yaml:"template"`
	}
	testPodSpec struct {
		RestartPolicy   string `yaml:"restartPolicy"`
		SecurityContext struct {
			FSGroup int `yaml:"fsGroup"`
		} `yaml:"securityContext"`
		Containers []testContainer `yaml:"containers"`
		Volumes    []testVolume    `yaml:"volumes"`
	}
	testContainer struct {
		Name         string            `yaml:"name"`
		Image        string            `yaml:"image"`
		Command      []string          `yaml:"command"`
		Args         []string          `yaml:"args"`
		VolumeMounts []testVolumeMount `yaml:"volumeMounts"`
	}
	testVolumeMount struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	}
	testVolume struct {
		Name                  string `yaml:"name"`
		PersistentVolumeClaim struct {
			ClaimName string `yaml:"claimName"`
		} `yaml:"persistentVolumeClaim"`
	}
)

// decodeJob parses a manifest strictly: one document, known keys only.
func decodeJob(tb testing.TB, body []byte) testJob {
	tb.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(body))
	dec.KnownFields(true)
	var job testJob
	if err := dec.Decode(&job); err != nil {
		tb.Fatalf("manifest does not parse strictly: %v\n%s", err, body)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		tb.Fatalf("manifest holds a second document (%v):\n%s", err, body)
	}
	return job
}

// onlyContainer returns the job's single container and checks the volume
// that every job mounts.
func onlyContainer(tb testing.TB, job testJob, o Options) testContainer {
	tb.Helper()
	ps := job.Spec.Template.Spec
	if len(ps.Containers) != 1 || len(ps.Volumes) != 1 {
		tb.Fatalf("want one container and one volume, got %+v", ps)
	}
	c := ps.Containers[0]
	if c.Image != o.Image {
		tb.Errorf("image %q, want %q", c.Image, o.Image)
	}
	if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != o.Results || c.VolumeMounts[0].Name != ps.Volumes[0].Name {
		tb.Errorf("volume mounts %+v, want results at %q", c.VolumeMounts, o.Results)
	}
	if got := ps.Volumes[0].PersistentVolumeClaim.ClaimName; got != o.Claim {
		tb.Errorf("claim %q, want %q", got, o.Claim)
	}
	if ps.RestartPolicy != "Never" || ps.SecurityContext.FSGroup != ImageGID || job.APIVersion != "batch/v1" || job.Kind != "Job" {
		tb.Errorf("unexpected job %+v", job)
	}
	return c
}

// kubeletExpand expands s as the kubelet expands a container's command and
// args, following the Kubernetes API documentation: $(VAR) becomes VAR's
// value when VAR is defined and stays as written when not, "$$" becomes
// "$", and any other $ is kept.
func kubeletExpand(s string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString("$(")
				i++
				continue
			}
			name := s[i+2 : i+2+end]
			if v, ok := env[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			b.WriteByte('$')
			b.WriteByte(s[i+1])
			i++
		}
	}
	return b.String()
}

// podEnv is the environment the kubelet expands from in the simulated pods:
// the Job controller's index and a variable every pod has.
func podEnv(index int) map[string]string {
	return map[string]string{"JOB_COMPLETION_INDEX": strconv.Itoa(index), "KUBERNETES_SERVICE_HOST": "10.0.0.1"}
}

// wantShardArgv is the replicate argv shard i must run, built from o
// independently of the package.
func wantShardArgv(o Options, i int) []string {
	argv := []string{"--experiment=" + o.Experiment}
	if o.Profile != "" {
		argv = append(argv, "--profile="+o.Profile)
	}
	return append(argv, "--jobs="+strconv.Itoa(o.Jobs),
		"--shard="+strconv.Itoa(i)+"/"+strconv.Itoa(o.Shards),
		"--db="+o.Results+"/shard-"+strconv.Itoa(i)+".db")
}

// wantMergeCalls are the replicate calls of a merge: every shard once, in
// order, mergeChunk at a time, then the report.
func wantMergeCalls(o Options) [][]string {
	var calls [][]string
	for lo := 0; lo < o.Shards; lo += mergeChunk {
		call := []string{"replicate", "merge", "--", o.Results + "/replicate.db"}
		for i := lo; i < min(lo+mergeChunk, o.Shards); i++ {
			call = append(call, o.Results+"/shard-"+strconv.Itoa(i)+".db")
		}
		calls = append(calls, call)
	}
	return append(calls, []string{"replicate", "report", "--db=" + o.Results + "/replicate.db", "--out=" + o.Results})
}

// fakeBin writes fake replicate, sbatch and kubectl commands into dir; see
// writeFake.
func fakeBin(tb testing.TB, dir string) {
	tb.Helper()
	for _, name := range []string{"replicate", "sbatch", "kubectl"} {
		writeFake(tb, filepath.Join(dir, name), name)
	}
}

// writeFake writes a command at path that appends one record to the file
// named by $FAKE_LOG: name, the argument count and each argument, every
// field ended by a NUL byte, so that any argument reads back exactly.
// The fake sbatch answers like sbatch --parsable.
func writeFake(tb testing.TB, path, name string) {
	tb.Helper()
	body := "#!/bin/sh\nprintf '%s\\0' " + name + ` "$#" "$@" >>"$FAKE_LOG"` + "\n"
	if name == "sbatch" {
		body += "echo '4242;cluster'\n"
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		tb.Fatal(err)
	}
}

// readCalls returns the recorded calls, each the command name followed by
// its arguments.
func readCalls(tb testing.TB, log string) [][]string {
	tb.Helper()
	data, err := os.ReadFile(log)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		tb.Fatal(err)
	}
	fields := strings.Split(string(data), "\x00")
	fields = fields[:len(fields)-1] // after the last NUL
	var calls [][]string
	for len(fields) >= 2 {
		n, err := strconv.Atoi(fields[1])
		if err != nil || len(fields) < 2+n {
			tb.Fatalf("bad fake log %q", data)
		}
		calls = append(calls, append([]string{fields[0]}, fields[2:2+n]...))
		fields = fields[2+n:]
	}
	if len(fields) != 0 {
		tb.Fatalf("bad fake log %q", data)
	}
	return calls
}

// sandbox is where the scripts run: fake commands first on PATH, a log of
// their calls, and an empty working folder.
type sandbox struct {
	bin, log, work string
}

func newSandbox(tb testing.TB) sandbox {
	tb.Helper()
	root := tb.TempDir()
	s := sandbox{bin: filepath.Join(root, "fakebin"), log: filepath.Join(root, "calls"), work: filepath.Join(root, "work")}
	fakeBin(tb, s.bin)
	if err := os.Mkdir(s.work, 0o755); err != nil {
		tb.Fatal(err)
	}
	return s
}

// run runs argv in the working folder with the sandbox's PATH and extra
// environment, fails the test if it fails, and returns its stdout.
func (s sandbox) run(tb testing.TB, extraEnv []string, argv ...string) string {
	tb.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = s.work
	cmd.Env = append([]string{"PATH=" + s.bin + ":" + os.Getenv("PATH"), "FAKE_LOG=" + s.log}, extraEnv...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%q: %v\nstdout:\n%s\nstderr:\n%s", argv, err, out.Bytes(), errOut.Bytes())
	}
	return out.String()
}

// takeCalls returns the calls recorded since the last takeCalls.
func (s sandbox) takeCalls(tb testing.TB) [][]string {
	tb.Helper()
	calls := readCalls(tb, s.log)
	if err := os.Remove(s.log); err != nil && !errors.Is(err, os.ErrNotExist) {
		tb.Fatal(err)
	}
	return calls
}

// writeFiles writes files into a new folder and returns it.
func writeFiles(tb testing.TB, files []File) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "launch")
	if err := Write(dir, files); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// bashCheck asks bash whether the script parses; it skips the check when
// bash is missing.
func bashCheck(tb testing.TB, f File) {
	tb.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		return
	}
	path := filepath.Join(tb.TempDir(), "script")
	if err := os.WriteFile(path, f.Body, 0o644); err != nil {
		tb.Fatal(err)
	}
	if out, err := exec.Command(bash, "-n", path).CombinedOutput(); err != nil {
		tb.Errorf("%s does not parse: %v\n%s\n%s", f.Name, err, out, f.Body)
	}
}

// fileNamed returns the file with the given name suffix.
func fileNamed(tb testing.TB, files []File, suffix string) File {
	tb.Helper()
	for _, f := range files {
		if strings.HasSuffix(f.Name, suffix) {
			return f
		}
	}
	tb.Fatalf("no file ending in %s among %d", suffix, len(files))
	return File{}
}
