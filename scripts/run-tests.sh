#!/usr/bin/env bash
#===- run-tests.sh - Run every bq test suite ------------------------------===#
#
# Runs lit (check-bq), ctest and pytest against a built tree, prints each
# runner's own summary, and exits non-zero if any suite fails or runs no
# test. Every suite runs even when an earlier one fails.
#
# Usage: scripts/run-tests.sh [build-dir]
#===----------------------------------------------------------------------===#
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
llvm_bin=${LLVM_PREFIX:-/usr/lib/llvm-22}/bin
python=${PYTHON:-/usr/bin/python3}
jobs=${JOBS:-$(nproc)}
failed=()

echo "== lit (check-bq) =="
if ! "$llvm_bin/lit" -sv "$build/test"; then
  failed+=(lit)
fi

echo "== ctest =="
if ! (cd "$build" && ctest --output-on-failure -j "$jobs" --no-tests=error); then
  failed+=(ctest)
fi

echo "== pytest =="
BQ_BUILD_DIR="$build" "$python" -m pytest -q "$root/python/tests"
status=$?
# Exit code 5 means no test was collected: a failure here, never a pass.
if [[ $status -ne 0 ]]; then
  failed+=(pytest)
fi

if [[ ${#failed[@]} -ne 0 ]]; then
  echo "bq: FAILED suites: ${failed[*]}"
  exit 1
fi
echo "bq: all suites passed (lit, ctest, pytest)"
