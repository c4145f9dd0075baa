package experiments

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/losses"
	"github.com/replicate-emd/replicate/models"
	"github.com/replicate-emd/replicate/settings"
	"github.com/replicate-emd/replicate/suggest"
)

// Grid is one experiment as declared in YAML: a dataset, the losses to
// compare, the folds and seeds, and named profiles of training settings.
type Grid struct {
	Name        string        `yaml:"name"`
	Description string        `yaml:"description"`
	Dataset     datasets.Spec `yaml:"dataset"` // a dataset of the datasets registry and its options
	Folds       int           `yaml:"folds"`
	// TestFolds lists the folds (splits) to test on, each a run; empty
	// means every fold 0..Folds−1 (cross-validation).
	TestFolds []int `yaml:"test_folds"`
	// ValFold, when set, is a fixed validation split (e.g. AADB's official
	// validation set); else each profile's val_fraction of the training
	// folds is held out.
	ValFold        *int               `yaml:"val_fold"`
	Losses         []string           `yaml:"losses"`
	Seeds          []uint64           `yaml:"seeds"`
	DefaultProfile string             `yaml:"default_profile"`
	Profiles       map[string]Profile `yaml:"profiles"`
	// Dir is the folder of the grid's file, against which a relative
	// dataset path is resolved ("" for the embedded grids).
	Dir string `yaml:"-"`
	// Overrides are the --set overrides applied to the profile Overridden
	// (see Load); Expand gives them to that profile's runs.
	Overrides  []Override `yaml:"-"`
	Overridden string     `yaml:"-"`
	// file is the embedded file the grid was read from ("" for a grid
	// read from a file of the user's).
	file string
}

// Profile is one named set of training settings (paper, cpu, smoke): the
// settings of its runs (settings.Run, whose learning rate and EMD² weight
// come from the lists below, one run per value) and overrides of the
// grid's dataset options.
type Profile struct {
	Data         datasets.Spec `yaml:"data"` // overrides of the grid's dataset options
	settings.Run `yaml:",inline"`
	// LearningRates are the learning rates every loss is run with, one run
	// per rate.
	LearningRates []float64 `yaml:"learning_rates"`
	// LossLearningRates replaces LearningRates for the losses it names.
	LossLearningRates map[string][]float64 `yaml:"loss_learning_rates"`
	// EMDWeights are the weights of the EMD² term that every combined
	// loss (CE + EMD², given or learned distance) is tried with, one run
	// per weight like a learning rate; the report picks among them on the
	// validation split. Empty: the one loss.emd_weight.
	EMDWeights []float64 `yaml:"emd_weights"`
	// LossEMDWeights replaces EMDWeights for the combined losses it names.
	LossEMDWeights map[string][]float64 `yaml:"loss_emd_weights"`
	// TuneFolds, when set, are the test folds on which every setting of a
	// loss (learning rates, EMD² weights) trains; on the other test folds
	// only the setting chosen on the validation split of the tune folds
	// trains (RunSpec.ChosenOnly). Empty: every setting on every fold.
	TuneFolds []int `yaml:"tune_folds"`
	// Seeds, when set, replace the grid's seeds for this profile (e.g.
	// --set seeds=[1,2,3,4,5] for the power a claim needs).
	Seeds []uint64 `yaml:"seeds"`
}

// ErrInvalidGrid is wrapped by every validation error of a grid.
var ErrInvalidGrid = errors.New("invalid grid")

// GridError says which grid file and which key are wrong, and where: the
// line of the file, or the --set override (Override) that gave the value.
type GridError struct {
	File string // file name, or the grid name for embedded grids
	Line int    // the line in File, when known (0: unknown)
	// Set is the override that gave the key its value ("epochs=0"), or the
	// overrides of the profile, when the error is theirs rather than the
	// file's.
	Set string
	Key string // dotted YAML key, e.g. profiles.smoke.epochs
	Msg string
}

// Error is "FILE[:LINE]: KEY: MSG", or "FILE: --set SET: KEY: MSG" for an
// override's error.
func (e *GridError) Error() string {
	loc := e.File
	switch {
	case e.Set != "":
		loc += ": --set " + e.Set
	case e.Line > 0:
		loc += ":" + strconv.Itoa(e.Line)
	}
	if e.Key == "" {
		return loc + ": " + e.Msg
	}
	return loc + ": " + e.Key + ": " + e.Msg
}

// Unwrap makes errors.Is(err, ErrInvalidGrid) true.
func (e *GridError) Unwrap() error { return ErrInvalidGrid }

