#!/usr/bin/env bash
# Fetches the Wisconsin Diagnostic Breast Cancer table (569 tumours, 30 real-valued features of cell nuclei, 357 benign and
# 212 malignant; UCI, CC BY 4.0) from Debian's python3-sklearn package (BSD-3-Clause), which ships it as breast_cancer.csv,
# and writes the anomaly-detection split beside this script (nothing large is committed):
#   wdbc-normal.csv   four of every five benign rows: what the model learns as normal
#   wdbc-test.csv     the other benign rows and every malignant row, to score
# Needs apt-get (no root: 'apt-get download' only fetches the .deb) and dpkg-deb. Usage: docs/anomaly/fetch-breast-cancer.sh [DIR]
set -euo pipefail
out="${1:-$(dirname "$0")/data}"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download python3-sklearn >/dev/null 2>&1) || {
  echo "apt-get download python3-sklearn failed: run 'apt-get update' first (as root), or check the network" >&2; exit 1; }
dpkg-deb --fsys-tarfile "$work"/python3-sklearn_*.deb \
  | tar -xO ./usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv > "$work/raw.csv"
# The file's first line is "569,30,malignant,benign" (rows, features, class names); each row is 30 features and 0 (malignant)
# or 1 (benign). Named columns, as in the data set's description (sklearn/datasets/descr/breast_cancer.rst):
names="mean_radius,mean_texture,mean_perimeter,mean_area,mean_smoothness,mean_compactness,mean_concavity,mean_concave_points,mean_symmetry,mean_fractal_dimension"
names="$names,radius_error,texture_error,perimeter_error,area_error,smoothness_error,compactness_error,concavity_error,concave_points_error,symmetry_error,fractal_dimension_error"
names="$names,worst_radius,worst_texture,worst_perimeter,worst_area,worst_smoothness,worst_compactness,worst_concavity,worst_concave_points,worst_symmetry,worst_fractal_dimension"
header="$names,diagnosis"
awk -F, -v header="$header" -v normal="$out/wdbc-normal.csv" -v test="$out/wdbc-test.csv" '
  NR == 1 { if ($1 != 569 || $2 != 30) { print "unexpected header: " $0 > "/dev/stderr"; exit 1 }
            print header > normal; print header > test; next }
  NF != 31 { print "line " NR " has " NF " fields, not 31" > "/dev/stderr"; exit 1 }
  { label = ($31 == 1) ? "benign" : "malignant"; $31 = label; line = $0; gsub(/ /, ",", line) }
  label == "benign" { benign++; if (benign % 5 == 0) print line > test; else print line > normal; next }
  { print line > test }
' OFS=' ' "$work/raw.csv"
echo "wrote $(($(wc -l < "$out/wdbc-normal.csv") - 1)) normal rows to $out/wdbc-normal.csv and $(($(wc -l < "$out/wdbc-test.csv") - 1)) test rows to $out/wdbc-test.csv"
