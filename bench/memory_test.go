package bench

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

var (
	memSteps = flag.String("memsteps", "", "TestMemory: comma-separated cumulative step counts, e.g. 10,100,1000 (empty: skip)")
	memDtype = flag.String("memdtype", "float32", "TestMemory: float32 or float64")
)

// memGrowthSlack is how much the live heap may grow between the first and
// the last checkpoint of TestMemory (allocator noise, not a leak).
const memGrowthSlack = 16 << 20

// TestMemory runs one training loop of the small CNN (a fresh random batch
// per step) and reports, at each of the -memsteps cumulative step counts,
// the live heap after a GC (HeapInuse), the memory obtained from the OS
// (Sys), and the process's current and peak resident sets (VmRSS, VmHWM
// from /proc/self/status). A loop whose memory grows with the number of
// steps fails; no time is measured. Run it with
//
//	go test ./bench -run TestMemory -memsteps 10,100,1000 -v
func TestMemory(t *testing.T) {
	if *memSteps == "" {
		t.Skip("set -memsteps (e.g. 10,100,1000) to run the memory measurement")
	}
	var counts []int
	for _, f := range strings.Split(*memSteps, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || (len(counts) > 0 && n <= counts[len(counts)-1]) {
			t.Fatalf("-memsteps wants increasing positive counts, got %q", *memSteps)
		}
		counts = append(counts, n)
	}
	dt := tensor.Float32
	if *memDtype == "float64" {
		dt = tensor.Float64
	}
	s, err := NewStep(SmallCNN, dt, EMD2, kernels(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s, %s kernels, batch %d: %8s %12s %12s %12s %12s", dt, *kernelsFlag, Batch,
		"steps", "HeapInuse", "Sys", "VmRSS", "VmHWM")
	var first, last uint64
	done := 0
	for _, n := range counts {
		for ; done < n; done++ {
			s.Fill()
			if _, err := s.Run(); err != nil {
				t.Fatalf("step %d: %v", done, err)
			}
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		rss, hwm := procStatus("VmRSS"), procStatus("VmHWM")
		t.Logf("%s, %s kernels, batch %d: %8d %12s %12s %12s %12s", dt, *kernelsFlag, Batch,
			n, mib(ms.HeapInuse), mib(ms.Sys), mib(rss), mib(hwm))
		if first == 0 {
			first = ms.HeapInuse
		}
		last = ms.HeapInuse
	}
	if last > first+memGrowthSlack {
		t.Errorf("live heap grew from %s to %s between %d and %d steps", mib(first), mib(last), counts[0], counts[len(counts)-1])
	}
}

// procStatus returns a "kB" field of /proc/self/status in bytes (0 where
// there is no such file).
func procStatus(field string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
