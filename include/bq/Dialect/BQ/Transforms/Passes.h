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

/// `s = (hi - lo) / (2^bits - 1)`, or 1 when `hi <= lo` (f32 scalars).
mlir::Value buildActScale(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value lo, mlir::Value hi, int64_t bits);

/// The code of one f32 activation `x`, as an f32 in `[0, 2^bits - 1]`:
/// `clamp(round_half_even((x - lo) / scale), 0, 2^bits - 1)`, 0 for NaN.
/// Every lowering (reference, CPU, GPU) emits this same arithmetic. With
/// `roundByAddition` the rounding is done with the 2^23 addition trick
/// instead of `math.roundeven` (same results; NVVM lowering turns
/// roundeven into a libdevice call).
mlir::Value buildActCode(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value x, mlir::Value lo, mlir::Value scale,
                         int64_t bits, bool roundByAddition = false);

/// One element of bq.affine_epilogue (DESIGN.md 1.3), computed in f64 and
/// rounded to f32. `p`, `ra`, `cw` are integers; the rest f32 scalars.
mlir::Value buildEpilogueValue(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value p, mlir::Value ra, mlir::Value cw,
                               mlir::Value aw, mlir::Value bw, mlir::Value aa,
                               mlir::Value ba, int64_t k);

/// Weight planes `[bits][N][words]` and column sums `[N]` of `[K][N]` codes:
/// constants when `codes` is a constant, else bq.pack / bq.code_sums of the
/// transposed codes.
struct WeightPlanes {
  mlir::Value planes, colSums;
};
WeightPlanes buildWeightPlanes(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value codes, int64_t bits);

/// The contraction size K of a quantized matmul (from the weight codes, else
/// the activations), or nullopt when both are dynamic.
std::optional<int64_t> getStaticK(QuantizedMatmulOp op);

/// The narrowest of i32/i64 that holds sums of `k` codes.
mlir::IntegerType codeSumType(mlir::OpBuilder &b, int64_t k);

/// Adds the pattern that lowers bq.quantize_activations to linalg (shared by
/// bq-lower-to-reference and the CPU lowering).
void populateLowerQuantizeActivationsPatterns(
    mlir::RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "bq/Dialect/BQ/Transforms/Passes.h.inc"

} // namespace bq

#endif // BQ_DIALECT_BQ_TRANSFORMS_PASSES_H
