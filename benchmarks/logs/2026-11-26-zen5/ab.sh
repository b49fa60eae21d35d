#!/usr/bin/env bash
# Throw-away: alternate base (/tmp/base) and new (/work/main) two-thread starts; per-epoch rates and core-link before each pair.
n=${1:-10}; epochs=${2:-4}; threads=${3:-2}
rate() { dotnet $1/src/Vae.Cli/bin/Release/net10.0/vae.dll train --epochs $epochs --threads $threads --quiet --force --out /tmp/abrun >/dev/null
  python3 -c "import json; e=json.load(open('/tmp/abrun/metrics.json'))['epochs']; r=[x['samples_per_second'] for x in e[1:]]; print(round(sum(r)/len(r)), ' '.join(str(round(x)) for x in r))"; }
for i in $(seq 1 $n); do
  l=$(dotnet /work/main/benchmarks/Vae.Simd.Benchmarks/bin/Release/net10.0/Vae.Simd.Benchmarks.dll core-link 2 | tail -1 | sed 's/median: //')
  if [ $((i % 2)) = 1 ]; then b=$(rate /tmp/base); n2=$(rate /work/main); else n2=$(rate /work/main); b=$(rate /tmp/base); fi
  echo "pair $i | $l | base $b | new $n2 | new/base $(echo "${n2%% *} / ${b%% *}" | bc -l | cut -c1-4)"
done
