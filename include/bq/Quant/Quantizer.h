//===- Quantizer.h - Balanced and uniform quantizers ------------*- C++ -*-===//
//
// The quantizer math of DESIGN.md 1.1 (weights) and 1.2 (activations), on
// plain buffers. This is the one C++ implementation of those rules: the
// folding pass, the report pass, the Python bindings, the tests and the
// benchmarks all call it. No MLIR dependency.
//
//===----------------------------------------------------------------------===//

#ifndef BQ_QUANT_QUANTIZER_H
#define BQ_QUANT_QUANTIZER_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bq {
namespace quant {

/// How codes are assigned to the values of a slice.
enum class Method { Exact, Mean, Uniform };
/// How the affine reconstruction value(c) = alpha * c + beta is fitted.
enum class Scale { Lsq, Max, MinMax };
/// Whether a tensor is one slice or one slice per channel.
enum class Granularity { Tensor, Channel };

const char *toString(Method method);
const char *toString(Scale scale);
const char *toString(Granularity granularity);
std::optional<Method> parseMethod(const std::string &name);
std::optional<Scale> parseScale(const std::string &name);
std::optional<Granularity> parseGranularity(const std::string &name);

/// The outcome of a quantizer call: success, or an error message. For
/// non-finite input, `badIndex` is the flat (row-major) index of the first
/// offending element.
class Status {
public:
  static Status success() { return Status(); }
  static Status error(std::string message, int64_t badIndex = -1) {
    Status status;
    status.failed = true;
    status.msg = std::move(message);
    status.index = badIndex;
    return status;
  }
  bool ok() const { return !failed; }
  const std::string &message() const { return msg; }
  int64_t badIndex() const { return index; }

private:
  bool failed = false;
  std::string msg;
  int64_t index = -1;
};

/// Returns the flat index of the first NaN or Inf in `data[0, n)`, if any.
std::optional<size_t> findNonFinite(const float *data, size_t n);

/// Formats a flat row-major index as a multi-dimensional one, "[i, j, k]".
std::string formatIndex(int64_t flat, const std::vector<int64_t> &shape);

//===----------------------------------------------------------------------===//
// One slice
//===----------------------------------------------------------------------===//

/// The affine reconstruction of one slice: value(c) = alpha * c + beta.
struct Affine {
  double alpha = 0.0;
  double beta = 0.0;
};

/// Assigns `bits`-bit codes to the `n` finite values `w` with `method`.
/// `exact` runs in O(n * bits) time (selection per tree node, no sort) and
/// O(n) extra memory; `mean` makes bits + 1 streaming passes.
void assignCodes(const float *w, size_t n, int64_t bits, Method method,
                 uint8_t *codes);

/// Fits the reconstruction of a slice from its values and codes. An empty
/// slice gets alpha = beta = 0.
Affine fitScale(const float *w, const uint8_t *codes, size_t n, int64_t bits,
                Scale scale);

/// Statistics of one quantized slice.
struct SliceStats {
  /// Number of values per code, 2^bits entries.
  std::vector<int64_t> populations;
  /// Entropy of the code distribution in bits, in [0, bits]: how much of the
  /// bit width the codes use (bits when every code is equally populated).
  double entropyBits = 0.0;
  /// sum (w - value(c))^2 / sum w^2; 0 for an all-zero exactly
  /// reconstructed slice, +inf for an all-zero slice reconstructed inexactly.
  double relativeMse = 0.0;
  /// sum (w - value(c))^2 and sum w^2, the parts of relativeMse.
  double squaredError = 0.0;
  double energy = 0.0;
};

SliceStats sliceStats(const float *w, const uint8_t *codes, size_t n,
                      int64_t bits, Affine affine);

//===----------------------------------------------------------------------===//
// Whole tensors
//===----------------------------------------------------------------------===//

struct WeightQuantOptions {
  int64_t bits = 2;
  Method method = Method::Exact;
  Scale scale = Scale::Lsq;
  Granularity granularity = Granularity::Tensor;
  /// The channel dimension for Granularity::Channel, in [0, rank).
  int64_t axis = 0;
};

/// A quantized tensor: codes of the input's shape (row-major) and one
/// (alpha, beta) pair per slice (one for tensor granularity, dim(axis) for
/// channel granularity).
struct QuantizedTensor {
  std::vector<uint8_t> codes;
  std::vector<double> alpha;
  std::vector<double> beta;
};

/// Returns the number of slices `options` cuts a tensor of `shape` into.
int64_t numSlices(const std::vector<int64_t> &shape,
                  const WeightQuantOptions &options);

/// Quantizes the row-major tensor `data` of `shape` (DESIGN.md 1.1). Fails,
/// writing nothing to `result`, on bits outside [1, 8], a bad axis, a
/// negative dimension or a NaN/Inf element (named in the message).
Status quantizeWeights(const float *data, const std::vector<int64_t> &shape,
                       const WeightQuantOptions &options,
                       QuantizedTensor &result);

/// Per-slice statistics of a tensor quantized by quantizeWeights.
std::vector<SliceStats> tensorStats(const float *data,
                                    const std::vector<int64_t> &shape,
                                    const WeightQuantOptions &options,
                                    const QuantizedTensor &quantized);

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

/// The uniform grid of an activation quantizer: value(c) = scale * c + offset.
struct ActQuantParams {
  float scale = 1.0f;
  float offset = 0.0f;
};

/// Quantizes `n` activations (DESIGN.md 1.2) in f32 arithmetic, as the
/// compiled code does at run time: over [min(x), max(x)] when `range` is
/// empty (dynamic), else over the given [lo, hi]. Fails on bits outside
/// [1, 8] or a NaN/Inf input.
Status quantizeActivations(const float *x, size_t n, int64_t bits,
                           std::optional<std::pair<float, float>> range,
                           uint8_t *codes, ActQuantParams &params);

} // namespace quant
} // namespace bq

#endif // BQ_QUANT_QUANTIZER_H
