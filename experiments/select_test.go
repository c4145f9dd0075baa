package experiments

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestFilter_Select(t *testing.T) {
	var specs []RunSpec
	for _, s := range []struct {
		loss string
		fold int
	}{{"ce", 0}, {"ce", 1}, {"emd2", 0}, {"emd2", 1}, {"l2", 2}} {
		specs = append(specs, RunSpec{Loss: s.loss, Fold: s.fold})
	}
	t.Run("OK", func(t *testing.T) {
		tests := []struct {
			f    Filter
			want int
		}{
			{Filter{}, 5},
			{Filter{Losses: []string{"emd2"}}, 2},
			{Filter{Folds: []int{2}}, 1},
			{Filter{Losses: []string{"ce", "l2"}, Folds: []int{1, 2}}, 2},
		}
		for _, tt := range tests {
			got, err := tt.f.Select(specs)
			if err != nil || len(got) != tt.want {
				t.Errorf("%+v: %d runs, %v; want %d", tt.f, len(got), err, tt.want)
			}
		}
	})
	tests := []struct {
		name   string
		f      Filter
		field  string
		values []string
		msg    string
	}{
		{"ErrUnknownLoss", Filter{Losses: []string{"emd", "ce", "nope"}}, "loss", []string{`"emd"`, `"nope"`}, `no run has loss "emd", "nope" (did you mean "emd2"? losses: ce, emd2, l2)`},
		{"ErrUnknownFold", Filter{Folds: []int{7}}, "fold", []string{"7"}, "no run has fold 7 (folds: 0, 1, 2)"},
		{"ErrNegativeFold", Filter{Losses: []string{"ce"}, Folds: []int{-1}}, "fold", []string{"-1"}, "no run has fold -1"},
		{"ErrCombination", Filter{Losses: []string{"l2"}, Folds: []int{0, 1}}, "", nil, "none of the 5 runs has both a listed loss and a listed fold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.f.Select(specs)
			var fe *FilterError
			if !errors.As(err, &fe) {
				t.Fatalf("got %d runs, %v; want a *FilterError", len(got), err)
			}
			if fe.Field != tt.field || !slices.Equal(fe.Values, tt.values) || fe.Runs != len(specs) {
				t.Errorf("got %+v, want field %q values %q", fe, tt.field, tt.values)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q lacks %q", err, tt.msg)
			}
		})
	}
}
