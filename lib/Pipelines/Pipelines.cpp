//===- Pipelines.cpp - bq's named pass pipelines --------------------------===//

#include "bq/Pipelines/Pipelines.h"

#include "bq/Conversion/Passes.h"
#include "bq/Dialect/BQ/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

/// The upstream part: bufferize, free buffers, lower to the LLVM dialect.
static constexpr llvm::StringLiteral kLowerToLLVM =
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-deallocation-pipeline,"
    "convert-bufferization-to-memref,"
    "convert-linalg-to-loops,"
    "lower-affine,"
    "convert-vector-to-scf,"
    "convert-scf-to-cf,"
    "expand-strided-metadata,"
    "lower-affine,"
    "convert-math-to-llvm,"
    "convert-vector-to-llvm,"
    "finalize-memref-to-llvm,"
    "convert-to-llvm,"
    "reconcile-unrealized-casts";

void bq::buildBQCPUPipeline(OpPassManager &pm,
                            const CPUPipelineOptions &options) {
  pm.addPass(createBQDecompose());
  ConvertBQToVectorOptions lowering;
  lowering.tileRows = options.tileRows;
  lowering.tileCols = options.tileCols;
  lowering.rowBlock = options.rowBlock;
  pm.addPass(createConvertBQToVector(lowering));
  pm.addPass(createCanonicalizerPass());
  if (failed(parsePassPipeline(kLowerToLLVM, pm, llvm::errs())))
    llvm::report_fatal_error("bq-cpu-pipeline: bad upstream pipeline");
}

void bq::registerBQPipelines() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "bq-cpu-pipeline",
      "Lower a module of func/linalg/tensor/bq/arith/math/scf on tensors to "
      "the LLVM dialect for CPUs (bit-serial kernels on vector<8xi64>)",
      buildBQCPUPipeline);
}
