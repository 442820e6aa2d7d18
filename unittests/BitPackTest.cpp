//===- BitPackTest.cpp - Tests of bit-plane packing and code sums ---------===//

#include "bq/Quant/BitPack.h"
#include "bq/Quant/Layout.h"

#include "gtest/gtest.h"

#include <random>

using namespace bq::quant;

namespace {
std::vector<uint8_t> randomCodes(size_t n, int64_t bits, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(0, int(maxCode(bits)));
  std::vector<uint8_t> codes(n);
  for (uint8_t &c : codes)
    c = uint8_t(dist(rng));
  return codes;
}
} // namespace

// The layout of DESIGN.md 1.4 on a hand-made example: 2 rows, K = 66.
TEST(BitPackTest, LayoutByHand) {
  const int64_t rows = 2, k = 66, bits = 2;
  std::vector<uint8_t> codes(rows * k, 0);
  codes[0 * k + 0] = 1;  // plane 0, row 0, word 0, bit 0
  codes[0 * k + 65] = 2; // plane 1, row 0, word 1, bit 1
  codes[1 * k + 3] = 3;  // planes 0 and 1, row 1, word 0, bit 3
  std::vector<uint64_t> planes(bits * rows * numWords(k), ~uint64_t(0));
  packPlanes(codes.data(), rows, k, bits, planes.data());
  // planes[b][r][w] at (b * rows + r) * words + w, words = 2.
  EXPECT_EQ(planes[(0 * rows + 0) * 2 + 0], uint64_t(1));
  EXPECT_EQ(planes[(0 * rows + 0) * 2 + 1], uint64_t(0));
  EXPECT_EQ(planes[(1 * rows + 0) * 2 + 0], uint64_t(0));
  EXPECT_EQ(planes[(1 * rows + 0) * 2 + 1], uint64_t(2));
  EXPECT_EQ(planes[(0 * rows + 1) * 2 + 0], uint64_t(8));
  EXPECT_EQ(planes[(1 * rows + 1) * 2 + 0], uint64_t(8));
  EXPECT_EQ(planes[(0 * rows + 1) * 2 + 1], uint64_t(0));
}

TEST(BitPackTest, HighBitsAreDropped) {
  std::vector<uint8_t> codes = {0xFF};
  std::vector<uint64_t> planes(2);
  packPlanes(codes.data(), 1, 1, 2, planes.data());
  EXPECT_EQ(planes[0], 1u);
  EXPECT_EQ(planes[1], 1u);
}

TEST(BitPackTest, RoundTripAndPadding) {
  for (int64_t bits = 1; bits <= 8; ++bits) {
    for (int64_t k : {1, 63, 64, 65, 100, 1000}) {
      const int64_t rows = 5;
      std::vector<uint8_t> codes = randomCodes(rows * k, bits, unsigned(k));
      std::vector<uint64_t> planes(bits * rows * numWords(k));
      packPlanes(codes.data(), rows, k, bits, planes.data());
      // Padding bits beyond K in the last word are zero.
      if (k % 64) {
        uint64_t padMask = ~((uint64_t(1) << (k % 64)) - 1);
        for (int64_t p = 0; p < bits * rows; ++p)
          EXPECT_EQ(planes[p * numWords(k) + numWords(k) - 1] & padMask, 0u);
      }
      std::vector<uint8_t> back(rows * k);
      unpackPlanes(planes.data(), rows, k, bits, back.data());
      EXPECT_EQ(back, codes) << "bits=" << bits << " k=" << k;
    }
  }
}

TEST(BitPackTest, TransposedMatchesExplicitTranspose) {
  const int64_t k = 70, n = 9, bits = 3;
  std::vector<uint8_t> kxn = randomCodes(k * n, bits, 7);
  std::vector<uint8_t> nxk(n * k);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j)
      nxk[j * k + i] = kxn[i * n + j];
  std::vector<uint64_t> a(bits * n * numWords(k)), b(a.size());
  packPlanesTransposed(kxn.data(), n, k, bits, a.data());
  packPlanes(nxk.data(), n, k, bits, b.data());
  EXPECT_EQ(a, b);
}

// Bit-serial dot products over packed planes equal integer dot products.
TEST(BitPackTest, PopcountDotProductIsExact) {
  const int64_t k = 130;
  for (int64_t ka : {1, 2, 8}) {
    for (int64_t kw : {1, 3, 8}) {
      std::vector<uint8_t> a = randomCodes(k, ka, 11), w = randomCodes(k, kw, 12);
      std::vector<uint64_t> ap(ka * numWords(k)), wp(kw * numWords(k));
      packPlanes(a.data(), 1, k, ka, ap.data());
      packPlanes(w.data(), 1, k, kw, wp.data());
      int64_t direct = 0, serial = 0;
      for (int64_t i = 0; i < k; ++i)
        direct += int64_t(a[i]) * w[i];
      for (int64_t i = 0; i < ka; ++i)
        for (int64_t j = 0; j < kw; ++j)
          for (int64_t word = 0; word < numWords(k); ++word)
            serial += int64_t(__builtin_popcountll(ap[i * numWords(k) + word] &
                                                   wp[j * numWords(k) + word]))
                      << (i + j);
      EXPECT_EQ(serial, direct) << ka << "x" << kw;
    }
  }
}

TEST(BitPackTest, CodeSums) {
  // shape [2, 3, 4]: sum along each dimension against explicit loops.
  std::vector<int64_t> shape = {2, 3, 4};
  std::vector<uint8_t> codes = randomCodes(24, 8, 3);
  auto at = [&](int64_t i, int64_t j, int64_t l) {
    return int64_t(codes[(i * 3 + j) * 4 + l]);
  };
  std::vector<int64_t> s0 = codeSums(codes.data(), shape, 0);
  std::vector<int64_t> s1 = codeSums(codes.data(), shape, 1);
  std::vector<int64_t> s2 = codeSums(codes.data(), shape, 2);
  ASSERT_EQ(s0.size(), 12u);
  ASSERT_EQ(s1.size(), 8u);
  ASSERT_EQ(s2.size(), 6u);
  for (int64_t j = 0; j < 3; ++j)
    for (int64_t l = 0; l < 4; ++l)
      EXPECT_EQ(s0[j * 4 + l], at(0, j, l) + at(1, j, l));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t l = 0; l < 4; ++l)
      EXPECT_EQ(s1[i * 4 + l], at(i, 0, l) + at(i, 1, l) + at(i, 2, l));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      EXPECT_EQ(s2[i * 3 + j],
                at(i, j, 0) + at(i, j, 1) + at(i, j, 2) + at(i, j, 3));
}
