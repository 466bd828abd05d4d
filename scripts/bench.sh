#!/usr/bin/env bash
# Benchmarks: the same workloads natively, in headless Chromium (the release bundle, in the worker)
# and with numpy/scikit-learn on one thread, measured in this run; prints a table of ratios.
# Usage: scripts/bench.sh [workloads] [scale]   e.g. scripts/bench.sh pca,relative 0.1
set -euo pipefail
cd "$(dirname "$0")/.."
workloads=${1:-parse,pca,relative,compare,scatter,maps}
scale=${2:-1}
out=target/bench
mkdir -p "$out"
# `maps` (UMAP, t-SNE against umap-learn and openTSNE) has its own harness, below.
maps=false
if [[ ",$workloads," == *,maps,* ]]; then
  maps=true
  workloads=$(echo ",$workloads," | sed 's/,maps,/,/; s/^,//; s/,$//')
fi

python3 -c 'import numpy, sklearn' 2>/dev/null || pip install --quiet numpy scikit-learn

if [ -n "$workloads" ]; then
  echo "bench: native (rosetta-bench, release)" >&2
  cargo build --release -q -p rosetta-bench
  target/release/rosetta-bench ${workloads//,/ } --scale "$scale" | tee "$out/native.jsonl" >&2

  echo "bench: numpy / scikit-learn, one thread" >&2
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    python3 bench/numpy_bench.py ${workloads//,/ } --scale "$scale" | tee "$out/numpy.jsonl" >&2

  echo "bench: in headless Chromium (wasm, SIMD128, worker)" >&2
  FEATURES=bench OUT=target/dist-bench scripts/build.sh >&2
  ROSETTA_DIST=target/dist-bench node bench/browser_bench.mjs "$workloads" "$scale" | tee "$out/wasm.jsonl" >&2

  echo
  node bench/report.mjs "$out/native.jsonl" "$out/wasm.jsonl" "$out/numpy.jsonl" | tee "$out/report.md"
fi

if $maps; then
  python3 -c 'import umap, openTSNE' 2>/dev/null || pip install --quiet umap-learn openTSNE
  echo "bench: maps (rosetta project against umap-learn and openTSNE, one thread)" >&2
  cargo build --release -q -p rosetta-cli
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \
    python3 bench/maps_bench.py | tee "$out/maps.jsonl"
  echo "bench: maps in the tab (release bundle, worker pool)" >&2
  [ -f target/dist-bench/index.html ] || FEATURES=bench OUT=target/dist-bench scripts/build.sh >&2
  ROSETTA_DIST=target/dist-bench node bench/maps_tab.mjs "$out/maps-clusters-20000-x-384.npy" \
    | tee -a "$out/maps.jsonl"
  echo "bench: maps by Embedding Atlas's wasm UMAP and umap-js in the same Chromium" >&2
  node bench/maps_js.mjs "$out/maps-clusters-20000-x-384.npy" | tee -a "$out/maps.jsonl"
fi
