//===- Passes.h - bq dialect passes -----------------------------*- C++ -*-===//

#ifndef BQ_DIALECT_BQ_TRANSFORMS_PASSES_H
#define BQ_DIALECT_BQ_TRANSFORMS_PASSES_H

#include "bq/Dialect/BQ/IR/BQ.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace bq {

#define GEN_PASS_DECL
#include "bq/Dialect/BQ/Transforms/Passes.h.inc"

/// The values of a run-time activation quantization (DESIGN.md 1.2) built
/// from upstream ops: `values` holds the codes as f32 (or, dequantized,
/// `scale * code + offset`), `scale` and `offset` are f32 scalars.
struct ActQuantization {
  mlir::Value values, scale, offset;
};

/// Builds the activation quantization of the f32 tensor `x` with linalg
/// (reductions for a dynamic range, one elementwise linalg.generic).
ActQuantization buildActQuantization(mlir::OpBuilder &b, mlir::Location loc,
                                     mlir::Value x, int64_t bits,
                                     ActRange range,
                                     std::optional<llvm::APFloat> lo,
                                     std::optional<llvm::APFloat> hi,
                                     bool dequantize);

/// Adds the pattern that lowers bq.quantize_activations to linalg (shared by
/// bq-lower-to-reference and the CPU lowering).
void populateLowerQuantizeActivationsPatterns(
    mlir::RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "bq/Dialect/BQ/Transforms/Passes.h.inc"

} // namespace bq

#endif // BQ_DIALECT_BQ_TRANSFORMS_PASSES_H
