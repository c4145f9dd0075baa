package launch

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// hostileValues are values that once broke out of the generated files,
// and legal odd ones that must come through unchanged. Payloads write a
// file named PWNED in the folder they run in.
var hostileValues = []struct {
	name  string
	value string
	// refused lists, per job kind, the flags whose fields cannot hold the
	// value, in the order they are checked; every other field must
	// round-trip exactly.
	refused map[string][]string
}{
	{name: "semicolon and comment", value: "smoke;touch PWNED;#"},
	{name: "pipe and redirect", value: "smoke|id>PWNED"},
	{name: "command substitution", value: "$(touch PWNED)"},
	{name: "backticks", value: "`touch PWNED`"},
	{name: "space", value: "a b"},
	{name: "space hash", value: " #x"},
	{name: "single quote", value: "'"},
	{name: "quote breakout", value: "'; touch PWNED; '"},
	{name: "double quote", value: `"`},
	{name: "double quote breakout", value: `"; touch PWNED; "`},
	{name: "backslash", value: `\`, refused: map[string][]string{kindSlurm: {"--results"}}},
	{name: "unicode", value: "ünïcødé 日本語 ✓"},
	{name: "unicode line breaks", value: "a\u2028b\u0085c\ufeff"},
	{name: "kubelet variable", value: "$(JOB_COMPLETION_INDEX)$(KUBERNETES_SERVICE_HOST)"},
	{name: "dollars", value: "$$ $1 ${IFS} $HOME $"},
	{name: "glob", value: "x*?[a]~"},
	{name: "leading dash", value: "-x"},
	{name: "newline", value: "a\nb;touch PWNED"},
	{name: "carriage return", value: "a\rb"},
	{name: "percent", value: "100% %A %%"},
	{name: "YAML flow", value: ": {privileged: true}"},
	{name: "YAML document", value: "x\n---\nkind: Pod\nspec: {hostPID: true}"},
	{name: "invalid UTF-8", value: "\xff\xfe", refused: map[string][]string{kindKubernetes: {"--experiment", "--profile", "--results"}}},
	{name: "NUL", value: "a\x00b", refused: map[string][]string{
		kindKubernetes: {"--experiment", "--profile", "--results"},
		kindSlurm:      {"--experiment", "--profile", "--results", "--binary"},
	}},
}

// TestLaunch_HostileValues puts each value into every string option of
// both job kinds at once. Each field either is refused with an
// *OptionError naming its flag, before any file exists, or the files run
// (with fake replicate, sbatch and kubectl) with exactly the asked argv and
// no side effect.
func TestLaunch_HostileValues(t *testing.T) {
	for _, tt := range hostileValues {
		for _, kind := range []string{kindKubernetes, kindSlurm} {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				sb := newSandbox(t)
				clean := Options{Experiment: "smoke", Results: filepath.Join(t.TempDir(), "results"),
					Binary: filepath.Join(t.TempDir(), "plain", "replicate"), Image: "reg/replicate:1", Claim: "results"}
				o := Options{Shards: 3, Jobs: 2, Experiment: tt.value, Profile: tt.value,
					Results: filepath.Join(t.TempDir(), "r"+tt.value), Image: clean.Image, Claim: clean.Claim}
				if kind == kindSlurm {
					o.Binary = filepath.Join(t.TempDir(), "b"+tt.value, "replicate")
				}
				for _, flag := range tt.refused[kind] {
					files, err := render(kind, o)
					var oe *OptionError
					if !errors.As(err, &oe) || oe.Flag != flag || files != nil {
						t.Fatalf("got %v, want %s refused", err, flag)
					}
					resetField(&o, clean, flag)
				}
				if kind == kindSlurm {
					writeFake(t, o.Binary, "replicate")
					checkSlurmRun(t, sb, o)
				} else {
					checkKubernetesRun(t, sb, o)
				}
				noSideEffect(t, sb)
			})
		}
	}
}

// resetField sets the field of flag back to its value in clean.
func resetField(o *Options, clean Options, flag string) {
	switch flag {
	case "--experiment":
		o.Experiment = clean.Experiment
	case "--profile":
		o.Profile = clean.Profile
	case "--results":
		o.Results = clean.Results
	case "--binary":
		o.Binary = clean.Binary
	}
}

// noSideEffect checks that no payload ran: no file named PWNED anywhere in
// the test's folders, and nothing left in the working folder.
func noSideEffect(t *testing.T, sb sandbox) {
	t.Helper()
	root := filepath.Dir(filepath.Dir(sb.bin))
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Name() == "PWNED" {
			t.Errorf("injected command ran: %s exists", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if entries, err := os.ReadDir(sb.work); err != nil || len(entries) != 0 {
		t.Errorf("working folder holds %v (%v), want nothing", entries, err)
	}
}

// TestShellQuote checks shellQuote against sh itself, in a folder of its
// own so that a payload that ran would show.
func TestShellQuote(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	for _, tt := range hostileValues {
		if strings.ContainsRune(tt.value, 0) {
			continue // no shell word holds a NUL; validate refuses it
		}
		cmd := exec.Command(sh, "-c", "printf '%s' "+shellQuote(tt.value))
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil || string(out) != tt.value {
			t.Errorf("%s: sh reads %q (%v), want %q", tt.name, out, err, tt.value)
		}
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("a payload ran: the folder holds %v (%v)", entries, err)
	}
}
