//===- QuantizerTest.cpp - Property tests of the quantizers ---------------===//
//
// Checks lib/Quant against naive implementations written directly from
// DESIGN.md 1.1/1.2 (sorting per tree node, sets kept in index order), and
// against the properties the paper claims: equal populations, monotone
// codes, least-squares optimality.
//
//===----------------------------------------------------------------------===//

#include "bq/Quant/Quantizer.h"
#include "bq/Quant/Layout.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

using namespace bq::quant;

namespace {

//===----------------------------------------------------------------------===//
// Data
//===----------------------------------------------------------------------===//

enum class Dist { Gaussian, Laplace, Uniform, HeavyTailed, Tied };
const Dist kAllDists[] = {Dist::Gaussian, Dist::Laplace, Dist::Uniform,
                          Dist::HeavyTailed, Dist::Tied};

const char *name(Dist dist) {
  switch (dist) {
  case Dist::Gaussian:
    return "gaussian";
  case Dist::Laplace:
    return "laplace";
  case Dist::Uniform:
    return "uniform";
  case Dist::HeavyTailed:
    return "heavy-tailed";
  case Dist::Tied:
    return "tied";
  }
  return "?";
}

std::vector<float> sample(Dist dist, size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> gauss(0.0f, 0.05f);
  std::exponential_distribution<float> expo(20.0f);
  std::uniform_real_distribution<float> unif(-1.0f, 1.0f);
  std::student_t_distribution<float> student(1.5f);
  std::uniform_int_distribution<int> small(-2, 2);
  std::vector<float> w(n);
  for (float &v : w) {
    switch (dist) {
    case Dist::Gaussian:
      v = gauss(rng);
      break;
    case Dist::Laplace:
      v = unif(rng) < 0 ? -expo(rng) : expo(rng);
      break;
    case Dist::Uniform:
      v = unif(rng);
      break;
    case Dist::HeavyTailed:
      v = student(rng);
      break;
    case Dist::Tied:
      v = 0.25f * float(small(rng));
      break;
    }
  }
  return w;
}

/// `n` distinct values in random order.
std::vector<float> distinct(size_t n, unsigned seed) {
  std::vector<float> w(n);
  for (size_t i = 0; i < n; ++i)
    w[i] = float(i) * 0.5f - float(n) * 0.1f;
  std::shuffle(w.begin(), w.end(), std::mt19937(seed));
  return w;
}

//===----------------------------------------------------------------------===//
// Naive references, written from DESIGN.md 1.1 and sharing no code with it
//===----------------------------------------------------------------------===//

void naiveTree(const std::vector<float> &w, const std::vector<size_t> &set,
               int64_t depth, int64_t bits, unsigned prefix, bool useMean,
               std::vector<uint8_t> &codes) {
  if (depth == bits) {
    for (size_t i : set)
      codes[i] = uint8_t(prefix);
    return;
  }
  if (set.empty())
    return;
  std::vector<size_t> left, right;
  if (useMean) {
    double sum = 0.0;
    for (size_t i : set)
      sum += w[i];
    double t = sum / double(set.size());
    for (size_t i : set)
      (double(w[i]) >= t ? right : left).push_back(i);
  } else {
    std::vector<float> sorted;
    for (size_t i : set)
      sorted.push_back(w[i]);
    std::sort(sorted.begin(), sorted.end());
    float t = sorted[sorted.size() / 2];
    for (size_t i : set)
      (w[i] >= t ? right : left).push_back(i);
  }
  naiveTree(w, left, depth + 1, bits, 2 * prefix, useMean, codes);
  naiveTree(w, right, depth + 1, bits, 2 * prefix + 1, useMean, codes);
}

std::vector<uint8_t> naiveCodes(const std::vector<float> &w, int64_t bits,
                                Method method) {
  std::vector<uint8_t> codes(w.size(), 0xEE);
  if (method == Method::Uniform) {
    if (w.empty())
      return codes;
    double lo = *std::min_element(w.begin(), w.end());
    double hi = *std::max_element(w.begin(), w.end());
    int64_t top = (int64_t(1) << bits) - 1;
    for (size_t i = 0; i < w.size(); ++i) {
      if (hi == lo) {
        codes[i] = 0;
        continue;
      }
      double x = (double(w[i]) - lo) / (hi - lo) * double(top);
      // Round half to even by hand.
      double f = std::floor(x);
      double r = x - f > 0.5 ? f + 1 : (x - f < 0.5 ? f : (std::fmod(f, 2.0) == 0 ? f : f + 1));
      codes[i] = uint8_t(std::min<double>(std::max(r, 0.0), double(top)));
    }
    return codes;
  }
  std::vector<size_t> all(w.size());
  std::iota(all.begin(), all.end(), 0);
  naiveTree(w, all, 0, bits, 0, method == Method::Mean, codes);
  return codes;
}

std::vector<uint8_t> codesOf(const std::vector<float> &w, int64_t bits,
                             Method method) {
  std::vector<uint8_t> codes(w.size(), 0xEE);
  assignCodes(w.data(), w.size(), bits, method, codes.data());
  return codes;
}

std::vector<int64_t> populations(const std::vector<uint8_t> &codes,
                                 int64_t bits) {
  std::vector<int64_t> pops(size_t(1) << bits, 0);
  for (uint8_t c : codes)
    ++pops[c];
  return pops;
}

const int64_t kSizes[] = {1, 2, 3, 5, 17, 64, 255, 256, 1000, 4099};

} // namespace

