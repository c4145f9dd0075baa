package launch

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Job kinds, as validate takes them.
const (
	kindKubernetes = "k8s"
	kindSlurm      = "slurm"
)

var (
	// dns1123Subdomain is Kubernetes' rule for object names such as a
	// PersistentVolumeClaim's: dot-separated labels of lower-case letters,
	// digits and '-', each starting and ending with a letter or digit.
	dns1123Subdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	// slurmPartition is a partition name, or a comma-separated list of them.
	slurmPartition = regexp.MustCompile(`^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$`)
	// slurmTime is one of sbatch's --time forms: minutes, minutes:seconds,
	// hours:minutes:seconds, days-hours, days-hours:minutes and
	// days-hours:minutes:seconds.
	slurmTime = regexp.MustCompile(`^([0-9]{1,6}-)?[0-9]{1,7}(:[0-9]{1,2}){0,2}$`)
)

// flagValue is an option's string value and the flag that sets it.
type flagValue struct{ flag, value string }

// validate checks o for the job kind before anything is rendered, so that
// a refused value leaves no file behind. Each error is an *OptionError.
func (o *Options) validate(kind string) error {
	strs := []flagValue{{"--experiment", o.Experiment}, {"--profile", o.Profile}, {"--results", o.Results}}
	if kind == kindKubernetes {
		strs = append(strs, flagValue{"--image", o.Image}, flagValue{"--claim", o.Claim})
	} else {
		strs = append(strs, flagValue{"--binary", o.Binary}, flagValue{"--partition", o.Partition}, flagValue{"--time", o.Time})
	}
	for _, s := range strs {
		if strings.ContainsRune(s.value, 0) {
			return bad(s.flag, "holds a NUL byte, which no command-line argument can carry")
		}
		// The API server speaks JSON, whose strings are UTF-8.
		if kind == kindKubernetes && !utf8.ValidString(s.value) {
			return bad(s.flag, "is not valid UTF-8, which Kubernetes requires")
		}
	}
	switch {
	case o.Experiment == "":
		return bad("--experiment", "is required")
	case o.Shards < 1 || o.Shards > MaxShards:
		return bad("--shards", fmt.Sprintf("must be between 1 and %d, got %d", MaxShards, o.Shards))
	case o.Jobs < 1:
		return bad("--jobs", fmt.Sprintf("must be at least 1, got %d", o.Jobs))
	case o.Results == "":
		return bad("--results", "a folder is required")
	}
	if kind == kindKubernetes {
		return o.validateKubernetes()
	}
	return o.validateSlurm()
}

func (o *Options) validateKubernetes() error {
	switch {
	case o.Image == "":
		return bad("--image", "is required for Kubernetes")
	case strings.IndexFunc(o.Image, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return bad("--image", fmt.Sprintf("%q holds a space or a control character, which no image reference has", o.Image))
	case o.Claim == "":
		return bad("--claim", "is required for Kubernetes")
	case len(o.Claim) > 253 || !dns1123Subdomain.MatchString(o.Claim):
		return bad("--claim", fmt.Sprintf("%q is not a Kubernetes name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters", o.Claim))
	case !strings.HasPrefix(o.Results, "/"):
		return bad("--results", fmt.Sprintf("%q is the volume's mount path in the container and must be absolute", o.Results))
	}
	return nil
}

func (o *Options) validateSlurm() error {
	switch {
	case o.Binary == "":
		return bad("--binary", "is required for Slurm")
	case o.CPUs < 1:
		return bad("--cpus", fmt.Sprintf("must be at least 1, got %d", o.CPUs))
	case strings.Contains(o.Results, `\`):
		return bad("--results", fmt.Sprintf("%q holds a backslash, which turns off the %%A/%%a patterns of Slurm's log file names", o.Results))
	case o.Partition != "" && !slurmPartition.MatchString(o.Partition):
		return bad("--partition", fmt.Sprintf("%q is not a Slurm partition name (letters, digits, '_', '-', '.'; several separated by commas)", o.Partition))
	case o.Time != "" && !validSlurmTime(o.Time):
		return bad("--time", fmt.Sprintf("%q is not a Slurm time limit: minutes, [D-]HH:MM:SS, D-HH, D-HH:MM, MM:SS or UNLIMITED", o.Time))
	}
	return nil
}

func validSlurmTime(t string) bool {
	switch strings.ToUpper(t) {
	case "UNLIMITED", "INFINITE":
		return true
	}
	return slurmTime.MatchString(t)
}

func bad(flag, reason string) error {
	return &OptionError{Flag: flag, Reason: reason}
}
