#!/usr/bin/env bash
# Side-by-side comparison with PyTorch/OpenBLAS on this machine, run alternately (ours, peer, ours, peer)
# so that both see the same machine load. Installs nothing: it needs
#   apt-get install -y python3-torch libopenblas0-pthread
# Usage: benchmarks/peers/run.sh [rounds=2] [epochs=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-2}
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
torch_best() { OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=1 $py "$peer" data/mnist "$epochs" 1 | awk 'NR>1 {s+=$NF; n++} END {printf "%d\n", s/n}'; }
torch_default() { $py "$peer" data/mnist "$epochs" 2 | awk 'NR>1 {s+=$NF; n++} END {printf "%d\n", s/n}'; }

echo "== training throughput, canonical VAE, batch 128 (samples/s, mean of epochs 2..$epochs)"
printf "%-6s %12s %12s %14s %12s %16s %14s\n" round "ours(2 thr)" "ours(1 thr)" "torch best" "ratio" "torch default" "ratio"
for r in $(seq 1 "$rounds"); do
  o2=$(ours 2); tb=$(torch_best); o1=$(ours 1); td=$(torch_default)
  printf "%-6s %12s %12s %14s %11.2fx %16s %13.2fx\n" "$r" "$o2" "$o1" "$tb" "$(echo "$o2 / $tb" | bc -l)" "$td" "$(echo "$o2 / $td" | bc -l)"
  echo "scaling 2 threads / 1 thread: $(echo "$o2 / $o1" | bc -l | cut -c1-4)"
done

echo
echo "== GEMM, GFLOP/s (ours vs numpy/OpenBLAS sgemm, same shapes, alternating)"
for threads in 1 2; do
  for r in $(seq 1 "$rounds"); do
    $bench peer-gemm "$threads" > "$out/ours.txt"
    OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads $py benchmarks/peers/numpy_gemm.py > "$out/numpy.txt"
    echo "-- $threads thread(s), round $r"
    join -j1 <(sort "$out/ours.txt") <(sort "$out/numpy.txt") | awk '{printf "%-28s ours %7.1f  numpy %7.1f  ratio %5.2fx\n", $1, $2, $3, $2/$3}'
  done
done
