package main

import (
	"fmt"
	"runtime"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/replicate-emd/replicate/models"
	"github.com/replicate-emd/replicate/runner"
)

// versionOptions are the flags of replicate version and what it reports.
type versionOptions struct {
	io     *streams
	asJSON bool
	build  runner.Build
	goVer  string
	osArch string
	blas   string
}

// versionJSON is what version --json prints; its field names are part of
// the command's interface.
type versionJSON struct {
	Module     string `json:"module"`
	Version    string `json:"version"`
	Commit     string `json:"commit"`      // "" without a VCS stamp
	CommitTime string `json:"commit_time"` // RFC 3339; "" without a VCS stamp
	Dirty      bool   `json:"dirty"`
	VCSStamped bool   `json:"vcs_stamped"`
	GoVersion  string `json:"go_version"`
	OSArch     string `json:"os_arch"`
	BLAS       string `json:"blas"`
}

func newVersionCmd(g *globalOptions, runF func(*versionOptions) error) *cobra.Command {
	opts := &versionOptions{io: g.io}
	cmd := &cobra.Command{
		Use:   "version [--json]",
		Short: "Print the version of replicate, its commit, and the Go, platform and BLAS it runs on",
		Long: `Print the module and its version, the commit the binary was built from with its
dirty flag (uncommitted changes), the Go version, the OS and architecture, and the BLAS
the networks use. The runs record the same commit and dirty flag.

The commit comes from the binary's VCS stamp, never from the folder it runs in. go build
and go install from a git checkout stamp it; go run and go test builds do not, and
their commit is unknown (go install ./cmd/replicate from a clean checkout records one).`,
		Example: `  replicate version
  replicate version --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.build = runner.CurrentBuild()
			opts.goVer, opts.osArch, opts.blas = runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH, models.BLAS()
			if runF != nil {
				return runF(opts)
			}
			return runVersion(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.asJSON, "json", false, "print a JSON object")
	return cmd
}

// runVersion prints what opts holds.
func runVersion(opts *versionOptions) error {
	b := opts.build
	if opts.asJSON {
		return writeJSON(opts.io.Out, versionJSON{Module: b.Module, Version: b.Version, Commit: b.Commit, CommitTime: b.CommitTime,
			Dirty: b.Dirty, VCSStamped: b.Stamped, GoVersion: opts.goVer, OSArch: opts.osArch, BLAS: opts.blas})
	}
	commit, dirty := runner.NoStamp, "unknown"
	if b.Stamped {
		commit, dirty = b.Commit, "no"
		if b.CommitTime != "" {
			commit += " (" + b.CommitTime + ")"
		}
		if b.Dirty {
			dirty = "yes (uncommitted changes)"
		}
	}
	fmt.Fprintf(opts.io.Out, "replicate %s\n", b.Version)
	tw := tabwriter.NewWriter(opts.io.Out, 0, 4, 2, ' ', 0)
	for _, kv := range [][2]string{
		{"module", orDash(b.Module)}, {"commit", commit}, {"dirty", dirty},
		{"go", opts.goVer}, {"os/arch", opts.osArch}, {"blas", opts.blas},
	} {
		fmt.Fprintf(tw, "%s\t%s\n", kv[0], kv[1])
	}
	return tw.Flush()
}
