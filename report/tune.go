package report

import (
	"context"
	"fmt"
)

// Chosen is the headline choice of one profile × loss of an experiment.
type Chosen struct {
	Profile, Loss string
	// Setting is the canonical text of the picked setting
	// (settings.Setting.String), "" when no setting is picked.
	Setting string
	// Reason says why, in the report's words.
	Reason string
}

// ChosenSettings returns the headline choice of every profile × loss of
// one experiment of src, by the same rule and on the same runs as Build
// (the validation split, restricted to the tune folds where the runs name
// them). The runner asks it which setting the folds outside the tune
// folds should train.
func ChosenSettings(ctx context.Context, src Source, experiment string) ([]Chosen, error) {
	pub, err := DefaultPublished()
	if err != nil {
		return nil, err
	}
	rep := &Report{Published: pub, Level: DefaultLevel}
	e, err := buildExperiment(ctx, src, rep, experiment, Options{NoFigures: true})
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", experiment, err)
	}
	out := make([]Chosen, 0, len(e.Choices))
	for _, c := range e.Choices {
		ch := Chosen{Profile: c.Profile, Loss: c.Loss, Reason: c.Reason}
		if c.Picked != nil {
			ch.Setting = c.Picked.setting.String()
		}
		out = append(out, ch)
	}
	return out, nil
}
