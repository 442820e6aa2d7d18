//===- QuantizerFuzzer.cpp - libFuzzer harness for lib/Quant --------------===//
//
// Feeds arbitrary float arrays, bit widths, methods, scales, granularities,
// axes and shapes to the quantizer and checks what must always hold: bad
// options and non-finite data are reported, never crash; codes stay below
// 2^bits; exact populations over distinct values differ by at most one;
// codes are monotone in the values; packing round-trips.
//
//===----------------------------------------------------------------------===//

#include "bq/Quant/BitPack.h"
#include "bq/Quant/Layout.h"
#include "bq/Quant/Quantizer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <set>
#include <vector>

using namespace bq::quant;

namespace {

void check(bool condition, const char *what) {
  if (!condition) {
    std::fprintf(stderr, "quantizer-fuzzer: invariant violated: %s\n", what);
    std::abort();
  }
}

struct Reader {
  const uint8_t *data;
  size_t size;
  uint8_t byte() {
    if (!size)
      return 0;
    --size;
    return *data++;
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Reader in{data, size};
  // Header: bits (0..9 to include invalid ones), method, scale,
  // granularity, axis, rank and dims.
  int64_t bits = in.byte() % 10;
  Method method = Method(in.byte() % 3);
  Scale scale = Scale(in.byte() % 3);
  Granularity granularity = Granularity(in.byte() % 2);
  int64_t axis = int64_t(in.byte() % 5) - 1;
  size_t rank = in.byte() % 4;
  std::vector<int64_t> shape;
  int64_t numElements = 1;
  for (size_t d = 0; d < rank; ++d) {
    shape.push_back(in.byte() % 9);
    numElements *= shape.back();
  }
  // The rest: floats (NaN and Inf included).
  std::vector<float> values(numElements, 0.0f);
  for (int64_t i = 0; i < numElements && in.size >= 4; ++i) {
    std::memcpy(&values[i], in.data, 4);
    in.data += 4;
    in.size -= 4;
  }

  WeightQuantOptions options;
  options.bits = bits;
  options.method = method;
  options.scale = scale;
  options.granularity = granularity;
  options.axis = axis;
  QuantizedTensor result;
  Status status = quantizeWeights(values.data(), shape, options, result);
  bool finite = std::all_of(values.begin(), values.end(),
                            [](float v) { return std::isfinite(v); });
  bool validAxis = granularity == Granularity::Tensor ||
                   (axis >= 0 && axis < int64_t(rank));
  check(status.ok() == (isValidBits(bits) && finite && validAxis),
        "status agrees with the input's validity");
  if (!status.ok())
    return 0;
  check(result.codes.size() == size_t(numElements), "one code per value");
  for (uint8_t c : result.codes)
    check(c <= maxCode(bits), "codes below 2^bits");
  for (size_t s = 0; s < result.alpha.size(); ++s)
    check(std::isfinite(result.alpha[s]) && std::isfinite(result.beta[s]),
          "finite alpha and beta for finite data");

  // Tensor granularity: monotone codes; exact balance over distinct values.
  if (granularity == Granularity::Tensor && numElements > 0) {
    std::vector<size_t> order(numElements);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return values[a] < values[b]; });
    for (size_t i = 1; i < order.size(); ++i)
      check(values[order[i - 1]] == values[order[i]] ||
                result.codes[order[i - 1]] <= result.codes[order[i]],
            "codes monotone in the values");
    std::set<float> distinct(values.begin(), values.end());
    if (method == Method::Exact && distinct.size() == values.size()) {
      std::vector<int64_t> pops(numCodes(bits), 0);
      for (uint8_t c : result.codes)
        ++pops[c];
      auto [lo, hi] = std::minmax_element(pops.begin(), pops.end());
      check(*hi - *lo <= 1, "exact populations differ by at most one");
    }
  }

  // Packing round-trips for a [rows, K] view.
  if (rank == 2) {
    int64_t rows = shape[0], k = shape[1];
    std::vector<uint64_t> planes(bits * rows * numWords(k));
    packPlanes(result.codes.data(), rows, k, bits, planes.data());
    std::vector<uint8_t> back(rows * k);
    unpackPlanes(planes.data(), rows, k, bits, back.data());
    check(back == result.codes, "pack/unpack round trip");
  }

  // Activations over the same data.
  std::vector<uint8_t> codes(values.size());
  ActQuantParams params;
  Status act = quantizeActivations(values.data(), values.size(), bits,
                                   std::nullopt, codes.data(), params);
  check(act.ok(), "activations accept what the weights accepted");
  for (uint8_t c : codes)
    check(c <= maxCode(bits), "activation codes below 2^bits");
  return 0;
}