// Parse reads one grid from r strictly (an unknown key is an error, with
// the key it most likely meant) and validates it; file names the source in
// error messages.
func Parse(r io.Reader, file string) (*Grid, error) {
	doc, err := readDocument(r, file)
	if err != nil {
		return nil, err
	}
	return decodeGrid(doc, file, nil)
}

// readDocument reads the first YAML document of r as a node tree.
func readDocument(r io.Reader, file string) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(r).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &GridError{File: file, Msg: "empty grid"}
		}
		return nil, &GridError{File: file, Msg: err.Error()}
	}
	return &doc, nil
}

// decodeGrid decodes the node tree of a grid strictly and validates it.
// Every error is a *GridError naming file, and the line or the override
// (of ov, which may be nil) at fault.
func decodeGrid(doc *yaml.Node, file string, ov *overrides) (*Grid, error) {
	fail := func(e *GridError) error {
		e.File = file
		ov.attribute(e)
		return e
	}
	c := newKeyChecker()
	if e := c.check(doc, reflect.TypeFor[Grid](), ""); e != nil {
		return nil, fail(e)
	}
	var g Grid
	if err := doc.Decode(&g); err != nil {
		return nil, fail(c.typeError(err))
	}
	if err := g.Validate(file); err != nil {
		var ge *GridError
		if errors.As(err, &ge) {
			return nil, fail(ge)
		}
		return nil, err
	}
	return &g, nil
}

