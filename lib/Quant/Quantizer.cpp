//===- Quantizer.cpp - Balanced and uniform quantizers --------------------===//
//
// Implements DESIGN.md 1.1 and 1.2. The exact method never sorts a slice: it
// finds each tree node's split value by selection (std::nth_element, linear
// on average) and partitions the node in place, so one tree level costs O(n)
// and the whole tree O(n * bits). The tree's split values then classify each
// element by `bits` comparisons, which reproduces the set partition exactly.
//
//===----------------------------------------------------------------------===//

#include "bq/Quant/Quantizer.h"

#include "bq/Quant/Layout.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace bq {
namespace quant {

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

const char *toString(Method method) {
  switch (method) {
  case Method::Exact:
    return "exact";
  case Method::Mean:
    return "mean";
  case Method::Uniform:
    return "uniform";
  }
  return "?";
}

const char *toString(Scale scale) {
  switch (scale) {
  case Scale::Lsq:
    return "lsq";
  case Scale::Max:
    return "max";
  case Scale::MinMax:
    return "minmax";
  }
  return "?";
}

const char *toString(Granularity granularity) {
  return granularity == Granularity::Tensor ? "tensor" : "channel";
}

std::optional<Method> parseMethod(const std::string &name) {
  for (Method m : {Method::Exact, Method::Mean, Method::Uniform})
    if (name == toString(m))
      return m;
  return std::nullopt;
}

std::optional<Scale> parseScale(const std::string &name) {
  for (Scale s : {Scale::Lsq, Scale::Max, Scale::MinMax})
    if (name == toString(s))
      return s;
  return std::nullopt;
}

std::optional<Granularity> parseGranularity(const std::string &name) {
  for (Granularity g : {Granularity::Tensor, Granularity::Channel})
    if (name == toString(g))
      return g;
  return std::nullopt;
}

std::optional<size_t> findNonFinite(const float *data, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(data[i]))
      return i;
  return std::nullopt;
}

std::string formatIndex(int64_t flat, const std::vector<int64_t> &shape) {
  std::vector<int64_t> index(shape.size(), 0);
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] > 0) {
      index[d] = flat % shape[d];
      flat /= shape[d];
    }
  }
  std::ostringstream os;
  os << '[';
  for (size_t d = 0; d < index.size(); ++d)
    os << (d ? ", " : "") << index[d];
  os << ']';
  return os.str();
}

//===----------------------------------------------------------------------===//
// Code assignment
//===----------------------------------------------------------------------===//

