#!/usr/bin/env bash
# The one prepared script for a GPU machine (the `device` tool): builds if
# needed, runs the GPU integration tests (lit feature cuda-gpu) and the GPU
# throughput benchmark, and leaves the results under ${OUT:-build/gpu-out}.
#
#   benchmarks/gpu/run-on-device.sh            # tests + benchmark
#   SKIP_BENCH=1 benchmarks/gpu/run-on-device.sh
#
# Needs what `make build` needs plus an NVIDIA driver; the CUDA toolkit
# (ptxas, fatbinary, cuda.h, cuBLAS) must be where CMake's FindCUDAToolkit
# and gpu-module-to-binary look (PATH or /usr/local/cuda).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-build/gpu-out}
mkdir -p "$OUT"
export PATH="$PATH:/usr/local/cuda/bin"
status=0

nvidia-smi -L | tee "$OUT/gpu.txt" || { echo "no GPU visible"; exit 1; }
if [ ! -f build/build.ninja ]; then
  cmake -G Ninja -S . -B build -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DPython3_EXECUTABLE=/usr/bin/python3 || exit 1
fi
ninja -C build || exit 1
test -f build/lib/libbq_cuda_runtime.so || { echo "bq_cuda_runtime not built (no CUDA toolkit?)"; exit 1; }

/usr/lib/llvm-22/bin/lit -v build/test/Integration/GPU 2>&1 | tee "$OUT/lit-gpu.txt"
grep -q "Unsupported" "$OUT/lit-gpu.txt" && { echo "GPU tests unsupported: cuda-gpu feature missing"; status=1; }
grep -q "Failed" "$OUT/lit-gpu.txt" && status=1

if [ -z "${SKIP_BENCH:-}" ]; then
  /usr/bin/python3 benchmarks/gpu/bench_gpu.py --mma --json "$OUT/gpu-bench.json" \
    2>&1 | tee "$OUT/gpu-bench.md" || status=1
fi
exit $status
