#!/usr/bin/env bash
# compare.sh: time one training step of the small CNN and of the face
# AlexNet in Go (gorgonia) and in PyTorch on this machine, interleaved, and
# print the medians and the ratios Go / PyTorch, one row per network, dtype
# and loss. See README.md.
#
# Usage: bench/compare.sh            (from the module root or from bench/)
# Environment:
#   REPS     repetitions of each (default 7)
#   STEPS    timed steps per repetition and configuration of the small CNN (default 20)
#   ALEXNET_STEPS  the same for the face AlexNet (default 3; a step takes seconds)
#   NETS     networks to time: "cnn", "alexnet" or both (default both)
#   DTYPES   dtypes to time (default "float32 float64")
#   THREADS  GOMAXPROCS for Go and torch.set_num_threads for PyTorch (default 2);
#            the Go OpenBLAS build runs OpenBLAS on one thread and splits the work
#            across goroutines itself
#   KERNELS  Go kernels to time: "fused", "native" or "fused native" (default fused;
#            the face AlexNet needs the fused kernels)
#   BLASES   Go builds to time: "default" (no cgo: package gemm for float32, gonum
#            for float64), "openblas" (-tags openblas) or both (default: both when
#            libopenblas is installed)
#   PYTHON   interpreter with torch (default /usr/bin/python3)
#   TORCH_OPENBLAS_THREADS  OPENBLAS_NUM_THREADS for PyTorch (default 1: Debian's
#            torch calls the system BLAS, and a threaded OpenBLAS spinning beside
#            PyTorch's own OpenMP threads made its step 1.3-1.6x slower here)
set -euo pipefail

cd "$(dirname "$0")/.."
REPS=${REPS:-7}
STEPS=${STEPS:-20}
ALEXNET_STEPS=${ALEXNET_STEPS:-3}
NETS=${NETS:-cnn alexnet}
DTYPES=${DTYPES:-float32 float64}
THREADS=${THREADS:-2}
KERNELS=${KERNELS:-fused}
PYTHON=${PYTHON:-/usr/bin/python3}
if [[ -z "${BLASES:-}" ]]; then
	BLASES=default
	# (grep without -q: with pipefail, grep -q closing the pipe early fails ldconfig)
	if ldconfig -p 2>/dev/null | grep libopenblas >/dev/null; then BLASES="default openblas"; fi
fi
BLASES=${BLASES//gonum/default} # the default build's old name

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

# steps NET: the timed steps per repetition of that network.
steps() { if [[ $1 == alexnet ]]; then echo "$ALEXNET_STEPS"; else echo "$STEPS"; fi; }

export GOMAXPROCS=$THREADS
TORCH_OPENBLAS_THREADS=${TORCH_OPENBLAS_THREADS:-1}
dtypes=${DTYPES// /,}
times="$work/times" # lines: <implementation> <network> <dtype> <loss> <ms per step>
for ((rep = 1; rep <= REPS; rep++)); do
	for net in $NETS; do
		n=$(steps "$net")
		for blas in $BLASES; do
			for kern in $KERNELS; do
				[[ $net == alexnet && $kern != fused ]] && continue
				"$work/bench-$blas.test" -test.run '^$' -test.bench '^BenchmarkStep$' \
					-test.benchtime "${n}x" -kernels "$kern" -nets "$net" -dtypes "$dtypes" |
					awk -v impl="$kern-$blas" '/^BenchmarkStep\// {
						split($1, p, "/"); sub(/-[0-9]+$/, "", p[4]);
						print impl, p[2], p[3], p[4], $3 / 1e6 }' >>"$times"
			done
		done
		OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$TORCH_OPENBLAS_THREADS \
			"$PYTHON" bench/step_torch.py --threads "$THREADS" --steps "$n" --nets "$net" --dtypes "$dtypes" |
			awk '{ print "torch", $1, $2, $3, $4 }' >>"$times"
	done
	echo "repetition $rep/$REPS done" >&2
done

echo "median ms per step over $REPS repetitions ($STEPS steps each for cnn, $ALEXNET_STEPS for alexnet);" \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "Go: GOMAXPROCS=$THREADS; the openblas build runs OpenBLAS on 1 thread"
echo "PyTorch peer: torch.set_num_threads($THREADS), OMP_NUM_THREADS=$THREADS," \
	"OPENBLAS_NUM_THREADS=$TORCH_OPENBLAS_THREADS; $("$PYTHON" -c 'import torch; print("torch", torch.__version__)')"
echo "load average before: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PYTHON" - "$times" "$BLASES" "$KERNELS" <<'EOF_PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    impl, net, dt, loss, ms = line.split()
    runs[impl, net, dt, loss].append(float(ms))
# Columns: the fused kernels of each build under the build's name ("default",
# "openblas"), then the native kernels ("native-default", ...), each with
# its ratio to PyTorch.
impls = [f"{k}-{b}" for k in sys.argv[3].split() for b in sys.argv[2].split()]
names = {i: i.removeprefix("fused-") for i in impls}
width = max([8] + [len(n) for n in names.values()])
print(f"{'network':8} {'dtype':8} {'loss':5} {'torch':>8}",
      *(f"{names[i]:>{width}} {'ratio':>6}" for i in impls))
for net in ("cnn", "alexnet"):
    for dt in ("float32", "float64"):
        for loss in ("ce", "emd2"):
            if ("torch", net, dt, loss) not in runs:
                continue
            t = statistics.median(runs["torch", net, dt, loss])
            cells = []
            for i in impls:
                if (i, net, dt, loss) not in runs:
                    cells.append(f"{'-':>{width}} {'-':>6}")
                    continue
                g = statistics.median(runs[i, net, dt, loss])
                cells.append(f"{g:{width}.1f} {g / t:6.2f}")
            print(f"{net:8} {dt:8} {loss:5} {t:8.1f}", *cells)
EOF_PY
