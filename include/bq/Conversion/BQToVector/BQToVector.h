//===- BQToVector.h - bq run-time ops to vector loops -----------*- C++ -*-===//

#ifndef BQ_CONVERSION_BQTOVECTOR_BQTOVECTOR_H
#define BQ_CONVERSION_BQTOVECTOR_BQTOVECTOR_H

#include "mlir/IR/PatternMatch.h"

namespace bq {

/// Tiling of the bit-serial micro-kernel; 0 picks a default from the bit
/// widths.
struct BitSerialTiling {
  int64_t tileRows = 0;
  int64_t tileCols = 0;
  int64_t rowBlock = 64;
};

/// Adds patterns that lower bq.bitserial_matmul and bq.pack to vectorized
/// loops on memrefs, and bq.quantize_activations, bq.code_sums and
/// bq.affine_epilogue to linalg.
void populateBQToVectorPatterns(mlir::RewritePatternSet &patterns,
                                const BitSerialTiling &tiling = {});

} // namespace bq

#endif // BQ_CONVERSION_BQTOVECTOR_BQTOVECTOR_H
