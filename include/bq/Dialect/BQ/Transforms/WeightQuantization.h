//===- WeightQuantization.h - Run the quantizer on bq ops -------*- C++ -*-===//
//
// Glue between bq.balanced_quantize and the pure C++ quantizer, shared by the
// passes that quantize constant weights at compile time.
//
//===----------------------------------------------------------------------===//

#ifndef BQ_DIALECT_BQ_TRANSFORMS_WEIGHTQUANTIZATION_H
#define BQ_DIALECT_BQ_TRANSFORMS_WEIGHTQUANTIZATION_H

#include "bq/Dialect/BQ/IR/BQ.h"
#include "bq/Quant/Quantizer.h"

namespace bq {

/// The quantizer options that `op`'s attributes spell.
quant::WeightQuantOptions getQuantOptions(BalancedQuantizeOp op);

/// A constant weight quantized by bq's quantizer.
struct QuantizedConstant {
  std::vector<int64_t> shape;
  std::vector<float> values;
  quant::QuantizedTensor result;
};

/// Quantizes the constant input of `op`. Returns std::nullopt when the input
/// is not a constant bq can read (nothing is reported), and failure after
/// emitting an error on `op` when the quantizer rejects the data (NaN/Inf).
mlir::FailureOr<std::optional<QuantizedConstant>>
quantizeConstantInput(BalancedQuantizeOp op);

} // namespace bq

#endif // BQ_DIALECT_BQ_TRANSFORMS_WEIGHTQUANTIZATION_H
