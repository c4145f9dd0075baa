package report

import (
	"encoding/json"
	"strings"
)

// coordinateFields are the fields of a run's configuration (the canonical
// JSON of experiments.RunSpec) that place it in its grid rather than set
// how it trains: the report's rows are grouped by them (experiment,
// profile, loss) or aggregate over them (fold, seed).
var coordinateFields = []string{"experiment", "profile", "loss", "fold", "seed"}

// setting is the rest of a run's configuration: learning rate, epochs,
// model and so on. Runs of one loss with equal settings are repetitions
// (folds, seeds) of one configuration; different settings are candidates
// for model selection.
type setting struct {
	key    string            // canonical JSON of the remaining fields; "" if unreadable
	fields map[string]string // flattened field name → value text
}

// parseSetting reads the setting of a run from its configuration. A
// configuration that is not a JSON object gives the empty setting, so
// such runs are grouped together.
func parseSetting(config string) setting {
	dec := json.NewDecoder(strings.NewReader(config))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return setting{}
	}
	for _, f := range coordinateFields {
		delete(m, f)
	}
	key, err := json.Marshal(m) // object keys sorted; json.Number keeps its text
	if err != nil {
		return setting{}
	}
	s := setting{key: string(key), fields: map[string]string{}}
	flatten("", m, s.fields)
	return s
}

// flatten writes the leaves of v into out under dotted names.
func flatten(prefix string, v any, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			name := k
			if prefix != "" {
				name = prefix + "." + k
			}
			flatten(name, x, out)
		}
	case string:
		out[prefix] = v
	default:
		b, _ := json.Marshal(v)
		out[prefix] = string(b)
	}
}

// varying returns, sorted, the fields whose value is not the same in
// every setting (a field missing from some settings varies).
func varying(settings []setting) []string {
	seen := map[string]bool{}
	for _, s := range settings {
		for f := range s.fields {
			seen[f] = true
		}
	}
	var out []string
	for _, f := range sortedKeys(seen) {
		first, firstOK := settings[0].fields[f]
		for _, s := range settings[1:] {
			if v, ok := s.fields[f]; ok != firstOK || v != first {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// label names a setting by the values of the varying fields, e.g.
// "lr=0.01, model.hidden=[32]"; "" when nothing varies.
func (s setting) label(fields []string) string {
	parts := make([]string, 0, len(fields))
	for _, f := range fields {
		v, ok := s.fields[f]
		if !ok {
			v = "(unset)"
		}
		parts = append(parts, f+"="+v)
	}
	return strings.Join(parts, ", ")
}
