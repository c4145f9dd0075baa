package launch

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKubernetes(t *testing.T) {
	o := Options{Experiment: "adience", Profile: "cpu", Shards: 4, Jobs: 2, Results: "/results", Image: "reg/replicate:1", Claim: "pvc"}
	files, err := Kubernetes(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("%d files", len(files))
	}
	names := []string{files[0].Name, files[1].Name, files[2].Name}
	if diff := cmp.Diff([]string{"replicate-adience-shards.yaml", "replicate-adience-merge.yaml", "submit-k8s.sh"}, names); diff != "" {
		t.Errorf("file names (-want +got):\n%s", diff)
	}
	job := decodeJob(t, files[0].Body)
	c := onlyContainer(t, job, o)
	if job.Metadata.Name != "replicate-adience" || job.Spec.CompletionMode != "Indexed" || job.Spec.Completions != 4 || job.Spec.Parallelism != 4 {
		t.Fatalf("unexpected job %+v", job)
	}
	want := []string{"--experiment=adience", "--profile=cpu", "--jobs=2", "--shard=$(JOB_COMPLETION_INDEX)/4", "--db=/results/shard-$(JOB_COMPLETION_INDEX).db"}
	if diff := cmp.Diff([]string{"replicate"}, c.Command); diff != "" {
		t.Errorf("shard command (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, c.Args); diff != "" {
		t.Errorf("shard args (-want +got):\n%s", diff)
	}
	merge := decodeJob(t, files[1].Body)
	mc := onlyContainer(t, merge, o)
	if merge.Metadata.Name != "replicate-adience-merge" || len(mc.Args) != 1 || !strings.Contains(mc.Args[0], `while [ "$$i" -lt 4 ]`) {
		t.Errorf("merge job does not loop over the 4 shards:\n%s", files[1].Body)
	}
	bashCheck(t, files[2])
}

func TestSlurm(t *testing.T) {
	files, err := Slurm(Options{Experiment: "smoke", Shards: 3, Jobs: 1, Results: "/scratch/r", Binary: "/opt/replicate", Time: "02:00:00"})
	if err != nil {
		t.Fatal(err)
	}
	body := string(files[0].Body)
	for _, want := range []string{"#SBATCH --array=0-2", "#SBATCH --time=02:00:00", "#SBATCH --cpus-per-task=2",
		`'/opt/replicate' '--experiment=smoke' '--jobs=1' --shard="$SLURM_ARRAY_TASK_ID/3" --db="$results/shard-$SLURM_ARRAY_TASK_ID.db"`} {
		if !strings.Contains(body, want) {
			t.Errorf("array script lacks %q:\n%s", want, body)
		}
	}
	if !strings.Contains(string(files[1].Body), `while [ "$i" -lt 3 ]`) {
		t.Errorf("merge script does not loop over the 3 shards:\n%s", files[1].Body)
	}
	if !strings.Contains(string(files[2].Body), "--dependency=afterok:") {
		t.Errorf("submit script has no dependency")
	}
	for _, f := range files {
		bashCheck(t, f)
	}
}

// TestLaunch_RunScripts runs every generated file the way the cluster would,
// with fake replicate, sbatch and kubectl, and checks each command's argv.
func TestLaunch_RunScripts(t *testing.T) {
	t.Run("Slurm", func(t *testing.T) {
		sb := newSandbox(t)
		results := filepath.Join(t.TempDir(), "results")
		o := Options{Experiment: "smoke", Profile: "cpu", Shards: 3, Jobs: 2, Results: results, Binary: filepath.Join(sb.bin, "replicate"), Partition: "gpu", Time: "1-00:00:00"}
		checkSlurmRun(t, sb, o)
	})
	t.Run("Kubernetes", func(t *testing.T) {
		sb := newSandbox(t)
		o := Options{Experiment: "smoke", Shards: 3, Jobs: 1, Results: "/results", Image: "reg/r:1", Claim: "results"}
		checkKubernetesRun(t, sb, o)
	})
}

// checkSlurmRun writes the Slurm files for o, runs the submit script, one
// array task and the merge, and compares every recorded call with o.
func checkSlurmRun(t *testing.T, sb sandbox, o Options) {
	t.Helper()
	files, err := Slurm(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		bashCheck(t, f)
	}
	dir := writeFiles(t, files)
	name := o.jobName()
	out := sb.run(t, nil, filepath.Join(dir, "submit-slurm.sh"))
	// The first line is the fake sbatch answering the merge's submission.
	if want := "4242;cluster\nsubmitted array job 4242;cluster; the merge writes " + o.Results + "/replicate.db\n"; out != want {
		t.Errorf("submit prints %q, want %q", out, want)
	}
	logs := strings.ReplaceAll(o.Results, "%", "%%")
	want := [][]string{
		{"sbatch", "--parsable", "--output=" + logs + "/slurm-%A_%a.out", name + ".sbatch"},
		{"sbatch", "--dependency=afterok:4242", "--output=" + logs + "/slurm-merge-%j.out", name + "-merge.sbatch"},
	}
	if diff := cmp.Diff(want, sb.takeCalls(t)); diff != "" {
		t.Errorf("submit calls (-want +got):\n%s", diff)
	}
	if fi, err := os.Stat(o.Results); err != nil || !fi.IsDir() {
		t.Errorf("submit did not create the results folder %q: %v", o.Results, err)
	}
	last := o.Shards - 1
	sb.run(t, []string{"SLURM_ARRAY_TASK_ID=" + strconv.Itoa(last)}, "bash", filepath.Join(dir, name+".sbatch"))
	if diff := cmp.Diff([][]string{append([]string{"replicate"}, wantShardArgv(o, last)...)}, sb.takeCalls(t)); diff != "" {
		t.Errorf("array task calls (-want +got):\n%s", diff)
	}
	sb.run(t, nil, "bash", filepath.Join(dir, name+"-merge.sbatch"))
	if diff := cmp.Diff(wantMergeCalls(o), sb.takeCalls(t)); diff != "" {
		t.Errorf("merge calls (-want +got):\n%s", diff)
	}
}

// checkKubernetesRun writes the Kubernetes files for o, runs the submit
// script, and simulates a shard pod and the merge pod: the kubelet's $(VAR)
// expansion of command and args, then the command itself.
func checkKubernetesRun(t *testing.T, sb sandbox, o Options) {
	t.Helper()
	files, err := Kubernetes(o)
	if err != nil {
		t.Fatal(err)
	}
	dir := writeFiles(t, files)
	name := o.jobName()
	bashCheck(t, files[2])
	out := sb.run(t, nil, filepath.Join(dir, "submit-k8s.sh"))
	if want := "merged into " + o.Results + "/replicate.db (on the volume " + o.Claim + ")\n"; out != want {
		t.Errorf("submit prints %q, want %q", out, want)
	}
	want := [][]string{
		{"kubectl", "apply", "-f", name + "-shards.yaml"},
		{"kubectl", "wait", "--for=condition=complete", "--timeout=168h", "job/" + name},
		{"kubectl", "apply", "-f", name + "-merge.yaml"},
		{"kubectl", "wait", "--for=condition=complete", "--timeout=1h", "job/" + name + "-merge"},
	}
	if diff := cmp.Diff(want, sb.takeCalls(t)); diff != "" {
		t.Errorf("submit calls (-want +got):\n%s", diff)
	}

	last := o.Shards - 1
	c := onlyContainer(t, decodeJob(t, fileNamed(t, files, "-shards.yaml").Body), o)
	argv := expandAll(append(append([]string{}, c.Command...), c.Args...), podEnv(last))
	if argv[0] != "replicate" {
		t.Fatalf("shard pod runs %q, want replicate itself", argv[0])
	}
	sb.run(t, nil, append([]string{filepath.Join(sb.bin, argv[0])}, argv[1:]...)...)
	if diff := cmp.Diff([][]string{append([]string{"replicate"}, wantShardArgv(o, last)...)}, sb.takeCalls(t)); diff != "" {
		t.Errorf("shard pod calls (-want +got):\n%s", diff)
	}

	c = onlyContainer(t, decodeJob(t, fileNamed(t, files, "-merge.yaml").Body), o)
	argv = expandAll(append(append([]string{}, c.Command...), c.Args...), podEnv(0))
	if len(argv) != 3 || argv[0] != "sh" || argv[1] != "-c" {
		t.Fatalf("merge pod runs %q, want sh -c SCRIPT", argv)
	}
	sb.run(t, nil, argv...)
	if diff := cmp.Diff(wantMergeCalls(o), sb.takeCalls(t)); diff != "" {
		t.Errorf("merge pod calls (-want +got):\n%s", diff)
	}
}

func expandAll(args []string, env map[string]string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = kubeletExpand(a, env)
	}
	return out
}

