#!/usr/bin/env bash
# A copy of dist/ whose relaxed-simd worker bundle is this checkout's code, built without
# wasm-opt (which drops the names that profiles show; -Oz measured no faster): for comparing
# bundles side by side (bench/interleave.sh) and for bench/worker_profile.mjs.
# Usage: bench/bench_bundle.sh OUT_DIR   (dist/ must exist: scripts/build.sh; its JS glue must
# match this code's, else build dist/ again)
set -euo pipefail
out=${1:?usage: bench/bench_bundle.sh OUT_DIR}
cd "$(dirname "$0")/.."
cargo build --release --target wasm32-unknown-unknown --bin rosetta-app --features relaxed-simd
glue=$(mktemp -d)
trap 'rm -rf "$glue"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$glue" \
  target/wasm32-unknown-unknown/release/rosetta-app.wasm
if ! cmp -s "$glue/rosetta-app.js" dist/rosetta-app.js; then
  echo "bench_bundle: dist/'s JS glue is not this code's: run scripts/build.sh first" >&2
  exit 1
fi
rm -rf "$out" && cp -r dist "$out"
cp "$glue/rosetta-app_bg.wasm" "$out/rosetta-app_relaxed_bg.wasm"
echo "bench_bundle: $out"
