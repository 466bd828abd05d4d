#!/usr/bin/env bash
# The same browser workload on several bundles in turn, round after round, with each bundle's
# totals and mean: these VMs' speed drifts by a third within minutes, so bundles measured in
# blocks one after the other compare different machines.
# Usage: bench/interleave.sh WORKLOAD ROUNDS DIST... (e.g. compare-pooled 5 /tmp/dist-old
# /tmp/dist-new: copies of dist/ from scripts/build.sh; WORKERS=N passes through)
set -euo pipefail
workload=${1:?usage: bench/interleave.sh WORKLOAD ROUNDS DIST...}
rounds=${2:?usage: bench/interleave.sh WORKLOAD ROUNDS DIST...}
shift 2
cd "$(dirname "$0")/.."
declare -A times
for r in $(seq "$rounds"); do
  for d in "$@"; do
    # The workload's first line is its total (then per-step lines, for compare-pooled).
    line=$(ROSETTA_DIST=$d node bench/browser_bench.mjs "$workload" 1 | head -1)
    ms=$(grep -o '"ms":[0-9.]*' <<<"$line" | cut -d: -f2)
    check=$(grep -o '"check":[-0-9.e]*' <<<"$line" | cut -d: -f2)
    printf 'round %s  %-28s %10.1f ms  check %s\n' "$r" "$d" "$ms" "$check"
    times[$d]="${times[$d]:-} $ms"
  done
done
for d in "$@"; do
  # shellcheck disable=SC2086 # reason: the list of times is meant to split into arguments
  printf 'mean %-33s %10.1f ms  (%s)\n' "$d" \
    "$(printf '%s\n' ${times[$d]} | awk '{s += $1} END {print s / NR}')" "${times[$d]# }"
done
