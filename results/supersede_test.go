package results

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// attempt records one attempt of run key held by owner: started, one test
// metric with value acc, a matrix and a file artifact, finished with
// status.
func attempt(t *testing.T, d *DB, key, owner string, acc float64, status RunStatus) {
	t.Helper()
	ctx := context.Background()
	r := sampleRun(key)
	r.Owner = owner
	if _, err := d.StartRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := d.AppendMetrics(ctx, key, owner, []Metric{{0, "test", "acc", acc}, {0, "val", "acc", acc / 2}}); err != nil {
		t.Fatal(err)
	}
	if err := d.PutArtifact(ctx, key, owner, Artifact{Name: "checkpoint/final", Kind: "checkpoint", Epoch: -1, Path: "/ck/" + key + ".final.ckpt"}); err != nil {
		t.Fatal(err)
	}
	if err := d.FinishRun(ctx, key, owner, status, ""); err != nil {
		t.Fatal(err)
	}
}

func keysOf(t *testing.T, d *DB, f RunFilter) []string {
	t.Helper()
	runs, err := d.Runs(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range runs {
		keys = append(keys, r.Key+" "+string(r.Status))
	}
	slices.Sort(keys)
	return keys
}

// renameKey is a relocate function that renames the key in a file's
// name, and records its calls.
func renameKey(calls *[]string) func(path, oldKey, newKey string) (string, error) {
	return func(path, oldKey, newKey string) (string, error) {
		*calls = append(*calls, path)
		dir, base := filepath.Split(path)
		return dir + strings.Replace(base, oldKey, newKey, 1), nil
	}
}

func TestDB_Supersede(t *testing.T) {
	ctx := t.Context()
	d := mustOpen(t)
	attempt(t, d, "k", "p1", 0.5, StatusFinished)
	var calls []string
	got, err := d.Supersede(ctx, "k", "p2", renameKey(&calls))
	if err != nil || got != "k~1" {
		t.Fatalf("Supersede = %q, %v; want k~1", got, err)
	}
	if _, err := d.Run(ctx, "k"); !errors.Is(err, ErrNotFound) {
		t.Errorf("run k still there: %v", err)
	}
	old, err := d.Run(ctx, "k~1")
	if err != nil || old.Status != StatusSuperseded || old.PriorStatus != StatusFinished || old.Owner != "p1" || old.Config != `{"a":1}` {
		t.Fatalf("superseded attempt %+v, %v", old, err)
	}
	if ms, _ := d.Metrics(ctx, "k~1"); len(ms) != 2 || ms[0].Value != 0.5 {
		t.Errorf("the attempt's metrics: %+v", ms)
	}
	as, _ := d.Artifacts(ctx, "k~1", "")
	if len(as) != 1 || as[0].Path != "/ck/k~1.final.ckpt" || !slices.Equal(calls, []string{"/ck/k.final.ckpt"}) {
		t.Errorf("artifacts %+v, relocate calls %q", as, calls)
	}
	// The rerun trains afresh under the key; a second rerun numbers on.
	attempt(t, d, "k", "p2", 0.75, StatusFailed)
	if got, err := d.Supersede(ctx, "k", "p3", nil); err != nil || got != "k~2" {
		t.Fatalf("second Supersede = %q, %v; want k~2", got, err)
	}
	attempt(t, d, "k", "p3", 0.875, StatusFinished)
	if got, want := keysOf(t, d, RunFilter{}), []string{"k finished"}; !slices.Equal(got, want) {
		t.Errorf("Runs: %q, want %q", got, want)
	}
	if got, want := keysOf(t, d, RunFilter{WithSuperseded: true}), []string{"k finished", "k~1 superseded", "k~2 superseded"}; !slices.Equal(got, want) {
		t.Errorf("Runs with superseded: %q, want %q", got, want)
	}
	if got := keysOf(t, d, RunFilter{Status: StatusSuperseded}); len(got) != 2 {
		t.Errorf("Runs of status superseded: %q", got)
	}
	if r, _ := d.Run(ctx, "k~2"); r.PriorStatus != StatusFailed {
		t.Errorf("k~2 prior status %q, want failed", r.PriorStatus)
	}
	// The report's queries see the new attempt only.
	final, err := d.FinalMetrics(ctx, "smoke", "test")
	if err != nil || len(final) != 1 || final["k"][0].Value != 0.875 {
		t.Errorf("final metrics %+v, %v", final, err)
	}
	if got, err := d.Supersede(ctx, "none", "p", nil); got != "" || err != nil {
		t.Errorf("Supersede of a missing run = %q, %v", got, err)
	}
	if _, err := d.Supersede(ctx, "k~1", "p", nil); err == nil {
		t.Error("superseded a superseded attempt")
	}
}

// TestDB_Supersede_Busy: a run running under another live process is not
// superseded, and a relocate failure leaves everything as it was.
func TestDB_Supersede_Busy(t *testing.T) {
	ctx := t.Context()
	d := mustOpen(t)
	r := sampleRun("k")
	r.Owner = "other"
	if _, err := d.StartRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Supersede(ctx, "k", "me", nil); !errors.Is(err, ErrBusy) {
		t.Errorf("got %v, want ErrBusy", err)
	}
	attempt(t, d, "j", "p1", 0.5, StatusFinished)
	var back []string
	fail := func(path, oldKey, newKey string) (string, error) {
		if oldKey == "j" {
			return "", fmt.Errorf("disk full")
		}
		back = append(back, path)
		return path, nil
	}
	if _, err := d.Supersede(ctx, "j", "p2", fail); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("got %v, want the relocate error", err)
	}
	if got, want := keysOf(t, d, RunFilter{WithSuperseded: true}), []string{"j finished", "k running"}; !slices.Equal(got, want) {
		t.Errorf("after a failed Supersede: %q, want %q", got, want)
	}
}

