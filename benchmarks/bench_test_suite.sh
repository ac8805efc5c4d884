#!/usr/bin/env bash
# The test suite's time (issue 22 item 7), back to back in one run, with the load average before and after each:
#   1. a baseline checkout's suite as it ran then (one process), if BASELINE_DIR is given (e.g. a clone of 371ca78
#      with its own .venv);
#   2. this checkout's suite as ./dev test runs it (pytest-xdist, one worker per CPU, at most 4);
#   3. this checkout's suite in one process (-n 0), for the serial figure.
# Usage: benchmarks/bench_test_suite.sh [BASELINE_DIR]   (run ./dev check once before: it builds .venv)
# Figures are pytest's own "N passed in S s" plus /usr/bin/time's wall and CPU seconds.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
baseline="${1:-}"

run() {
  local name=$1 dir=$2
  shift 2
  echo "== $name ($dir: pytest $*)"
  echo "   start $(date -u +%T), load $(cut -d' ' -f1-3 /proc/loadavg)"
  (cd "$dir" && /usr/bin/time -f "   wall %e s, CPU %U s user + %S s sys" \
    .venv/bin/python -m pytest -q -p no:cacheprovider "$@" 2>&1 | grep -E "passed|failed|error|wall") || true
  echo "   end   $(date -u +%T), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

[ -n "$baseline" ] && run "baseline, one process" "$baseline"
run "this checkout, as ./dev test runs it" "$here" -n logical --maxprocesses=4
run "this checkout, one process" "$here" -n 0
