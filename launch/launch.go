// Package launch writes ready-to-submit job files that run the shards of an
// experiment grid on a cluster with the replicate binary itself, then merge
// the shard databases: a Kubernetes Indexed Job or a Slurm job array.
//
// # Quoting
//
// Every value from the user reaches the files as data, never as code:
//
//   - in a shell script it is one single-quoted word (see shellQuote), and the
//     parts that must expand a variable ($SLURM_ARRAY_TASK_ID, the merge loop's
//     $i) stand outside the quotes;
//   - a Kubernetes manifest is a Go struct marshalled with gopkg.in/yaml.v3,
//     so a value is one YAML string whatever it holds; in a container's
//     command and args every $ is doubled, because the kubelet expands
//     $(VAR) there (see kubeEscape);
//   - an #SBATCH line holds only values checked against a narrow pattern
//     (the job name we derive, --partition, --time, numbers); the results
//     folder goes to sbatch on the submit script's command line instead.
//
// Comments that mention a value show it Go-quoted, so no line break in it
// can end the comment. Values that no job file can carry (a NUL byte, a
// Kubernetes image with a space or a control character, a claim that is no
// Kubernetes name) are refused with an *OptionError naming the flag.
package launch

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// MaxShards is the largest --shards accepted. Kubernetes refuses an Indexed
// Job whose parallelism (here, the shard count) passes 10^5 and warns about
// tracking failed indexes from 10^4 up; Slurm's default MaxArraySize allows
// 1001 array tasks, and a site that raises it seldom goes past 10^4. A shard
// beyond the grid's run count has nothing to train, so 10^4 is room enough
// while keeping the Job, the array and the merge bounded.
const MaxShards = 10000

// Options describe one launch.
type Options struct {
	Experiment string // grid name or file, as for --experiment
	Profile    string // training profile; empty means the grid's default
	Shards     int    // number of shards (array tasks / job indexes), 1..MaxShards
	Jobs       int    // runs trained at once inside each shard
	Results    string // folder shared by all shards (PVC mount or shared file system)
	// Kubernetes only.
	Image string // container image holding the replicate binary on PATH
	Claim string // PersistentVolumeClaim mounted at Results
	// Slurm only.
	Binary    string // path of the replicate binary on the cluster
	Partition string // optional partition
	Time      string // optional time limit per shard, e.g. 24:00:00
	CPUs      int    // CPUs per shard
}

// File is one written file.
type File struct {
	Name string
	Body []byte
	Mode os.FileMode
}

// OptionError reports an option that the job files cannot carry. Flag is
// the replicate launch flag that set it, e.g. "--image".
type OptionError struct {
	Flag   string
	Reason string
}

func (e *OptionError) Error() string {
	return "launch: " + e.Flag + ": " + e.Reason
}

// jobName turns the experiment into a name Kubernetes and Slurm accept: a
// DNS-1123 label (lower-case letters, digits and '-', starting and ending
// with a letter or digit) short enough for the "-merge" suffix and an
// Indexed Job's pod host names ("<name>-<index>").
func (o *Options) jobName() string {
	base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(o.Experiment), ".yaml"), ".yml")
	name := "replicate-" + strings.ToLower(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, base))
	if len(name) > 52 {
		name = name[:52]
	}
	return strings.TrimRight(name, "-")
}

// runArgs are the replicate arguments every shard shares. Each flag and
// its value make one argument, "--flag=value", so that no value can be
// taken for a flag or a command whatever it starts with.
func (o *Options) runArgs() []string {
	args := []string{"--experiment=" + o.Experiment}
	if o.Profile != "" {
		args = append(args, "--profile="+o.Profile)
	}
	return append(args, "--jobs="+strconv.Itoa(o.Jobs))
}

// shellQuote returns s as one POSIX shell word. Inside single quotes no
// character has a meaning to sh, dash or bash, not even \, $, ` or a line
// break; the only one that cannot appear there is ' itself, so each ' is
// written '\” (close the quotes, an escaped quote, open them again).
// A NUL byte cannot be carried by any shell word; validate refuses it.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// kubeEscape protects s from the kubelet, which expands $(VAR) in a
// container's command and args before running them: "$$" becomes "$", a
// known $(VAR) its value, and any other $ stays. Doubling every $ therefore
// gives s back exactly, whether or not it holds "$(" or "$$".
func kubeEscape(s string) string {
	return strings.ReplaceAll(s, "$", "$$")
}

// slurmFilename escapes s for a Slurm file-name pattern (sbatch --output),
// in which %A, %a, %j… are replaced and %% stands for %. A backslash turns
// the patterns off altogether, so validate refuses one in a Slurm --results.
func slurmFilename(s string) string {
	return strings.ReplaceAll(s, "%", "%%")
}

// quoted shows s in a comment line: Go-quoted, so that every line break
// and control character is escaped and the comment stays one line.
func quoted(s string) string {
	return strconv.Quote(s)
}

// Write writes files into dir, creating it.
func Write(dir string, files []File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("launch: %w", err)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Body, f.Mode); err != nil {
			return fmt.Errorf("launch: %w", err)
		}
	}
	return nil
}
