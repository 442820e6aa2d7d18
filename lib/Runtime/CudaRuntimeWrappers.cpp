//===- CudaRuntimeWrappers.cpp - mgpu* functions over the CUDA driver -----===//
//
// The functions that MLIR's GPU lowering (gpu-to-llvm, and the
// #gpu.select_object offloading of gpu-module-to-binary) calls at run time,
// implemented over the CUDA driver API, so that mlir-runner or the bq
// Python package can run `bq-gpu-pipeline` output on an NVIDIA GPU:
//
//   mlir-runner -e main -entry-point-result=void \
//     -shared-libs=<build>/lib/libbq_cuda_runtime.so,<runner utils> ...
//
// Debian's MLIR ships no libmlir_cuda_runtime.so; this is bq's. It uses
// device 0, its primary context and stream-ordered allocation
// (cuMemAllocAsync / cuMemFreeAsync), so that device buffers follow the
// async token chain of the lowered code. A failing driver call prints the
// call and its error name and aborts: a kernel that did not run must not
// leave plausible-looking results behind.
//
// With BQ_CUDA_PROFILE=1 in the environment every launch is bracketed by
// CUDA events and, at exit, one line per kernel reports its launches and
// mean / minimum device time (what benchmarks/gpu/bench_gpu.py reads).
//
//===----------------------------------------------------------------------===//

#include <cuda.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#define BQ_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

void check(CUresult result, const char *call) {
  if (result == CUDA_SUCCESS)
    return;
  const char *name = nullptr;
  cuGetErrorName(result, &name);
  std::fprintf(stderr, "bq_cuda_runtime: %s failed: %s\n", call,
               name ? name : "unknown error");
  std::abort();
}

#define BQ_CUDA(call) check(call, #call)

int defaultDevice = 0;

/// Makes the primary context of the default device current for one call.
class ScopedContext {
public:
  ScopedContext() {
    static CUcontext context = [] {
      BQ_CUDA(cuInit(0));
      CUdevice device;
      BQ_CUDA(cuDeviceGet(&device, defaultDevice));
      CUcontext primary;
      BQ_CUDA(cuDevicePrimaryCtxRetain(&primary, device));
      return primary;
    }();
    BQ_CUDA(cuCtxPushCurrent(context));
  }
  ~ScopedContext() {
    CUcontext popped;
    BQ_CUDA(cuCtxPopCurrent(&popped));
  }
};

/// Kernel timing for BQ_CUDA_PROFILE=1.
class Profile {
public:
  static Profile &get() {
    static Profile profile;
    return profile;
  }
  bool enabled() const { return on; }
  void name(CUfunction function, const char *kernel) {
    names[function] = kernel;
  }
  /// Records a start event before and a stop event after one launch.
  CUevent start(CUfunction function, CUstream stream) {
    CUevent begin, end;
    BQ_CUDA(cuEventCreate(&begin, CU_EVENT_DEFAULT));
    BQ_CUDA(cuEventCreate(&end, CU_EVENT_DEFAULT));
    BQ_CUDA(cuEventRecord(begin, stream));
    launches.push_back({function, begin, end});
    return end;
  }
  ~Profile() {
    if (launches.empty())
      return;
    ScopedContext scope;
    std::map<std::string, std::vector<float>> times;
    for (const Launch &launch : launches) {
      float ms = 0;
      if (cuEventSynchronize(launch.end) != CUDA_SUCCESS ||
          cuEventElapsedTime(&ms, launch.begin, launch.end) != CUDA_SUCCESS)
        continue;
      times[names[launch.function]].push_back(ms);
    }
    for (auto &[kernel, ms] : times) {
      double sum = 0;
      for (float t : ms)
        sum += t;
      std::fprintf(stderr,
                   "bq_cuda_profile: kernel %s launches %zu mean_us %.3f "
                   "min_us %.3f\n",
                   kernel.c_str(), ms.size(), 1e3 * sum / ms.size(),
                   1e3 * *std::min_element(ms.begin(), ms.end()));
    }
  }

private:
  Profile() {
    const char *env = std::getenv("BQ_CUDA_PROFILE");
    on = env && env[0] == '1';
  }
  struct Launch {
    CUfunction function;
    CUevent begin, end;
  };
  bool on = false;
  std::map<CUfunction, std::string> names;
  std::vector<Launch> launches;
};

} // namespace

BQ_EXPORT void mgpuSetDefaultDevice(int32_t device) { defaultDevice = device; }

BQ_EXPORT CUmodule mgpuModuleLoad(void *data, size_t /*size*/) {
  ScopedContext scope;
  CUmodule module = nullptr;
  BQ_CUDA(cuModuleLoadData(&module, data));
  return module;
}