namespace {

/// Classifies each value by descending a complete binary tree of split
/// values (node 1 is the root, node i has children 2i and 2i+1).
template <typename T>
void classify(const float *w, size_t n, int64_t bits,
              const std::vector<T> &splits, uint8_t *codes) {
  const size_t leaves = size_t(1) << bits;
  for (size_t i = 0; i < n; ++i) {
    T value = w[i];
    size_t node = 1;
    for (int64_t level = 0; level < bits; ++level)
      node = 2 * node + size_t(value >= splits[node]);
    codes[i] = uint8_t(node - leaves);
  }
}

/// Finds the split value of every reachable node of the exact tree over
/// `values[0, size)` (reordered in place).
void exactSplits(float *values, size_t size, size_t node, int64_t depth,
                 int64_t bits, std::vector<float> &splits) {
  if (depth == bits || size == 0)
    return;
  size_t mid = size / 2;
  std::nth_element(values, values + mid, values + size);
  float split = values[mid];
  splits[node] = split;
  // [0, mid) holds values <= split; move those < split to the front.
  float *rightBegin = std::partition(values, values + mid,
                                     [split](float v) { return v < split; });
  size_t leftSize = rightBegin - values;
  exactSplits(values, leftSize, 2 * node, depth + 1, bits, splits);
  exactSplits(rightBegin, size - leftSize, 2 * node + 1, depth + 1, bits,
              splits);
}

void assignExact(const float *w, size_t n, int64_t bits, uint8_t *codes) {
  std::vector<float> scratch(w, w + n);
  std::vector<float> splits(size_t(1) << bits, 0.0f);
  exactSplits(scratch.data(), n, 1, 0, bits, splits);
  classify(w, n, bits, splits, codes);
}

/// The mean tree, one streaming pass per level: `codes` holds each value's
/// node index within its level while the tree is built.
void assignMean(const float *w, size_t n, int64_t bits, uint8_t *codes) {
  std::vector<double> sums(size_t(1) << bits), splits(size_t(1) << bits);
  std::vector<int64_t> counts(size_t(1) << bits);
  // Root level.
  double total = 0.0;
  for (size_t i = 0; i < n; ++i)
    total += w[i];
  splits[0] = n ? total / double(n) : 0.0;
  std::fill(codes, codes + n, uint8_t(0));
  for (int64_t level = 1; level <= bits; ++level) {
    size_t width = size_t(1) << level;
    std::fill(sums.begin(), sums.begin() + width, 0.0);
    std::fill(counts.begin(), counts.begin() + width, 0);
    bool last = level == bits;
    for (size_t i = 0; i < n; ++i) {
      double value = w[i];
      unsigned node = 2u * codes[i] + unsigned(value >= splits[codes[i]]);
      codes[i] = uint8_t(node);
      if (!last) {
        sums[node] += value;
        ++counts[node];
      }
    }
    if (last)
      break;
    for (size_t node = 0; node < width; ++node)
      splits[node] = counts[node] ? sums[node] / double(counts[node]) : 0.0;
  }
}

void assignUniform(const float *w, size_t n, int64_t bits, uint8_t *codes) {
  if (n == 0)
    return;
  auto [minIt, maxIt] = std::minmax_element(w, w + n);
  double lo = *minIt, hi = *maxIt;
  if (hi == lo) {
    std::fill(codes, codes + n, uint8_t(0));
    return;
  }
  double top = double(maxCode(bits));
  for (size_t i = 0; i < n; ++i) {
    double c = std::nearbyint((double(w[i]) - lo) / (hi - lo) * top);
    codes[i] = uint8_t(std::clamp(c, 0.0, top));
  }
}

} // namespace

void assignCodes(const float *w, size_t n, int64_t bits, Method method,
                 uint8_t *codes) {
  switch (method) {
  case Method::Exact:
    return assignExact(w, n, bits, codes);
  case Method::Mean:
    return assignMean(w, n, bits, codes);
  case Method::Uniform:
    return assignUniform(w, n, bits, codes);
  }
}

//===----------------------------------------------------------------------===//
// Reconstruction and statistics
//===----------------------------------------------------------------------===//

Affine fitScale(const float *w, const uint8_t *codes, size_t n, int64_t bits,
                Scale scale) {
  Affine affine;
  if (n == 0)
    return affine;
  double top = double(maxCode(bits));
  switch (scale) {
  case Scale::Lsq: {
    // Per-code populations and value sums make both passes O(2^bits).
    size_t numCodes = size_t(1) << bits;
    std::vector<double> count(numCodes, 0.0), valueSum(numCodes, 0.0);
    double total = 0.0;
    for (size_t i = 0; i < n; ++i) {
      count[codes[i]] += 1.0;
      valueSum[codes[i]] += w[i];
      total += w[i];
    }
    double meanW = total / double(n), meanC = 0.0;
    for (size_t c = 0; c < numCodes; ++c)
      meanC += double(c) * count[c];
    meanC /= double(n);
    double scc = 0.0, scw = 0.0;
    for (size_t c = 0; c < numCodes; ++c) {
      double dc = double(c) - meanC;
      scc += count[c] * dc * dc;
      scw += dc * (valueSum[c] - count[c] * meanW);
    }
    if (scc == 0.0) {
      affine.alpha = 0.0;
      affine.beta = meanW;
    } else {
      affine.alpha = scw / scc;
      affine.beta = meanW - affine.alpha * meanC;
    }
    return affine;
  }
  case Scale::Max: {
    double m = 0.0;
    for (size_t i = 0; i < n; ++i)
      m = std::max(m, std::fabs(double(w[i])));
    affine.alpha = 2.0 * m / top;
    affine.beta = -m;
    return affine;
  }
  case Scale::MinMax: {
    auto [minIt, maxIt] = std::minmax_element(w, w + n);
    affine.alpha = (double(*maxIt) - double(*minIt)) / top;
    affine.beta = *minIt;
    return affine;
  }
  }
  return affine;
}

