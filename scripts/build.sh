#!/usr/bin/env bash
# Build the release bundle into dist/: cargo → wasm-bindgen → wasm-opt → static files.
# The plain route (no Trunk): every tool comes from a registry and is pinned (see ARCHITECTURE.md).
# FEATURES=bench OUT=target/dist-bench: a bundle with the benchmark workloads (scripts/bench.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-dist}

cargo build --release --target wasm32-unknown-unknown --bin rosetta-app ${FEATURES:+--features "$FEATURES"}
rm -rf dist.tmp && mkdir -p dist.tmp
wasm-bindgen --target web --no-typescript --out-dir dist.tmp \
  target/wasm32-unknown-unknown/release/rosetta-app.wasm
# The features rustc's wasm32 target emits, plus simd128 from .cargo/config.toml.
# WASM_OPT_LEVEL=-O1 makes a quicker local build; releases and CI use -Oz (the smallest download).
node_modules/.bin/wasm-opt "${WASM_OPT_LEVEL:--Oz}" \
  --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  dist.tmp/rosetta-app_bg.wasm -o dist.tmp/rosetta-app_bg.wasm
cp index.html dist.tmp/
# Static assets and the demo, without the script that generated it.
(cd public && find . -type f ! -name '*.py' -print0 | xargs -0 -I{} cp --parents {} ../dist.tmp/)
rm -rf "$out" && mkdir -p "$(dirname "$out")" && mv dist.tmp "$out"
printf 'build: %s/ ready (%s KB of wasm)\n' "$out" "$(( $(stat -c %s "$out/rosetta-app_bg.wasm") / 1024 ))"
