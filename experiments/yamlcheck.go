package experiments

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/replicate-emd/replicate/suggest"
)

// This file reads a grid's YAML node tree strictly, in the project's words:
// a key that no field takes is an error naming the file, the line, the
// dotted key of the mapping that holds it and the key it most likely
// meant, and a value of the wrong kind names the key and says what was
// expected, where yaml.v3's own messages would name Go types
// ("field epocs not found in type experiments.Profile", "cannot unmarshal
// !!str `two` into int").

// maxCheckNodes bounds the nodes checkKeys visits, aliases followed: a
// document whose aliases multiply it beyond this is left to the decoder,
// which refuses excessive aliasing itself.
const maxCheckNodes = 1 << 20

// keyChecker walks a node tree beside the Go type it decodes into.
type keyChecker struct {
	visited int
	// paths records the dotted key of every value node visited, so that a
	// decoding error, which gives only a line, can name the key.
	paths map[*yaml.Node]string
}

func newKeyChecker() *keyChecker { return &keyChecker{paths: map[*yaml.Node]string{}} }

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// check returns a *GridError (without File) for the first key of n that
// type t does not take, or nil.
func (c *keyChecker) check(n *yaml.Node, t reflect.Type, path string) *GridError {
	if n == nil || c.visited > maxCheckNodes {
		return nil
	}
	c.visited++
	for n.Kind == yaml.AliasNode || n.Kind == yaml.DocumentNode {
		switch {
		case n.Kind == yaml.AliasNode && n.Alias != nil:
			n = n.Alias
		case n.Kind == yaml.DocumentNode && len(n.Content) == 1:
			n = n.Content[0]
		default:
			return nil
		}
	}
	if _, seen := c.paths[n]; !seen { // a node an alias shares is named where it stands
		c.paths[n] = path
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil // the type reads its own node
	}
	switch {
	case isIntKind(t.Kind()) && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float":
		// yaml.v3 truncates a float decoded into an integer (3.5 → 3).
		var f float64
		if err := n.Decode(&f); err == nil && (f != math.Trunc(f) || math.IsInf(f, 0)) {
			return &GridError{Line: n.Line, Key: path, Msg: fmt.Sprintf("want %s, got %s", typeWords(t.Kind().String()), describeNode(n))}
		}
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		return c.checkStruct(n, t, path)
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := c.check(n.Content[i+1], t.Elem(), joinKey(path, n.Content[i].Value)); err != nil {
				return err
			}
		}
	case (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && n.Kind == yaml.SequenceNode:
		for i, e := range n.Content {
			if err := c.check(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil // a kind mismatch is the decoder's to report
}

// isIntKind says whether k is one of Go's integer kinds.
func isIntKind(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Uintptr
}

// checkStruct checks the keys of mapping n against struct type t,
// following merge keys ("<<") into the mappings they merge.
func (c *keyChecker) checkStruct(n *yaml.Node, t reflect.Type, path string) *GridError {
	fields := yamlFields(t)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "<<" && k.ShortTag() == "!!merge" {
			for _, m := range mergeSources(v) {
				if err := c.checkStruct(m, t, path); err != nil {
					return err
				}
			}
			continue
		}
		ft, ok := fields[k.Value]
		if !ok {
			return &GridError{Line: k.Line, Key: path, Msg: unknownKey(k.Value, fields)}
		}
		if err := c.check(v, ft, joinKey(path, k.Value)); err != nil {
			return err
		}
	}
	return nil
}

// mergeSources returns the mappings a merge key's value merges: one
// mapping, an alias of one, or a sequence of those.
func mergeSources(v *yaml.Node) []*yaml.Node {
	resolve := func(n *yaml.Node) *yaml.Node {
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			return n.Alias
		}
		return n
	}
	v = resolve(v)
	switch v.Kind {
	case yaml.MappingNode:
		return []*yaml.Node{v}
	case yaml.SequenceNode:
		var out []*yaml.Node
		for _, e := range v.Content {
			if e = resolve(e); e.Kind == yaml.MappingNode {
				out = append(out, e)
			}
		}
		return out
	}
	return nil
}

// unknownKey is the message for a key no field takes: the nearest known
// key when one is near, else the known keys.
func unknownKey(key string, fields map[string]reflect.Type) string {
	known := make([]string, 0, len(fields))
	for k := range fields {
		known = append(known, k)
	}
	sort.Strings(known)
	if s, ok := suggest.Closest(key, known); ok {
		return fmt.Sprintf("unknown key %q (did you mean %q?)", key, s)
	}
	return fmt.Sprintf("unknown key %q (known keys: %s)", key, strings.Join(known, ", "))
}

// yamlFields returns the keys struct type t takes in YAML, with the type
// of each value, by yaml.v3's rules: the key is the field's yaml tag name,
// else its name in lower case; "-" and unexported fields are left out; an
// ",inline" struct's keys are the struct's own.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.PkgPath != "" && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",inline,") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range yamlFields(ft) {
					out[k] = v
				}
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// typeErrorRE matches one error of a *yaml.TypeError.
var typeErrorRE = regexp.MustCompile("^line (-?[0-9]+): cannot unmarshal (!![a-z]+)(?: `(.*)`)? into (.+)$")

// typeError turns the first error of a decoding error into a *GridError
// (without File) that names the line and the key and says in words what
// the key takes. An error it cannot read is kept as it is.
func (c *keyChecker) typeError(err error) *GridError {
	var te *yaml.TypeError
	if !errors.As(err, &te) || len(te.Errors) == 0 {
		return &GridError{Msg: err.Error()}
	}
	m := typeErrorRE.FindStringSubmatch(te.Errors[0])
	if m == nil {
		return &GridError{Msg: te.Errors[0]}
	}
	line, _ := strconv.Atoi(m[1])
	n, path := c.nodeAt(line, m[2], strings.TrimSuffix(m[3], "..."))
	got := "a " + strings.TrimPrefix(m[2], "!!") + " value"
	if n != nil {
		got = describeNode(n)
	}
	return &GridError{Line: line, Key: path, Msg: fmt.Sprintf("want %s, got %s", typeWords(m[4]), got)}
}

// nodeAt finds the visited value node a decoding error names by its line,
// tag and (the start of its) value.
func (c *keyChecker) nodeAt(line int, tag, value string) (*yaml.Node, string) {
	var best *yaml.Node
	for n := range c.paths {
		if n.Line != line || !strings.HasPrefix(n.Value, value) {
			continue
		}
		if tag == "!!seq" && n.Kind != yaml.SequenceNode || tag == "!!map" && n.Kind != yaml.MappingNode {
			continue
		}
		if best == nil || n.Column < best.Column || n.Column == best.Column && c.paths[n] < c.paths[best] {
			best = n
		}
	}
	if best == nil {
		return nil, ""
	}
	return best, c.paths[best]
}

// describeNode says what a value is, for "got …".
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:37] + "..."
	}
	if n.ShortTag() == "!!str" {
		return strconv.Quote(v)
	}
	return v
}

// typeWords says in words what a Go type (as yaml.v3 prints it) takes.
func typeWords(goType string) string {
	t := strings.TrimLeft(goType, "*")
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.Contains(t, "."):
		return "a mapping" // the grid's named types are structs
	case strings.HasPrefix(t, "uint"):
		return "a non-negative integer"
	case strings.HasPrefix(t, "int"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a string"
	}
	return "a value of type " + t
}
