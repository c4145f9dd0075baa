package report

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/replicate-emd/replicate/results"
)

// TestBuild_TuneFoldsChoice: where the runs name tune folds, the choice of
// setting reads the validation split of the runs on those folds only; the
// other folds (which train the chosen setting only) do not count. Each
// case is a database of one loss with two learning rates over three folds.
func TestBuild_TuneFoldsChoice(t *testing.T) {
	type run struct {
		lr       float64
		fold     int
		val      float64
		diverged bool
	}
	// best0 is best on fold 0 but worse over all folds.
	best0 := []run{
		{0.1, 0, 0.8, false}, {0.1, 1, 0.1, false}, {0.1, 2, 0.1, false},
		{0.01, 0, 0.6, false}, {0.01, 1, 0.6, false}, {0.01, 2, 0.6, false},
	}
	// picked is what tune folds [0] do: lr 0.01 trained on fold 0 only, lr
	// 0.1 (chosen earlier, or in doubt) on every fold, its other folds'
	// validation values high.
	picked := []run{
		{0.1, 0, 0.5, false}, {0.1, 1, 0.99, false}, {0.1, 2, 0.99, false},
		{0.01, 0, 0.6, false},
	}
	tests := []struct {
		name   string
		tune   []int
		runs   []run
		want   string // the picked setting's lr, "" for none
		n      int    // validation values behind the pick
		reason string // a part of the choice's reason
	}{
		{"tune [0]: fold 0's winner", []int{0}, best0, "0.1", 1, "over 1 run(s) on the tune folds [0] (the other folds train the picked setting only)"},
		{"no tune folds: over every fold", nil, best0, "0.01", 3, "highest mean validation acc 0.6000 over 3 run(s)"},
		{"tune [0, 1]", []int{0, 1}, best0, "0.01", 2, "over 2 run(s) on the tune folds [0 1]"},
		{"tune [1]", []int{1}, best0, "0.01", 1, "on the tune folds [1]"},
		{"tune [0]: the chosen setting's other folds do not count", []int{0}, picked, "0.01", 1, "picked lr=0.01, highest mean validation acc 0.6000 over 1 run(s) on the tune folds [0]"},
		{"no tune folds: they would", nil, picked, "0.1", 3, "picked lr=0.1"},
		{"tune [0]: a setting with no run on the tune folds has no validation value", []int{0},
			[]run{{0.1, 0, 0.5, false}, {0.01, 1, 0.9, false}}, "", 0, "but lr=0.01 has no validation acc: no headline row"},
		{"tune [0]: a setting diverged on the tune folds is no candidate", []int{0},
			[]run{{0.1, 0, 0.5, true}, {0.01, 0, 0.4, false}, {0.01, 1, 0.4, false}}, "0.01", 0, "one setting: nothing to choose"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			for _, r := range tt.runs {
				s := spec{experiment: "tune", profile: "p", loss: "ce", fold: r.fold, lr: r.lr, tune: tt.tune,
					metrics: join(final("test", "acc", 1-r.val), final("val", "acc", r.val))}
				if r.diverged {
					s.status = results.StatusDiverged
				}
				f.add(s)
			}
			rep, err := Build(t.Context(), f.db, Options{NoFigures: true})
			if err != nil {
				t.Fatal(err)
			}
			e := experiment(t, rep, "tune")
			if len(e.Choices) != 1 {
				t.Fatalf("%d choices, want 1", len(e.Choices))
			}
			c := e.Choices[0]
			if !strings.Contains(c.Reason, tt.reason) {
				t.Errorf("reason %q lacks %q", c.Reason, tt.reason)
			}
			switch {
			case tt.want == "" && c.Picked != nil:
				t.Errorf("picked %s, want none", c.Picked.Setting)
			case tt.want == "":
			case c.Picked == nil:
				t.Fatalf("no pick, want %s (%s)", tt.want, c.Reason)
			case !pickedLR(c.Picked, tt.want):
				t.Errorf("picked %s, want lr=%s (%s)", c.Picked.setting, tt.want, c.Reason)
			case tt.n > 0 && c.Picked.Val.N != tt.n:
				t.Errorf("pick over %d validation values, want %d", c.Picked.Val.N, tt.n)
			}
			// The runner's question gets the report's answer.
			cs, err := ChosenSettings(t.Context(), f.db, "tune")
			if err != nil {
				t.Fatal(err)
			}
			want := Chosen{Profile: "p", Loss: "ce", Reason: c.Reason}
			if c.Picked != nil {
				want.Setting = c.Picked.setting.String()
				if !strings.Contains(want.Setting, "lr=") || (tt.tune != nil) != strings.Contains(want.Setting, "tune_folds=") {
					t.Errorf("chosen setting %q", want.Setting)
				}
			}
			if diff := cmp.Diff([]Chosen{want}, cs); diff != "" {
				t.Errorf("ChosenSettings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestChosenSettings_AgreesWithBuild: on the known database (several
// experiments, profiles, picks and no-picks), ChosenSettings answers what
// Build's choices say, profile × loss by profile × loss.
func TestChosenSettings_AgreesWithBuild(t *testing.T) {
	db := knownDB(t)
	rep, err := Build(t.Context(), db, Options{NoFigures: true})
	if err != nil {
		t.Fatal(err)
	}
	picks := 0
	for _, e := range rep.Experiments {
		var want []Chosen
		for _, c := range e.Choices {
			ch := Chosen{Profile: c.Profile, Loss: c.Loss, Reason: c.Reason}
			if c.Picked != nil {
				ch.Setting = c.Picked.setting.String()
				picks++
			}
			want = append(want, ch)
		}
		got, err := ChosenSettings(t.Context(), db, e.Name)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: ChosenSettings (-Build +ChosenSettings):\n%s", e.Name, diff)
		}
	}
	if picks == 0 {
		t.Error("the known database picks no setting: nothing compared")
	}
	// An experiment without runs has no choice.
	if got, err := ChosenSettings(t.Context(), db, "nope"); err != nil || len(got) != 0 {
		t.Errorf("unknown experiment: %v, %v", got, err)
	}
}

// pickedLR reports whether row's setting has the learning rate lr.
func pickedLR(row *Row, lr string) bool {
	v, ok := row.setting.Get("lr")
	return ok && v == lr
}
