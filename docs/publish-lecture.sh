#!/usr/bin/env bash
# Copies a finished `vae experiment lecture` run into docs/ for the README: the report, its JSON and the figures the
# README shows. Usage: docs/publish-lecture.sh RUN_DIR DEST (e.g. runs/lecture docs/lecture, runs/lecture-linear docs/lecture/linear)
set -euo pipefail
run=${1:?run directory}; dest=${2:?destination}
[ -f "$run/report.json" ] || { echo "$run: no report.json (not a finished lecture run)" >&2; exit 1; }
mkdir -p "$dest"
{ echo "# The lecture's comparison, measured"; echo
  echo "> Copied from the run directory \`$run\` by \`docs/publish-lecture.sh\`. Figure paths below are relative to that directory; the figures kept here are the ones the README shows."
  tail -n +2 "$run/report.md"; } > "$dest/report.md"
cp "$run/report.json" "$dest/"
for f in samples-by-model reconstructions-by-model ablation-2d ablation-2d-samples; do cp "$run/figures/$f.png" "$dest/"; done
for m in ae-10 vae-10; do cp "$run/models/$m/latent-histograms.png" "$dest/$m-latent-histograms.png"; cp "$run/models/$m/traversal.png" "$dest/$m-traversal.png"; done
for m in ae-2 vae-2; do cp "$run/models/$m/latent-map.png" "$dest/$m-latent-map.png"; done
cp "$run/models/vae-2/latent-grid.png" "$dest/vae-2-latent-grid.png"
echo "published $run to $dest"
