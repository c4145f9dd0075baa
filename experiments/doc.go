// Package experiments holds the paper's experiment grids (one YAML file
// per grid, embedded in the binary) and the code that parses, validates
// and expands a grid into runs with stable keys.
//
// # What a grid names
//
// A grid names things declared elsewhere, once, and asks their registries:
//
//   - its dataset: datasets.Lookup (datasets.Names lists them; the entry
//     says whether the classes are ordered, what a sample looks like
//     before loading, and what the dataset section must hold);
//   - its losses: losses.Lookup (losses.Names);
//   - each profile's network: models.Lookup (models.Names);
//   - each profile's training settings: a settings.Run, validated by
//     settings.Run.Validate, the same check training makes.
//
// A new dataset, loss or network is therefore usable in a grid without a
// change here.
//
// # Parse, validate, expand
//
// Parse reads a grid strictly and validates it: every error is a
// *GridError naming the file, the line when known, and the dotted key. The
// YAML is read as a node tree and checked key by key against the types it
// decodes into (yamlcheck.go), so that a misspelt key is named with the key
// it most likely meant and a value of the wrong kind is said in words,
// never in Go type names:
//
//	t.yaml:12: profiles.cpu: unknown key "epocs" (did you mean "epochs"?)
//	t.yaml:4: folds: want an integer, got "two"
//
// Load reads a grid with --set overrides (Override) written into the YAML
// node tree of one profile, then decodes and validates it again, so that
// an override is held to every rule of the file and its errors read the
// same, located at the override ("--set epochs=0: profiles.cpu.epochs:
// …"). Resolve prints a grid as one profile's runs see it.
// bounds.go refuses non-finite floats and sizes beyond a machine. Expand
// lists a profile's runs (loss × EMD² weight × learning rate × seed ×
// fold); each RunSpec has a canonical JSON form whose hash is its key, and
// a setting (RunSpec.Setting), the fields that tell settings of one loss
// apart, which the store records with the run.
package experiments
