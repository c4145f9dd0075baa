package launch

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sbatchLine is all an #SBATCH line may be: one option whose value holds
// nothing sbatch would read as a quote, an escape, a comment or a space.
var sbatchLine = regexp.MustCompile(`^#SBATCH --[a-z-]+=[A-Za-z0-9_.,:-]+$`)

// FuzzLaunchRender renders both job kinds from arbitrary options. It must
// never panic; a refusal must be an *OptionError with no files; accepted
// manifests must parse strictly and give back every value, the shard pod's
// argv included after the kubelet's expansion; accepted scripts must pass
// bash -n, and keep their header to comments and plain #SBATCH lines.
func FuzzLaunchRender(f *testing.F) {
	f.Add("smoke", "", "/results", "reg/replicate:1", "results", "replicate", "", "", 4, 1, 2)
	f.Add("adience", "cpu", "/scratch/a", "reg/r@sha256:abc", "my.claim-1", "/opt/bin/replicate", "gpu,cpu", "1-00:00:00", MaxShards, 8, 16)
	f.Add("a", "b", "/r", "i\r\nprivileged: true", "c\n", "b", "p\n#SBATCH --uid=0", "1:00\n", MaxShards+1, 0, -1)
	for _, h := range hostileValues {
		f.Add(h.value, h.value, "/r"+h.value, "reg/r:1", "results", h.value, "gpu", "30", 3, 2, 2)
	}
	f.Fuzz(func(t *testing.T, experiment, profile, results, image, claim, binary, partition, limit string, shards, jobs, cpus int) {
		o := Options{Experiment: experiment, Profile: profile, Shards: shards, Jobs: jobs, Results: results,
			Image: image, Claim: claim, Binary: binary, Partition: partition, Time: limit, CPUs: cpus}
		for _, kind := range []string{kindKubernetes, kindSlurm} {
			files, err := render(kind, o)
			if err != nil {
				var oe *OptionError
				if !errors.As(err, &oe) || files != nil || !strings.HasPrefix(oe.Flag, "--") {
					t.Fatalf("%s: refusal %v with %d files, want an *OptionError naming a flag and no files", kind, err, len(files))
				}
				continue
			}
			if kind == kindKubernetes {
				checkManifests(t, o, files)
			} else {
				checkSlurmHeaders(t, files)
			}
			for _, f := range files {
				if strings.HasSuffix(f.Name, ".sh") || strings.HasSuffix(f.Name, ".sbatch") {
					bashCheck(t, f)
				}
			}
		}
	})
}

// checkManifests decodes both manifests and compares them with o.
func checkManifests(t *testing.T, o Options, files []File) {
	t.Helper()
	c := onlyContainer(t, decodeJob(t, fileNamed(t, files, "-shards.yaml").Body), o)
	argv := expandAll(append(append([]string{}, c.Command...), c.Args...), podEnv(7))
	if diff := cmp.Diff(append([]string{"replicate"}, wantShardArgv(o, 7)...), argv); diff != "" {
		t.Errorf("shard pod argv (-want +got):\n%s", diff)
	}
	c = onlyContainer(t, decodeJob(t, fileNamed(t, files, "-merge.yaml").Body), o)
	argv = expandAll(append(append([]string{}, c.Command...), c.Args...), podEnv(0))
	if len(argv) != 3 || argv[0] != "sh" || argv[1] != "-c" {
		t.Fatalf("merge pod runs %q, want sh -c SCRIPT", argv)
	}
	bashCheck(t, File{Name: "merge pod script", Body: []byte(argv[2])})
}

// checkSlurmHeaders checks that every line up to the first command is a
// comment, and every #SBATCH line a plain option.
func checkSlurmHeaders(t *testing.T, files []File) {
	t.Helper()
	for _, f := range files {
		for line := range strings.Lines(string(f.Body)) {
			line = strings.TrimSuffix(line, "\n")
			if !strings.HasPrefix(line, "#") {
				break
			}
			if strings.HasPrefix(line, "#SBATCH") && !sbatchLine.MatchString(line) {
				t.Errorf("%s: #SBATCH line %q", f.Name, line)
			}
		}
		if !strings.Contains(string(f.Body), "\nset -eu") {
			t.Errorf("%s: a value broke the header:\n%s", f.Name, f.Body)
		}
	}
}