SliceStats sliceStats(const float *w, const uint8_t *codes, size_t n,
                      int64_t bits, Affine affine) {
  SliceStats stats;
  stats.populations.assign(size_t(1) << bits, 0);
  double sse = 0.0, energy = 0.0;
  for (size_t i = 0; i < n; ++i) {
    ++stats.populations[codes[i]];
    double err = double(w[i]) - (affine.alpha * codes[i] + affine.beta);
    sse += err * err;
    energy += double(w[i]) * double(w[i]);
  }
  for (int64_t count : stats.populations) {
    if (count == 0)
      continue;
    double p = double(count) / double(n);
    stats.entropyBits -= p * std::log2(p);
  }
  stats.squaredError = sse;
  stats.energy = energy;
  if (energy > 0.0)
    stats.relativeMse = sse / energy;
  else
    stats.relativeMse = sse == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  return stats;
}

//===----------------------------------------------------------------------===//
// Whole tensors
//===----------------------------------------------------------------------===//

namespace {

/// Where the elements of one channel slice live in a row-major tensor: slice
/// c holds elements (o * channels + c) * inner + i for o < outer, i < inner.
struct SliceGeometry {
  int64_t outer = 1, channels = 1, inner = 1;

  SliceGeometry(const std::vector<int64_t> &shape,
                const WeightQuantOptions &options) {
    if (options.granularity == Granularity::Tensor) {
      for (int64_t d : shape)
        inner *= d;
      return;
    }
    for (int64_t d = 0; d < options.axis; ++d)
      outer *= shape[d];
    channels = shape[options.axis];
    for (size_t d = options.axis + 1; d < shape.size(); ++d)
      inner *= shape[d];
  }

  int64_t sliceSize() const { return outer * inner; }

  /// Calls fn(flatIndex, positionInSlice) for each element of slice c.
  template <typename Fn> void forEach(int64_t c, Fn fn) const {
    int64_t pos = 0;
    for (int64_t o = 0; o < outer; ++o) {
      int64_t base = (o * channels + c) * inner;
      for (int64_t i = 0; i < inner; ++i)
        fn(base + i, pos++);
    }
  }

  bool contiguous() const { return outer == 1; }
};

Status validate(const std::vector<int64_t> &shape,
                const WeightQuantOptions &options) {
  if (!isValidBits(options.bits))
    return Status::error("bits must be in [1, 8], got " +
                         std::to_string(options.bits));
  for (int64_t d : shape)
    if (d < 0)
      return Status::error("dimensions must be non-negative");
  if (options.granularity == Granularity::Channel &&
      (options.axis < 0 || options.axis >= int64_t(shape.size())))
    return Status::error("channel axis " + std::to_string(options.axis) +
                         " is out of range for a rank-" +
                         std::to_string(shape.size()) + " tensor");
  return Status::success();
}

/// Calls fn(c, values, codes, size) for each slice, with the slice's values
/// gathered into a contiguous buffer and its codes to be written to `codes`
/// (scattered back to the tensor afterwards when the slice is strided).
template <typename Fn>
void forEachSlice(const float *data, const SliceGeometry &geometry,
                  uint8_t *tensorCodes, Fn fn) {
  int64_t size = geometry.sliceSize();
  if (geometry.contiguous()) {
    for (int64_t c = 0; c < geometry.channels; ++c)
      fn(c, data + c * size, tensorCodes + c * size, size);
    return;
  }
  std::vector<float> values(size);
  std::vector<uint8_t> codes(size);
  for (int64_t c = 0; c < geometry.channels; ++c) {
    geometry.forEach(c, [&](int64_t flat, int64_t pos) {
      values[pos] = data[flat];
      codes[pos] = tensorCodes[flat];
    });
    fn(c, values.data(), codes.data(), size);
    geometry.forEach(
        c, [&](int64_t flat, int64_t pos) { tensorCodes[flat] = codes[pos]; });
  }
}

} // namespace

