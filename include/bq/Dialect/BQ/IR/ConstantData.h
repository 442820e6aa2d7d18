//===- ConstantData.h - Raw access to constant tensors ----------*- C++ -*-===//
//
// Bulk reads and writes of constant tensors for the folders and the folding
// pass: raw buffers in and out, no per-element APInt/APFloat churn for the
// common types. Handles dense and dense_resource constants.
//
//===----------------------------------------------------------------------===//

#ifndef BQ_DIALECT_BQ_IR_CONSTANTDATA_H
#define BQ_DIALECT_BQ_IR_CONSTANTDATA_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <vector>

namespace bq {

/// Returns the values of an i8 code constant (dense or dense_resource) as
/// bytes; fails for other attributes or a missing resource blob.
mlir::FailureOr<std::vector<uint8_t>> getCodeBytes(mlir::Attribute attr);

/// Reads a float constant (dense or dense_resource; f32, f16 or bf16) as
/// f32 values in row-major order. Fails for other attributes or types, and
/// for a dense_resource whose blob is not available.
mlir::FailureOr<std::vector<float>> getFloatData(mlir::Attribute attr);

/// Builds a constant of the static `type` from raw row-major element data;
/// the element type's width must match sizeof(T). With `resourceName`, the
/// data is stored as a dense_resource blob of that name instead of being
/// uniqued into the context.
template <typename T>
mlir::ElementsAttr getDenseAttr(mlir::ShapedType type, mlir::ArrayRef<T> data,
                          mlir::StringRef resourceName = {});

/// Builds an i32 or i64 constant of `type` from 64-bit values.
mlir::ElementsAttr getDenseIntAttr(mlir::ShapedType type, mlir::ArrayRef<int64_t> values);

} // namespace bq

#endif // BQ_DIALECT_BQ_IR_CONSTANTDATA_H
