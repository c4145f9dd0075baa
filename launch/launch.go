// Package launch writes ready-to-submit job files that run the shards of an
// experiment grid on a cluster with the replicate binary itself, then merge
// the shard databases: a Kubernetes Indexed Job or a Slurm job array.
package launch

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

// Options describe one launch.
type Options struct {
	Experiment string // grid name or file, as for --experiment
	Profile    string // training profile; empty means the grid's default
	Shards     int    // number of shards (array tasks / job indexes)
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

func (o *Options) validate(kind string) error {
	switch {
	case o.Experiment == "":
		return fmt.Errorf("launch: --experiment is required")
	case o.Shards < 1:
		return fmt.Errorf("launch: --shards must be at least 1, got %d", o.Shards)
	case o.Jobs < 1:
		return fmt.Errorf("launch: --jobs must be at least 1, got %d", o.Jobs)
	case o.Results == "":
		return fmt.Errorf("launch: --results folder is required")
	case kind == "k8s" && o.Image == "":
		return fmt.Errorf("launch: --image is required for Kubernetes")
	case kind == "k8s" && o.Claim == "":
		return fmt.Errorf("launch: --claim is required for Kubernetes")
	case kind == "slurm" && o.Binary == "":
		return fmt.Errorf("launch: --binary is required for Slurm")
	}
	for _, v := range []string{o.Experiment, o.Profile, o.Results, o.Image, o.Claim, o.Binary, o.Partition, o.Time} {
		if strings.ContainsAny(v, "'\"\n\\$`") {
			return fmt.Errorf("launch: value %q holds a quote, a backslash, $ or a newline", v)
		}
	}
	return nil
}

// jobName turns the experiment into a name Kubernetes and Slurm accept.
func (o *Options) jobName() string {
	base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(o.Experiment), ".yaml"), ".yml")
	name := "replicate-" + strings.ToLower(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '-'
	}, base))
	if len(name) > 52 {
		name = name[:52]
	}
	return strings.TrimRight(name, "-.")
}

// runArgs are the replicate arguments every shard shares.
func (o *Options) runArgs() string {
	args := "--experiment " + o.Experiment
	if o.Profile != "" {
		args += " --profile " + o.Profile
	}
	return args + fmt.Sprintf(" --jobs %d", o.Jobs)
}

// fileSpec is one file to render from a template.
type fileSpec struct {
	name string
	tmpl *template.Template
	mode os.FileMode
}

// renderAll executes each template with data.
func renderAll(data any, specs []fileSpec) ([]File, error) {
	files := make([]File, 0, len(specs))
	for _, fs := range specs {
		var b bytes.Buffer
		if err := fs.tmpl.Execute(&b, data); err != nil {
			return nil, fmt.Errorf("launch: %s: %w", fs.name, err)
		}
		files = append(files, File{Name: fs.name, Body: b.Bytes(), Mode: fs.mode})
	}
	return files, nil
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
