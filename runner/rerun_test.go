package runner

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/results"
)

// TestRunner_Rerun: with Rerun, a finished run trains again, its recorded
// attempt kept as superseded; a run another live process holds is left
// alone; a run never recorded just trains.
func TestRunner_Rerun(t *testing.T) {
	specs := tinySpecs(t)
	st := newFakeStore()
	st.put(specs[0].Key(), results.StatusFinished, "earlier", 1)
	st.put(specs[1].Key(), results.StatusRunning, "live", 0)
	st.live["live"] = true
	rep := &fakeReporter{}
	r := &Runner{Store: st, Reporter: rep, Data: NewDataLoader(DataOptions{}), Owner: "me", Rerun: true}
	sum, err := r.Run(t.Context(), specs)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Summary{Busy: 1, Finished: len(specs) - 1, Superseded: 1}); sum != want {
		t.Errorf("summary %+v, want %+v", sum, want)
	}
	if old, ok := st.get(specs[0].Key() + "~1"); !ok || old.owner != "earlier" || old.status != results.StatusSuperseded {
		t.Errorf("the earlier attempt: %+v, %v", old, ok)
	}
	if run, _ := st.get(specs[0].Key()); run.status != results.StatusFinished || run.owner != "me" {
		t.Errorf("the rerun: %+v", run)
	}
	if why := rep.skipped[specs[1].Key()]; why != "running in another process" {
		t.Errorf("the live run: skipped because %q", why)
	}
}

// TestRunner_Rerun_Checkpoints reruns a finished run against a real
// database: the earlier attempt's final checkpoint moves with it, the
// rerun does not resume, and the run records its overrides.
func TestRunner_Rerun_Checkpoints(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db, err := results.Open(ctx, filepath.Join(dir, "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	spec := tinySpecs(t)[0]
	spec.Overrides = []string{"epochs=1"}
	ckpts := filepath.Join(dir, "ck")
	first := &Runner{Store: db, Data: NewDataLoader(DataOptions{}), CheckpointDir: ckpts}
	if _, err := first.Run(ctx, []experiments.RunSpec{spec}); err != nil {
		t.Fatal(err)
	}
	key := spec.Key()
	// A stale resumable checkpoint must not be resumed by the rerun.
	if err := os.WriteFile(filepath.Join(ckpts, key+".ckpt"), []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := &fakeReporter{}
	rerun := &Runner{Store: db, Reporter: rep, Data: NewDataLoader(DataOptions{}), CheckpointDir: ckpts, Rerun: true}
	sum, err := rerun.Run(ctx, []experiments.RunSpec{spec})
	if err != nil || sum.Finished != 1 || sum.Superseded != 1 {
		t.Fatalf("rerun: %+v, %v", sum, err)
	}
	if len(rep.warns) != 0 {
		t.Errorf("warnings %q: the rerun looked at the stale checkpoint", rep.warns)
	}
	old, err := db.Run(ctx, key+"~1")
	if err != nil || old.Status != results.StatusSuperseded || old.PriorStatus != results.StatusFinished {
		t.Fatalf("earlier attempt %+v, %v", old, err)
	}
	as, err := db.Artifacts(ctx, key+"~1", "checkpoint")
	if err != nil || len(as) != 1 || filepath.Base(as[0].Path) != key+"~1.final.ckpt" {
		t.Fatalf("earlier attempt's checkpoint %+v, %v", as, err)
	}
	if _, err := os.Stat(as[0].Path); err != nil {
		t.Error(err)
	}
	now, err := db.Run(ctx, key)
	if err != nil || now.Status != results.StatusFinished || !slices.Equal(now.Overrides, spec.Overrides) {
		t.Errorf("the rerun %+v, %v", now, err)
	}
	if as, _ := db.Artifacts(ctx, key, "checkpoint"); len(as) != 1 || filepath.Base(as[0].Path) != key+".final.ckpt" {
		t.Errorf("the rerun's checkpoint %+v", as)
	}
}

// TestBuildOf reads the VCS stamp of a build, and its absence.
func TestBuildOf(t *testing.T) {
	stamped := BuildOf(&debug.BuildInfo{Main: debug.Module{Path: "m", Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123abc"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"},
	}})
	if want := (Build{Module: "m", Version: "v1.2.3", Commit: "0123abc", CommitTime: "2026-01-02T03:04:05Z", Dirty: true, Stamped: true}); stamped != want {
		t.Errorf("stamped: %+v, want %+v", stamped, want)
	}
	bare := BuildOf(&debug.BuildInfo{Main: debug.Module{Path: "m"}})
	if want := (Build{Module: "m", Version: "(devel)"}); bare != want {
		t.Errorf("unstamped: %+v, want %+v", bare, want)
	}
	// go test builds carry no stamp: the environment records no commit,
	// whatever the working directory holds.
	if env := CurrentEnv(); env.GitCommit != "" || env.GitDirty {
		t.Errorf("CurrentEnv under go test: commit %q dirty %v, want none", env.GitCommit, env.GitDirty)
	}
	if !strings.Contains(NoStamp, "no VCS stamp") {
		t.Error(NoStamp)
	}
}
