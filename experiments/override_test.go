package experiments

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// twoProfiles is a grid whose cnn profile merges an anchored mapping, so
// that an override must not leak into the anchor's other users.
const twoProfiles = `
name: two
dataset: {name: synthetic, classes: 4, dim: 16}
folds: 2
losses: [ce, emd2, ce+emd2]
seeds: [1]
default_profile: small
profiles:
  small: &small
    model: {name: mlp, hidden: [8]}
    epochs: 2
    batch_size: 4
    learning_rates: [0.1]
    momentum: 0.9
    weight_decay: 0
    lr_decay: 1
    loss: {warmup_epochs: 1, warmup_lr: 0.1}
  wide:
    <<: *small
    model: {name: mlp, hidden: [32]}
`

// writeGrid writes text into a grid file and returns its path.
func writeGrid(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustOverrides(t *testing.T, ss ...string) []Override {
	t.Helper()
	sets, err := ParseOverrides(ss)
	if err != nil {
		t.Fatal(err)
	}
	return sets
}

func keysOf(t *testing.T, g *Grid, profile string) []string {
	t.Helper()
	runs, err := g.Expand(profile)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range runs {
		keys = append(keys, r.Key())
	}
	return keys
}

// TestLoad_Overrides sets one key of each kind and checks the runs get the
// value, the overrides, and new keys.
func TestLoad_Overrides(t *testing.T) {
	path := writeGrid(t, "two.yaml", twoProfiles)
	base, err := Lookup(path)
	if err != nil {
		t.Fatal(err)
	}
	baseKeys := keysOf(t, base, "")
	tests := []struct {
		set   []string
		check func(r RunSpec) bool
	}{
		{[]string{"epochs=3"}, func(r RunSpec) bool { return r.Epochs == 3 }},
		{[]string{"learning_rates=[0.01,0.001]"}, nil}, // checked below: twice the runs
		{[]string{"model.hidden=[4,4]"}, func(r RunSpec) bool { return slices.Equal(r.Model.Hidden, []int{4, 4}) && r.Model.Name == "mlp" }},
		{[]string{"model.channels=[8,16]", "model.name=cnn"}, func(r RunSpec) bool {
			return slices.Equal(r.Model.Channels, []int{8, 16}) && r.Model.Name == "cnn"
		}},
		{[]string{"loss.warmup_epochs=0"}, func(r RunSpec) bool { return r.LossOptions.WarmupEpochs == 0 && r.LossOptions.WarmupLR == 0.1 }},
		{[]string{"loss_learning_rates.emd2=[0.5]"}, func(r RunSpec) bool { return r.Loss != "emd2" || r.LR == 0.5 }},
		{[]string{"emd_weights=[1, 4]"}, nil},
		{[]string{"val_fraction=0.2", "augment=true"}, func(r RunSpec) bool { return r.ValFraction == 0.2 && r.Augment }},
		{[]string{"data.noise=0.5"}, func(r RunSpec) bool { return r.Dataset.Noise == 0.5 && r.Dataset.Classes == 4 }},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.set, " "), func(t *testing.T) {
			g, err := Load(path, "", mustOverrides(t, tt.set...))
			if err != nil {
				t.Fatal(err)
			}
			runs, err := g.Expand("")
			if err != nil {
				t.Fatal(err)
			}
			newKeys := 0
			for _, r := range runs {
				if tt.check != nil && !tt.check(r) {
					t.Errorf("run %s: %+v", r, r.Run)
				}
				if !slices.Equal(r.Overrides, tt.set) {
					t.Errorf("run %s: overrides %q, want %q", r, r.Overrides, tt.set)
				}
				if !slices.Contains(baseKeys, r.Key()) {
					newKeys++
				}
			}
			if newKeys == 0 {
				t.Error("every run kept its key: an override changes the configuration, hence the key")
			}
			if tt.check == nil && len(runs) <= len(baseKeys) {
				t.Errorf("%d runs, want more than %d", len(runs), len(baseKeys))
			}
		})
	}
}

