#!/usr/bin/env bash
# The library's speed in a plain app with .NET's default settings (tiered compilation on) against the CLI (tiering off),
# alternated, and under Native AOT (the CLI published with this repository's default instruction-set baseline) if given.
# Usage: benchmarks/host-speed.sh [rounds=3] [epochs=3] [threads=2]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}; epochs=${2:-3}; threads=${3:-2}
dotnet build -c Release src/Vae.Cli -v q -nologo >/dev/null
dotnet build -c Release benchmarks/PlainApp -v q -nologo >/dev/null
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
cli() { dotnet src/Vae.Cli/bin/Release/net10.0/vae.dll train --epochs "$epochs" --threads "$threads" --quiet --force --out "$out/run" >/dev/null
        python3 -c "import json; e=json.load(open('$out/run/metrics.json'))['epochs'][1:]; print(round(sum(x['samples_per_second'] for x in e)/len(e)))"; }
plain() { dotnet benchmarks/PlainApp/bin/Release/net10.0/PlainApp.dll data/mnist "$epochs" "$threads"; }
aot() { "$AOT" train --epochs "$epochs" --threads "$threads" --quiet --force --out "$out/aot" >/dev/null
        python3 -c "import json; e=json.load(open('$out/aot/metrics.json'))['epochs'][1:]; print(round(sum(x['samples_per_second'] for x in e)/len(e)))"; }
printf "%-6s %10s %12s %8s %10s %8s\n" round cli plain-app ratio aot ratio
for r in $(seq 1 "$rounds"); do
  c=$(cli); p=$(plain); a=-; ra=-
  if [ -n "${AOT:-}" ]; then a=$(aot); ra=$(echo "$a / $c" | bc -l | cut -c1-4); fi
  printf "%-6s %10s %12s %8s %10s %8s\n" "$r" "$c" "$p" "$(echo "$p / $c" | bc -l | cut -c1-4)" "$a" "$ra"
done
