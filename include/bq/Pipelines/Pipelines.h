//===- Pipelines.h - bq's named pass pipelines ------------------*- C++ -*-===//

#ifndef BQ_PIPELINES_PIPELINES_H
#define BQ_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace bq {

/// Options of `bq-cpu-pipeline`.
struct CPUPipelineOptions
    : public mlir::PassPipelineOptions<CPUPipelineOptions> {
  Option<int64_t> tileRows{*this, "tile-rows",
                           llvm::cl::desc("Output rows per bit-serial "
                                          "micro-kernel (0: by bit widths)"),
                           llvm::cl::init(0)};
  Option<int64_t> tileCols{*this, "tile-cols",
                           llvm::cl::desc("Output columns per bit-serial "
                                          "micro-kernel (0: by bit widths)"),
                           llvm::cl::init(0)};
  Option<int64_t> rowBlock{*this, "row-block",
                           llvm::cl::desc("Activation rows per cache block"),
                           llvm::cl::init(64)};
};

/// Options of `bq-gpu-pipeline`.
struct GPUPipelineOptions
    : public mlir::PassPipelineOptions<GPUPipelineOptions> {
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("NVIDIA target chip (sm_XX)"),
                           llvm::cl::init("sm_90")};
  Option<std::string> features{
      *this, "features",
      llvm::cl::desc("NVPTX target features, e.g. +ptx80 (PTX ISA 8.0)"),
      llvm::cl::init("+ptx80")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("Kernel serialization of gpu-module-to-binary: isa "
                     "(PTX text), bin (cubin, needs ptxas) or fatbin "
                     "(needs ptxas and fatbinary)"),
      llvm::cl::init("fatbin")};
  Option<std::string> mma{
      *this, "mma",
      llvm::cl::desc("Matmul kernel: none (shared-memory popc kernel) or b1 "
                     "(tensor cores, nvvm.mma.sync b1 and_popc, sm_80+)"),
      llvm::cl::init("none")};
  Option<int64_t> tileM{*this, "tile-m",
                        llvm::cl::desc("Output rows per thread block of "
                                       "the popc kernel"),
                        llvm::cl::init(64)};
  Option<int64_t> tileN{*this, "tile-n",
                        llvm::cl::desc("Output columns per thread block of "
                                       "the popc kernel"),
                        llvm::cl::init(64)};
  Option<int64_t> tileK{*this, "tile-k",
                        llvm::cl::desc("Plane words staged in shared memory "
                                       "per step"),
                        llvm::cl::init(4)};
  Option<bool> hostEmulation{
      *this, "host-emulation",
      llvm::cl::desc("Run the kernel bodies as host loops and lower like "
                     "bq-cpu-pipeline (testing without a GPU)"),
      llvm::cl::init(false)};
};

/// Appends the GPU pipeline: convert-bq-to-gpu, the host lowering of what
/// is left, bufferization and deallocation, bq-gpu-emit-kernels, kernel
/// outlining, NVVM lowering and gpu-module-to-binary.
void buildBQGPUPipeline(mlir::OpPassManager &pm,
                        const GPUPipelineOptions &options);

/// Appends the CPU pipeline: bq-decompose, convert-bq-to-vector, one-shot
/// bufferization with function boundaries, buffer deallocation and the
/// upstream lowering to the LLVM dialect.
void buildBQCPUPipeline(mlir::OpPassManager &pm,
                        const CPUPipelineOptions &options);

/// Registers `bq-cpu-pipeline` and `bq-gpu-pipeline` with the global pass registry.
void registerBQPipelines();

} // namespace bq

#endif // BQ_PIPELINES_PIPELINES_H