// Validate checks every field; file names the source in the error. Names
// are checked against the registries: the dataset against datasets, the
// losses against losses, the model against models; the training settings
// by settings.Run.Validate, the sizes by the bounds of bounds.go.
func (g *Grid) Validate(file string) error {
	bad := func(key, format string, args ...any) error {
		return &GridError{File: file, Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	if key, v, ok := checkFinite(g); ok {
		return bad(key, "must be a finite number, got %v", v)
	}
	data, dataErr := datasets.Lookup(g.Dataset.Name)
	switch {
	case g.Name == "":
		return bad("name", "missing")
	case dataErr != nil:
		return bad("dataset.name", "%s", suggest.Unknown("dataset", g.Dataset.Name, datasets.Names()))
	case g.Folds < 1:
		return bad("folds", "must be at least 1, got %d", g.Folds)
	case len(g.Losses) == 0:
		return bad("losses", "empty: nothing to run")
	case len(g.Seeds) == 0:
		return bad("seeds", "empty: nothing to run")
	case len(g.Profiles) == 0:
		return bad("profiles", "empty: nothing to run")
	}
	if err := g.checkGridSizes(bad); err != nil {
		return err
	}
	for i, f := range g.TestFolds {
		if f < 0 || f >= g.Folds {
			return bad(fmt.Sprintf("test_folds[%d]", i), "fold %d outside [0, %d)", f, g.Folds)
		}
	}
	if g.ValFold != nil && (*g.ValFold < 0 || *g.ValFold >= g.Folds || slices.Contains(g.testFolds(), *g.ValFold)) {
		return bad("val_fold", "fold %d must lie in [0, %d) and not be a test fold", *g.ValFold, g.Folds)
	}
	if i, ok := duplicate(g.Losses); ok {
		return bad(fmt.Sprintf("losses[%d]", i), "%q is listed twice", g.Losses[i])
	}
	if i, ok := duplicate(g.Seeds); ok {
		return bad(fmt.Sprintf("seeds[%d]", i), "%d is listed twice", g.Seeds[i])
	}
	if err := g.checkData(bad, data); err != nil {
		return err
	}
	if err := g.checkLosses(bad, data); err != nil {
		return err
	}
	if _, ok := g.Profiles[g.DefaultProfile]; !ok {
		return bad("default_profile", "%q is not one of the profiles %v", g.DefaultProfile, g.ProfileNames())
	}
	for _, name := range g.ProfileNames() {
		if err := g.checkProfile(bad, name, g.Profiles[name]); err != nil {
			return err
		}
	}
	return nil
}

// checkData checks the dataset section of every profile (the grid's with
// the profile's overrides) against its dataset.
func (g *Grid) checkData(bad sizeErr, data *datasets.Entry) error {
	_, _, gridOK := data.Validate(g.Dataset)
	for _, name := range g.ProfileNames() {
		p := g.Profiles[name]
		if p.Data.Name != "" {
			return bad("profiles."+name+".data.name", "a profile may not change the dataset")
		}
		if field, msg, ok := data.Validate(g.Dataset.Merge(p.Data)); !ok {
			key := "profiles." + name + ".data." + field
			if !gridOK {
				key = "dataset." + field
			}
			return bad(key, "%s", msg)
		}
	}
	return nil
}

// checkLosses checks the losses against the registry and the data: an
// ordinal loss needs ordered classes under every profile, a given distance
// its file.
func (g *Grid) checkLosses(bad sizeErr, data *datasets.Entry) error {
	for i, l := range g.Losses {
		key := fmt.Sprintf("losses[%d]", i)
		spec, err := losses.Lookup(l)
		if err != nil {
			return bad(key, "%s", suggest.Unknown("loss", l, losses.Names()))
		}
		for _, name := range g.ProfileNames() {
			if spec.NeedsOrder() && !data.Ordered(g.Dataset.Merge(g.Profiles[name].Data)) {
				hint := ""
				if data.File {
					hint = " (dataset.ordered is not set)"
				}
				return bad(key, "loss %q needs ordered classes; %s is orderless%s", l, g.Dataset.Name, hint)
			}
		}
		if spec.Distance == losses.DistanceGiven {
			for _, name := range g.ProfileNames() {
				if g.Profiles[name].LossOptions.GroundDistance == "" {
					return bad("profiles."+name+".loss.ground_distance", "loss %q needs a ground-distance CSV file", l)
				}
			}
		}
	}
	return nil
}

// checkProfile checks one profile: its model against the models registry,
// its settings with each of its learning rates (settings.Run.Validate),
// its lists of rates and EMD² weights, and its sizes.
func (g *Grid) checkProfile(bad sizeErr, name string, p Profile) error {
	key := "profiles." + name
	if _, err := models.Lookup(p.Model.Name); err != nil {
		return bad(key+".model.name", "%s", suggest.Unknown("model", p.Model.Name, models.Names()))
	}
	if _, err := models.ParseDtype(p.Model.Dtype); err != nil {
		return bad(key+".model.dtype", "unknown dtype %q (%s)", p.Model.Dtype, strings.Join(models.Dtypes, " or "))
	}
	if len(p.LearningRates) == 0 {
		return bad(key+".learning_rates", "empty: nothing to run")
	}
	// The settings but the rate, which the lists give: checked one by one
	// below, with the same rule.
	base := p.Run
	base.LR = 1
	if err := settingsError(bad, key, "", base.Validate()); err != nil {
		return err
	}
	if err := checkRates(bad, key, key+".learning_rates", p.LearningRates, base); err != nil {
		return err
	}
	for _, loss := range slices.Sorted(maps.Keys(p.LossLearningRates)) {
		k := key + ".loss_learning_rates." + loss
		if !slices.Contains(g.Losses, loss) {
			return bad(k, "loss %q is not in the grid's losses %v", loss, g.Losses)
		}
		if len(p.LossLearningRates[loss]) == 0 {
			return bad(k, "empty: nothing to run")
		}
		if err := checkRates(bad, key, k, p.LossLearningRates[loss], base); err != nil {
			return err
		}
	}
	if err := g.checkEMDWeights(bad, key, p); err != nil {
		return err
	}
	if err := g.checkTuneFolds(bad, key, p); err != nil {
		return err
	}
	if i, ok := duplicate(p.Seeds); ok {
		return bad(fmt.Sprintf("%s.seeds[%d]", key, i), "%d is listed twice", p.Seeds[i])
	}
	if len(p.Seeds) > maxSeeds {
		return bad(key+".seeds", "must list at most %d seeds, got %d", maxSeeds, len(p.Seeds))
	}
	if p.LossOptions.WarmupEpochs >= p.Epochs {
		for _, loss := range g.Losses {
			if spec, err := losses.Lookup(loss); err == nil && spec.Combined() {
				return bad(key+".loss.warmup_epochs", "a warm-up of %d epochs leaves no epoch of %d for the combined loss %s to train: it would be CE under another name",
					p.LossOptions.WarmupEpochs, p.Epochs, loss)
			}
		}
	}
	return g.checkProfileSizes(bad, name, p)
}

// checkRates checks a list of learning rates: none twice, each valid with
// the profile's other settings (base).
func checkRates(bad sizeErr, profileKey, listKey string, rates []float64, base settings.Run) error {
	if i, ok := duplicate(rates); ok {
		return bad(fmt.Sprintf("%s[%d]", listKey, i), "%v is listed twice", rates[i])
	}
	for i, lr := range rates {
		run := base
		run.LR = lr
		if err := settingsError(bad, profileKey, fmt.Sprintf("%s[%d]", listKey, i), run.Validate()); err != nil {
			return err
		}
	}
	return nil
}

// settingsError turns an error of settings.Run.Validate into a grid error
// naming the profile's key (lrKey for the learning rate).
func settingsError(bad sizeErr, profileKey, lrKey string, err error) error {
	var fe *settings.FieldError
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &fe):
		return bad(profileKey, "%v", err)
	case fe.Field == "lr" && lrKey != "":
		return bad(lrKey, "%s", fe.Msg)
	}
	return bad(profileKey+"."+fe.Field, "%s", fe.Msg)
}

