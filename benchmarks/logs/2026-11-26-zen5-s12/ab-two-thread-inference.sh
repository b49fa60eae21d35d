#!/usr/bin/env bash
# A/B of two-thread inference: 017e60d (before) vs HEAD (after), alternated.
old=/tmp/before/benchmarks/Vae.Simd.Benchmarks/bin/Release/net10.0/Vae.Simd.Benchmarks.dll
new=/work/main/benchmarks/Vae.Simd.Benchmarks/bin/Release/net10.0/Vae.Simd.Benchmarks.dll
echo "== machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), family $(lscpu | sed -n 's/^CPU family: *//p'), model $(lscpu | sed -n 's/^Model: *//p' | head -1)"
for round in 1 2 3; do
  for input in uniform mnist; do
    for side in before after; do
      dll=$old; [ $side = after ] && dll=$new
      echo "-- round $round, $side, $input"
      dotnet $dll precision-latency 5 1000 $input 2 | grep -E "^(reconstruct|encode|decode) +(Float32|Int8)"
    done
  done
done
