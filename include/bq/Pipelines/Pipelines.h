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

/// Appends the CPU pipeline: bq-decompose, convert-bq-to-vector, one-shot
/// bufferization with function boundaries, buffer deallocation and the
/// upstream lowering to the LLVM dialect.
void buildBQCPUPipeline(mlir::OpPassManager &pm,
                        const CPUPipelineOptions &options);

/// Registers `bq-cpu-pipeline` with the global pass registry.
void registerBQPipelines();

} // namespace bq

#endif // BQ_PIPELINES_PIPELINES_H
