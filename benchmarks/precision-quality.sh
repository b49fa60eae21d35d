#!/usr/bin/env bash
# What reduced-precision inference costs: trains the canonical VAE (784-400-20, Bernoulli) on MNIST, then evaluates it on the
# 10,000 test images with float32, bfloat16 and int8 weights (`vae evaluate --precision`), same seed, and prints the test
# negative ELBO and the importance-weighted log p(x) of each and their differences from float32 (nats per image).
# Usage: benchmarks/precision-quality.sh [epochs=10] [iw-samples=1000] [iw-images=1000]
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-10}; iw=${2:-1000}; images=${3:-1000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet build -c Release src/Vae.Cli -v q -nologo >/dev/null
vae="dotnet src/Vae.Cli/bin/Release/net10.0/vae.dll"
$vae train --epochs "$epochs" --quiet --out "$out/model" >/dev/null
for p in float32 bfloat16 int8; do
  $vae evaluate --model "$out/model" --no-sample-quality --iw-samples "$iw" --iw-images "$images" --precision "$p" --out "$out/$p.json" >/dev/null
done
/usr/bin/python3 - "$out" "$epochs" "$iw" "$images" <<'PY'
import json, sys
out, epochs, iw, images = sys.argv[1:]
f, b, q = (json.load(open(f"{out}/{p}.json")) for p in ("float32", "bfloat16", "int8"))
print(f"canonical VAE, {epochs} epochs; test ELBO on all test images, log p(x) with K = {iw} on {images}")
print(f"{'metric':<22}{'float32':>12}{'bfloat16':>12}{'int8':>12}{'bf16 - fp32':>14}{'int8 - fp32':>14}")
for key in ("test_elbo", "iw_log_likelihood", "test_recon_mse"):
    print(f"{key:<22}{f[key]:>12.4f}{b[key]:>12.4f}{q[key]:>12.4f}{b[key] - f[key]:>+14.4f}{q[key] - f[key]:>+14.4f}")
PY
