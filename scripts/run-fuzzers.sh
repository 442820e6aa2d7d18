#!/usr/bin/env bash
#===- run-fuzzers.sh - Run bq's libFuzzer harnesses -----------------------===#
#
# Usage: scripts/run-fuzzers.sh BUILD_DIR RUNS SECONDS
# FUZZ_SEED (environment): libFuzzer's -seed, 0 = random (CI fixes it).
#
# quantizer-fuzzer runs RUNS inputs (capped at SECONDS). bq-opt-fuzzer runs
# for SECONDS (or RUNS inputs) in libFuzzer's fork mode with
# -ignore_crashes=1, so that crashes inside upstream MLIR (libMLIR.so's own
# parsers, which bq cannot fix) do not end the run; every crash input is then
# replayed and classified by its stack: a frame in bq's code (bq:: or this
# repository) makes it a bq crash and fails this script; the others are
# listed as upstream crashes. Corpora live in BUILD_DIR/fuzz-corpus.
#===----------------------------------------------------------------------===#
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
runs=${2:-1000000}
seconds=${3:-300}
corpus=$build/fuzz-corpus
artifacts=$build/fuzz-artifacts
mkdir -p "$corpus/quantizer" "$corpus/bq-opt" "$artifacts"
# Seed bq-opt-fuzzer with every lit test input.
find "$root/test" -name '*.mlir' -exec cp {} "$corpus/bq-opt/" \;
# allow_user_poisoning=0: see scripts/run-tests.sh (BumpPtrAllocator slabs
# shared between instrumented bq code and the uninstrumented libMLIR.so).
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:allow_user_poisoning=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
seed=${FUZZ_SEED:-0}

stat() { grep -o "stat::$1: *[0-9]*" "$2" | tail -1 | grep -o '[0-9]*$'; }

echo "== quantizer-fuzzer: $runs runs (at most ${seconds}s) =="
log=$artifacts/quantizer.log
"$build/fuzz/quantizer-fuzzer" "$corpus/quantizer" -runs="$runs" -seed="$seed" \
  -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$artifacts/quantizer-" >"$log" 2>&1
if [[ $? -ne 0 ]]; then
  echo "quantizer-fuzzer: CRASH"; grep -E "ERROR|runtime error|invariant" "$log" | head
  status=1
fi
echo "quantizer-fuzzer: $(stat number_of_executed_units "$log") executions, $(stat average_exec_per_sec "$log")/s"

echo "== bq-opt-fuzzer: ${seconds}s (at most $runs runs), fork mode =="
log=$artifacts/bq-opt.log
rm -f "$artifacts"/bq-opt-crash-* "$artifacts"/crash-*
(cd "$artifacts" && "$build/fuzz/bq-opt-fuzzer" "$corpus/bq-opt" \
  -dict="$root/fuzz/bq.dict" -runs="$runs" -max_total_time="$seconds" \
  -seed="$seed" \
  -rss_limit_mb=4096 -timeout=30 -fork=1 -ignore_crashes=1 \
  -ignore_timeouts=1 -ignore_ooms=1 -print_final_stats=1 >"$log" 2>&1)
execs=$(grep -o 'exec/s: [0-9]*' "$log" | tail -1)
total=$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#')
echo "bq-opt-fuzzer: ${total:-0} executions ($execs)"
bq_crashes=0 upstream_crashes=0
for crash in "$artifacts"/crash-* ; do
  [[ -e "$crash" ]] || continue
  trace=$("$build/fuzz/bq-opt-fuzzer" "$crash" 2>&1)
  if grep -qE "in bq::|$root/(lib|include|tools)" <<<"$trace"; then
    bq_crashes=$((bq_crashes + 1))
    echo "bq crash: $crash"; grep -E "ERROR|runtime error" <<<"$trace" | head -3
    status=1
  else
    upstream_crashes=$((upstream_crashes + 1))
    frame=$(grep -m1 -oE "in mlir::[A-Za-z0-9_:]+" <<<"$trace")
    echo "upstream MLIR crash (not bq's code): $(basename "$crash") ${frame}"
  fi
done
echo "bq-opt-fuzzer: $bq_crashes crashes in bq, $upstream_crashes in upstream MLIR"
exit $status
