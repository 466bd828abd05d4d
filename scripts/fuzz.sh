#!/usr/bin/env bash
# Fuzz every parser with cargo-fuzz (libFuzzer, nightly). Seeds: the good files of tests/formats and
# the bad-input catalogue. Prints one line per target: executions, seconds, findings.
# Usage: scripts/fuzz.sh [seconds per target] [targets…]     (make test runs a 4-second smoke)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz: no nightly toolchain on this machine (cargo-fuzz needs one): skipped"
  exit 0
fi
if ! command -v cargo-fuzz >/dev/null; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --quiet || exit 1
fi
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v rosetta-fuzz)
fi
seed() { # target → file patterns
  case $1 in
    npy) echo "*.npy" ;; npz) echo "*.npz" ;; safetensors) echo "*.safetensors" ;;
    parquet) echo "*.parquet" ;; arrow) echo "*.feather *.arrow" ;; csv) echo "*.csv" ;;
    tsv_vectors) echo "vectors.tsv *.tsv" ;; tsv_metadata) echo "metadata.tsv labels.tsv" ;;
    json) echo "*.json" ;; jsonl) echo "*.jsonl" ;; gzip) echo "*.gz" ;; projector) echo "projector_config.json" ;;
  esac
}
(cd fuzz && cargo +nightly fuzz build -O 2>&1 | tail -2) || exit 1  # builds every target
status=0
for t in "${targets[@]}"; do
  corpus=fuzz/corpus/$t
  mkdir -p "$corpus"
  for p in $(seed "$t"); do
    find tests/formats tests/bad-inputs/files -name "$p" -exec cp {} "$corpus/" \; 2>/dev/null
  done
  log=$(mktemp)
  (cd fuzz && cargo +nightly fuzz run -O "$t" "corpus/$t" -- -max_total_time="$seconds" -rss_limit_mb=4096 \
     -max_len=1048576 >"$log" 2>&1)
  rc=$?
  runs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -1)
  if [ $rc -ne 0 ]; then
    status=1
    echo "fuzz: $t: FINDING after ${runs:-?} runs (exit $rc); see fuzz/artifacts/$t"
    grep -E "panicked|ERROR|SUMMARY" "$log" | head -5
  else
    echo "fuzz: $t: ${runs:-?} executions in ${seconds}s, no finding"
  fi
  rm -f "$log"
done
exit $status
