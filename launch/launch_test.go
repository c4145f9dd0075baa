package launch

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestKubernetes(t *testing.T) {
	files, err := Kubernetes(Options{Experiment: "adience", Profile: "cpu", Shards: 4, Jobs: 2, Results: "/results", Image: "reg/replicate:1", Claim: "pvc"})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("%d files", len(files))
	}
	var job struct {
		Kind string
		Spec struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    int
			Template       struct {
				Spec struct {
					Containers []struct {
						Image string
						Args  []string
					}
				}
			}
		}
	}
	if err := yaml.Unmarshal(files[0].Body, &job); err != nil {
		t.Fatalf("shards manifest does not parse: %v\n%s", err, files[0].Body)
	}
	c := job.Spec.Template.Spec.Containers
	if job.Kind != "Job" || job.Spec.CompletionMode != "Indexed" || job.Spec.Completions != 4 || len(c) != 1 || c[0].Image != "reg/replicate:1" {
		t.Fatalf("unexpected job %+v", job)
	}
	for _, want := range []string{"--experiment adience", "--profile cpu", "--jobs 2", `--shard "$JOB_COMPLETION_INDEX/4"`, `--db "/results/shard-$JOB_COMPLETION_INDEX.db"`} {
		if !strings.Contains(c[0].Args[0], want) {
			t.Errorf("shard command %q lacks %q", c[0].Args[0], want)
		}
	}
	var merge map[string]any
	if err := yaml.Unmarshal(files[1].Body, &merge); err != nil {
		t.Fatalf("merge manifest does not parse: %v", err)
	}
	if !strings.Contains(string(files[1].Body), `"/results/shard-3.db"`) {
		t.Errorf("merge job does not merge shard 3:\n%s", files[1].Body)
	}
	checkShell(t, files[2])
}

func TestSlurm(t *testing.T) {
	files, err := Slurm(Options{Experiment: "smoke", Shards: 3, Jobs: 1, Results: "/scratch/r", Binary: "/opt/replicate", Time: "02:00:00"})
	if err != nil {
		t.Fatal(err)
	}
	body := string(files[0].Body)
	for _, want := range []string{"#SBATCH --array=0-2", "#SBATCH --time=02:00:00", `--shard "$SLURM_ARRAY_TASK_ID/3"`} {
		if !strings.Contains(body, want) {
			t.Errorf("array script lacks %q:\n%s", want, body)
		}
	}
	if !strings.Contains(string(files[1].Body), `"/scratch/r/shard-2.db"`) {
		t.Errorf("merge script does not merge shard 2")
	}
	if !strings.Contains(string(files[2].Body), "--dependency=afterok:") {
		t.Errorf("submit script has no dependency")
	}
	for _, f := range files {
		checkShell(t, f)
	}
}

// checkShell asks bash whether the script parses.
func checkShell(t *testing.T, f File) {
	t.Helper()
	path := filepath.Join(t.TempDir(), f.Name)
	if err := Write(filepath.Dir(path), []File{f}); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("bash", "-n", path).CombinedOutput(); err != nil {
		t.Errorf("%s does not parse: %v\n%s", f.Name, err, out)
	}
}

func TestOptions_Errors(t *testing.T) {
	base := Options{Experiment: "x", Shards: 2, Jobs: 1, Results: "/r", Image: "i", Claim: "c", Binary: "b"}
	tests := []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"no experiment", func(o *Options) { o.Experiment = "" }, "--experiment"},
		{"no shards", func(o *Options) { o.Shards = 0 }, "--shards"},
		{"no image", func(o *Options) { o.Image = "" }, "--image"},
		{"quote", func(o *Options) { o.Results = `/r"; rm -rf /` }, "quote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			tt.edit(&o)
			_, err := Kubernetes(o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error about %s", err, tt.want)
			}
		})
	}
}
