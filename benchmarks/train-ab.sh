#!/usr/bin/env bash
# Training before/after: `vae train` of another checkout (the "before", e.g. a worktree of the parent commit) and of this
# one, alternated start by start (before, new, before, new, …) so both see the same minutes of a shared machine. Each start
# reports the mean samples/s of its epochs after the first. Prints every pair, then the medians and the median per-pair
# ratio new/before (min–max). A `core-link` round trip beside each pair tells a slow period of the host (about 400 ns
# instead of about 100 on the Zen 5 of RESULTS.md) from a slow build: compare pairs, not single starts.
# Usage: benchmarks/train-ab.sh BEFORE_CHECKOUT [pairs=6] [epochs=3] [threads=2]
#   git worktree add /tmp/before HEAD~1 && benchmarks/train-ab.sh /tmp/before 6 3 2
set -euo pipefail
cd "$(dirname "$0")/.."
before=${1:?usage: train-ab.sh BEFORE_CHECKOUT [pairs] [epochs] [threads]}
pairs=${2:-6}; epochs=${3:-3}; threads=${4:-2}
[ "$epochs" -ge 2 ] || { echo "epochs must be at least 2 (the first epoch is start-up)" >&2; exit 1; }
for dir in "$before" .; do dotnet build -c Release "$dir/src/Vae.Cli" -v q -nologo >/dev/null; done
dotnet build -c Release benchmarks/Vae.Simd.Benchmarks -v q -nologo >/dev/null
link() { dotnet benchmarks/Vae.Simd.Benchmarks/bin/Release/net10.0/Vae.Simd.Benchmarks.dll core-link 2 | sed -n 's/.*round trip \([0-9]*\) ns.*/\1/p'; }
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
run() { dotnet "$1/src/Vae.Cli/bin/Release/net10.0/vae.dll" train --epochs "$epochs" --threads "$threads" --quiet --force --out "$out/run" >/dev/null
        python3 -c "import json; e=json.load(open('$out/run/metrics.json'))['epochs'][1:]; print(round(sum(x['samples_per_second'] for x in e)/len(e)))"; }
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1) (family $(lscpu | sed -n 's/^CPU family: *//p'), model $(lscpu | sed -n 's/^Model: *//p' | head -1)), $(nproc) CPUs"
echo "command: vae train --epochs $epochs --threads $threads (canonical VAE, batch 128); before = $(git -C "$before" rev-parse --short HEAD), new = $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' + uncommitted changes')"
printf "%-5s %10s %10s %7s %8s\n" pair before new ratio "link ns"
for i in $(seq 1 "$pairs"); do
  a=$(run "$before"); b=$(run .); l=$(link)
  printf "%-5s %10s %10s %7s %8s\n" "$i" "$a" "$b" "$(echo "$b / $a" | bc -l | cut -c1-5)" "$l"
  echo "$a $b" >> "$out/pairs.txt"
done
python3 - "$out/pairs.txt" <<'PY'
import sys, statistics as st
pairs = [tuple(map(int, line.split())) for line in open(sys.argv[1])]
ratios = sorted(b / a for a, b in pairs)
print(f"median samples/s: before {st.median(a for a, _ in pairs):,.0f}, new {st.median(b for _, b in pairs):,.0f}; "
      f"new/before per pair: median {st.median(ratios):.3f} (min {ratios[0]:.3f}, max {ratios[-1]:.3f})")
PY