//===----------------------------------------------------------------------===//
// Code assignment
//===----------------------------------------------------------------------===//

TEST(QuantizerTest, ExactAndMeanMatchNaiveTree) {
  unsigned seed = 1;
  for (Dist dist : kAllDists)
    for (int64_t size : kSizes)
      for (int64_t bits = 1; bits <= 8; ++bits) {
        std::vector<float> w = sample(dist, size, seed++);
        for (Method method : {Method::Exact, Method::Mean, Method::Uniform})
          ASSERT_EQ(codesOf(w, bits, method), naiveCodes(w, bits, method))
              << toString(method) << " " << name(dist) << " n=" << size
              << " bits=" << bits;
      }
}

TEST(QuantizerTest, ExactMatchesNaiveTreeOnAMillion) {
  std::vector<float> w = sample(Dist::Gaussian, 1000000, 42);
  for (int64_t bits : {1, 4, 8})
    ASSERT_EQ(codesOf(w, bits, Method::Exact),
              naiveCodes(w, bits, Method::Exact))
        << bits;
}

TEST(QuantizerTest, ExactPopulationsAreBalanced) {
  for (int64_t size : {1, 7, 100, 1000, 65536, 1000000})
    for (int64_t bits = 1; bits <= 8; ++bits) {
      std::vector<float> w = distinct(size, unsigned(size + bits));
      std::vector<uint8_t> codes = codesOf(w, bits, Method::Exact);
      std::vector<int64_t> pops = populations(codes, bits);
      // Nodes at one level hold floor or ceil of size / 2^level values.
      int64_t n = int64_t(1) << bits;
      for (int64_t p : pops) {
        EXPECT_GE(p, size / n) << size << " " << bits;
        EXPECT_LE(p, (size + n - 1) / n) << size << " " << bits;
      }
      EXPECT_LE(*std::max_element(pops.begin(), pops.end()) -
                    *std::min_element(pops.begin(), pops.end()),
                1);
      if (size % n != 0)
        continue;
      // code == floor(rank * n / size).
      std::vector<size_t> order(size);
      std::iota(order.begin(), order.end(), 0);
      std::sort(order.begin(), order.end(),
                [&](size_t a, size_t b) { return w[a] < w[b]; });
      for (int64_t rank = 0; rank < size; ++rank)
        ASSERT_EQ(codes[order[rank]], rank * n / size)
            << "rank " << rank << " size " << size << " bits " << bits;
    }
}

