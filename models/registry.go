package models

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorgonia.org/tensor"

	"github.com/replicate-emd/replicate/settings"
)

// Entry is one network of the registry: its name, what input it takes, and
// how to build it from a run's model settings (settings.Model).
type Entry struct {
	Name    string // the name grids use (model.name)
	Summary string // one line: what it is
	// Images is set for networks that take images (c×h×w), not feature
	// vectors.
	Images bool
	// FixedWidths is set for networks whose widths are fixed: the
	// settings' hidden and channels are not read.
	FixedWidths bool
	// convs returns the widths of the 3×3 convolution blocks the settings
	// ask for (nil for a network without them).
	convs func(settings.Model) []int
	build func(m settings.Model, dt tensor.Dtype, shape []int, outputs int, seed uint64) (Network, error)
}

// registry lists the networks. A new network is its file plus its line
// here.
var registry = []*Entry{
	{Name: DefaultName, Summary: "fully connected ReLU layers (model.hidden) on feature vectors or flattened images",
		convs: func(settings.Model) []int { return nil }, build: buildMLP},
	{Name: "cnn", Summary: "3×3 convolution blocks with ReLU and 2×2 max-pool (model.channels, default 32, 64), then model.hidden",
		Images: true, convs: cnnConvWidths, build: buildCNN},
	{Name: "face-alexnet", Summary: "the face AlexNet of Levi & Hassner (227-pixel RGB input, fixed widths)",
		Images: true, FixedWidths: true, convs: func(settings.Model) []int { return nil }, build: buildFaceAlexNet},
}

// DefaultName is the name of the MLP, the network of settings that name
// none.
const DefaultName = "mlp"

// ErrUnknownModel is wrapped by Lookup's error for a name not in the
// registry.
var ErrUnknownModel = errors.New("unknown model")

// Names returns the registered network names, in registry order.
func Names() []string {
	out := make([]string, len(registry))
	for i, e := range registry {
		out[i] = e.Name
	}
	return out
}

// Lookup returns the network registered under name; an unknown name gives
// an error wrapping ErrUnknownModel that lists the known ones.
func Lookup(name string) (*Entry, error) {
	for _, e := range registry {
		if e.Name == name {
			return e, nil
		}
	}
	return nil, fmt.Errorf("models: %w %q (known: %s)", ErrUnknownModel, name, strings.Join(Names(), ", "))
}

// Dtypes are the dtype names settings may give; "" means float64.
var Dtypes = []string{"float32", "float64"}

// ParseDtype returns the tensor dtype named by a run's settings: float64
// for "" and "float64", float32 for "float32".
func ParseDtype(name string) (tensor.Dtype, error) {
	switch name {
	case "", "float64":
		return tensor.Float64, nil
	case "float32":
		return tensor.Float32, nil
	}
	return tensor.Dtype{}, fmt.Errorf("models: unknown dtype %q (%s)", name, strings.Join(Dtypes, " or "))
}

// ConvWidths returns the widths of the convolution blocks m asks the
// network for, with the defaults filled in; nil for a network without
// configurable blocks.
func (e *Entry) ConvWidths(m settings.Model) []int { return e.convs(m) }

// New builds the network m names (DefaultName when it names none) for
// inputs of the given sample shape ([d], or [c h w] for images), with
// outputs outputs and initial weights from seed.
func New(m settings.Model, shape []int, outputs int, seed uint64) (Network, error) {
	name := m.Name
	if name == "" {
		name = DefaultName
	}
	e, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	dt, err := ParseDtype(m.Dtype)
	if err != nil {
		return nil, err
	}
	if e.Images && len(shape) != 3 {
		return nil, fmt.Errorf("models: %s wants images (c×h×w), the data has shape %v", name, shape)
	}
	return e.build(m, dt, shape, outputs, seed)
}

func buildMLP(m settings.Model, dt tensor.Dtype, shape []int, outputs int, seed uint64) (Network, error) {
	dim := 1
	for _, s := range shape {
		dim *= s
	}
	return NewMLP(dt, dim, m.Hidden, outputs, seed)
}

// cnnConvWidths are the cnn's block widths: model.channels, else those of
// DefaultConvs.
func cnnConvWidths(m settings.Model) []int {
	if len(m.Channels) > 0 {
		return slices.Clone(m.Channels)
	}
	var out []int
	for _, l := range DefaultConvs() {
		out = append(out, l.Filters)
	}
	return out
}

func buildCNN(m settings.Model, dt tensor.Dtype, shape []int, outputs int, seed uint64) (Network, error) {
	o := CNNOptions{Hidden: m.Hidden, Outputs: outputs, Seed: seed}
	for _, c := range m.Channels {
		o.Convs = append(o.Convs, ConvLayer{Filters: c, Kernel: 3, Pad: 1, Pool: 2})
	}
	o.Dtype, o.Channels, o.Height, o.Width = dt, shape[0], shape[1], shape[2]
	return NewCNN(o)
}

func buildFaceAlexNet(_ settings.Model, dt tensor.Dtype, shape []int, outputs int, seed uint64) (Network, error) {
	o := FaceAlexNetOptions(outputs, seed)
	o.Dtype, o.Channels, o.Height, o.Width = dt, shape[0], shape[1], shape[2]
	return NewCNN(o)
}
