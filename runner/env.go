package runner

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/replicate-emd/replicate/models"
	"github.com/replicate-emd/replicate/results"
)

// Build is what the binary knows of the code it was built from: its
// module and the module's version, and the commit with its dirty flag from
// the build's VCS stamp. The stamp is the only source: the working
// directory the binary runs in says nothing of the code it runs. go build
// and go install of a git checkout stamp it; go run and go test builds,
// and builds with -buildvcs=false, do not (Stamped false, Commit "").
type Build struct {
	Module     string // e.g. github.com/replicate-emd/replicate
	Version    string // the module's version: a tag, a pseudo-version, or (devel)
	Commit     string // vcs.revision; "" without a stamp
	CommitTime string // vcs.time (RFC 3339); "" without a stamp
	Dirty      bool   // vcs.modified: the checkout had uncommitted changes
	Stamped    bool   // the build carries a VCS stamp
}

// NoStamp says why a build records no commit and what to do about it.
const NoStamp = "unknown (no VCS stamp; build with go build/go install from a clean checkout)"

// CurrentBuild describes this binary (runtime/debug.ReadBuildInfo).
func CurrentBuild() Build {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return Build{Version: "(devel)"}
	}
	return BuildOf(info)
}

// BuildOf reads a Build from a binary's build information.
func BuildOf(info *debug.BuildInfo) Build {
	b := Build{Module: info.Main.Path, Version: info.Main.Version}
	if b.Version == "" {
		b.Version = "(devel)"
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit, b.Stamped = s.Value, true
		case "vcs.time":
			b.CommitTime = s.Value
		case "vcs.modified":
			b.Dirty = s.Value == "true"
		}
	}
	if !b.Stamped {
		b.Dirty = false
	}
	return b
}

// CurrentEnv describes this process: Go version, OS/arch, CPU model, the
// BLAS gorgonia uses, and the commit (with a dirty flag) of the binary's
// build (CurrentBuild): empty when the build carries no VCS stamp.
func CurrentEnv() results.Env {
	b := CurrentBuild()
	return results.Env{GoVersion: runtime.Version(), OSArch: runtime.GOOS + "/" + runtime.GOARCH, CPUModel: cpuModel(),
		BLAS: models.BLAS(), GitCommit: b.Commit, GitDirty: b.Dirty}
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
