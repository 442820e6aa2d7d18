//===- BQOptFuzzer.cpp - libFuzzer harness for bq's passes ----------------===//
//
// Parses the input as MLIR; if it parses and verifies, runs
//   bq-fold-constants, bq-quant-report, bq-quantize-linalg, bq-decompose,
//   canonicalize and bq-cpu-pipeline (to the LLVM dialect); and, on a copy,
//   bq-gpu-emit-kernels, bq-quantize-linalg, convert-bq-to-gpu and
//   bq-gpu-emit-kernels again
// on it. Diagnostics are expected and silenced; crashes, sanitizer reports
// and IR that fails to verify after a successful pass (the pass manager's
// verifier is on) are findings.
//
//===----------------------------------------------------------------------===//

#include "bq/InitAllWithUpstream.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <memory>
#include <string>

namespace {

mlir::MLIRContext &context() {
  static std::unique_ptr<mlir::MLIRContext> ctx = [] {
    bq::registerUpstreamAndBQPasses();
    mlir::DialectRegistry registry;
    bq::registerUpstreamAndBQDialects(registry);
    auto c = std::make_unique<mlir::MLIRContext>(registry);
    c->loadAllAvailableDialects();
    c->disableMultithreading();
    return c;
  }();
  return *ctx;
}

constexpr const char *kPipeline =
    "bq-fold-constants,bq-quant-report,bq-quantize-linalg,bq-decompose,"
    "canonicalize,bq-cpu-pipeline";

/// The GPU path on a copy of the input: wrapper declarations the input
/// itself declares (malformed bq.gpu_kernel dictionaries), then the
/// wrappers of every quantized matmul, defined right away (their types are
/// memrefs already). Upstream's lowering of the kernels is left out: it
/// is slow and not bq's code.
constexpr const char *kGpuPipeline =
    "bq-gpu-emit-kernels,bq-quantize-linalg,convert-bq-to-gpu,"
    "bq-gpu-emit-kernels{mma=b1}";

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext &ctx = context();
  mlir::ScopedDiagnosticHandler silence(
      &ctx, [](mlir::Diagnostic &) { return mlir::success(); });
  // MLIR's lexer expects a null-terminated buffer, as bq-opt's file
  // reading provides; libFuzzer's input is not.
  std::string text(reinterpret_cast<const char *>(data), size);
  mlir::ParserConfig config(&ctx);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text, config);
  if (!module)
    return 0;
  mlir::OwningOpRef<mlir::ModuleOp> copy = module->clone();
  for (auto [pipeline, input] :
       {std::pair{kPipeline, &module}, std::pair{kGpuPipeline, &copy}}) {
    mlir::PassManager pm(&ctx);
    if (mlir::failed(mlir::parsePassPipeline(pipeline, pm)))
      __builtin_trap();
    (void)pm.run(**input);
  }
  return 0;
}