func TestOptions_Errors(t *testing.T) {
	base := Options{Experiment: "x", Shards: 2, Jobs: 1, Results: "/r", Image: "i", Claim: "c", Binary: "b"}
	tests := []struct {
		name string
		kind string
		edit func(*Options)
		flag string
	}{
		{"no experiment", kindKubernetes, func(o *Options) { o.Experiment = "" }, "--experiment"},
		{"no shards", kindKubernetes, func(o *Options) { o.Shards = 0 }, "--shards"},
		{"too many shards", kindSlurm, func(o *Options) { o.Shards = MaxShards + 1 }, "--shards"},
		{"no jobs", kindSlurm, func(o *Options) { o.Jobs = 0 }, "--jobs"},
		{"no results", kindSlurm, func(o *Options) { o.Results = "" }, "--results"},
		{"no image", kindKubernetes, func(o *Options) { o.Image = "" }, "--image"},
		{"image with CR", kindKubernetes, func(o *Options) { o.Image = "reg/r:1\r\n          securityContext: {privileged: true}" }, "--image"},
		{"image with space", kindKubernetes, func(o *Options) { o.Image = "reg/r:1 x" }, "--image"},
		{"no claim", kindKubernetes, func(o *Options) { o.Claim = "" }, "--claim"},
		{"claim not a name", kindKubernetes, func(o *Options) { o.Claim = "pvc\nprivileged: true" }, "--claim"},
		{"claim upper case", kindKubernetes, func(o *Options) { o.Claim = "PVC" }, "--claim"},
		{"claim too long", kindKubernetes, func(o *Options) { o.Claim = strings.Repeat("a", 254) }, "--claim"},
		{"relative mount", kindKubernetes, func(o *Options) { o.Results = "results" }, "--results"},
		{"invalid UTF-8", kindKubernetes, func(o *Options) { o.Profile = "\xff" }, "--profile"},
		{"NUL", kindSlurm, func(o *Options) { o.Results = "/r\x00x" }, "--results"},
		{"no binary", kindSlurm, func(o *Options) { o.Binary = "" }, "--binary"},
		{"backslash in Slurm results", kindSlurm, func(o *Options) { o.Results = `/r\x` }, "--results"},
		{"partition with newline", kindSlurm, func(o *Options) { o.Partition = "gpu\n#SBATCH --uid=0" }, "--partition"},
		{"partition with space", kindSlurm, func(o *Options) { o.Partition = "gpu x" }, "--partition"},
		{"time with newline", kindSlurm, func(o *Options) { o.Time = "1:00\n#SBATCH --uid=0" }, "--time"},
		{"time not a time", kindSlurm, func(o *Options) { o.Time = "tomorrow" }, "--time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			tt.edit(&o)
			files, err := render(tt.kind, o)
			var oe *OptionError
			if !errors.As(err, &oe) || oe.Flag != tt.flag {
				t.Fatalf("got %v, want an *OptionError for %s", err, tt.flag)
			}
			if files != nil || !strings.Contains(err.Error(), tt.flag) {
				t.Errorf("files %v, error %q: want no files and the flag named", files, err)
			}
		})
	}
}

