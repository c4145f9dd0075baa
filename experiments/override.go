package experiments

import (
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Override is one --set of the command line: a dotted key into the
// selected profile of a grid and a value written as in YAML, e.g.
//
//	epochs=3
//	learning_rates=[0.01,0.001]
//	model.channels=[8,16]
//	loss.warmup_epochs=1
//
// Load writes each override into the YAML node tree of the profile and
// decodes the grid again, so that an override passes the checks a grid
// file passes, with the same messages: an unknown key (with the key it
// most likely meant), a value of the wrong kind, a value out of range.
type Override struct {
	Key   string // dotted key under the profile, e.g. model.channels
	Value string // YAML text of the value
}

// ParseOverride reads "key=value".
func ParseOverride(s string) (Override, error) {
	key, value, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	switch {
	case !ok || key == "":
		return Override{}, fmt.Errorf("--set %q: want key=value, e.g. epochs=3", s)
	case strings.TrimSpace(value) == "":
		return Override{}, fmt.Errorf("--set %q: no value after =", s)
	case slices.Contains(strings.Split(key, "."), ""):
		return Override{}, fmt.Errorf("--set %q: empty part in the key %q", s, key)
	case strings.ContainsAny(s, "\r\n"):
		// Messages, config show's header and the recorded overrides hold
		// an override on one line; YAML's flow style fits any value on one.
		return Override{}, fmt.Errorf("--set %q: a line break in the override; write the value on one line, e.g. [0.01,0.001]", s)
	}
	return Override{Key: key, Value: value}, nil
}

// ParseOverrides reads every "key=value" of a repeated --set.
func ParseOverrides(ss []string) ([]Override, error) {
	out := make([]Override, 0, len(ss))
	for _, s := range ss {
		o, err := ParseOverride(s)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// String returns "key=value".
func (o Override) String() string { return o.Key + "=" + o.Value }

// overrides are the overrides of one profile of a grid being loaded.
type overrides struct {
	profile string
	sets    []Override
}

// lineOf is the line the nodes of override i carry, so that an error of
// the decoder (which gives a node's line) can be told to be the
// override's: the lines of a file are positive.
func lineOf(i int) int { return -(i + 1) }

// attribute says which override an error of the overridden grid is: the
// one whose nodes it names by line, else the one under whose key it lies,
// else all of them (the grid without them was valid). ov may be nil.
func (ov *overrides) attribute(e *GridError) {
	if ov == nil || e.Line > 0 {
		return
	}
	if e.Line < 0 {
		if i := -e.Line - 1; i < len(ov.sets) {
			e.Set = ov.sets[i].String()
		}
		e.Line = 0
		return
	}
	best := -1
	for i, o := range ov.sets {
		k := "profiles." + ov.profile + "." + o.Key
		if e.Key == k || strings.HasPrefix(e.Key, k+".") || strings.HasPrefix(e.Key, k+"[") {
			if best < 0 || len(o.Key) > len(ov.sets[best].Key) {
				best = i
			}
		}
	}
	if best >= 0 {
		e.Set = ov.sets[best].String()
		return
	}
	all := make([]string, len(ov.sets))
	for i, o := range ov.sets {
		all[i] = o.String()
	}
	e.Set = strings.Join(all, " --set ")
}

// apply writes the overrides into the profile's mapping of doc, a grid's
// node tree. The profile's mapping is first replaced by a deep copy
// (aliases resolved), so that an anchor it shares with another profile is
// left alone.
func (ov *overrides) apply(doc *yaml.Node, file string) error {
	profiles := mapValue(rootMapping(doc), "profiles")
	if profiles == nil || profiles.Kind != yaml.MappingNode {
		return &GridError{File: file, Key: "profiles", Msg: "not a mapping"}
	}
	i := keyIndex(profiles, ov.profile)
	if i < 0 {
		return &GridError{File: file, Key: "profiles", Msg: fmt.Sprintf("no profile %q", ov.profile)}
	}
	budget := maxCheckNodes
	p, err := copyNode(profiles.Content[i+1], &budget)
	if err != nil {
		return &GridError{File: file, Key: "profiles." + ov.profile, Msg: err.Error()}
	}
	profiles.Content[i+1] = p
	for j, o := range ov.sets {
		if err := setKey(p, o, lineOf(j)); err != nil {
			return &GridError{File: file, Set: o.String(), Key: "profiles." + ov.profile + "." + o.Key, Msg: err.Error()}
		}
	}
	return nil
}

// setKey writes o into mapping m: each part of the key but the last names
// a mapping (created, or replacing a value that is not one; a mapping
// merged with "<<" is copied in first), the last one gets the value. Every
// node it adds carries line.
func setKey(m *yaml.Node, o Override, line int) error {
	var value, more yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(o.Value))
	if err := dec.Decode(&value); err != nil && err != io.EOF {
		return fmt.Errorf("value %q: %v", o.Value, err)
	}
	if value.Kind != yaml.DocumentNode || len(value.Content) != 1 || dec.Decode(&more) != io.EOF {
		return fmt.Errorf("value %q: not one YAML value", o.Value) // e.g. "3\n---\n4"
	}
	v := value.Content[0]
	setLine(v, line)
	parts := strings.Split(o.Key, ".")
	for n, part := range parts {
		if m.Kind != yaml.MappingNode { // a flow of nodes we built ourselves
			*m = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: line}
		}
		i := keyIndex(m, part)
		if i < 0 {
			i = len(m.Content)
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: part, Line: line},
				&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: line})
			if merged := mergedValue(m, part); merged != nil && n < len(parts)-1 {
				budget := maxCheckNodes
				c, err := copyNode(merged, &budget)
				if err != nil {
					return err
				}
				m.Content[i+1] = c
			}
		}
		if n == len(parts)-1 {
			m.Content[i+1] = v
			return nil
		}
		next := m.Content[i+1]
		if next.Kind == yaml.AliasNode {
			budget := maxCheckNodes
			c, err := copyNode(next, &budget)
			if err != nil {
				return err
			}
			m.Content[i+1], next = c, c
		}
		if next.Kind != yaml.MappingNode {
			next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: line}
			m.Content[i+1] = next
		}
		m = next
	}
	return nil
}

