#!/usr/bin/env bash
# Every test and lint, in order; ends with one summary line: "N passed, M failed".
# Stages: format, clippy (native + wasm32), layering, native tests, in-browser tests, end-to-end.
set -uo pipefail
cd "$(dirname "$0")/.."
export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
export CARGO_TERM_COLOR=never

passed=0
failed=0
failures=()
log=$(mktemp -d)

stage() { printf '\n\033[1m== %s\033[0m\n' "$1"; }

# A check that is one test: pass or fail.
check() {
  local name=$1; shift
  stage "$name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$name"); fi
}

# A test runner: add its own counts (cargo's "test result:" lines, node's TAP "# pass/# fail").
run_counted() {
  local name=$1; shift
  stage "$name"
  local out="$log/$(echo "$name" | tr -c 'a-z0-9' '_').log"
  "$@" 2>&1 | tee "$out"
  local status=${PIPESTATUS[0]}
  local p f
  p=$(grep -E '^test result: ' "$out" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{s+=$1} END {print s+0}')
  f=$(grep -E '^test result: ' "$out" | sed -E 's/.* ([0-9]+) failed.*/\1/' | awk '{s+=$1} END {print s+0}')
  if grep -qE '^# pass [0-9]+' "$out"; then
    p=$(( ${p:-0} + $(grep -E '^# pass [0-9]+' "$out" | awk '{s+=$3} END {print s}') ))
    f=$(( ${f:-0} + $(grep -E '^# fail [0-9]+' "$out" | awk '{s+=$3} END {print s}') ))
  fi
  p=${p:-0}; f=${f:-0}
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi  # a crash or build failure counts
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$f" -ne 0 ]; then failures+=("$name"); fi
}

# Checked for the host and for wasm32: a dependency can pull in wasm-bindgen on wasm32 only
# (zip 9 does, through getrandom's `wasm_js`).
layering() {
  local bad=0
  for dir in crates/*/; do
    local pkg
    pkg=$(basename "$dir")
    for target in host wasm32-unknown-unknown; do
      local flag=()
      [ "$target" != host ] && flag=(--target "$target")
      if cargo tree -p "$pkg" "${flag[@]}" -e normal,build --prefix none 2>/dev/null \
          | grep -E '^(web-sys|wasm-bindgen|js-sys|leptos)[ -]' ; then
        echo "layering: $pkg depends on a web crate on $target (see above)"; bad=1
      fi
    done
  done
  [ "$bad" -eq 0 ] && echo "layering: crates/* are free of web-sys, wasm-bindgen, js-sys and leptos (host and wasm32)"
}

check "cargo fmt --check" cargo fmt --all -- --check
check "clippy (native)" cargo clippy --workspace --all-targets -- -D warnings
# wasm32: the app with its browser tests, and the pure crates' libraries (their unit tests use
# proptest, which needs an OS random source, and run natively).
clippy_wasm() {
  CLIPPY_CONF_DIR=.clippy-wasm cargo clippy --target wasm32-unknown-unknown \
    -p rosetta-app --lib --bins --tests -- -D warnings &&
  CLIPPY_CONF_DIR=.clippy-wasm cargo clippy --target wasm32-unknown-unknown \
    -p rosetta-io -p rosetta-core -p rosetta-engine -p rosetta-bench --lib -- -D warnings &&
  # The bench build's page and worker (scripts/bench.sh).
  CLIPPY_CONF_DIR=.clippy-wasm cargo clippy --target wasm32-unknown-unknown \
    -p rosetta-app --features bench --lib --bins -- -D warnings
}
check "clippy (wasm32)" clippy_wasm
check "layering (cargo tree)" layering
run_counted "native tests" cargo test --workspace
# The release bundle, in the background: its cargo step takes the build directory's lock first,
# the in-browser tests' cargo waits for it (and reuses its compiled dependencies, --release), then
# compiles while wasm-opt (single-threaded, minutes) shrinks the bundle.
scripts/build.sh >"$log/build.log" 2>&1 &
build_pid=$!
sleep 5
run_counted "in-browser tests (wasm-bindgen-test, headless Chromium)" \
  cargo test --release --target wasm32-unknown-unknown --test browser
release_build() { wait "$build_pid"; local status=$?; cat "$log/build.log"; return "$status"; }
check "release build" release_build
run_counted "end-to-end tests (Playwright, headless Chromium)" \
  node --test --test-reporter=tap tests/e2e/

rm -rf "$log"
echo
if [ "$failed" -ne 0 ]; then echo "failed: ${failures[*]}"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
