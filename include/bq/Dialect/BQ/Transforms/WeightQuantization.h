//===- WeightQuantization.h - Run the quantizer on bq ops -------*- C++ -*-===//
//
// Glue between the IR and the pure C++ quantizer, shared by the passes that
// quantize constant weights at compile time: reading constants into host
// buffers, quantizing them, and materializing the results as constants.
//
//===----------------------------------------------------------------------===//

#ifndef BQ_DIALECT_BQ_TRANSFORMS_WEIGHTQUANTIZATION_H
#define BQ_DIALECT_BQ_TRANSFORMS_WEIGHTQUANTIZATION_H

#include "bq/Dialect/BQ/IR/BQ.h"
#include "bq/Quant/Quantizer.h"

namespace bq {

/// A float tensor held in host memory, row-major.
struct HostTensor {
  std::vector<float> data;
  std::vector<int64_t> shape;
};

/// Reads a constant float tensor (dense or dense_resource; f32, f16, bf16)
/// defined by an `arith.constant`. Fails for anything else.
mlir::FailureOr<HostTensor> readFloatConstant(mlir::Value value);

/// Returns `tensor` transposed like `linalg.transpose`: result dimension i
/// is input dimension `permutation[i]`.
HostTensor permute(const HostTensor &tensor,
                   llvm::ArrayRef<int64_t> permutation);

/// The quantizer's spelling of the dialect's enums.
quant::Method toQuant(Method method);
quant::Scale toQuant(Scale scale);
quant::Granularity toQuant(Granularity granularity);

/// The quantizer options that `op`'s attributes spell.
quant::WeightQuantOptions getQuantOptions(BalancedQuantizeOp op);

/// A constant weight quantized by bq's quantizer.
struct QuantizedConstant {
  HostTensor weight;
  quant::QuantizedTensor result;
};

/// Quantizes the constant input of `op`. Returns std::nullopt when the input
/// is not a constant bq can read (nothing is reported), and failure after
/// emitting an error on `op` when the quantizer rejects the data (NaN/Inf).
mlir::FailureOr<std::optional<QuantizedConstant>>
quantizeConstantInput(BalancedQuantizeOp op);

/// The constants standing for a quantized weight.
struct WeightConstants {
  mlir::Value codes, alpha, beta;
};

/// Creates `arith.constant`s for the codes (of `codesType`, i8), alpha and
/// beta (of `scaleType`, f32) of `quantized`. With a non-empty
/// `codesResourceName`, the codes are stored as a dense_resource blob.
WeightConstants createWeightConstants(mlir::OpBuilder &builder,
                                      mlir::Location loc,
                                      mlir::RankedTensorType codesType,
                                      mlir::RankedTensorType scaleType,
                                      const quant::QuantizedTensor &quantized,
                                      llvm::StringRef codesResourceName = {});

} // namespace bq

#endif // BQ_DIALECT_BQ_TRANSFORMS_WEIGHTQUANTIZATION_H
