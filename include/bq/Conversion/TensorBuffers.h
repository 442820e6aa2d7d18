//===- TensorBuffers.h - memref views of tensors for kernels ----*- C++ -*-===//
//
// Lowerings that emit kernels on memrefs in the middle of a tensor program
// read their operands through `bufferization.to_buffer` and produce results
// with `bufferization.to_tensor restrict writable` of a fresh buffer, so the
// module stays on tensors for one-shot bufferization.
//
//===----------------------------------------------------------------------===//

#ifndef BQ_CONVERSION_TENSORBUFFERS_H
#define BQ_CONVERSION_TENSORBUFFERS_H

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/STLExtras.h"

namespace bq {

/// A read-only memref view of a tensor operand.
inline mlir::Value readBuffer(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value tensor) {
  auto type = mlir::cast<mlir::RankedTensorType>(tensor.getType());
  auto memrefType =
      mlir::MemRefType::get(type.getShape(), type.getElementType());
  return mlir::bufferization::ToBufferOp::create(b, loc, memrefType, tensor,
                                                 /*read_only=*/true);
}

/// A fresh buffer for a result of `type`, with `sizes` giving every
/// dimension (only the dynamic ones are used).
inline mlir::Value allocResult(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::RankedTensorType type,
                               llvm::ArrayRef<mlir::Value> sizes) {
  llvm::SmallVector<mlir::Value> dynamic;
  for (auto [dim, size] : llvm::zip(type.getShape(), sizes))
    if (mlir::ShapedType::isDynamic(dim))
      dynamic.push_back(size);
  auto memrefType =
      mlir::MemRefType::get(type.getShape(), type.getElementType());
  return mlir::memref::AllocOp::create(b, loc, memrefType, dynamic);
}

/// The tensor of a buffer that a kernel has written.
inline mlir::Value resultTensor(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::RankedTensorType type,
                                mlir::Value buffer) {
  return mlir::bufferization::ToTensorOp::create(b, loc, type, buffer,
                                                 /*restrict=*/true,
                                                 /*writable=*/true);
}

} // namespace bq

#endif // BQ_CONVERSION_TENSORBUFFERS_H
