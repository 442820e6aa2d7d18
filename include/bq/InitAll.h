//===- InitAll.h - Register all bq dialects and passes ----------*- C++ -*-===//

#ifndef BQ_INITALL_H
#define BQ_INITALL_H

#include "bq/Dialect/BQ/IR/BQ.h"
#include "bq/Conversion/Passes.h"
#include "bq/Dialect/BQ/Transforms/Passes.h"
#include "bq/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"

namespace bq {

/// Adds every bq dialect to `registry`.
inline void registerAllBQDialects(mlir::DialectRegistry &registry) {
  registry.insert<BQDialect>();
}

/// Registers every bq pass and pipeline with the global pass registry.
inline void registerAllBQPasses() {
  registerBQPasses();
  registerBQConversionPasses();
  registerBQPipelines();
}

} // namespace bq

#endif // BQ_INITALL_H
