#!/usr/bin/env bash
# Build the release bundle into dist/: cargo → wasm-bindgen → wasm-opt → static files.
# The plain route (no Trunk): every tool comes from a registry and is pinned (see ARCHITECTURE.md).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --target wasm32-unknown-unknown --bin rosetta-app
rm -rf dist.tmp && mkdir -p dist.tmp
wasm-bindgen --target web --no-typescript --out-dir dist.tmp \
  target/wasm32-unknown-unknown/release/rosetta-app.wasm
# The features rustc's wasm32 target emits, plus simd128 from .cargo/config.toml.
# WASM_OPT_LEVEL=-O1 makes a quicker local build; releases and CI use -Oz (the smallest download).
node_modules/.bin/wasm-opt "${WASM_OPT_LEVEL:--Oz}" \
  --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  dist.tmp/rosetta-app_bg.wasm -o dist.tmp/rosetta-app_bg.wasm
# The same app again with relaxed-simd (the GEMM kernel's fused multiply-add, rosetta-core gemm.rs):
# public/worker.js loads it where the browser validates relaxed-simd (Chromium since 114), the plain
# bundle elsewhere (Safari). A cargo feature, so only rosetta-core and the app compile again.
cargo build --release --target wasm32-unknown-unknown --bin rosetta-app --features relaxed-simd
wasm-bindgen --target web --no-typescript --out-dir dist.tmp/relaxed \
  target/wasm32-unknown-unknown/release/rosetta-app.wasm
# One JS glue serves both bundles: they must import and export the same things.
if ! cmp -s dist.tmp/relaxed/rosetta-app.js dist.tmp/rosetta-app.js; then
  echo "build: the relaxed-simd bundle's wasm-bindgen glue differs from the plain one's" >&2
  exit 1
fi
node_modules/.bin/wasm-opt "${WASM_OPT_LEVEL:--Oz}" \
  --enable-simd --enable-relaxed-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  dist.tmp/relaxed/rosetta-app_bg.wasm -o dist.tmp/rosetta-app_relaxed_bg.wasm
rm -rf dist.tmp/relaxed
cp index.html dist.tmp/
# Static assets and the demo, without the script that generated it.
(cd public && find . -type f ! -name '*.py' -print0 | xargs -0 -I{} cp --parents {} ../dist.tmp/)
rm -rf dist && mv dist.tmp dist
printf 'build: dist/ ready (%s KB of wasm, %s KB relaxed-simd)\n' \
  "$(( $(stat -c %s dist/rosetta-app_bg.wasm) / 1024 ))" \
  "$(( $(stat -c %s dist/rosetta-app_relaxed_bg.wasm) / 1024 ))"
