#!/bin/bash
# Run a command and print the peak of the summed resident memory of Chromium's processes while it
# runs (sampled every 0.2 s): what a browser benchmark costs in memory. Shared pages are counted
# once per process, so compare runs with each other rather than reading the absolute number.
# Usage: bench/peak_rss.sh WORKERS=4 node bench/browser_bench.mjs compare-pooled 1
#        (leading NAME=VALUE words are set in the command's environment)
set -u
envs=()
while [[ $# -gt 0 && "$1" == *=* ]]; do envs+=("$1"); shift; done
env "${envs[@]}" "$@" &
pid=$!
peak=0
while kill -0 "$pid" 2>/dev/null; do
  now=$(ps -C chromium -o rss= | awk '{s += $1} END {print int(s / 1024)}')
  [[ "$now" -gt "$peak" ]] && peak=$now
  sleep 0.2
done
wait "$pid"
echo "peak Chromium RSS: $peak MB"
