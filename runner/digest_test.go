package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/replicate-emd/replicate/experiments"
	"github.com/replicate-emd/replicate/results"
)

// smokeDigest is the SHA-256 of the smoke grid's sorted per-epoch metrics
// rows (run key, epoch, split, metric, the value's IEEE 754 bits), computed
// on the code before the registries refactor (issue 14). Any change to the
// numbers the smoke grid produces, or to its run keys, changes it.
const smokeDigest = "61cebfa85605d34f956ee093a94a79f9ee0e6dc692cd26ec902dc723cd8e2c9c"

// TestSmokeGrid_MetricsDigest trains the embedded smoke grid into a fresh
// database and pins the digest of every metric it recorded: the refactors
// of training must leave every number bit for bit.
func TestSmokeGrid_MetricsDigest(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the smoke grid")
	}
	g, err := experiments.Lookup("smoke")
	if err != nil {
		t.Fatal(err)
	}
	specs, err := g.Expand("")
	if err != nil {
		t.Fatal(err)
	}
	db, err := results.Open(t.Context(), filepath.Join(t.TempDir(), "smoke.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := &Runner{Store: db, Data: NewDataLoader(DataOptions{}), Jobs: 2, Owner: "digest"}
	if sum, err := r.Run(t.Context(), specs); err != nil || sum.Finished != len(specs) {
		t.Fatalf("smoke grid: summary %+v, error %v; want %d finished", sum, err, len(specs))
	}
	var rows []string
	for _, s := range specs {
		ms, err := db.Metrics(t.Context(), s.Key())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			rows = append(rows, fmt.Sprintf("%s\t%d\t%s\t%s\t%016x", s.Key(), m.Epoch, m.Split, m.Metric, math.Float64bits(m.Value)))
		}
	}
	slices.Sort(rows)
	h := sha256.New()
	for _, row := range rows {
		fmt.Fprintln(h, row)
	}
	got := hex.EncodeToString(h.Sum(nil))
	t.Logf("%d rows, digest %s", len(rows), got)
	if got != smokeDigest {
		t.Errorf("smoke grid metrics digest %s, want %s (%d rows)", got, smokeDigest, len(rows))
	}
}