TEST(QuantizerTest, ExactTieRule) {
  // One node of four values: T = sorted[2] = 1, {w < 1} is empty, so every
  // value goes right and gets code 1.
  EXPECT_EQ(codesOf({1, 1, 1, 2}, 1, Method::Exact),
            (std::vector<uint8_t>{1, 1, 1, 1}));
  // T = sorted[2] = 2: {1, 1} left, {2, 2} right.
  EXPECT_EQ(codesOf({2, 1, 2, 1}, 1, Method::Exact),
            (std::vector<uint8_t>{1, 0, 1, 0}));
  // Two bits over {0, 0, 0, 5, 5, 9}: root T = sorted[3] = 5, left {0,0,0}
  // splits at 0 (all right, code 01), right {5,5,9} splits at 5 (all right,
  // code 11).
  EXPECT_EQ(codesOf({0, 5, 0, 9, 5, 0}, 2, Method::Exact),
            (std::vector<uint8_t>{1, 3, 1, 3, 3, 1}));
  // A constant slice ends in the rightmost leaf.
  EXPECT_EQ(codesOf({3, 3, 3}, 3, Method::Exact),
            (std::vector<uint8_t>{7, 7, 7}));
}

TEST(QuantizerTest, MeanByHand) {
  // Mean 2.5: {1, 2} left, {3, 4} right; then means 1.5 and 3.5.
  EXPECT_EQ(codesOf({4, 1, 3, 2}, 2, Method::Mean),
            (std::vector<uint8_t>{3, 0, 2, 1}));
}

TEST(QuantizerTest, CodesAreMonotone) {
  unsigned seed = 100;
  for (Dist dist : kAllDists)
    for (int64_t bits = 1; bits <= 8; ++bits)
      for (Method method : {Method::Exact, Method::Mean, Method::Uniform}) {
        std::vector<float> w = sample(dist, 3000, seed++);
        std::vector<uint8_t> codes = codesOf(w, bits, method);
        std::vector<size_t> order(w.size());
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(),
                  [&](size_t a, size_t b) { return w[a] < w[b]; });
        for (size_t i = 1; i < order.size(); ++i)
          ASSERT_LE(codes[order[i - 1]], codes[order[i]])
              << toString(method) << " " << name(dist) << " bits=" << bits;
      }
}

TEST(QuantizerTest, BalancedUsesMoreOfTheBitWidthThanUniform) {
  // The paper's point, on bell-shaped data: entropy close to `bits` for the
  // balanced partition, far below it for min-max uniform.
  std::vector<float> w = sample(Dist::Gaussian, 100000, 5);
  for (int64_t bits : {2, 3, 4}) {
    auto entropy = [&](Method method) {
      std::vector<uint8_t> codes = codesOf(w, bits, method);
      Affine affine = fitScale(w.data(), codes.data(), w.size(), bits,
                               Scale::Lsq);
      return sliceStats(w.data(), codes.data(), w.size(), bits, affine)
          .entropyBits;
    };
    EXPECT_NEAR(entropy(Method::Exact), double(bits), 1e-6);
    EXPECT_GT(entropy(Method::Mean), 0.8 * bits);
    EXPECT_LT(entropy(Method::Uniform), entropy(Method::Exact) - 0.3);
  }
}

//===----------------------------------------------------------------------===//
// Reconstruction
//===----------------------------------------------------------------------===//

TEST(QuantizerTest, LsqMatchesClosedForm) {
  unsigned seed = 200;
  for (Dist dist : kAllDists)
    for (int64_t bits : {1, 2, 3, 8})
      for (Method method : {Method::Exact, Method::Mean, Method::Uniform}) {
        std::vector<float> w = sample(dist, 777, seed++);
        std::vector<uint8_t> codes = codesOf(w, bits, method);
        Affine got = fitScale(w.data(), codes.data(), w.size(), bits,
                              Scale::Lsq);
        // Closed form, per element, two passes.
        double n = double(w.size()), mc = 0, mw = 0;
        for (size_t i = 0; i < w.size(); ++i) {
          mc += codes[i];
          mw += w[i];
        }
        mc /= n;
        mw /= n;
        double scc = 0, scw = 0;
        for (size_t i = 0; i < w.size(); ++i) {
          scc += (codes[i] - mc) * (codes[i] - mc);
          scw += (codes[i] - mc) * (w[i] - mw);
        }
        double alpha = scc == 0 ? 0 : scw / scc;
        double beta = mw - alpha * mc;
        double tol = 1e-9 * (1 + std::fabs(alpha) + std::fabs(beta));
        EXPECT_NEAR(got.alpha, alpha, tol) << name(dist) << " " << bits;
        EXPECT_NEAR(got.beta, beta, tol) << name(dist) << " " << bits;
        // Normal equations: residuals sum to 0 and are orthogonal to codes.
        double r0 = 0, r1 = 0, scale = 0;
        for (size_t i = 0; i < w.size(); ++i) {
          double r = w[i] - (got.alpha * codes[i] + got.beta);
          r0 += r;
          r1 += r * codes[i];
          scale += std::fabs(w[i]) * (1 + codes[i]);
        }
        EXPECT_LE(std::fabs(r0), 1e-9 * scale);
        EXPECT_LE(std::fabs(r1), 1e-9 * scale);
      }
}

