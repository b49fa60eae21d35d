#!/usr/bin/env bash
# Side-by-side comparison with PyTorch/OpenBLAS on this machine, run alternately (ours, peer, ours, peer)
# so that both see the same machine load. The peer runs at its best: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (which some
# machines set to force an old kernel) are unset for it, the OpenBLAS kernel it picks is printed (OPENBLAS_VERBOSE=2), and
# its thread settings are swept once before the alternated rounds, which then use the fastest. Installs nothing: it needs
#   apt-get install -y python3-torch libopenblas0-pthread
# Usage: benchmarks/peers/run.sh [rounds=5] [epochs=3]   (epochs 0: the GEMM comparison alone)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
epochs=${2:-3}
py=/usr/bin/python3
peer=../shared/peers/torch_vae.py
[ -f "$peer" ] || peer=benchmarks/peers/torch_vae.py
if ! $py -c "import torch, numpy" 2>/dev/null; then
  echo "PyTorch is not installed: run  apt-get install -y python3-torch libopenblas0-pthread" >&2
  exit 1
fi
[ -f "$peer" ] || { echo "peer script not found (../shared/peers/torch_vae.py)" >&2; exit 1; }

dotnet build -c Release src/Vae.Cli -v q -nologo >/dev/null
dotnet build -c Release benchmarks/Vae.Simd.Benchmarks -v q -nologo >/dev/null
vae="dotnet src/Vae.Cli/bin/Release/net10.0/vae.dll"
bench="dotnet benchmarks/Vae.Simd.Benchmarks/bin/Release/net10.0/Vae.Simd.Benchmarks.dll"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Steady-state throughput: the mean samples/s of epochs 2..E (epoch 1 includes start-up).
ours() { # threads
  $vae train --epochs "$epochs" --threads "$1" --quiet --force --out "$out/run" >/dev/null
  $py -c "import json,sys; e=json.load(open('$out/run/metrics.json'))['epochs'][1:]; print(round(sum(x['samples_per_second'] for x in e)/len(e)))"
}
# The peer, at its best: the two variables unset, whatever this shell holds.
peer_env() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$@"; }
torch_run() { # openblas_threads torch_threads
  peer_env OPENBLAS_NUM_THREADS="$1" OMP_NUM_THREADS="$2" $py "$peer" data/mnist "$epochs" "$2" | awk 'NR>1 {s+=$NF; n++} END {printf "%d\n", s/n}'; }

echo "== machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1) (family $(lscpu | sed -n 's/^CPU family: *//p'), model $(lscpu | sed -n 's/^Model: *//p' | head -1)), $(nproc) CPUs"
kernel=$(peer_env OPENBLAS_VERBOSE=2 $py -c "import numpy; numpy.ones((64, 64), numpy.float32) @ numpy.ones((64, 64), numpy.float32)" 2>&1 | sed -n 's/^Core: *//p' | head -1)
echo "== peer: OpenBLAS kernel '${kernel:-unknown}' (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset; this shell had: ${OPENBLAS_CORETYPE:-unset}, ${OPENBLAS_L2_SIZE:-unset})"

if [ "$epochs" -gt 0 ]; then
echo "== peer thread sweep (samples/s, mean of epochs 2..$epochs): OpenBLAS threads × torch threads"
best_setting="2 1"; best_rate=0
for setting in "1 1" "2 1" "1 2" "2 2"; do
  rate=$(torch_run $setting)
  echo "   OPENBLAS_NUM_THREADS=${setting% *} torch threads=${setting#* }: $rate"
  if [ "$rate" -gt "$best_rate" ]; then best_rate=$rate; best_setting=$setting; fi
done
echo "   best: OPENBLAS_NUM_THREADS=${best_setting% *}, torch threads ${best_setting#* }"
torch_best() { torch_run $best_setting; }
torch_default() { peer_env $py "$peer" data/mnist "$epochs" 2 | awk 'NR>1 {s+=$NF; n++} END {printf "%d\n", s/n}'; }

echo "== training throughput, canonical VAE, batch 128 (samples/s, mean of epochs 2..$epochs), alternated"
printf "%-6s %12s %12s %14s %12s %16s %14s\n" round "ours(2 thr)" "ours(1 thr)" "torch best" "ratio" "torch default" "ratio"
ratios=()
for r in $(seq 1 "$rounds"); do
  o2=$(ours 2); tb=$(torch_best); o1=$(ours 1); td=$(torch_default)
  ratio=$(echo "$o2 / $tb" | bc -l)
  ratios+=("$ratio")
  printf "%-6s %12s %12s %14s %11.2fx %16s %13.2fx\n" "$r" "$o2" "$o1" "$tb" "$ratio" "$td" "$(echo "$o2 / $td" | bc -l)"
  echo "scaling 2 threads / 1 thread: $(echo "$o2 / $o1" | bc -l | cut -c1-4)"
done
printf '%s\n' "${ratios[@]}" | sort -g | awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "ours(2 thr) / torch best over %d pairs: median %.2fx, min %.2fx\n", NR, m, v[1]}'
echo
fi

echo "== GEMM, GFLOP/s (ours vs numpy/OpenBLAS sgemm, same shapes, alternating)"
for threads in 1 2; do
  for r in $(seq 1 "$rounds"); do
    $bench peer-gemm "$threads" > "$out/ours.txt"
    peer_env OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads $py benchmarks/peers/numpy_gemm.py > "$out/numpy.txt"
    echo "-- $threads thread(s), round $r"
    join -j1 <(sort "$out/ours.txt") <(sort "$out/numpy.txt") | awk -v t="$threads" -v all="$out/all.txt" '{line = sprintf("%-28s ours %7.1f  numpy %7.1f  ratio %5.2fx", $1, $2, $3, $2/$3); print line; print t, line >> all}'
  done
done
echo "== GEMM per shape over $rounds rounds: the median of ours/numpy per round (min-max), and each side's median GFLOP/s"
$py - "$out/all.txt" <<'PY'
import statistics, sys
shapes = {}
for line in open(sys.argv[1]):
    f = line.split()  # threads name "ours" value "numpy" value ...
    shapes.setdefault((int(f[0]), f[1]), []).append((float(f[3]), float(f[5])))
for (threads, name), pairs in sorted(shapes.items()):
    ratios = [o / p for o, p in pairs]
    print(f"{threads} thread(s) {name:<28} median {statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"
          f"  ours {statistics.median(o for o, _ in pairs):6.1f}  numpy {statistics.median(p for _, p in pairs):6.1f}")
PY
