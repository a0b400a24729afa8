#!/usr/bin/env bash
# Runs `npm test` N times in a row (default 5) with one core kept busy (stress-ng --cpu 1 if it is
# installed, else a busy loop), as a loaded CI machine would; stops at the first failing run and
# prints each run's wall time. A flaky test shows here; no run is ever retried.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-5}"
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: bash scripts/stress-suite.sh [RUNS]  (RUNS: a positive integer, default 5)" >&2
  exit 2
fi

if command -v stress-ng >/dev/null; then
  stress-ng --cpu 1 --quiet &
else
  echo "stress-suite: stress-ng is not installed; a shell busy loop keeps one core busy instead"
  bash -c 'while :; do :; done' &
fi
busy=$!
trap 'kill "$busy" 2>/dev/null; wait "$busy" 2>/dev/null || true' EXIT

for ((run = 1; run <= runs; run++)); do
  started=$SECONDS
  if ! npm test; then
    echo "stress-suite: run $run of $runs FAILED after $((SECONDS - started)) s (see above)"
    exit 1
  fi
  echo "stress-suite: run $run of $runs passed in $((SECONDS - started)) s"
done
echo "stress-suite: $runs runs in a row passed"
