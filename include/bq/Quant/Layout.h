//===- Layout.h - Bit widths, plane layout and accumulator bounds -*- C++ -*-===//
//
// Small pure functions shared by the op verifiers, the quantizer and the
// lowerings: which bit widths are valid, how many 64-bit words a row of K
// codes takes (DESIGN.md 1.4), and how wide an integer accumulator must be
// for an exact bit-serial product (DESIGN.md 1.3). No MLIR dependency.
//
//===----------------------------------------------------------------------===//

#ifndef BQ_QUANT_LAYOUT_H
#define BQ_QUANT_LAYOUT_H

#include <cstdint>

namespace bq {
namespace quant {

/// Smallest and largest supported code width in bits.
constexpr int64_t kMinBits = 1;
constexpr int64_t kMaxBits = 8;

/// Bits per packed word.
constexpr int64_t kWordBits = 64;

/// Returns true if `bits` is a supported code width, [1, 8].
constexpr bool isValidBits(int64_t bits) {
  return bits >= kMinBits && bits <= kMaxBits;
}

/// Returns the number of codes of a `bits`-bit code, 2^bits.
constexpr int64_t numCodes(int64_t bits) { return int64_t(1) << bits; }

/// Returns the largest code of a `bits`-bit code, 2^bits - 1.
constexpr int64_t maxCode(int64_t bits) { return numCodes(bits) - 1; }

/// Returns the number of 64-bit words that hold `k` bits, ceil(k / 64).
constexpr int64_t numWords(int64_t k) {
  return k <= 0 ? 0 : (k + kWordBits - 1) / kWordBits;
}

/// Returns the largest value of `sum_k ca * cw` over a contraction of length
/// `k` with `actBits`- and `weightBits`-bit codes, or -1 if it does not fit
/// in an int64_t (or an argument is out of range).
int64_t maxDotProduct(int64_t k, int64_t actBits, int64_t weightBits);

/// Returns true if every value in [0, maxValue] is representable as a signed
/// integer of `width` bits. A negative `maxValue` (overflowed) never fits.
bool fitsSigned(int64_t maxValue, unsigned width);

/// Returns the narrowest of i32 and i64 that holds `maxValue` as a signed
/// integer, or 0 if neither does.
unsigned accumulatorWidth(int64_t maxValue);

} // namespace quant
} // namespace bq

#endif // BQ_QUANT_LAYOUT_H
