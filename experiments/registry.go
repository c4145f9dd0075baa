package experiments

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

//go:embed *.yaml
var embedded embed.FS

// Registry returns the embedded grids, sorted by name.
func Registry() ([]*Grid, error) {
	files, err := fs.Glob(embedded, "*.yaml")
	if err != nil {
		return nil, err
	}
	var grids []*Grid
	for _, f := range files {
		g, err := parseEmbedded(f)
		if err != nil {
			return nil, err
		}
		grids = append(grids, g)
	}
	sort.Slice(grids, func(i, j int) bool { return grids[i].Name < grids[j].Name })
	return grids, nil
}

func parseEmbedded(file string) (*Grid, error) {
	f, err := embedded.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, "experiments/"+file)
}

// Lookup finds a grid by name among the embedded ones, or, when name ends
// in .yaml or .yml, reads that file.
func Lookup(name string) (*Grid, error) {
	if ext := path.Ext(name); ext == ".yaml" || ext == ".yml" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("experiment file: %w", err)
		}
		defer f.Close()
		g, err := Parse(f, name)
		if err != nil {
			return nil, err
		}
		g.Dir = filepath.Dir(name)
		return g, nil
	}
	grids, err := Registry()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, g := range grids {
		if g.Name == name {
			return g, nil
		}
		names = append(names, g.Name)
	}
	return nil, fmt.Errorf("unknown experiment %q (known: %s)", name, strings.Join(names, ", "))
}