int64_t numSlices(const std::vector<int64_t> &shape,
                  const WeightQuantOptions &options) {
  if (options.granularity == Granularity::Tensor)
    return 1;
  return shape[options.axis];
}

Status quantizeWeights(const float *data, const std::vector<int64_t> &shape,
                       const WeightQuantOptions &options,
                       QuantizedTensor &result) {
  Status status = validate(shape, options);
  if (!status.ok())
    return status;
  int64_t numElements = 1;
  for (int64_t d : shape)
    numElements *= d;
  if (std::optional<size_t> bad = findNonFinite(data, numElements)) {
    float value = data[*bad];
    std::string what = std::isnan(value) ? "NaN" : (value > 0 ? "+Inf" : "-Inf");
    return Status::error("element " + formatIndex(*bad, shape) + " is " + what,
                         int64_t(*bad));
  }

  SliceGeometry geometry(shape, options);
  QuantizedTensor out;
  out.codes.assign(numElements, 0);
  out.alpha.assign(geometry.channels, 0.0);
  out.beta.assign(geometry.channels, 0.0);
  forEachSlice(data, geometry, out.codes.data(),
               [&](int64_t c, const float *values, uint8_t *codes,
                   int64_t size) {
                 assignCodes(values, size, options.bits, options.method, codes);
                 Affine affine =
                     fitScale(values, codes, size, options.bits, options.scale);
                 out.alpha[c] = affine.alpha;
                 out.beta[c] = affine.beta;
               });
  result = std::move(out);
  return Status::success();
}

std::vector<SliceStats> tensorStats(const float *data,
                                    const std::vector<int64_t> &shape,
                                    const WeightQuantOptions &options,
                                    const QuantizedTensor &quantized) {
  SliceGeometry geometry(shape, options);
  std::vector<SliceStats> stats(geometry.channels);
  std::vector<uint8_t> codes = quantized.codes;
  forEachSlice(data, geometry, codes.data(),
               [&](int64_t c, const float *values, uint8_t *sliceCodes,
                   int64_t size) {
                 stats[c] = sliceStats(values, sliceCodes, size, options.bits,
                                       {quantized.alpha[c], quantized.beta[c]});
               });
  return stats;
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

Status quantizeActivations(const float *x, size_t n, int64_t bits,
                           std::optional<std::pair<float, float>> range,
                           uint8_t *codes, ActQuantParams &params) {
  if (!isValidBits(bits))
    return Status::error("bits must be in [1, 8], got " + std::to_string(bits));
  if (std::optional<size_t> bad = findNonFinite(x, n))
    return Status::error("activation " + std::to_string(*bad) +
                             " is not finite",
                         int64_t(*bad));
  float lo = 0.0f, hi = 0.0f;
  if (range) {
    lo = range->first;
    hi = range->second;
  } else if (n > 0) {
    auto [minIt, maxIt] = std::minmax_element(x, x + n);
    lo = *minIt;
    hi = *maxIt;
  }
  float top = float(maxCode(bits));
  float scale = hi > lo ? (hi - lo) / top : 1.0f;
  for (size_t i = 0; i < n; ++i) {
    // The quotient is NaN only when the range over- or underflows f32
    // (inf / inf, 0 / 0); such values get code 0.
    float c = std::nearbyint((x[i] - lo) / scale);
    codes[i] = std::isnan(c) ? 0 : uint8_t(std::clamp(c, 0.0f, top));
  }
  params.scale = scale;
  params.offset = lo;
  return Status::success();
}

} // namespace quant
} // namespace bq
