//===- BitPack.h - Bit-plane packing and code sums --------------*- C++ -*-===//
//
// The bit-plane layout of DESIGN.md 1.4 and the code sums of 1.3, on plain
// buffers. No MLIR dependency.
//
//===----------------------------------------------------------------------===//

#ifndef BQ_QUANT_BITPACK_H
#define BQ_QUANT_BITPACK_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bq {
namespace quant {

/// Packs row-major codes `[rows][k]` into planes `[bits][rows][words]`
/// (words = ceil(k / 64)): bit `k mod 64` of `planes[b][r][k / 64]` is bit `b`
/// of `codes[r][k]`. Padding bits are zero; code bits at or above `bits` are
/// dropped. `planes` must hold `bits * rows * words` words.
void packPlanes(const uint8_t *codes, int64_t rows, int64_t k, int64_t bits,
                uint64_t *planes);

/// Same as packPlanes, reading codes stored column-major, i.e. `codes[k][r]`
/// (a KxN weight matrix packed with rows = N).
void packPlanesTransposed(const uint8_t *codes, int64_t rows, int64_t k,
                          int64_t bits, uint64_t *planes);

/// Inverse of packPlanes: writes `codes[rows][k]` from the planes.
void unpackPlanes(const uint64_t *planes, int64_t rows, int64_t k,
                  int64_t bits, uint8_t *codes);

/// Sums the codes of a row-major tensor of shape `shape` along `dim`; the
/// result is laid out row-major over the remaining dimensions.
std::vector<int64_t> codeSums(const uint8_t *codes,
                              const std::vector<int64_t> &shape, int64_t dim);

} // namespace quant
} // namespace bq

#endif // BQ_QUANT_BITPACK_H
