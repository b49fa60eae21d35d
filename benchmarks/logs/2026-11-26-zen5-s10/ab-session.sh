#!/usr/bin/env bash
# before = 97f095a's library (src/Vae.Simd) under this session's benchmark program; after = HEAD
cd /work/main
echo "# before: /tmp/baseA = $(git -C /tmp/baseA rev-parse --short HEAD) with src/Vae.Simd from 97f095a; after: /work/main $(git rev-parse --short HEAD)"
lscpu | grep -E "Model name|CPU family|^Model:"
for r in 1 2 3; do
  for args in "5 1000 mnist" "5 1000 uniform" "5 1 mnist" "5 1 uniform"; do
    for side in before after; do
      d=/work/main; [ $side = before ] && d=/tmp/baseA
      echo "== round $r, $side, precision-latency $args"
      (cd $d && dotnet benchmarks/Vae.Simd.Benchmarks/bin/Release/net10.0/Vae.Simd.Benchmarks.dll precision-latency $args | grep -E '^(reconstruct|encode|decode) +(Int8|Float32)')
    done
  done
done