func TestOptions_SlurmLimits(t *testing.T) {
	for _, tm := range []string{"30", "30:00", "24:00:00", "2-00", "2-12:30", "1-02:00:00", "UNLIMITED"} {
		files, err := Slurm(Options{Experiment: "x", Shards: 1, Jobs: 1, Results: "/r", Binary: "b", Time: tm, Partition: "gpu,cpu_long"})
		if err != nil {
			t.Errorf("--time %s: %v", tm, err)
			continue
		}
		if body := string(files[0].Body); !strings.Contains(body, "#SBATCH --time="+tm+"\n") || !strings.Contains(body, "#SBATCH --partition=gpu,cpu_long\n") {
			t.Errorf("--time %s: array script lacks its #SBATCH lines:\n%s", tm, body)
		}
	}
}

// TestLaunch_ManyShards checks the bound's other side: the largest shard
// count renders, and no line of any file grows with it.
func TestLaunch_ManyShards(t *testing.T) {
	for _, kind := range []string{kindKubernetes, kindSlurm} {
		o := Options{Experiment: "smoke", Shards: MaxShards, Jobs: 1, Results: "/r", Image: "i", Claim: "c", Binary: "b"}
		files, err := render(kind, o)
		if err != nil {
			t.Fatalf("%s: %d shards: %v", kind, MaxShards, err)
		}
		for _, f := range files {
			longest := 0
			for line := range strings.Lines(string(f.Body)) {
				longest = max(longest, len(line))
			}
			if longest > 200 || len(f.Body) > 4096 {
				t.Errorf("%s: %d bytes, longest line %d bytes, with %d shards", f.Name, len(f.Body), longest, MaxShards)
			}
		}
	}
}

// TestLaunch_MergeChunks runs a merge over more shards than one chunk.
func TestLaunch_MergeChunks(t *testing.T) {
	sb := newSandbox(t)
	o := Options{Experiment: "smoke", Shards: 2*mergeChunk + 3, Jobs: 1, Results: "/r", Image: "i", Claim: "c", Binary: filepath.Join(sb.bin, "replicate")}
	files, err := Slurm(o)
	if err != nil {
		t.Fatal(err)
	}
	dir := writeFiles(t, files)
	sb.run(t, nil, "bash", filepath.Join(dir, o.jobName()+"-merge.sbatch"))
	calls := sb.takeCalls(t)
	if diff := cmp.Diff(wantMergeCalls(o), calls); diff != "" || len(calls) != 4 {
		t.Errorf("%d merge calls (-want +got):\n%s", len(calls), diff)
	}
}

// render renders o for the job kind.
func render(kind string, o Options) ([]File, error) {
	if kind == kindKubernetes {
		return Kubernetes(o)
	}
	return Slurm(o)
}
