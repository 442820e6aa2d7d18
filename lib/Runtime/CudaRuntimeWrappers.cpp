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
//===----------------------------------------------------------------------===//

#include <cuda.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

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

BQ_EXPORT CUfunction mgpuModuleGetFunction(CUmodule module,
                                           const char *name) {
  ScopedContext scope;
  CUfunction function = nullptr;
  BQ_CUDA(cuModuleGetFunction(&function, module, name));
  return function;
}

BQ_EXPORT void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                                intptr_t gridY, intptr_t gridZ,
                                intptr_t blockX, intptr_t blockY,
                                intptr_t blockZ, int32_t smem,
                                CUstream stream, void **params, void **extra,
                                size_t /*paramsCount*/) {
  ScopedContext scope;
  if (smem > 0)
    BQ_CUDA(cuFuncSetAttribute(
        function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem));
  BQ_CUDA(cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY,
                         blockZ, smem, stream, params, extra));
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
                        reinterpret_cast<CUdeviceptr>(src), sizeBytes,
                        stream));
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
