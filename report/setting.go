package report

import (
	"fmt"

	"github.com/replicate-emd/replicate/results"
	"github.com/replicate-emd/replicate/settings"
)

// runSetting returns the setting a run recorded when it started
// (results.Run.Setting, the text of settings.Setting): runs of one loss
// with equal settings are repetitions (folds, seeds) of one
// configuration, runs with different settings candidates for model
// selection. A text that does not parse is the empty setting, so that such
// runs are grouped together, and a note says so.
func runSetting(e *Experiment, r results.Run) settings.Setting {
	s, err := settings.Parse(r.Setting)
	if err != nil {
		e.Notes = appendOnce(e.Notes, fmt.Sprintf("Run %s recorded an unreadable setting (%v): it is grouped with the runs of no setting.", r.Key, err))
		return nil
	}
	return s
}