func TestDB_ResolveKey(t *testing.T) {
	ctx := t.Context()
	d := mustOpen(t)
	for _, k := range []string{"abcd1234", "abcd5678", "abce0000", "ff00"} {
		attempt(t, d, k, "p", 0.5, StatusFinished)
	}
	if _, err := d.Supersede(ctx, "abce0000", "p", nil); err != nil {
		t.Fatal(err)
	}
	attempt(t, d, "abce0000", "q", 0.5, StatusFinished)
	tests := []struct {
		prefix, want, err string
	}{
		{"abcd1234", "abcd1234", ""},
		{"abcd1", "abcd1234", ""},
		{"abce", "abce0000", ""}, // the superseded abce0000~1 is not a candidate
		{"abce0000~", "abce0000~1", ""},
		{"ff00", "ff00", ""},
		{"abcd", "", `key prefix "abcd" is ambiguous: abcd1234 (smoke smoke emd2 fold 1, finished), abcd5678 (smoke smoke emd2 fold 1, finished)`},
		{"abc", "", `key prefix "abc" is too short: give at least 4 characters`},
		{"0123", "", `run not found: no key starts with "0123"`},
	}
	for _, tt := range tests {
		got, err := d.ResolveKey(ctx, tt.prefix)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ResolveKey(%q) = %q, %v; want %q", tt.prefix, got, err, tt.want)
		case tt.err != "" && (err == nil || err.Error() != tt.err && !strings.HasPrefix(err.Error(), tt.err)):
			t.Errorf("ResolveKey(%q) = %q, %v; want error %q", tt.prefix, got, err, tt.err)
		}
	}
	var ae *AmbiguousKeyError
	if _, err := d.ResolveKey(ctx, "abcd"); !errors.As(err, &ae) || len(ae.Candidates) != 2 {
		t.Errorf("ambiguous: %v", err)
	}
	if _, err := d.ResolveKey(ctx, "0123"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing: %v, want ErrNotFound", err)
	}
}