TEST(QuantizerTest, LsqOfEqualCodesIsTheMean) {
  std::vector<float> w = {1, 2, 3, 6};
  std::vector<uint8_t> codes = {2, 2, 2, 2};
  Affine affine = fitScale(w.data(), codes.data(), 4, 2, Scale::Lsq);
  EXPECT_EQ(affine.alpha, 0.0);
  EXPECT_EQ(affine.beta, 3.0);
}

TEST(QuantizerTest, MaxAndMinMax) {
  std::vector<float> w = {-0.5f, 0.25f, 2.0f, -3.0f};
  std::vector<uint8_t> codes = codesOf(w, 2, Method::Exact);
  Affine max = fitScale(w.data(), codes.data(), 4, 2, Scale::Max);
  EXPECT_DOUBLE_EQ(max.alpha, 2.0 * 3.0 / 3.0);
  EXPECT_DOUBLE_EQ(max.beta, -3.0);
  Affine minmax = fitScale(w.data(), codes.data(), 4, 2, Scale::MinMax);
  EXPECT_DOUBLE_EQ(minmax.alpha, 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(minmax.beta, -3.0);
  Affine one = fitScale(w.data(), codes.data(), 4, 1, Scale::Max);
  EXPECT_DOUBLE_EQ(one.alpha, 6.0);
}

TEST(QuantizerTest, StatsByHand) {
  std::vector<float> w = {0.1f, -0.4f, 0.3f, 0.2f};
  std::vector<uint8_t> codes = {0, 0, 1, 1};
  SliceStats stats = sliceStats(w.data(), codes.data(), 4, 1, {0.4, -0.15});
  EXPECT_EQ(stats.populations, (std::vector<int64_t>{2, 2}));
  EXPECT_DOUBLE_EQ(stats.entropyBits, 1.0);
  // Errors 0.25, -0.25, 0.05, -0.05 against energy 0.30.
  EXPECT_NEAR(stats.relativeMse, 0.13 / 0.30, 1e-6);
  std::vector<uint8_t> skewed = {0, 0, 0, 1};
  EXPECT_NEAR(sliceStats(w.data(), skewed.data(), 4, 1, {}).entropyBits,
              -(0.75 * std::log2(0.75) + 0.25 * std::log2(0.25)), 1e-12);
  std::vector<float> zeros = {0, 0};
  std::vector<uint8_t> zc = {0, 0};
  EXPECT_EQ(sliceStats(zeros.data(), zc.data(), 2, 1, {}).relativeMse, 0.0);
  EXPECT_TRUE(std::isinf(
      sliceStats(zeros.data(), zc.data(), 2, 1, {1.0, 1.0}).relativeMse));
}

//===----------------------------------------------------------------------===//
// Whole tensors
//===----------------------------------------------------------------------===//

TEST(QuantizerTest, PerChannelEqualsPerSlice) {
  std::vector<int64_t> shape = {3, 4, 5};
  std::vector<float> w = sample(Dist::Laplace, 60, 9);
  for (int64_t axis = 0; axis < 3; ++axis)
    for (Method method : {Method::Exact, Method::Mean, Method::Uniform}) {
      WeightQuantOptions options;
      options.bits = 2;
      options.method = method;
      options.granularity = Granularity::Channel;
      options.axis = axis;
      QuantizedTensor q;
      ASSERT_TRUE(quantizeWeights(w.data(), shape, options, q).ok());
      ASSERT_EQ(q.alpha.size(), size_t(shape[axis]));
      for (int64_t c = 0; c < shape[axis]; ++c) {
        // Gather slice c by explicit loops over the three indices.
        std::vector<float> slice;
        std::vector<uint8_t> expectedCodes;
        std::vector<size_t> where;
        for (int64_t i = 0; i < 3; ++i)
          for (int64_t j = 0; j < 4; ++j)
            for (int64_t l = 0; l < 5; ++l) {
              int64_t idx[3] = {i, j, l};
              if (idx[axis] != c)
                continue;
              slice.push_back(w[(i * 4 + j) * 5 + l]);
              where.push_back((i * 4 + j) * 5 + l);
            }
        WeightQuantOptions whole = options;
        whole.granularity = Granularity::Tensor;
        QuantizedTensor one;
        ASSERT_TRUE(quantizeWeights(slice.data(), {int64_t(slice.size())},
                                    whole, one)
                        .ok());
        for (size_t p = 0; p < where.size(); ++p)
          EXPECT_EQ(q.codes[where[p]], one.codes[p]);
        EXPECT_EQ(q.alpha[c], one.alpha[0]);
        EXPECT_EQ(q.beta[c], one.beta[0]);
      }
    }
}

TEST(QuantizerTest, EmptySingleAndConstant) {
  WeightQuantOptions options;
  QuantizedTensor q;
  ASSERT_TRUE(quantizeWeights(nullptr, {0, 4}, options, q).ok());
  EXPECT_TRUE(q.codes.empty());
  EXPECT_EQ(q.alpha, std::vector<double>{0.0});
  EXPECT_EQ(q.beta, std::vector<double>{0.0});

  float one = 0.75f;
  for (Method method : {Method::Exact, Method::Mean, Method::Uniform}) {
    options.method = method;
    ASSERT_TRUE(quantizeWeights(&one, {1}, options, q).ok());
    EXPECT_EQ(q.alpha[0], 0.0);
    EXPECT_EQ(q.beta[0], 0.75);
  }
  std::vector<float> constant(10, -2.0f);
  for (Method method : {Method::Exact, Method::Mean, Method::Uniform}) {
    options.method = method;
    ASSERT_TRUE(quantizeWeights(constant.data(), {10}, options, q).ok());
    std::vector<uint8_t> codes = q.codes;
    EXPECT_TRUE(std::all_of(codes.begin(), codes.end(),
                            [&](uint8_t c) { return c == codes[0]; }));
    EXPECT_EQ(q.alpha[0], 0.0);
    EXPECT_EQ(q.beta[0], -2.0);
  }
}

TEST(QuantizerTest, NonFiniteAndBadOptionsAreErrors) {
  std::vector<float> w = {0.0f, 1.0f, std::nanf(""), 2.0f, 3.0f, 4.0f};
  WeightQuantOptions options;
  QuantizedTensor q;
  q.alpha = {123.0};
  Status status = quantizeWeights(w.data(), {2, 3}, options, q);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.badIndex(), 2);
  EXPECT_EQ(status.message(), "element [0, 2] is NaN");
  EXPECT_EQ(q.alpha, std::vector<double>{123.0}) << "result was written";

  w[2] = 1.0f;
  w[4] = -std::numeric_limits<float>::infinity();
  status = quantizeWeights(w.data(), {2, 3}, options, q);
  EXPECT_EQ(status.message(), "element [1, 1] is -Inf");

  w[4] = 0.0f;
  options.bits = 0;
  EXPECT_EQ(quantizeWeights(w.data(), {2, 3}, options, q).message(),
            "bits must be in [1, 8], got 0");
  options.bits = 9;
  EXPECT_FALSE(quantizeWeights(w.data(), {2, 3}, options, q).ok());
  options.bits = 2;
  options.granularity = Granularity::Channel;
  options.axis = 2;
  EXPECT_EQ(quantizeWeights(w.data(), {2, 3}, options, q).message(),
            "channel axis 2 is out of range for a rank-2 tensor");
}

