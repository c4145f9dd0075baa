package settings

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Setting is the canonical description of how a run trains: every field of
// its configuration but its coordinates in the grid (for a run spec:
// experiment, profile, loss, fold and seed), as dotted JSON names with
// their values, sorted by name. Runs of one loss with equal settings are
// repetitions (folds, seeds) of one configuration; runs with different
// settings are candidates for model selection.
//
// Its text (String) is what the store records and Parse reads back:
//
//	batch_size=32, dataset.name=synthetic, lr=0.05, model.hidden=[32]
//
// A value is the JSON text of the field (numbers exactly as in the run's
// canonical JSON, lists compact), except that a string is written bare. A
// value that holds the separator ", " or starts with a double quote is
// written as a JSON string, so that the text parses back.
type Setting []Field

// Field is one field of a Setting: its dotted JSON name and its value as
// text (a string field's own text, unquoted).
type Field struct {
	Name  string
	Value string
}

// Of returns the setting of v, a struct (or pointer to one) whose JSON
// form is a run's canonical configuration, leaving out the top-level
// fields named in skip. It walks the fields as encoding/json would encode
// them: JSON names from the tags, omitempty honoured, fields of an
// embedded struct promoted, nested structs and maps under dotted names;
// every other value (numbers, booleans, strings, lists) is one field, with
// the text json.Marshal gives it. Of panics if v is not a struct, or holds
// a value json.Marshal refuses (a NaN or ±Inf float, a channel), as
// Canonical configurations never do.
func Of(v any, skip ...string) Setting {
	rv := reflect.Indirect(reflect.ValueOf(v))
	if rv.Kind() != reflect.Struct {
		panic(fmt.Sprintf("settings: Of(%T): not a struct", v))
	}
	var s Setting
	walkStruct(rv, "", func(name string) bool { return slices.Contains(skip, name) }, &s)
	slices.SortFunc(s, func(a, b Field) int { return strings.Compare(a.Name, b.Name) })
	return s
}

// walkStruct adds the fields of the struct v under prefix; skip is asked
// about the top-level names only.
func walkStruct(v reflect.Value, prefix string, skip func(string) bool, out *Setting) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		fv := v.Field(i)
		if f.Anonymous && name == "" && reflect.Indirect(fv).Kind() == reflect.Struct {
			if fv.Kind() == reflect.Pointer && fv.IsNil() {
				continue
			}
			walkStruct(reflect.Indirect(fv), prefix, skip, out)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if prefix == "" && skip(name) {
			continue
		}
		if strings.Contains(","+opts+",", ",omitempty,") && isEmpty(fv) {
			continue
		}
		walkValue(fv, join(prefix, name), out)
	}
}

// walkValue adds v under name: the fields of a struct or map, else v
// itself.
func walkValue(v reflect.Value, name string, out *Setting) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			*out = append(*out, Field{Name: name, Value: "null"})
			return
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		walkStruct(v, name, func(string) bool { return false }, out)
		return
	case reflect.Map:
		if v.IsNil() {
			*out = append(*out, Field{Name: name, Value: "null"})
			return
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		for _, k := range keys {
			walkValue(v.MapIndex(k), join(name, fmt.Sprint(k)), out)
		}
		return
	case reflect.String:
		*out = append(*out, Field{Name: name, Value: v.String()})
		return
	}
	b, err := json.Marshal(v.Interface())
	if err != nil {
		panic("settings: " + name + ": " + err.Error())
	}
	*out = append(*out, Field{Name: name, Value: string(b)})
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// isEmpty is encoding/json's rule for omitempty.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// fieldSep separates the fields of a Setting's text.
const fieldSep = ", "

// String returns the canonical text of the setting (see Setting); "" for
// an empty one.
func (s Setting) String() string {
	parts := make([]string, len(s))
	for i, f := range s {
		parts[i] = f.Name + "=" + quote(f.Value)
	}
	return strings.Join(parts, fieldSep)
}

// quote returns v as written in a Setting's text: bare, or as a JSON
// string when it holds the separator or starts with a quote.
func quote(v string) string {
	if !strings.Contains(v, fieldSep) && !strings.HasPrefix(v, `"`) {
		return v
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// Parse reads the text of a Setting (String's output, or the text older
// databases were filled with, which follows the same rules). The empty
// text is the empty setting.
func Parse(text string) (Setting, error) {
	var s Setting
	for rest := text; rest != ""; {
		name, after, ok := strings.Cut(rest, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("settings: parse %q: want name=value at %q", text, rest)
		}
		var value string
		if strings.HasPrefix(after, `"`) {
			dec := json.NewDecoder(strings.NewReader(after))
			if err := dec.Decode(&value); err != nil {
				return nil, fmt.Errorf("settings: parse %q: value of %s: %w", text, name, err)
			}
			after = after[dec.InputOffset():]
			if after != "" && !strings.HasPrefix(after, fieldSep) {
				return nil, fmt.Errorf("settings: parse %q: want %q after the value of %s", text, fieldSep, name)
			}
			rest = strings.TrimPrefix(after, fieldSep)
		} else {
			value, rest, _ = strings.Cut(after, fieldSep)
		}
		s = append(s, Field{Name: name, Value: value})
	}
	return s, nil
}

// Get returns the value of the named field and whether the setting has it.
func (s Setting) Get(name string) (string, bool) {
	for _, f := range s {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// Varying returns, sorted, the names of the fields whose value is not the
// same in every setting of ss; a field that some settings lack varies.
func Varying(ss []Setting) []string {
	if len(ss) == 0 {
		return nil
	}
	var names []string
	for _, s := range ss {
		for _, f := range s {
			names = append(names, f.Name)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	var out []string
	for _, name := range names {
		first, firstOK := ss[0].Get(name)
		for _, s := range ss[1:] {
			if v, ok := s.Get(name); ok != firstOK || v != first {
				out = append(out, name)
				break
			}
		}
	}
	return out
}

// Label names the setting by the values of the given fields, e.g.
// "lr=0.01, model.hidden=[32]" for the fields Varying found. A field the
// setting lacks is left out (CE has no EMD² weight: its label shows its
// learning rate only), and no fields give "". String values are shown
// bare.
func (s Setting) Label(fields []string) string {
	parts := make([]string, 0, len(fields))
	for _, name := range fields {
		if v, ok := s.Get(name); ok {
			parts = append(parts, name+"="+v)
		}
	}
	return strings.Join(parts, fieldSep)
}