func TestDB_LastMetricsAndOverrides(t *testing.T) {
	ctx := t.Context()
	d := mustOpen(t)
	r := sampleRun("k")
	r.Overrides = []string{"epochs=3", "learning_rates=[0.1,0.01]"}
	if _, err := d.StartRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	err := d.AppendMetrics(ctx, "k", "me", []Metric{{0, "test", "acc", 0.25}, {1, "test", "acc", 0.5}, {0, "val", "acc", 0.125}, {1, "train", "loss", 2}})
	if err != nil {
		t.Fatal(err)
	}
	last, err := d.LastMetrics(ctx, RunFilter{}, "test", "val")
	if err != nil {
		t.Fatal(err)
	}
	want := []Metric{{1, "test", "acc", 0.5}, {0, "val", "acc", 0.125}}
	if !slices.Equal(last["k"], want) {
		t.Errorf("LastMetrics %+v, want %+v", last["k"], want)
	}
	got, err := d.Run(ctx, "k")
	if err != nil || !slices.Equal(got.Overrides, r.Overrides) {
		t.Errorf("overrides read back as %q (%v), want %q", got.Overrides, err, r.Overrides)
	}
	if err := d.PutArtifact(ctx, "k", "me", Artifact{Name: "m", Kind: "matrix", Epoch: 1, Data: []byte("[[0]]")}); err != nil {
		t.Fatal(err)
	}
	refs, err := d.RunArtifacts(ctx, "k")
	if err != nil || len(refs) != 1 || refs[0].Size != 5 || refs[0].Epoch != 1 {
		t.Errorf("RunArtifacts %+v, %v", refs, err)
	}
	if r, _ := d.Run(ctx, "none"); r.Overrides != nil {
		t.Error("a missing run has overrides")
	}
}

