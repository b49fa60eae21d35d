#!/usr/bin/env bash
n=${1:-12}; out=$(mktemp -d)
run() { rm -f $out/p.txt; VAE_PROBE_OUT=$out/p.txt dotnet /tmp/probe3/src/Vae.Cli/bin/Release/net10.0/vae.dll train --epochs 4 --threads $1 --quiet --force --out $out/run >/dev/null
  r=$(python3 -c "import json; print(' '.join(str(round(x['samples_per_second'])) for x in json.load(open('$out/run/metrics.json'))['epochs']))")
  echo "threads $1 rates $r"; cat $out/p.txt; }
for i in $(seq 1 $n); do run 1; run 2; done