// TestLoad_OverrideSameValue: an override that gives a key the value it
// has leaves the keys alone (the configuration is the same), but the runs
// still record it.
func TestLoad_OverrideSameValue(t *testing.T) {
	path := writeGrid(t, "two.yaml", twoProfiles)
	base, _ := Lookup(path)
	g, err := Load(path, "", mustOverrides(t, "epochs=2"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keysOf(t, g, ""), keysOf(t, base, "")) {
		t.Error("keys changed")
	}
	runs, _ := g.Expand("")
	if !slices.Equal(runs[0].Overrides, []string{"epochs=2"}) {
		t.Errorf("overrides %q", runs[0].Overrides)
	}
}

// TestLoad_OverrideProfile: the overrides apply to the profile named (or
// the default) and to no other; an anchor the profile merges is left
// alone.
func TestLoad_OverrideProfile(t *testing.T) {
	path := writeGrid(t, "two.yaml", twoProfiles)
	g, err := Load(path, "wide", mustOverrides(t, "epochs=5", "model.hidden=[6]"))
	if err != nil {
		t.Fatal(err)
	}
	wide, _ := g.Expand("wide")
	small, _ := g.Expand("small")
	if wide[0].Epochs != 5 || !slices.Equal(wide[0].Model.Hidden, []int{6}) || len(wide[0].Overrides) != 2 {
		t.Errorf("wide: %+v %q", wide[0].Run, wide[0].Overrides)
	}
	if small[0].Epochs != 2 || !slices.Equal(small[0].Model.Hidden, []int{8}) || small[0].Overrides != nil {
		t.Errorf("small changed: %+v %q", small[0].Run, small[0].Overrides)
	}
	// A key only the merged anchor holds is copied in, then changed.
	g, err = Load(path, "wide", mustOverrides(t, "loss.warmup_epochs=3", "epochs=4"))
	if err != nil {
		t.Fatal(err)
	}
	wide, _ = g.Expand("wide")
	small, _ = g.Expand("small")
	if o := wide[0].LossOptions; o.WarmupEpochs != 3 || o.WarmupLR != 0.1 {
		t.Errorf("wide loss options %+v, want warm-up 3 epochs at 0.1", o)
	}
	if small[0].LossOptions.WarmupEpochs != 1 {
		t.Errorf("the anchor changed: %+v", small[0].LossOptions)
	}
	if _, err := Load(path, "nope", mustOverrides(t, "epochs=1")); err == nil || !strings.Contains(err.Error(), `has no profile "nope"`) {
		t.Errorf("unknown profile: %v", err)
	}
}

// TestLoad_OverrideErrors: an override is held to the rules of the file,
// with the file's messages; the location names the override.
func TestLoad_OverrideErrors(t *testing.T) {
	path := writeGrid(t, "two.yaml", twoProfiles)
	tests := []struct {
		set     string
		yamlKey string // the same mistake written in the file: "key: value" under the profile
		want    string
	}{
		{"epocs=3", "epocs: 3", `profiles.small: unknown key "epocs" (did you mean "epochs"?)`},
		{"model.hiden=[4]", "", `profiles.small.model: unknown key "hiden" (did you mean "hidden"?)`},
		{"epochs=abc", "epochs: abc", `profiles.small.epochs: want an integer, got "abc"`},
		{"epochs=[1,2]", "epochs: [1,2]", `profiles.small.epochs: want an integer, got a list`},
		{"learning_rates=0.1", "learning_rates: 0.1", `profiles.small.learning_rates: want a list, got 0.1`},
		{"epochs=0", "epochs: 0", `profiles.small.epochs: must be at least 1, got 0`},
		{"learning_rates=[0.1,-1]", "learning_rates: [0.1, -1]", `profiles.small.learning_rates[1]: must be positive, got -1`},
		{"momentum=1.5", "momentum: 1.5", `profiles.small.momentum: must lie in [0, 1), got 1.5`},
		{"model.name=cnx", "", `profiles.small.model.name: unknown model "cnx" (did you mean "cnn"? known: `},
		{"epochs.x=1", "", `profiles.small.epochs: want an integer, got a mapping`},
		{"epochs=3.5", "epochs: 3.5", `profiles.small.epochs: want an integer, got 3.5`},
		{"model.hidden=[4.5]", "", `profiles.small.model.hidden[0]: want an integer, got 4.5`},
		{"epochs=#3", "", `profiles.small.epochs: value "#3": not one YAML value`},
		{"loss_learning_rates.l2=[0.1]", "loss_learning_rates: {l2: [0.1]}", `profiles.small.loss_learning_rates.l2: loss "l2" is not in the grid's losses`},
	}
	for _, tt := range tests {
		t.Run(tt.set, func(t *testing.T) {
			_, err := Load(path, "", mustOverrides(t, tt.set))
			var ge *GridError
			if !errors.As(err, &ge) || !errors.Is(err, ErrInvalidGrid) {
				t.Fatalf("got %v, want a *GridError", err)
			}
			want := path + ": --set " + tt.set + ": " + tt.want
			if !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got  %s\nwant %s…", err, want)
			}
			if strings.Contains(err.Error(), "experiments.") || strings.Contains(err.Error(), "settings.") {
				t.Errorf("the message names a Go type: %s", err)
			}
			if tt.yamlKey == "" {
				return
			}
			// The same mistake in the file: the same message after the location.
			key, _, _ := strings.Cut(tt.yamlKey, ":")
			text := twoProfiles
			if strings.Contains(text, "    "+key+":") {
				lines := strings.Split(text, "\n")
				for i, l := range lines {
					if strings.HasPrefix(l, "    "+key+":") {
						lines[i] = "    " + tt.yamlKey
						break
					}
				}
				text = strings.Join(lines, "\n")
			} else {
				text = strings.Replace(text, "    epochs: 2\n", "    epochs: 2\n    "+tt.yamlKey+"\n", 1)
			}
			_, ferr := Lookup(writeGrid(t, "file.yaml", text))
			if ferr == nil {
				t.Fatal("the file was accepted")
			}
			_, fileMsg, _ := strings.Cut(ferr.Error(), ": ")
			if !strings.HasPrefix(fileMsg, tt.want) {
				t.Errorf("the file's message %q, want it to start %q", fileMsg, tt.want)
			}
		})
	}
	for _, bad := range []string{"epochs", "=3", "epochs=", "model..name=x", " =1", "epochs=3\n---\n4", "epochs=3\r"} {
		if _, err := ParseOverride(bad); err == nil || !strings.HasPrefix(err.Error(), "--set ") {
			t.Errorf("ParseOverride(%q) = %v, want an error", bad, err)
		}
	}
}

