//===- Passes.h - bq dialect passes -----------------------------*- C++ -*-===//

#ifndef BQ_DIALECT_BQ_TRANSFORMS_PASSES_H
#define BQ_DIALECT_BQ_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Pass/Pass.h"

namespace bq {

#define GEN_PASS_DECL
#include "bq/Dialect/BQ/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "bq/Dialect/BQ/Transforms/Passes.h.inc"

} // namespace bq

#endif // BQ_DIALECT_BQ_TRANSFORMS_PASSES_H
