#!/usr/bin/env bash
# Inference beside PyTorch, alternated pair by pair (ours, peer, ours, peer) so that both see the same machine: reconstruct
# (encode μ, decode) of the canonical 784-400-20 VAE on uniform noise (the peer's usual input) and on MNIST's first test
# images; batch 1 and 1000 on one thread each, then batch 1000 on two. Ours: `precision-latency 3 BATCH INPUT THREADS`
# (float32 and int8 weights). The peer at its best: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (the kernel it picks is
# printed); OPENBLAS_NUM_THREADS set to the thread count, as torch.set_num_threads does not reach OpenBLAS's own threads
# (left unset, "one thread" runs sgemm on every core); torch's threads at 1; and MALLOC_TOP_PAD_ so that glibc keeps its
# heap between calls instead of faulting 6 MB back in on each (see torch_infer_images.py).
# Installs nothing: it needs  apt-get install -y python3-torch libopenblas0-pthread python3-numpy
# Usage: benchmarks/peers/infer.sh [pairs=5]
set -euo pipefail
cd "$(dirname "$0")/../.."
pairs=${1:-5}
py=/usr/bin/python3
if ! $py -c "import torch, numpy" 2>/dev/null; then
  echo "PyTorch is not installed: run  apt-get install -y python3-torch libopenblas0-pthread python3-numpy" >&2
  exit 1
fi
dotnet build -c Release benchmarks/Vae.Simd.Benchmarks -v q -nologo >/dev/null
bench="dotnet benchmarks/Vae.Simd.Benchmarks/bin/Release/net10.0/Vae.Simd.Benchmarks.dll"
peer_env() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE MALLOC_TOP_PAD_=67108864 "$@"; }
echo "== machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1) (family $(lscpu | sed -n 's/^CPU family: *//p'), model $(lscpu | sed -n 's/^Model: *//p' | head -1)), $(nproc) CPUs"
kernel=$(peer_env OPENBLAS_VERBOSE=2 $py -c "import numpy; numpy.ones((64, 64), numpy.float32) @ numpy.ones((64, 64), numpy.float32)" 2>&1 | sed -n 's/^Core: *//p' | head -1)
echo "== peer: PyTorch $($py -c 'import torch; print(torch.__version__)'), OpenBLAS kernel '${kernel:-unknown}', MALLOC_TOP_PAD_=67108864"

summary() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "median %.2fx, min %.2fx", m, v[1]}'; }
compare() { # batch input threads: ours on that many threads; the peer with OpenBLAS on as many (torch's own threads at 1:
            # at 2 with OpenBLAS's 2 the four threads fought over two cores, 11-19 ms a call against 3.8)
  local batch=$1 input=$2 threads=$3 f32_ratios=() int8_ratios=()
  echo "== reconstruct, batch $batch, $input images, $threads thread(s) each: µs per call (median of 3 rounds each)"
  printf "%-6s %10s %10s %10s %14s %14s\n" pair "ours f32" "ours int8" "torch" "torch/f32" "torch/int8"
  for r in $(seq 1 "$pairs"); do
    ours=$($bench precision-latency 3 "$batch" "$input" "$threads")
    f32=$(echo "$ours" | awk '$1 == "reconstruct" && $2 == "Float32" {print $3}')
    int8=$(echo "$ours" | awk '$1 == "reconstruct" && $2 == "Int8" {print $3}')
    torch=$(peer_env OPENBLAS_NUM_THREADS="$threads" $py benchmarks/peers/torch_infer_images.py 1 "$input" "$batch" 3 | sed -n 's/.*median \([0-9.]*\) us.*/\1/p')
    f32_ratios+=("$(echo "$torch / $f32" | bc -l)"); int8_ratios+=("$(echo "$torch / $int8" | bc -l)")
    printf "%-6s %10s %10s %10s %13.2fx %13.2fx\n" "$r" "$f32" "$int8" "$torch" "${f32_ratios[-1]}" "${int8_ratios[-1]}"
  done
  echo "   torch / ours over $pairs pairs: float32 $(summary "${f32_ratios[@]}"); int8 $(summary "${int8_ratios[@]}")"
}

for batch in 1 1000; do
  for input in uniform mnist; do compare "$batch" "$input" 1; done
done
for input in uniform mnist; do compare 1000 "$input" 2; done