// TestLoad_OverrideMultiDocument: a value of several YAML documents is
// refused, not cut to its first.
func TestLoad_OverrideMultiDocument(t *testing.T) {
	path := writeGrid(t, "two.yaml", twoProfiles)
	_, err := Load(path, "", []Override{{Key: "epochs", Value: "3\n---\n4"}})
	if err == nil || !strings.Contains(err.Error(), "not one YAML value") {
		t.Fatalf("got %v, want \"not one YAML value\"", err)
	}
}

// TestResolve: the resolved grid holds only the profile, with the
// overrides; saved to a file, its runs have the overridden runs' keys.
func TestResolve(t *testing.T) {
	path := writeGrid(t, "two.yaml", twoProfiles)
	sets := mustOverrides(t, "epochs=3", "model.hidden=[4]")
	text, err := Resolve(path, "wide", sets)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# two, profile wide, overrides: epochs=3 model.hidden=[4]\n", "default_profile: wide", "  wide:"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("resolved grid lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(string(text), "  small:") || strings.Contains(string(text), "*small") {
		t.Errorf("resolved grid holds another profile or an alias:\n%s", text)
	}
	g, err := Load(path, "wide", sets)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Lookup(writeGrid(t, "resolved.yaml", string(text)))
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if got, want := keysOf(t, r, ""), keysOf(t, g, "wide"); !slices.Equal(got, want) {
		t.Errorf("keys of the resolved grid %q, want %q", got, want)
	}
	// Every embedded grid resolves, under each of its profiles.
	grids, err := Registry()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range grids {
		for _, p := range g.ProfileNames() {
			text, err := Resolve(g.Name, p, nil)
			if err != nil {
				t.Fatalf("%s/%s: %v", g.Name, p, err)
			}
			r, err := Parse(strings.NewReader(string(text)), "resolved.yaml")
			if err != nil {
				t.Fatalf("%s/%s: %v\n%s", g.Name, p, err, text)
			}
			if got, want := keysOf(t, r, ""), keysOf(t, g, p); !slices.Equal(got, want) {
				t.Errorf("%s/%s: the resolved grid's keys differ", g.Name, p)
			}
		}
	}
}

func TestProfileKeys(t *testing.T) {
	keys := ProfileKeys()
	for _, want := range []string{"epochs", "learning_rates", "model.channels", "loss.warmup_epochs", "loss_learning_rates.", "data.size"} {
		if !slices.Contains(keys, want) {
			t.Errorf("ProfileKeys lacks %q: %q", want, keys)
		}
	}
}

// TestLookup_DidYouMean: an unknown experiment or profile suggests the
// nearest known name.
func TestLookup_DidYouMean(t *testing.T) {
	if _, err := Lookup("smok"); err == nil || !strings.Contains(err.Error(), `unknown experiment "smok" (did you mean "smoke"? known: `) {
		t.Errorf("Lookup(smok) = %v", err)
	}
	g, err := Lookup("smoke")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Expand("smoek"); err == nil || !strings.Contains(err.Error(), `no profile "smoek" (did you mean "smoke"? profiles: smoke)`) {
		t.Errorf("Expand(smoek) = %v", err)
	}
}
