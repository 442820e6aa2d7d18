//===- BitPack.cpp - Bit-plane packing and code sums ----------------------===//

#include "bq/Quant/BitPack.h"

#include "bq/Quant/Layout.h"

#include <algorithm>

namespace bq {
namespace quant {

namespace {
/// Packs with `codeAt(r, k)` giving the code of row r, column k.
template <typename CodeAt>
void packImpl(CodeAt codeAt, int64_t rows, int64_t k, int64_t bits,
              uint64_t *planes) {
  int64_t words = numWords(k);
  std::fill(planes, planes + bits * rows * words, uint64_t(0));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t i = 0; i < k; ++i) {
      uint64_t code = codeAt(r, i);
      uint64_t mask = uint64_t(1) << (i % kWordBits);
      int64_t word = i / kWordBits;
      for (int64_t b = 0; b < bits; ++b)
        if ((code >> b) & 1)
          planes[(b * rows + r) * words + word] |= mask;
    }
  }
}
} // namespace

void packPlanes(const uint8_t *codes, int64_t rows, int64_t k, int64_t bits,
                uint64_t *planes) {
  packImpl([&](int64_t r, int64_t i) { return codes[r * k + i]; }, rows, k,
           bits, planes);
}

void packPlanesTransposed(const uint8_t *codes, int64_t rows, int64_t k,
                          int64_t bits, uint64_t *planes) {
  packImpl([&](int64_t r, int64_t i) { return codes[i * rows + r]; }, rows, k,
           bits, planes);
}

void unpackPlanes(const uint64_t *planes, int64_t rows, int64_t k,
                  int64_t bits, uint8_t *codes) {
  int64_t words = numWords(k);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t i = 0; i < k; ++i) {
      unsigned code = 0;
      for (int64_t b = 0; b < bits; ++b) {
        uint64_t word = planes[(b * rows + r) * words + i / kWordBits];
        code |= unsigned((word >> (i % kWordBits)) & 1) << b;
      }
      codes[r * k + i] = uint8_t(code);
    }
  }
}

std::vector<int64_t> codeSums(const uint8_t *codes,
                              const std::vector<int64_t> &shape, int64_t dim) {
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d)
    outer *= shape[d];
  for (size_t d = dim + 1; d < shape.size(); ++d)
    inner *= shape[d];
  int64_t size = shape[dim];
  std::vector<int64_t> sums(outer * inner, 0);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t s = 0; s < size; ++s)
      for (int64_t i = 0; i < inner; ++i)
        sums[o * inner + i] += codes[(o * size + s) * inner + i];
  return sums;
}

} // namespace quant
} // namespace bq
