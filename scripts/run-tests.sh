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

# `make test-sanitize`: the tree is built with ASan + UBSan against the
# shared sanitizer runtime. Tools that bq's code is loaded into without
# being linked with the runtime (stock mlir-opt with the plugin, python with
# the extension) get it preloaded; leak checking is on for the unit tests
# only (MLIR and Python keep process-lifetime allocations by design).
# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons the unused part of
# a slab when its (inline) code is compiled with ASan, as bq's is; the
# uninstrumented libMLIR.so then allocates from the same slab without
# unpoisoning it, a false use-after-poison (seen in StorageUniquer when bq
# creates an attribute and MLIR a dense elements attribute right after).
if [[ -n "${BQ_SANITIZE:-}" ]]; then
  asan_rt=$(clang++-22 -print-file-name=libclang_rt.asan-x86_64.so)
  export LD_LIBRARY_PATH="$(dirname "$asan_rt")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export ASAN_OPTIONS=detect_leaks=0:allow_user_poisoning=0
  preload="$asan_rt"
fi

echo "== lit (check-bq) =="
if ! LD_PRELOAD=${preload:-} "$llvm_bin/lit" -sv "$build/test"; then
  failed+=(lit)
fi

echo "== ctest =="
if ! (cd "$build" && \
      ASAN_OPTIONS=detect_leaks=${BQ_SANITIZE:+1}:allow_user_poisoning=0 \
      ctest --output-on-failure -j "$jobs" --no-tests=error); then
  failed+=(ctest)
fi

echo "== pytest =="
BQ_BUILD_DIR="$build" LD_PRELOAD=${preload:-} "$python" -m pytest -q \
  "$root/python/tests"
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
