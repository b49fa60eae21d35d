#!/usr/bin/env bash
# GEMM before/after: `peer-gemm` of another checkout (the "before", e.g. a worktree of the parent commit), of this one, and
# numpy/OpenBLAS's sgemm (at its best: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset), alternated round by round on the same
# shapes. Prints, per shape, the medians and the median per-round ratios new/before and new/numpy (min–max).
# Usage: benchmarks/peers/gemm-ab.sh BEFORE_CHECKOUT [rounds=5] [threads=1]
#   git worktree add /tmp/before HEAD~1 && benchmarks/peers/gemm-ab.sh /tmp/before 5 1
set -euo pipefail
cd "$(dirname "$0")/../.."
before=${1:?usage: gemm-ab.sh BEFORE_CHECKOUT [rounds] [threads]}
rounds=${2:-5}
threads=${3:-1}
py=/usr/bin/python3
$py -c "import numpy" 2>/dev/null || { echo "numpy is not installed: run  apt-get install -y python3-torch libopenblas0-pthread" >&2; exit 1; }
for dir in "$before" .; do dotnet build -c Release "$dir/benchmarks/Vae.Simd.Benchmarks" -v q -nologo >/dev/null; done
bench() { dotnet "$1/benchmarks/Vae.Simd.Benchmarks/bin/Release/net10.0/Vae.Simd.Benchmarks.dll" peer-gemm "$threads" | grep -v packing | sort; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "== $(lscpu | sed -n 's/^Model name: *//p' | head -1) (family $(lscpu | sed -n 's/^CPU family: *//p'), model $(lscpu | sed -n 's/^Model: *//p' | head -1)), $threads thread(s), $rounds rounds"
for r in $(seq 1 "$rounds"); do
  bench "$before" > "$out/before.txt"
  bench . > "$out/new.txt"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" $py benchmarks/peers/numpy_gemm.py | sort > "$out/numpy.txt"
  join <(join "$out/before.txt" "$out/new.txt") "$out/numpy.txt" | sed "s/^/$r /" >> "$out/all.txt"
done
$py - "$out/all.txt" <<'PY'
import sys, statistics as st, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    _, name, before, new, numpy = line.split()
    rows[name].append((float(before), float(new), float(numpy)))
print(f"{'shape':28s} {'before':>7s} {'new':>7s} {'numpy':>7s}  {'new/before':>10s}  new/numpy (min-max)")
for name, v in rows.items():
    nb = [n / b for b, n, _ in v]; nn = [n / p for _, n, p in v]
    print(f"{name:28s} {st.median(x[0] for x in v):7.1f} {st.median(x[1] for x in v):7.1f} {st.median(x[2] for x in v):7.1f}"
          f"  {st.median(nb):9.2f}x  {st.median(nn):.2f}x ({min(nn):.2f}-{max(nn):.2f})")
PY
