#!/usr/bin/env bash
# Training speed over many process starts, not one: `vae train` on MNIST started STARTS times with 1 thread and STARTS times
# with 2, alternated (1, 2, 1, 2, …) so both see the same machine. Each start reports the mean samples/s of its epochs after
# the first; the script prints every start, then per thread count the sorted values, median, min and max, and each pair's
# two-thread/one-thread ratio. A bimodal machine shows up as two clusters in the sorted list. Just before each two-thread
# start and just after it, `core-pair` checks whether two busy threads each get a whole core's FMA rate (column "cores", before / after: 1.0 = two whole
# cores; about 0.5–0.65 = one core's two hardware threads, or a neighbour on them), so a slow start can be told apart from a
# slow host. `core-link` beside it gives a cache line's round trip between the two threads (column "link ns", before /
# after): on the Zen 5 it read 88–147 ns in most minutes and 420–451 ns in others, when the host's two virtual CPUs were
# further apart, and the step's weight updates (which write lines both cores have read) ran 2–5× slower (RESULTS.md).
# Usage: benchmarks/train-starts.sh [starts=10] [epochs=3]
set -euo pipefail
cd "$(dirname "$0")/.."
starts=${1:-10}; epochs=${2:-3}
[ "$epochs" -ge 2 ] || { echo "epochs must be at least 2 (the first epoch is start-up)" >&2; exit 1; }
dotnet build -c Release src/Vae.Cli -v q -nologo >/dev/null
dotnet build -c Release benchmarks/Vae.Simd.Benchmarks -v q -nologo >/dev/null
cores() { dotnet benchmarks/Vae.Simd.Benchmarks/bin/Release/net10.0/Vae.Simd.Benchmarks.dll core-pair 3 0.1 | sed -n 's/.*median \([0-9.]*\),.*/\1/p'; }
link() { dotnet benchmarks/Vae.Simd.Benchmarks/bin/Release/net10.0/Vae.Simd.Benchmarks.dll core-link 2 | sed -n 's/.*round trip \([0-9]*\) ns.*/\1/p'; }
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1) (family $(lscpu | sed -n 's/^CPU family: *//p'), model $(lscpu | sed -n 's/^Model: *//p' | head -1)), $(nproc) CPUs"
flags=$(grep -o -w -E 'avx512f|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')
echo "machine: $cpu; ${flags:-no AVX2}"
echo "command: vae train --epochs $epochs --threads T (canonical VAE, batch 128); samples/s = mean of epochs 2..$epochs"
run() { dotnet src/Vae.Cli/bin/Release/net10.0/vae.dll train --epochs "$epochs" --threads "$1" --quiet --force --out "$out/run" >/dev/null
        python3 -c "import json; e=json.load(open('$out/run/metrics.json'))['epochs'][1:]; print(round(sum(x['samples_per_second'] for x in e)/len(e)))"; }
one=(); two=()
printf "%-6s %10s %10s %8s %12s %12s\n" start "1 thread" "2 threads" ratio "cores b/a" "link ns b/a"
for i in $(seq 1 "$starts"); do
  a=$(run 1); c=$(cores); e=$(link); b=$(run 2); d=$(cores); f=$(link); one+=("$a"); two+=("$b")
  printf "%-6s %10s %10s %8s %12s %12s\n" "$i" "$a" "$b" "$(echo "$b / $a" | bc -l | cut -c1-4)" "$c / $d" "$e / $f"
done
summary() { # name values…
  local name=$1; shift
  python3 - "$name" "$@" <<'PY'
import sys, statistics
name, values = sys.argv[1], sorted(int(v) for v in sys.argv[2:])
print(f"{name}: median {statistics.median(values):,.0f}  min {values[0]:,}  max {values[-1]:,}  sorted {', '.join(f'{v:,}' for v in values)}")
PY
}
summary "1 thread " "${one[@]}"
summary "2 threads" "${two[@]}"
