//===- Layout.cpp - Bit widths, plane layout and accumulator bounds -------===//

#include "bq/Quant/Layout.h"

#include <limits>

namespace bq {
namespace quant {

int64_t maxDotProduct(int64_t k, int64_t actBits, int64_t weightBits) {
  if (k < 0 || !isValidBits(actBits) || !isValidBits(weightBits))
    return -1;
  // At most 255 * 255 < 2^16 per term, so this product cannot overflow.
  int64_t perTerm = maxCode(actBits) * maxCode(weightBits);
  if (perTerm != 0 && k > std::numeric_limits<int64_t>::max() / perTerm)
    return -1;
  return k * perTerm;
}

bool fitsSigned(int64_t maxValue, unsigned width) {
  if (maxValue < 0 || width == 0)
    return false;
  if (width >= 64)
    return true;
  return maxValue <= (int64_t(1) << (width - 1)) - 1;
}

unsigned accumulatorWidth(int64_t maxValue) {
  if (fitsSigned(maxValue, 32))
    return 32;
  if (fitsSigned(maxValue, 64))
    return 64;
  return 0;
}

} // namespace quant
} // namespace bq
