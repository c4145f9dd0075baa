#!/usr/bin/env bash
# compare.sh: time one training step of the small CNN in Go (gorgonia) and
# in PyTorch on this machine, interleaved, and print the medians and the
# ratios Go / PyTorch. See README.md.
#
# Usage: bench/compare.sh            (from the module root or from bench/)
# Environment:
#   REPS     repetitions of each (default 7)
#   STEPS    timed steps per repetition and configuration (default 20)
#   THREADS  GOMAXPROCS for Go and torch.set_num_threads for PyTorch (default 2);
#            the Go OpenBLAS build runs OpenBLAS on one thread and splits the work
#            across goroutines itself
#   KERNELS  Go kernels to time: "fused", "native" or "fused native" (default fused)
#   BLASES   Go BLAS builds to time: "gonum", "openblas" or both (default: both
#            when libopenblas is installed)
#   PYTHON   interpreter with torch (default /usr/bin/python3)
#   TORCH_OPENBLAS_THREADS  OPENBLAS_NUM_THREADS for PyTorch (default 1: Debian's
#            torch calls the system BLAS, and a threaded OpenBLAS spinning beside
#            PyTorch's own OpenMP threads made its step 1.3-1.6x slower here)
set -euo pipefail

cd "$(dirname "$0")/.."
REPS=${REPS:-7}
STEPS=${STEPS:-20}
THREADS=${THREADS:-2}
KERNELS=${KERNELS:-fused}
PYTHON=${PYTHON:-/usr/bin/python3}
if [[ -z "${BLASES:-}" ]]; then
	BLASES=gonum
	# (grep without -q: with pipefail, grep -q closing the pipe early fails ldconfig)
	if ldconfig -p 2>/dev/null | grep libopenblas >/dev/null; then BLASES="gonum openblas"; fi
fi

"$PYTHON" -c 'import torch' 2>/dev/null || {
	echo "compare.sh: $PYTHON cannot import torch (Debian: apt-get install -y python3-torch)" >&2
	exit 1
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${load0%% *}" 'BEGIN { exit !(l > 0.5) }'; then
	echo "compare.sh: warning: load average $load0 — other processes are running; PyTorch's" \
		"OpenMP threads slow down far more than Go's under contention, so the ratios will flatter Go" >&2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for blas in $BLASES; do
	tags=()
	[[ $blas == openblas ]] && tags=(-tags openblas)
	go test "${tags[@]}" -c -o "$work/bench-$blas.test" ./bench
done

export GOMAXPROCS=$THREADS
TORCH_OPENBLAS_THREADS=${TORCH_OPENBLAS_THREADS:-1}
times="$work/times" # lines: <implementation> <dtype> <loss> <ms per step>
for ((rep = 1; rep <= REPS; rep++)); do
	for blas in $BLASES; do
		for kern in $KERNELS; do
			"$work/bench-$blas.test" -test.run '^$' -test.bench '^BenchmarkStep$' \
				-test.benchtime "${STEPS}x" -kernels "$kern" |
				awk -v impl="go-$kern-$blas" '/^BenchmarkStep\// {
					split($1, p, "/"); sub(/-[0-9]+$/, "", p[3]);
					print impl, p[2], p[3], $3 / 1e6 }' >>"$times"
		done
	done
	OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$TORCH_OPENBLAS_THREADS \
		"$PYTHON" bench/step_torch.py --threads "$THREADS" --steps "$STEPS" |
		awk '{ print "torch", $1, $2, $3 }' >>"$times"
	echo "repetition $rep/$REPS done" >&2
done

echo "median ms per step over $REPS repetitions of $STEPS steps; $THREADS threads; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "load average before: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PYTHON" - "$times" <<'EOF'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    impl, dt, loss, ms = line.split()
    runs[impl, dt, loss].append(float(ms))
impls = sorted({k[0] for k in runs if k[0] != "torch"})
print(f"{'dtype':8} {'loss':5} {'torch':>8}", *(f"{i:>22} {'ratio':>6}" for i in impls))
for dt in ("float32", "float64"):
    for loss in ("ce", "emd2"):
        if (("torch", dt, loss)) not in runs:
            continue
        t = statistics.median(runs["torch", dt, loss])
        cells = []
        for i in impls:
            g = statistics.median(runs[i, dt, loss])
            cells.append(f"{g:22.1f} {g / t:6.2f}")
        print(f"{dt:8} {loss:5} {t:8.1f}", *cells)
EOF
