//===- DialectTest.cpp - Tests of bq's attributes and verifiers -----------===//

#include "bq/Dialect/BQ/IR/BQ.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "gtest/gtest.h"

using namespace mlir;

namespace {

class DialectTest : public ::testing::Test {
protected:
  DialectTest() {
    context.loadDialect<bq::BQDialect, func::FuncDialect>();
  }

  /// Parses `ir`, returning the first diagnostic (or "" when it verifies).
  std::string diagnose(StringRef ir) {
    std::string message;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      if (message.empty())
        message = diag.str();
      return success();
    });
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(ir, &context);
    if (module && message.empty())
      return "";
    return message.empty() ? "parse failure" : message;
  }

  MLIRContext context;
};

} // namespace

TEST_F(DialectTest, EnumKeywordsRoundTrip) {
  for (bq::Method m : {bq::Method::Exact, bq::Method::Mean,
                       bq::Method::Uniform})
    EXPECT_EQ(bq::symbolizeMethod(bq::stringifyMethod(m)), m);
  EXPECT_EQ(bq::stringifyScale(bq::Scale::MinMax), "minmax");
  EXPECT_EQ(bq::symbolizeGranularity("channel"), bq::Granularity::Channel);
  EXPECT_EQ(bq::symbolizeActRange("static"), bq::ActRange::Static);
  EXPECT_FALSE(bq::symbolizeMethod("median").has_value());
  auto attr = bq::MethodAttr::get(&context, bq::Method::Mean);
  EXPECT_EQ(attr.getValue(), bq::Method::Mean);
}

TEST_F(DialectTest, VerifiersAcceptAndReject) {
  const char *good = R"mlir(
    func.func @f(%w: tensor<64x32xf32>) -> tensor<64x32xi8> {
      %c, %a, %b = bq.balanced_quantize %w bits(2) method(exact) scale(lsq)
          granularity(channel) axis(1)
          : tensor<64x32xf32> -> tensor<64x32xi8>, tensor<32xf32>
      return %c : tensor<64x32xi8>
    })mlir";
  EXPECT_EQ(diagnose(good), "");

  const char *badBits = R"mlir(
    func.func @f(%w: tensor<4xf32>) -> tensor<4xi8> {
      %c, %a, %b = bq.balanced_quantize %w bits(9) method(exact) scale(lsq)
          granularity(tensor) : tensor<4xf32> -> tensor<4xi8>, tensor<f32>
      return %c : tensor<4xi8>
    })mlir";
  EXPECT_EQ(diagnose(badBits), "'bq.balanced_quantize' op bits must be in "
                               "[1, 8], got 9");

  const char *overflow = R"mlir(
    func.func @f(%a: tensor<8x4x600xi64>, %w: tensor<8x4x600xi64>)
        -> tensor<4x4xi32> {
      %p = bq.bitserial_matmul %a, %w k(38400)
          : tensor<8x4x600xi64>, tensor<8x4x600xi64> -> tensor<4x4xi32>
      return %p : tensor<4x4xi32>
    })mlir";
  EXPECT_EQ(diagnose(overflow),
            "'bq.bitserial_matmul' op products of up to 2496960000 may "
            "overflow the i32 result; use i64");
}
