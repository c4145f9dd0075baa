package experiments

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/replicate-emd/replicate/suggest"
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

// Names returns the names of the embedded grids, sorted.
func Names() ([]string, error) {
	grids, err := Registry()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(grids))
	for i, g := range grids {
		names[i] = g.Name
	}
	return names, nil
}

func parseEmbedded(file string) (*Grid, error) {
	f, err := embedded.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	g, err := Parse(f, "experiments/"+file)
	if err != nil {
		return nil, err
	}
	g.file = file
	return g, nil
}

// source is the YAML text of a grid and where it came from.
type source struct {
	text []byte
	file string // the name error messages give
	dir  string // the folder of a user's file ("" for an embedded grid)
}

// isFile reports whether name names a grid file rather than an embedded
// grid.
func isFile(name string) bool {
	ext := path.Ext(name)
	return ext == ".yaml" || ext == ".yml"
}

// lookupSource finds the text of the grid name: an embedded grid, or the
// file name when it ends in .yaml or .yml.
func lookupSource(name string) (source, error) {
	if isFile(name) {
		text, err := os.ReadFile(name)
		if err != nil {
			return source{}, fmt.Errorf("experiment file: %w", err)
		}
		return source{text: text, file: name, dir: filepath.Dir(name)}, nil
	}
	grids, err := Registry()
	if err != nil {
		return source{}, err
	}
	var names []string
	for _, g := range grids {
		if g.Name == name {
			text, err := embedded.ReadFile(g.file)
			return source{text: text, file: "experiments/" + g.file}, err
		}
		names = append(names, g.Name)
	}
	return source{}, fmt.Errorf("%s", suggest.Unknown("experiment", name, names))
}

// Lookup finds a grid by name among the embedded ones, or, when name ends
// in .yaml or .yml, reads that file.
func Lookup(name string) (*Grid, error) { return Load(name, "", nil) }

// Load reads the grid name (see Lookup) with the overrides sets written
// into its profile (the grid's default profile when profile is empty).
// The grid is first read as it is, so that an error of the file is the
// file's; then the overrides are written into the profile's YAML node tree
// and the grid is decoded and validated again, so that an override is
// held to every rule of a grid file. An error an override causes is a
// *GridError whose Set names it. Expand gives the profile's runs the
// overrides (RunSpec.Overrides).
func Load(name, profile string, sets []Override) (*Grid, error) {
	g, _, err := load(name, profile, sets)
	return g, err
}

// load is Load, also returning the node tree the grid was decoded from.
func load(name, profile string, sets []Override) (*Grid, *yaml.Node, error) {
	src, err := lookupSource(name)
	if err != nil {
		return nil, nil, err
	}
	doc, err := readDocument(bytes.NewReader(src.text), src.file)
	if err != nil {
		return nil, nil, err
	}
	g, err := decodeGrid(doc, src.file, nil)
	if err != nil {
		return nil, nil, err
	}
	g.Dir = src.dir
	if len(sets) == 0 {
		return g, doc, nil
	}
	if profile == "" {
		profile = g.DefaultProfile
	}
	if _, ok := g.Profiles[profile]; !ok {
		return nil, nil, g.noProfile(profile)
	}
	ov := &overrides{profile: profile, sets: sets}
	if err := ov.apply(doc, src.file); err != nil {
		return nil, nil, err
	}
	if g, err = decodeGrid(doc, src.file, ov); err != nil {
		return nil, nil, err
	}
	g.Dir, g.Overrides, g.Overridden = src.dir, sets, profile
	return g, doc, nil
}

// Source returns the YAML text of the grid name as it is embedded (or as
// its file holds it).
func Source(name string) ([]byte, error) {
	src, err := lookupSource(name)
	return src.text, err
}

// Resolve returns the grid name as the runs of one profile see it: its
// YAML with only that profile (the grid's default when profile is
// empty), the overrides written into it and default_profile naming it,
// aliases expanded, comments kept. Saved to a file, it is a grid whose
// runs have the keys of the overridden profile's runs.
func Resolve(name, profile string, sets []Override) ([]byte, error) {
	g, doc, err := load(name, profile, sets)
	if err != nil {
		return nil, err
	}
	if profile == "" {
		profile = g.DefaultProfile
	}
	if _, ok := g.Profiles[profile]; !ok {
		return nil, g.noProfile(profile)
	}
	budget := maxCheckNodes
	root, err := copyNode(rootMapping(doc), &budget)
	if err != nil {
		return nil, err
	}
	profiles := mapValue(root, "profiles")
	i := keyIndex(profiles, profile)
	profiles.Content = profiles.Content[i : i+2]
	if d := mapValue(root, "default_profile"); d != nil {
		d.Value, d.Tag, d.Style = profile, "!!str", 0
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s, profile %s", g.Name, profile)
	if len(sets) > 0 {
		fmt.Fprintf(&b, ", overrides: %s", joinOverrides(sets))
	}
	b.WriteString("\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// joinOverrides writes overrides as on the command line, space-separated.
func joinOverrides(sets []Override) string {
	var b bytes.Buffer
	for i, o := range sets {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(o.String())
	}
	return b.String()
}
