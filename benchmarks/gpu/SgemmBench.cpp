//===- SgemmBench.cpp - cuBLAS SGEMM baseline on the same GPU -------------===//
//
// The float baseline of benchmarks/gpu/bench_gpu.py: C = A * B in f32 with
// cuBLAS (FP32 math, no TF32), timed with CUDA events over repeated calls
// after a warm-up. Prints one line: `sgemm M N K mean_us min_us TFLOPS`.
// Usage: gpu-sgemm-bench [M N K [repeats]]
//
//===----------------------------------------------------------------------===//

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define CHECK_CUDA(call)                                                       \
  do {                                                                         \
    cudaError_t err = (call);                                                  \
    if (err != cudaSuccess) {                                                  \
      std::fprintf(stderr, "%s: %s\n", #call, cudaGetErrorString(err));        \
      return 1;                                                                \
    }                                                                          \
  } while (0)
#define CHECK_CUBLAS(call)                                                     \
  do {                                                                         \
    cublasStatus_t status = (call);                                            \
    if (status != CUBLAS_STATUS_SUCCESS) {                                     \
      std::fprintf(stderr, "%s: status %d\n", #call, int(status));             \
      return 1;                                                                \
    }                                                                          \
  } while (0)

int main(int argc, char **argv) {
  int m = argc > 3 ? std::atoi(argv[1]) : 4096;
  int n = argc > 3 ? std::atoi(argv[2]) : 4096;
  int k = argc > 3 ? std::atoi(argv[3]) : 4096;
  int repeats = argc > 4 ? std::atoi(argv[4]) : 20;
  std::vector<float> host(size_t(std::max(m, n)) * k);
  for (size_t i = 0; i < host.size(); ++i)
    host[i] = float(int(i * 2654435761u % 2001) - 1000) / 1000.0f;
  float *a, *b, *c;
  CHECK_CUDA(cudaMalloc(&a, sizeof(float) * m * k));
  CHECK_CUDA(cudaMalloc(&b, sizeof(float) * k * n));
  CHECK_CUDA(cudaMalloc(&c, sizeof(float) * m * n));
  CHECK_CUDA(cudaMemcpy(a, host.data(), sizeof(float) * m * k,
                        cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(b, host.data(), sizeof(float) * k * n,
                        cudaMemcpyHostToDevice));
  cublasHandle_t handle;
  CHECK_CUBLAS(cublasCreate(&handle));
  CHECK_CUBLAS(cublasSetMathMode(handle, CUBLAS_PEDANTIC_MATH));
  const float one = 1.0f, zero = 0.0f;
  // Row-major C = A * B is column-major C^T = B^T * A^T.
  auto gemm = [&] {
    return cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &one, b, n, a,
                       k, &zero, c, n);
  };
  CHECK_CUBLAS(gemm());
  CHECK_CUDA(cudaDeviceSynchronize());
  cudaEvent_t start, stop;
  CHECK_CUDA(cudaEventCreate(&start));
  CHECK_CUDA(cudaEventCreate(&stop));
  std::vector<float> times;
  for (int r = 0; r < repeats; ++r) {
    CHECK_CUDA(cudaEventRecord(start));
    CHECK_CUBLAS(gemm());
    CHECK_CUDA(cudaEventRecord(stop));
    CHECK_CUDA(cudaEventSynchronize(stop));
    float ms = 0;
    CHECK_CUDA(cudaEventElapsedTime(&ms, start, stop));
    times.push_back(ms);
  }
  double sum = 0;
  for (float t : times)
    sum += t;
  double mean = sum / times.size();
  double best = *std::min_element(times.begin(), times.end());
  std::printf("sgemm %d %d %d mean_us %.3f min_us %.3f TFLOPS %.2f\n", m, n, k,
              1e3 * mean, 1e3 * best, 2.0 * m * n * k / (best * 1e-3) / 1e12);
  cublasDestroy(handle);
  cudaFree(a);
  cudaFree(b);
  cudaFree(c);
  return 0;
}
