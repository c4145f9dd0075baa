// Package claims holds the claims of the paper as declared tests and the
// rule that decides each one from paired fold × seed results.
//
// A claim (claims.yaml, embedded) names a treatment loss, a baseline loss,
// a metric, a direction and a margin: the smallest difference worth
// finding. Decide turns the paired differences of one experiment's claims
// into verdicts with the corrected resampled t-test of Nadeau and Bengio
// (metrics.CorrectedResampledTTest), Holm's adjustment across the claims of
// that experiment, and a TOST equivalence test for "no effect":
//
//   - supported: the Holm-adjusted test rejects Δ = 0, Δ lies on the
//     claimed side, and |Δ| reaches the margin;
//   - contradicted: the adjusted test rejects Δ = 0 with Δ on the other side;
//   - no effect: the equivalence test (at α, not adjusted: it is the
//     conservative direction) puts |Δ| inside the margin;
//   - inconclusive: anything else, or fewer than MinPairs pairs; the reason
//     says which, with the number of pairs that 80% power at the margin
//     would need from the observed spread (or that no number would).
//
// A claim with direction "either" has no side: a rejected Δ = 0 reaching the
// margin reads "differs", with the sign in the reason. Δ is always
// treatment − baseline in the metric's own units; for a lower-is-better
// metric (MAE) a better treatment has a negative Δ.
package claims

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/replicate-emd/replicate/losses"
	"github.com/replicate-emd/replicate/metrics"
)

//go:embed claims.yaml
var embedded []byte

// Kind says what a claim compares.
type Kind string

const (
	// Paired compares a treatment loss with a baseline loss, paired by split.
	Paired Kind = "paired"
	// GroundDistanceOrder tests whether the learned ground distance of the
	// treatment grows with the class distance |i − j| (Spearman's ρ > 0).
	GroundDistanceOrder Kind = "ground_distance_order"
)

// Direction is the side a claim takes.
type Direction string

const (
	// Better: the treatment is claimed better on the metric.
	Better Direction = "better"
	// Either: no side is claimed; a difference is reported either way.
	Either Direction = "either"
)

// Claim is one declared claim of the paper.
type Claim struct {
	ID          string    `yaml:"id"`
	Text        string    `yaml:"claim"`
	Experiments []string  `yaml:"experiments"`
	Kind        Kind      `yaml:"kind"`
	Treatment   string    `yaml:"treatment"`
	Baseline    string    `yaml:"baseline"`
	Metric      string    `yaml:"metric"`
	Direction   Direction `yaml:"direction"`
	Margin      float64   `yaml:"margin"`
}

// HigherIsBetter reports whether a larger Δ is an improvement: the
// metric's own direction, or a larger ρ for GroundDistanceOrder.
func (c Claim) HigherIsBetter() bool {
	if c.Kind == GroundDistanceOrder {
		return true
	}
	b, _ := metrics.HigherIsBetter(c.Metric)
	return b
}

// For reports whether the claim is decided on the named experiment.
func (c Claim) For(experiment string) bool { return slices.Contains(c.Experiments, experiment) }

// Embedded returns the claims declared in the binary's claims.yaml.
func Embedded() ([]Claim, error) { return Parse(bytes.NewReader(embedded), "claims.yaml") }

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Parse reads a claims file strictly (unknown keys are errors) and
// validates every claim; errors name the file and the claim.
func Parse(r io.Reader, name string) ([]Claim, error) {
	var doc struct {
		Claims []Claim `yaml:"claims"`
	}
	dec := yaml.NewDecoder(io.LimitReader(r, 1<<20))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: no claims", name)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(doc.Claims) == 0 {
		return nil, fmt.Errorf("%s: no claims", name)
	}
	seen := map[string]bool{}
	for i := range doc.Claims {
		c := &doc.Claims[i]
		if c.Kind == "" {
			c.Kind = Paired
		}
		if err := c.validate(); err != nil {
			return nil, fmt.Errorf("%s: claims[%d] %q: %w", name, i, c.ID, err)
		}
		if seen[c.ID] {
			return nil, fmt.Errorf("%s: claims[%d]: id %q declared twice", name, i, c.ID)
		}
		seen[c.ID] = true
	}
	return doc.Claims, nil
}

func (c *Claim) validate() error {
	switch {
	case !idPattern.MatchString(c.ID):
		return fmt.Errorf("id: want lower-case letters, digits and dashes")
	case c.Text == "":
		return fmt.Errorf("claim: the sentence is missing")
	case len(c.Experiments) == 0:
		return fmt.Errorf("experiments: none named")
	case c.Direction != Better && c.Direction != Either:
		return fmt.Errorf("direction: %q is neither %q nor %q", c.Direction, Better, Either)
	case !(c.Margin > 0) || math.IsInf(c.Margin, 0):
		return fmt.Errorf("margin: want a finite number above 0, got %v", c.Margin)
	}
	if _, err := losses.Lookup(c.Treatment); err != nil {
		return fmt.Errorf("treatment: %w", err)
	}
	switch c.Kind {
	case Paired:
		if _, err := losses.Lookup(c.Baseline); err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		if c.Baseline == c.Treatment {
			return fmt.Errorf("baseline: the same loss as the treatment")
		}
		if _, ok := metrics.HigherIsBetter(c.Metric); !ok {
			return fmt.Errorf("metric: unknown %q (known: %v)", c.Metric, metrics.AllNames())
		}
	case GroundDistanceOrder:
		if c.Baseline != "" || c.Metric != "" {
			return fmt.Errorf("kind %s takes no baseline or metric", c.Kind)
		}
		if c.Direction != Better {
			return fmt.Errorf("kind %s: direction must be %q", c.Kind, Better)
		}
	default:
		return fmt.Errorf("kind: %q is neither %q nor %q", c.Kind, Paired, GroundDistanceOrder)
	}
	return nil
}
