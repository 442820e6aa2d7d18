//===- LayoutTest.cpp - Tests of the layout and accumulator helpers -------===//

#include "bq/Quant/Layout.h"

#include "gtest/gtest.h"

#include <cstdint>
#include <limits>

using namespace bq::quant;

TEST(LayoutTest, ValidBits) {
  EXPECT_FALSE(isValidBits(0));
  EXPECT_FALSE(isValidBits(-1));
  EXPECT_FALSE(isValidBits(9));
  for (int64_t bits = 1; bits <= 8; ++bits)
    EXPECT_TRUE(isValidBits(bits)) << bits;
}

TEST(LayoutTest, CodeCounts) {
  EXPECT_EQ(numCodes(1), 2);
  EXPECT_EQ(numCodes(8), 256);
  EXPECT_EQ(maxCode(2), 3);
  EXPECT_EQ(maxCode(8), 255);
}

TEST(LayoutTest, NumWords) {
  EXPECT_EQ(numWords(0), 0);
  EXPECT_EQ(numWords(1), 1);
  EXPECT_EQ(numWords(63), 1);
  EXPECT_EQ(numWords(64), 1);
  EXPECT_EQ(numWords(65), 2);
  EXPECT_EQ(numWords(1000), 16);
  // Compare with a loop counting words one bit at a time.
  for (int64_t k = 1; k < 300; ++k) {
    int64_t words = 0;
    for (int64_t bit = 0; bit < k; bit += 64)
      ++words;
    EXPECT_EQ(numWords(k), words) << k;
  }
}

TEST(LayoutTest, MaxDotProduct) {
  EXPECT_EQ(maxDotProduct(100, 1, 1), 100);
  EXPECT_EQ(maxDotProduct(100, 2, 3), 100 * 3 * 7);
  EXPECT_EQ(maxDotProduct(4096, 8, 8), int64_t(4096) * 255 * 255);
  EXPECT_EQ(maxDotProduct(-1, 2, 2), -1);
  EXPECT_EQ(maxDotProduct(10, 0, 2), -1);
  EXPECT_EQ(maxDotProduct(10, 2, 9), -1);
  EXPECT_EQ(maxDotProduct(std::numeric_limits<int64_t>::max(), 8, 8), -1);
}

TEST(LayoutTest, FitsSigned) {
  EXPECT_TRUE(fitsSigned(0, 32));
  EXPECT_TRUE(fitsSigned((int64_t(1) << 31) - 1, 32));
  EXPECT_FALSE(fitsSigned(int64_t(1) << 31, 32));
  EXPECT_TRUE(fitsSigned(int64_t(1) << 31, 64));
  EXPECT_FALSE(fitsSigned(-1, 64));
  EXPECT_FALSE(fitsSigned(1, 0));
  EXPECT_TRUE(fitsSigned(127, 8));
  EXPECT_FALSE(fitsSigned(128, 8));
}

TEST(LayoutTest, AccumulatorWidth) {
  // W8A8 over K = 33025 still fits i32: 33025 * 65025 < 2^31.
  EXPECT_EQ(accumulatorWidth(maxDotProduct(33025, 8, 8)), 32u);
  EXPECT_EQ(accumulatorWidth(maxDotProduct(33026, 8, 8)), 64u);
  EXPECT_EQ(accumulatorWidth(-1), 0u);
}
