// RUN: %python %S/gpu_sweep.py --bq-opt bq-opt --runtime %bq_cuda_runtime --mma none
// RUN: %python %S/gpu_sweep.py --bq-opt bq-opt --runtime %bq_cuda_runtime --mma b1

// Random quantized matmuls of every bit-width pair (the cases of
// python/tests/test_gpu_emulation.py, larger) run on the GPU and compared
// with numpy: integer products exactly, float results with the CPU path.
// The script exits non-zero on any mismatch. (This file only carries the
// RUN lines; lit collects .mlir files.)