// setLine gives n and every node under it the line.
func setLine(n *yaml.Node, line int) {
	n.Line, n.Column = line, 0
	for _, c := range n.Content {
		setLine(c, line)
	}
}

// rootMapping returns the mapping at the top of a document, or nil.
func rootMapping(doc *yaml.Node) *yaml.Node {
	n := doc
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	return n
}

// keyIndex returns the index in m.Content of key's key node, or -1.
func keyIndex(m *yaml.Node, key string) int {
	if m == nil {
		return -1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i].Kind == yaml.ScalarNode {
			return i
		}
	}
	return -1
}

// mapValue returns the value of key in mapping m (an alias resolved), or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	i := keyIndex(m, key)
	if i < 0 {
		return nil
	}
	v := m.Content[i+1]
	if v.Kind == yaml.AliasNode {
		v = v.Alias
	}
	return v
}

// mergedValue returns the value key has in the mappings m merges with
// "<<", or nil.
func mergedValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Value == "<<" && k.ShortTag() == "!!merge" {
			for _, src := range mergeSources(m.Content[i+1]) {
				if v := mapValue(src, key); v != nil {
					return v
				}
			}
		}
	}
	return nil
}

// copyNode returns a deep copy of n with its aliases replaced by copies of
// what they name and without anchors, so that the copy shares nothing.
// budget bounds the nodes copied.
func copyNode(n *yaml.Node, budget *int) (*yaml.Node, error) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if *budget--; *budget < 0 {
		return nil, fmt.Errorf("too many nodes once its aliases are expanded")
	}
	c := *n
	c.Anchor = ""
	c.Content = nil
	for _, e := range n.Content {
		ce, err := copyNode(e, budget)
		if err != nil {
			return nil, err
		}
		c.Content = append(c.Content, ce)
	}
	return &c, nil
}

// ProfileKeys returns the dotted keys a profile takes, sorted: those an
// override may set. A key whose value is a mapping of the grid's choosing
// (loss_learning_rates, loss_emd_weights) ends in ".".
func ProfileKeys() []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for k, ft := range yamlFields(t) {
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch ft.Kind() {
			case reflect.Struct:
				walk(ft, prefix+k+".")
			case reflect.Map:
				out = append(out, prefix+k+".")
			default:
				out = append(out, prefix+k)
			}
		}
	}
	walk(reflect.TypeFor[Profile](), "")
	slices.Sort(out)
	return out
}