TEST(QuantizerTest, DeterministicAcrossCalls) {
  std::vector<float> w = sample(Dist::HeavyTailed, 50000, 77);
  WeightQuantOptions options;
  options.bits = 3;
  QuantizedTensor a, b;
  ASSERT_TRUE(quantizeWeights(w.data(), {50000}, options, a).ok());
  ASSERT_TRUE(quantizeWeights(w.data(), {50000}, options, b).ok());
  EXPECT_EQ(a.codes, b.codes);
  EXPECT_EQ(a.alpha, b.alpha);
}

TEST(QuantizerTest, NamesRoundTrip) {
  for (Method m : {Method::Exact, Method::Mean, Method::Uniform})
    EXPECT_EQ(parseMethod(toString(m)), m);
  for (Scale s : {Scale::Lsq, Scale::Max, Scale::MinMax})
    EXPECT_EQ(parseScale(toString(s)), s);
  for (Granularity g : {Granularity::Tensor, Granularity::Channel})
    EXPECT_EQ(parseGranularity(toString(g)), g);
  EXPECT_FALSE(parseMethod("median").has_value());
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

TEST(QuantizerTest, ActivationsDynamicAndStatic) {
  std::vector<float> x = {-1.0f, 0.0f, 0.5f, 1.0f, 0.25f};
  std::vector<uint8_t> codes(x.size());
  ActQuantParams params;
  ASSERT_TRUE(
      quantizeActivations(x.data(), x.size(), 2, std::nullopt, codes.data(),
                          params)
          .ok());
  // s = 2/3: (x + 1) / s = 0, 1.5, 2.25, 3, 1.875 -> 0, 2 (half to even), 2,
  // 3, 2.
  EXPECT_FLOAT_EQ(params.scale, 2.0f / 3.0f);
  EXPECT_EQ(params.offset, -1.0f);
  EXPECT_EQ(codes, (std::vector<uint8_t>{0, 2, 2, 3, 2}));

  // Static range [0, 1] with 1 bit: s = 1; clamp below and above.
  ASSERT_TRUE(quantizeActivations(x.data(), x.size(), 1,
                                  std::make_pair(0.0f, 1.0f), codes.data(),
                                  params)
                  .ok());
  EXPECT_EQ(params.scale, 1.0f);
  EXPECT_EQ(codes, (std::vector<uint8_t>{0, 0, 0, 1, 0}));

  // hi <= lo: s = 1.
  ASSERT_TRUE(quantizeActivations(x.data(), x.size(), 8,
                                  std::make_pair(2.0f, 2.0f), codes.data(),
                                  params)
                  .ok());
  EXPECT_EQ(params.scale, 1.0f);
  EXPECT_EQ(codes, (std::vector<uint8_t>{0, 0, 0, 0, 0}));

  x[1] = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(quantizeActivations(x.data(), x.size(), 8, std::nullopt,
                                   codes.data(), params)
                   .ok());
  EXPECT_FALSE(quantizeActivations(x.data(), x.size(), 9, std::nullopt,
                                   codes.data(), params)
                   .ok());
}

// Found by the quantizer fuzzer: a range that overflows f32 made
// (x - lo) / s = inf / inf = NaN, converted to uint8 (undefined). Such
// values now get code 0; the others stay on the grid.
TEST(QuantizerTest, ActivationRangeOverflowIsDefined) {
  std::vector<float> x = {-3.0e38f, 0.0f, 3.0e38f};
  std::vector<uint8_t> codes(3, 0xEE);
  ActQuantParams params;
  ASSERT_TRUE(quantizeActivations(x.data(), 3, 2, std::nullopt, codes.data(),
                                  params)
                  .ok());
  EXPECT_TRUE(std::isinf(params.scale));
  // -3e38: (0) / inf = 0; 0: 3e38 / inf = 0; 3e38: inf / inf = NaN -> 0.
  EXPECT_EQ(codes, (std::vector<uint8_t>{0, 0, 0}));
  // A range that underflows: s = 1e-45 / 255 = 0, so x == lo gives 0 / 0.
  std::vector<float> tiny = {0.0f, 1e-45f};
  ASSERT_TRUE(quantizeActivations(tiny.data(), 2, 8, std::nullopt,
                                  codes.data(), params)
                  .ok());
  EXPECT_EQ(params.scale, 0.0f);
  EXPECT_EQ(codes[0], 0);
  EXPECT_EQ(codes[1], 255);
}
