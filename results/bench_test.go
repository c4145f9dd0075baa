package results

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkRecordRun measures the store's cost of one run: start it, record
// 100 epochs of metrics (3 splits × 10 metrics each) and finish it.
func BenchmarkRecordRun(b *testing.B) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(b.TempDir(), "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	names := []string{"acc", "acc1off", "mae", "mae_exp", "rps", "emd2", "top1", "qwk", "loss", "spearman"}
	epoch := make([]Metric, 0, 30)
	i := 0
	for b.Loop() {
		key := fmt.Sprintf("run-%d", i)
		i++
		if _, err := d.StartRun(ctx, sampleRun(key)); err != nil {
			b.Fatal(err)
		}
		for e := 0; e < 100; e++ {
			epoch = epoch[:0]
			for _, split := range []string{"train", "val", "test"} {
				for _, n := range names {
					epoch = append(epoch, Metric{Epoch: e, Split: split, Metric: n, Value: 0.5})
				}
			}
			if err := d.AppendMetrics(ctx, key, "me", epoch); err != nil {
				b.Fatal(err)
			}
		}
		if err := d.FinishRun(ctx, key, "me", StatusFinished, ""); err != nil {
			b.Fatal(err)
		}
	}
}
