#!/usr/bin/env bash
# Throw-away: alternate /tmp/pbase and /tmp/pnew (both with the probe patch), two threads; rates and the Wᵀ refresh / Adam totals.
n=${1:-8}; out=$(mktemp -d)
run() { rm -f $out/p.txt; VAE_PROBE_OUT=$out/p.txt dotnet /tmp/$1/src/Vae.Cli/bin/Release/net10.0/vae.dll train --epochs 4 --threads ${2:-2} --quiet --force --out $out/run >/dev/null
  r=$(python3 -c "import json; e=json.load(open('$out/run/metrics.json'))['epochs'][1:]; print(round(sum(x['samples_per_second'] for x in e)/len(e)))")
  sub=$(grep -o 'sub\[[01]\] dW=[0-9.]* adam=[0-9.]* wt=[0-9.]*' $out/p.txt | tr '\n' ' ')
  echo "$1 $r | $sub"; }
for i in $(seq 1 $n); do
  l=$(dotnet /work/main/benchmarks/Vae.Simd.Benchmarks/bin/Release/net10.0/Vae.Simd.Benchmarks.dll core-link 2 | sed -n 's/.*round trip \([0-9]*\) ns.*/\1/p')
  if [ $((i % 2)) = 1 ]; then a=$(run pbase); b=$(run pnew); else b=$(run pnew); a=$(run pbase); fi
  echo "pair $i link ${l}ns | $a || $b"
done
