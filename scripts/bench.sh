#!/usr/bin/env bash
# Benchmarks: each prints ratios against a baseline measured in the same run (see BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "bench: no benchmarks yet (the loading and numerics issues add them)"
