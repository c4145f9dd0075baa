package results

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// reportFixture holds two finished runs of "smoke" (one with artifacts),
// one failed run of "smoke" and one finished run of another experiment.
func reportFixture(t *testing.T) *DB {
	t.Helper()
	ctx := t.Context()
	d := mustOpen(t)
	add := func(key, experiment string, status RunStatus, ms []Metric, arts []Artifact) {
		t.Helper()
		r := sampleRun(key)
		r.Experiment = experiment
		if _, err := d.StartRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := d.AppendMetrics(ctx, key, r.Owner, ms); err != nil {
			t.Fatal(err)
		}
		for _, a := range arts {
			if err := d.PutArtifact(ctx, key, r.Owner, a); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.FinishRun(ctx, key, r.Owner, status, ""); err != nil {
			t.Fatal(err)
		}
	}
	ms := []Metric{
		{Epoch: 0, Split: "test", Metric: "acc", Value: 0.25},
		{Epoch: 0, Split: "val", Metric: "acc", Value: 0.2},
		{Epoch: 0, Split: "train", Metric: "loss", Value: 2},
		{Epoch: 1, Split: "test", Metric: "acc", Value: math.NaN()},
		{Epoch: 1, Split: "test", Metric: "mae", Value: 1.5},
		{Epoch: 1, Split: "val", Metric: "acc", Value: 0.3},
	}
	arts := []Artifact{
		{Name: "ground_distance/epoch-003", Kind: "matrix", Epoch: 3, Data: []byte(`{"classes":2}`)},
		{Name: "confusion/test", Kind: "confusion", Epoch: 1, Data: []byte(`{"classes":2,"counts":[[1,0],[0,1]]}`)},
		{Name: "checkpoint", Kind: "checkpoint", Epoch: -1, Path: "/tmp/x"},
	}
	add("a", "smoke", StatusFinished, ms, arts)
	add("b", "smoke", StatusFinished, ms[:1], nil)
	add("c", "smoke", StatusFailed, ms, arts)
	add("d", "other", StatusFinished, ms, arts)
	return d
}

func TestDB_EpochMetrics(t *testing.T) {
	d := reportFixture(t)
	tests := []struct {
		name string
		f    MetricFilter
		want map[string][]Metric
	}{
		{"OK", MetricFilter{Splits: []string{"test", "val"}, Metrics: []string{"acc"}}, map[string][]Metric{
			"a": {
				{Epoch: 0, Split: "test", Metric: "acc", Value: 0.25},
				{Epoch: 0, Split: "val", Metric: "acc", Value: 0.2},
				{Epoch: 1, Split: "test", Metric: "acc", Value: math.NaN()},
				{Epoch: 1, Split: "val", Metric: "acc", Value: 0.3},
			},
			"b": {{Epoch: 0, Split: "test", Metric: "acc", Value: 0.25}},
		}},
		{"AllSplits", MetricFilter{Metrics: []string{"loss"}}, map[string][]Metric{
			"a": {{Epoch: 0, Split: "train", Metric: "loss", Value: 2}},
		}},
		{"NoMatch", MetricFilter{Splits: []string{"nope"}}, map[string][]Metric{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.EpochMetrics(t.Context(), "smoke", tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("epoch metrics (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDB_ArtifactIndex(t *testing.T) {
	d := reportFixture(t)
	got, err := d.ArtifactIndex(t.Context(), "smoke", "")
	if err != nil {
		t.Fatal(err)
	}
	want := []ArtifactRef{ // the failed run c is left out
		{Run: "a", Name: "checkpoint", Kind: "checkpoint", Epoch: -1, Path: "/tmp/x"},
		{Run: "a", Name: "confusion/test", Kind: "confusion", Epoch: 1, Size: 36},
		{Run: "a", Name: "ground_distance/epoch-003", Kind: "matrix", Epoch: 3, Size: 13},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("index (-want +got):\n%s", diff)
	}
	got, err = d.ArtifactIndex(t.Context(), "smoke", "matrix")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "ground_distance/epoch-003" {
		t.Errorf("matrix index: got %+v, want the one matrix", got)
	}
}

func TestDB_Artifact(t *testing.T) {
	d := reportFixture(t)
	t.Run("OK", func(t *testing.T) {
		a, err := d.Artifact(t.Context(), "a", "confusion/test")
		if err != nil {
			t.Fatal(err)
		}
		if a.Kind != "confusion" || a.Epoch != 1 || string(a.Data) != `{"classes":2,"counts":[[1,0],[0,1]]}` || a.Created.IsZero() {
			t.Errorf("got %+v", a)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := d.Artifact(t.Context(), "a", "nope")
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
}
