package report

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/replicate-emd/replicate/datasets"
	"github.com/replicate-emd/replicate/results"
	"github.com/replicate-emd/replicate/settings"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Named tolerances of the statistics checks.
const (
	statTol = 1e-12 // a mean, std or bound against an independent value
	pTol    = 1e-9  // a p-value against the pure-Python reference
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// fixture builds a results database run by run, with a clock that
// advances one second per call.
type fixture struct {
	t  *testing.T
	db *results.DB
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, err := results.Open(context.Background(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	db.Now = func() time.Time { t0 = t0.Add(time.Second); return t0 }
	t.Cleanup(func() { db.Close() })
	return &fixture{t: t, db: db}
}

// spec is one run of a fixture.
type spec struct {
	experiment, profile, loss string
	dataset                   string        // "" means synthetic
	task                      datasets.Task // "" means ordinal
	fold                      int
	seed                      uint64
	lr                        float64
	status                    results.RunStatus
	metrics                   []results.Metric
	artifacts                 []results.Artifact
	tune                      []int // the profile's tune_folds, if any
}

// configOf is the configuration the training side records (fields of
// experiments.RunSpec), written here by hand.
func (s spec) configOf() any {
	return struct {
		Experiment string  `json:"experiment"`
		Profile    string  `json:"profile"`
		Dataset    any     `json:"dataset"`
		Folds      int     `json:"folds"`
		Fold       int     `json:"fold"`
		TuneFolds  []int   `json:"tune_folds,omitempty"`
		Loss       string  `json:"loss"`
		Model      any     `json:"model"`
		Epochs     int     `json:"epochs"`
		LR         float64 `json:"lr"`
		Seed       uint64  `json:"seed"`
	}{s.experiment, s.profile, map[string]any{"name": s.dataset, "classes": 4}, 3, s.fold, s.tune, s.loss,
		map[string]any{"name": "mlp", "hidden": []int{8}}, 3, s.lr, s.seed}
}

// config is the canonical JSON of configOf.
func (s spec) config() string {
	b, _ := json.Marshal(s.configOf())
	return string(b)
}

// setting is the setting the training side records with the run: the
// configuration but the coordinates (experiments.Coordinates).
func (s spec) setting() string {
	return settings.Of(s.configOf(), "experiment", "profile", "loss", "fold", "seed").String()
}

func (f *fixture) add(s spec) {
	f.t.Helper()
	ctx := context.Background()
	if s.status == "" {
		s.status = results.StatusFinished
	}
	if s.seed == 0 {
		s.seed = 1
	}
	if s.dataset == "" {
		s.dataset = "synthetic"
	}
	if s.task == "" {
		s.task = datasets.TaskOrdinal
	}
	key := fmt.Sprintf("%s-%s-%s-%g-%d-%d", s.experiment, s.profile, s.loss, s.lr, s.fold, s.seed)
	if len(s.tune) > 0 {
		key += fmt.Sprintf("-tune%v", s.tune)
	}
	r := results.Run{Key: key, Experiment: s.experiment, Dataset: s.dataset, Loss: s.loss, Fold: s.fold, Seed: s.seed,
		Profile: s.profile, Config: s.config(), Task: string(s.task), Setting: s.setting(), Owner: "test"}
	if _, err := f.db.StartRun(ctx, r); err != nil {
		f.t.Fatal(err)
	}
	if err := f.db.AppendMetrics(ctx, key, "test", s.metrics); err != nil {
		f.t.Fatal(err)
	}
	for _, a := range s.artifacts {
		if err := f.db.PutArtifact(ctx, key, "test", a); err != nil {
			f.t.Fatal(err)
		}
	}
	if err := f.db.FinishRun(ctx, key, "test", s.status, ""); err != nil {
		f.t.Fatal(err)
	}
}

// final returns metrics of split at epoch 2, the last, and a superseded
// epoch-1 value of the first one, which must never show in a table (a
// curve added after it may replace it).
func final(split string, kv ...any) []results.Metric {
	var ms []results.Metric
	for i := 0; i+1 < len(kv); i += 2 {
		name, v := kv[i].(string), kv[i+1].(float64)
		if i == 0 {
			ms = append(ms, results.Metric{Epoch: 1, Split: split, Metric: name, Value: 0.01})
		}
		ms = append(ms, results.Metric{Epoch: 2, Split: split, Metric: name, Value: v})
	}
	return ms
}

func join(mss ...[]results.Metric) []results.Metric {
	var out []results.Metric
	for _, ms := range mss {
		out = append(out, ms...)
	}
	return out
}

// testPublished is the published table of the known fixture: emd2's acc
// lies inside our interval, its acc1off outside; ce's row is unknown.
const testPublished = `sources:
  - id: paper
    title: the paper
tables:
  - experiment: adience
    dataset: Adience <test>
    task: ordinal
    metrics: [acc, acc1off]
    margin: 0.05
    rows:
      - method: CE
        loss: ce
        status: unknown
        values: {acc: , acc1off: }
      - method: EMD²
        loss: emd2
        status: verified
        source: paper
        values: {acc: 60.0%, acc1off: 0.99}
      - method: Other & <b>bold</b>
        loss: ""
        status: secondary
        source: paper
        values: {acc: 0.5}
  - experiment: aadb
    dataset: AADB
    task: scored
    metrics: [spearman]
    rows:
      - method: CE
        loss: ce
        status: unknown
`

func mustPublished(t *testing.T, text string) *Published {
	t.Helper()
	p, err := ParsePublished(strings.NewReader(text), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// knownDB holds four experiments:
//
//   - adience, profile paper, 3 folds: ce acc 0.50 0.70 0.60 and emd2 acc
//     0.55 0.72 0.68 (paired differences 0.05 0.02 0.08); ce's mae is
//     NaN on fold 2; emd2 fold 3 failed; under profile cpu one emd2 run;
//   - grid, profile smoke, 2 folds: ce and emd2 at lr 0.1 and 0.01, ce
//     with validation metrics (lr 0.01 wins), emd2 without (no pick);
//     xe-emd1 at lr 0.01 with learned ground distances (epochs 3 and 5)
//     and confusion matrices; per-epoch curves;
//   - empty: one failed run;
//   - digits: only "acc" recorded (its top-1 column is missing).
func knownDB(t *testing.T) *results.DB {
	f := newFixture(t)
	ceAcc, emdAcc := []float64{0.50, 0.70, 0.60}, []float64{0.55, 0.72, 0.68}
	ce1, emd1 := []float64{0.80, 0.90, 0.85}, []float64{0.86, 0.93, 0.88}
	ceMAE, emdMAE := []float64{1, 0.5, math.NaN()}, []float64{0.6, 0.4, 0.5}
	for fold := range 3 {
		f.add(spec{experiment: "adience", profile: "paper", loss: "ce", fold: fold, lr: 0.01,
			metrics: final("test", "acc", ceAcc[fold], "acc1off", ce1[fold], "mae", ceMAE[fold])})
		f.add(spec{experiment: "adience", profile: "paper", loss: "emd2", fold: fold, lr: 0.01,
			metrics: final("test", "acc", emdAcc[fold], "acc1off", emd1[fold], "mae", emdMAE[fold])})
	}
	f.add(spec{experiment: "adience", profile: "paper", loss: "emd2", fold: 3, lr: 0.01, status: results.StatusFailed,
		metrics: final("test", "acc", 0.0)})
	f.add(spec{experiment: "adience", profile: "cpu", loss: "emd2", fold: 0, lr: 0.01,
		metrics: final("test", "acc", 0.61, "acc1off", 0.99)})

	for _, lr := range []float64{0.1, 0.01} {
		for fold := range 2 {
			x := float64(fold) / 100
			ceVal := map[float64]float64{0.1: 0.40, 0.01: 0.45}[lr]
			// ce at lr 0.1 has the better test accuracy but the worse
			// validation accuracy: a choice by test would pick it.
			ceTest := map[float64]float64{0.1: 0.70, 0.01: 0.60}[lr]
			f.add(spec{experiment: "grid", profile: "smoke", loss: "ce", fold: fold, lr: lr,
				metrics: join(final("test", "acc", ceTest+x, "acc1off", 0.9, "rps", 0.3), final("val", "acc", ceVal+x),
					epochCurve("test", ceTest-0.2+x), epochCurve("val", ceVal-0.2+x))})
			f.add(spec{experiment: "grid", profile: "smoke", loss: "emd2", fold: fold, lr: lr,
				metrics: join(final("test", "acc", 0.5+lr+x, "acc1off", 0.95, "rps", 0.25), epochCurve("test", 0.3+x))})
		}
	}
	for fold := range 2 {
		g := func(ep int, v float64) results.Artifact {
			return results.Artifact{Name: fmt.Sprintf("ground_distance/epoch-%03d", ep), Kind: "matrix", Epoch: ep,
				Data: fmt.Appendf(nil, `{"classes":3,"values":[[1,%g,0.5],[%g,1,-0.25],[0.5,-0.25,1]]}`, v, v)}
		}
		conf := results.Artifact{Name: "confusion/test", Kind: "confusion", Epoch: 2,
			Data: []byte(`{"classes":3,"counts":[[5,1,0],[2,6,1],[0,1,4]]}`)}
		f.add(spec{experiment: "grid", profile: "smoke", loss: "xe-emd1", fold: fold, lr: 0.01,
			metrics:   join(final("test", "acc", 0.62, "acc1off", 0.97, "rps", 0.2), final("val", "acc", 0.5), epochCurve("test", 0.4)),
			artifacts: []results.Artifact{g(3, -0.5), g(4, 0), g(5, 0.25), conf}})
	}

	f.add(spec{experiment: "empty", profile: "smoke", loss: "ce", status: results.StatusFailed, metrics: final("test", "acc", 0.1)})
	f.add(spec{experiment: "digits", profile: "smoke", loss: "ce", task: datasets.TaskOrderless, metrics: final("test", "acc", 0.9)})
	return f.db
}

// epochCurve returns an accuracy per epoch 0 and 1 on split, rising from v.
func epochCurve(split string, v float64) []results.Metric {
	return []results.Metric{
		{Epoch: 0, Split: split, Metric: "acc", Value: v - 0.1},
		{Epoch: 1, Split: split, Metric: "acc", Value: v},
	}
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report/ -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got):\n%s", name, diff)
	}
}