// ProfileNames returns the profile names in sorted order.
func (g *Grid) ProfileNames() []string {
	names := make([]string, 0, len(g.Profiles))
	for n := range g.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// testFolds returns the folds tested on: TestFolds, or 0..Folds−1.
func (g *Grid) testFolds() []int {
	if len(g.TestFolds) > 0 {
		return g.TestFolds
	}
	out := make([]int, g.Folds)
	for i := range out {
		out[i] = i
	}
	return out
}

// duplicate returns the index of the first value that repeats an earlier one.
func duplicate[T comparable](xs []T) (int, bool) {
	seen := make(map[T]bool, len(xs))
	for i, x := range xs {
		if seen[x] {
			return i, true
		}
		seen[x] = true
	}
	return 0, false
}

// checkEMDWeights validates emd_weights and loss_emd_weights: positive,
// not repeated, not given beside loss.emd_weight, and only for combined
// losses of the grid.
func (g *Grid) checkEMDWeights(bad sizeErr, key string, p Profile) error {
	if (len(p.EMDWeights) > 0 || len(p.LossEMDWeights) > 0) && p.LossOptions.EMDWeight != 0 {
		return bad(key+".emd_weights", "give the EMD² weight once: emd_weights (or loss_emd_weights) or loss.emd_weight, not both")
	}
	check := func(k string, ws []float64) error {
		if len(ws) == 0 {
			return bad(k, "empty: nothing to run")
		}
		if i, ok := duplicate(ws); ok {
			return bad(fmt.Sprintf("%s[%d]", k, i), "%v is listed twice", ws[i])
		}
		for i, w := range ws {
			if !(w > 0) {
				return bad(fmt.Sprintf("%s[%d]", k, i), "must be positive, got %v", w)
			}
		}
		return nil
	}
	if p.EMDWeights != nil {
		if err := check(key+".emd_weights", p.EMDWeights); err != nil {
			return err
		}
	}
	for _, loss := range slices.Sorted(maps.Keys(p.LossEMDWeights)) {
		k := key + ".loss_emd_weights." + loss
		if !slices.Contains(g.Losses, loss) {
			return bad(k, "loss %q is not in the grid's losses %v", loss, g.Losses)
		}
		if spec, err := losses.Lookup(loss); err != nil || !spec.Combined() {
			return bad(k, "loss %q has no EMD² term beside CE to weigh", loss)
		}
		if err := check(k, p.LossEMDWeights[loss]); err != nil {
			return err
		}
	}
	return nil
}

// seedsOf returns the seeds of profile p: its own, else the grid's.
func (g *Grid) seedsOf(p Profile) []uint64 {
	if len(p.Seeds) > 0 {
		return p.Seeds
	}
	return g.Seeds
}

// checkTuneFolds validates tune_folds: test folds of the grid, none twice.
func (g *Grid) checkTuneFolds(bad sizeErr, key string, p Profile) error {
	if i, ok := duplicate(p.TuneFolds); ok {
		return bad(fmt.Sprintf("%s.tune_folds[%d]", key, i), "fold %d is listed twice", p.TuneFolds[i])
	}
	for i, f := range p.TuneFolds {
		if !slices.Contains(g.testFolds(), f) {
			return bad(fmt.Sprintf("%s.tune_folds[%d]", key, i), "fold %d is not a test fold of the grid %v", f, g.testFolds())
		}
	}
	return nil
}

// emdWeights are the EMD² weights the loss is run with under p: those of
// loss_emd_weights or emd_weights for a combined loss, else the one
// loss.emd_weight (0: the loss's default).
func (p Profile) emdWeights(loss string) []float64 {
	if spec, err := losses.Lookup(loss); err == nil && spec.Combined() {
		if ws, ok := p.LossEMDWeights[loss]; ok {
			return ws
		}
		if len(p.EMDWeights) > 0 {
			return p.EMDWeights
		}
	}
	return []float64{p.LossOptions.EMDWeight}
}
