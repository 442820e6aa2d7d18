//===- InitAllWithUpstream.h - Register upstream MLIR and bq ----*- C++ -*-===//
//
// What a tool that runs bq pipelines registers: every upstream dialect,
// extension, pass and LLVM IR translation, plus bq's. Used by bq-opt, the
// Python extension, the fuzzer and the benchmarks. (libBQPlugin.so uses
// InitAll.h only: mlir-opt registers upstream itself.)
//
//===----------------------------------------------------------------------===//

#ifndef BQ_INITALLWITHUPSTREAM_H
#define BQ_INITALLWITHUPSTREAM_H

#include "bq/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

namespace bq {

/// Adds every upstream dialect, extension and LLVM IR translation and every
/// bq dialect to `registry`.
inline void registerUpstreamAndBQDialects(mlir::DialectRegistry &registry) {
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  registerAllBQDialects(registry);
}

/// Registers every upstream and bq pass and pipeline.
inline void registerUpstreamAndBQPasses() {
  mlir::registerAllPasses();
  registerAllBQPasses();
}

} // namespace bq

#endif // BQ_INITALLWITHUPSTREAM_H
