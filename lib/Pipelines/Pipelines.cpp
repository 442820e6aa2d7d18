//===- Pipelines.cpp - bq's named pass pipelines --------------------------===//

#include "bq/Pipelines/Pipelines.h"

#include "bq/Conversion/Passes.h"
#include "bq/Dialect/BQ/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

/// The upstream bufferization: tensors to memrefs, then free buffers.
static constexpr llvm::StringLiteral kBufferize =
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-deallocation-pipeline,"
    "convert-bufferization-to-memref";

/// The upstream lowering of host code on memrefs to the LLVM dialect.
static constexpr llvm::StringLiteral kLowerToLLVM =
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

static void addUpstream(OpPassManager &pm, llvm::StringRef pipeline) {
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    llvm::report_fatal_error("bq pipelines: bad upstream pipeline");
}

void bq::buildBQCPUPipeline(OpPassManager &pm,
                            const CPUPipelineOptions &options) {
  pm.addPass(createBQDecompose());
  ConvertBQToVectorOptions lowering;
  lowering.tileRows = options.tileRows;
  lowering.tileCols = options.tileCols;
  lowering.rowBlock = options.rowBlock;
  pm.addPass(createConvertBQToVector(lowering));
  pm.addPass(createCanonicalizerPass());
  addUpstream(pm, kBufferize);
  addUpstream(pm, kLowerToLLVM);
}

namespace {
/// Reports a bad pipeline option as an error on the module (a pipeline
/// builder cannot fail by itself).
struct InvalidOptionPass
    : public PassWrapper<InvalidOptionPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(InvalidOptionPass)
  explicit InvalidOptionPass(std::string message)
      : message(std::move(message)) {}
  StringRef getArgument() const override { return "bq-invalid-option"; }
  void runOnOperation() override {
    emitError(getOperation().getLoc(), message);
    signalPassFailure();
  }
  std::string message;
};
} // namespace

/// Whether `value` can be spliced into `{key=value}` of a textual pipeline.
static bool isSpliceable(llvm::StringRef value) {
  return llvm::all_of(value, [](char c) {
    return llvm::isAlnum(c) || llvm::is_contained("_+-.,", c);
  });
}

void bq::buildBQGPUPipeline(OpPassManager &pm,
                            const GPUPipelineOptions &options) {
  for (auto [name, value] : {std::pair{"chip", &options.chip},
                             std::pair{"features", &options.features}}) {
    if (!isSpliceable(*value))
      return pm.addPass(std::make_unique<InvalidOptionPass>(llvm::formatv(
          "bq-gpu-pipeline: bad {0} '{1}'", name, value->getValue())));
  }
  if (!llvm::is_contained({"isa", "bin", "fatbin"}, options.format.getValue()))
    return pm.addPass(std::make_unique<InvalidOptionPass>(
        llvm::formatv("bq-gpu-pipeline: format must be isa, bin or fatbin, "
                      "not '{0}'",
                      options.format.getValue())));
  pm.addPass(createConvertBQToGPU());
  pm.addPass(createCanonicalizerPass());
  // Whatever stays on the host (other bq ops) takes the CPU path.
  pm.addPass(createBQDecompose());
  pm.addPass(createConvertBQToVector());
  pm.addPass(createCanonicalizerPass());
  addUpstream(pm, kBufferize);
  BQGPUEmitKernelsOptions kernels;
  kernels.mma = options.mma;
  kernels.chip = options.chip;
  kernels.features = options.features;
  kernels.tileM = options.tileM;
  kernels.tileN = options.tileN;
  kernels.tileK = options.tileK;
  kernels.hostEmulation = options.hostEmulation;
  pm.addPass(createBQGPUEmitKernels(kernels));
  if (options.hostEmulation)
    return addUpstream(pm, kLowerToLLVM);
  // Checked above: the values cannot break the pipeline text.
  std::string target =
      llvm::formatv("nvvm-attach-target{{chip={0} features={1}}", options.chip,
                    options.features);
  std::string binary =
      llvm::formatv("gpu-module-to-binary{{format={0}}", options.format);
  addUpstream(pm, "convert-linalg-to-loops,lower-affine,convert-vector-to-scf,"
                  "gpu-kernel-outlining," +
                      target +
                      ",gpu.module(convert-scf-to-cf,convert-math-to-llvm,"
                      "convert-gpu-to-nvvm,canonicalize,cse,"
                      "reconcile-unrealized-casts),"
                      "convert-scf-to-cf,expand-strided-metadata,lower-affine,"
                      "convert-math-to-llvm,convert-vector-to-llvm,"
                      "finalize-memref-to-llvm,gpu-to-llvm,convert-to-llvm,"
                      "reconcile-unrealized-casts," +
                      binary);
}

void bq::registerBQPipelines() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "bq-cpu-pipeline",
      "Lower a module of func/linalg/tensor/bq/arith/math/scf on tensors to "
      "the LLVM dialect for CPUs (bit-serial kernels on vector<8xi64>)",
      buildBQCPUPipeline);
  PassPipelineRegistration<GPUPipelineOptions>(
      "bq-gpu-pipeline",
      "Lower a module of func/linalg/tensor/bq/arith/math/scf on tensors to "
      "the LLVM dialect with bq matmuls as NVIDIA GPU kernels serialized by "
      "gpu-module-to-binary (PTX, cubin or fatbin)",
      buildBQGPUPipeline);
}