// openAt opens a database at path with a clock of its own.
func openAt(t *testing.T, path string) *DB {
	t.Helper()
	d, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestDB_Merge_Attempts merges databases holding superseded attempts: each
// attempt is copied once, a clashing number is renumbered, an input rerun
// replaces the output's attempt, and an attempt the output superseded is
// not brought back.
func TestDB_Merge_Attempts(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	// Shard A ran k (attempt p1); the output merged that; then A reran k
	// (p2): A holds k = p2, k~1 = p1.
	aPath := filepath.Join(dir, "a.db")
	a := openAt(t, aPath)
	attempt(t, a, "k", "p1", 0.25, StatusFinished)
	a.Close()
	out := openAt(t, filepath.Join(dir, "out.db"))
	if _, err := out.Merge(ctx, aPath); err != nil {
		t.Fatal(err)
	}
	a = openAt(t, aPath)
	if _, err := a.Supersede(ctx, "k", "p2", nil); err != nil {
		t.Fatal(err)
	}
	attempt(t, a, "k", "p2", 0.5, StatusFinished)
	a.Close()
	// The output superseded its own attempt p0 of j, then reran j (p3).
	attempt(t, out, "j", "p0", 0.1, StatusFinished)
	if _, err := out.Supersede(ctx, "j", "p3", nil); err != nil {
		t.Fatal(err)
	}
	attempt(t, out, "j", "p3", 0.2, StatusFinished)
	// Merging A: its k (p2) is a rerun of the output's k (p1): it wins, and
	// p1 is kept once, as k~1.
	for round := 0; round < 2; round++ {
		st, err := out.Merge(ctx, aPath)
		if err != nil {
			t.Fatal(err)
		}
		want := MergeStats{Added: 1, Replaced: 1}
		if round == 1 {
			want = MergeStats{Kept: 2}
		}
		if st != want {
			t.Errorf("round %d: %+v, want %+v", round, st, want)
		}
	}
	want := []string{"j finished", "j~1 superseded", "k finished", "k~1 superseded"}
	if got := keysOf(t, out, RunFilter{WithSuperseded: true}); !slices.Equal(got, want) {
		t.Errorf("after merging A: %q, want %q", got, want)
	}
	if got := accOf2(t, out, "k"); got != 0.5 {
		t.Errorf("k: acc %v, want the rerun's 0.5", got)
	}
	// Shard B holds another attempt of j numbered j~1 (p9), and a live j.
	b := openAt(t, filepath.Join(dir, "b.db"))
	attempt(t, b, "j", "p9", 0.3, StatusFinished)
	if _, err := b.Supersede(ctx, "j", "p10", nil); err != nil {
		t.Fatal(err)
	}
	attempt(t, b, "j", "p10", 0.4, StatusFinished)
	b.Close()
	st, err := out.Merge(ctx, filepath.Join(dir, "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	// B's current j (p10) is another attempt than the output's (p3): it is
	// kept too, as the newest superseded attempt, after B's own j~1 (p9).
	if st != (MergeStats{Added: 2}) {
		t.Errorf("merging B: %+v, want two attempts added", st)
	}
	want = []string{"j finished", "j~1 superseded", "j~2 superseded", "j~3 superseded", "k finished", "k~1 superseded"}
	if got := keysOf(t, out, RunFilter{WithSuperseded: true}); !slices.Equal(got, want) {
		t.Errorf("after merging B: %q, want %q", got, want)
	}
	if r, _ := out.Run(ctx, "j~2"); r.Owner != "p9" {
		t.Errorf("j~2 is %s's attempt, want p9's", r.Owner)
	}
	if r, _ := out.Run(ctx, "j~3"); r.Owner != "p10" || r.PriorStatus != StatusFinished || accOf2(t, out, "j~3") != 0.4 {
		t.Errorf("j~3: %+v, want p10's finished attempt (acc 0.4)", r)
	}
	if st, err := out.Merge(ctx, filepath.Join(dir, "b.db")); err != nil || st != (MergeStats{Kept: 2}) {
		t.Errorf("merging B again: %+v, %v; want nothing added", st, err)
	}
	if got := accOf2(t, out, "j"); got != 0.2 {
		t.Errorf("j: acc %v, want the output's rerun's 0.2", got)
	}
	// Shard C's run m was merged, then superseded in the output (its rerun
	// not started yet): merging C again does not bring the attempt back.
	cPath := filepath.Join(dir, "c.db")
	c := openAt(t, cPath)
	attempt(t, c, "m", "p20", 0.6, StatusFinished)
	c.Close()
	if _, err := out.Merge(ctx, cPath); err != nil {
		t.Fatal(err)
	}
	if _, err := out.Supersede(ctx, "m", "p21", nil); err != nil {
		t.Fatal(err)
	}
	if st, err := out.Merge(ctx, cPath); err != nil || st != (MergeStats{Kept: 1}) {
		t.Errorf("merging C again: %+v, %v; want it kept out", st, err)
	}
	if _, err := out.Run(ctx, "m"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the superseded attempt came back as m: %v", err)
	}
}

// accOf2 is the test accuracy of run key.
func accOf2(t *testing.T, d *DB, key string) float64 {
	t.Helper()
	ms, err := d.Metrics(t.Context(), key)
	if err != nil || len(ms) == 0 {
		t.Fatalf("metrics of %s: %v %v", key, ms, err)
	}
	return ms[0].Value
}

// TestDB_Merge_TwoShardsRerunOneKey: two shards that both trained and then
// reran the same run hold four attempts between them; the merge keeps all
// four (the output's current run stays current).
func TestDB_Merge_TwoShardsRerunOneKey(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	shard := func(name, first, second string, acc float64) string {
		path := filepath.Join(dir, name)
		d := openAt(t, path)
		attempt(t, d, "k", first, acc, StatusFinished)
		if _, err := d.Supersede(ctx, "k", second, nil); err != nil {
			t.Fatal(err)
		}
		attempt(t, d, "k", second, acc+0.1, StatusFinished)
		d.Close()
		return path
	}
	aPath, bPath := shard("a.db", "a1", "a2", 0.2), shard("b.db", "b1", "b2", 0.4)
	out := openAt(t, filepath.Join(dir, "out.db"))
	for _, p := range []string{aPath, bPath, aPath, bPath} { // the second round adds nothing
		if _, err := out.Merge(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := out.Runs(ctx, RunFilter{WithSuperseded: true})
	if err != nil {
		t.Fatal(err)
	}
	owners := map[string]string{}
	for _, r := range runs {
		owners[r.Owner] = r.Key + " " + string(r.Status)
	}
	want := map[string]string{"a2": "k finished", "a1": "k~1 superseded", "b1": "k~2 superseded", "b2": "k~3 superseded"}
	if !maps.Equal(owners, want) {
		t.Errorf("attempts by owner %v, want %v", owners, want)
	}
	if got := accOf2(t, out, "k~3"); math.Abs(got-0.5) > 1e-12 {
		t.Errorf("b2's attempt: acc %v, want 0.5", got)
	}
}