BQ_EXPORT CUmodule mgpuModuleLoadJIT(void *data, int optLevel) {
  ScopedContext scope;
  CUmodule module = nullptr;
  CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {reinterpret_cast<void *>(intptr_t(optLevel))};
  BQ_CUDA(cuModuleLoadDataEx(&module, data, 1, options, values));
  return module;
}

BQ_EXPORT void mgpuModuleUnload(CUmodule module) {
  ScopedContext scope;
  BQ_CUDA(cuModuleUnload(module));
}

BQ_EXPORT CUfunction mgpuModuleGetFunction(CUmodule module, const char *name) {
  ScopedContext scope;
  CUfunction function = nullptr;
  BQ_CUDA(cuModuleGetFunction(&function, module, name));
  if (Profile::get().enabled())
    Profile::get().name(function, name);
  return function;
}

BQ_EXPORT void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                                intptr_t gridY, intptr_t gridZ, intptr_t blockX,
                                intptr_t blockY, intptr_t blockZ, int32_t smem,
                                CUstream stream, void **params, void **extra,
                                size_t /*paramsCount*/) {
  // An empty grid (e.g. zero rows at run time) launches nothing; CUDA would
  // reject it as an invalid configuration.
  if (gridX == 0 || gridY == 0 || gridZ == 0)
    return;
  ScopedContext scope;
  if (smem > 0)
    BQ_CUDA(cuFuncSetAttribute(
        function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem));
  CUevent end = nullptr;
  if (Profile::get().enabled())
    end = Profile::get().start(function, stream);
  BQ_CUDA(cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                         smem, stream, params, extra));
  if (end)
    BQ_CUDA(cuEventRecord(end, stream));
}

BQ_EXPORT CUstream mgpuStreamCreate() {
  ScopedContext scope;
  CUstream stream = nullptr;
  BQ_CUDA(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
  return stream;
}

BQ_EXPORT void mgpuStreamDestroy(CUstream stream) {
  ScopedContext scope;
  BQ_CUDA(cuStreamDestroy(stream));
}

BQ_EXPORT void mgpuStreamSynchronize(CUstream stream) {
  ScopedContext scope;
  BQ_CUDA(cuStreamSynchronize(stream));
}

BQ_EXPORT void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  ScopedContext scope;
  BQ_CUDA(cuStreamWaitEvent(stream, event, /*flags=*/0));
}

BQ_EXPORT CUevent mgpuEventCreate() {
  ScopedContext scope;
  CUevent event = nullptr;
  BQ_CUDA(cuEventCreate(&event, CU_EVENT_DISABLE_TIMING));
  return event;
}

BQ_EXPORT void mgpuEventDestroy(CUevent event) {
  ScopedContext scope;
  BQ_CUDA(cuEventDestroy(event));
}

BQ_EXPORT void mgpuEventSynchronize(CUevent event) {
  ScopedContext scope;
  BQ_CUDA(cuEventSynchronize(event));
}

BQ_EXPORT void mgpuEventRecord(CUevent event, CUstream stream) {
  ScopedContext scope;
  BQ_CUDA(cuEventRecord(event, stream));
}

BQ_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, CUstream stream,
                             bool isHostShared) {
  ScopedContext scope;
  CUdeviceptr ptr = 0;
  if (sizeBytes == 0)
    return nullptr;
  if (isHostShared)
    BQ_CUDA(cuMemAllocManaged(&ptr, sizeBytes, CU_MEM_ATTACH_GLOBAL));
  else
    BQ_CUDA(cuMemAllocAsync(&ptr, sizeBytes, stream));
  return reinterpret_cast<void *>(ptr);
}

BQ_EXPORT void mgpuMemFree(void *ptr, CUstream stream) {
  if (!ptr)
    return;
  ScopedContext scope;
  BQ_CUDA(cuMemFreeAsync(reinterpret_cast<CUdeviceptr>(ptr), stream));
}

BQ_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                          CUstream stream) {
  if (sizeBytes == 0)
    return;
  ScopedContext scope;
  BQ_CUDA(cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                        reinterpret_cast<CUdeviceptr>(src), sizeBytes, stream));
}

BQ_EXPORT void mgpuMemset32(void *dst, unsigned int value, size_t count,
                            CUstream stream) {
  ScopedContext scope;
  BQ_CUDA(cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                           stream));
}

BQ_EXPORT void mgpuMemset16(void *dst, unsigned short value, size_t count,
                            CUstream stream) {
  ScopedContext scope;
  BQ_CUDA(cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                           stream));
}
