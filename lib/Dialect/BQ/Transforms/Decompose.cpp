//===- Decompose.cpp - Quantized matmul to its bit-serial form ------------===//

#include "bq/Dialect/BQ/Transforms/Passes.h"

#include "bq/Dialect/BQ/IR/ConstantData.h"
#include "bq/Quant/BitPack.h"
#include "bq/Quant/Layout.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace bq {
#define GEN_PASS_DEF_BQDECOMPOSE
#include "bq/Dialect/BQ/Transforms/Passes.h.inc"
} // namespace bq

using namespace mlir;
using namespace bq;

std::optional<int64_t> bq::getStaticK(QuantizedMatmulOp op) {
  int64_t k = op.getWeightCodes().getType().getDimSize(0);
  if (ShapedType::isDynamic(k))
    k = op.getLhs().getType().getDimSize(1);
  if (ShapedType::isDynamic(k))
    return std::nullopt;
  return k;
}

IntegerType bq::codeSumType(OpBuilder &b, int64_t k) {
  return b.getIntegerType(
      quant::fitsSigned(k * quant::maxCode(quant::kMaxBits), 32) ? 32 : 64);
}

WeightPlanes bq::buildWeightPlanes(OpBuilder &b, Location loc, Value codes,
                                   int64_t bits) {
  auto codesType = cast<RankedTensorType>(codes.getType());
  int64_t k = codesType.getDimSize(0), n = codesType.getDimSize(1);
  auto planesType =
      RankedTensorType::get({bits, n, quant::numWords(k)}, b.getI64Type());
  auto sumsType = RankedTensorType::get({n}, codeSumType(b, k));
  Attribute attr;
  if (codesType.hasStaticShape() && matchPattern(codes, m_Constant(&attr))) {
    FailureOr<std::vector<uint8_t>> bytes = getCodeBytes(attr);
    if (succeeded(bytes)) {
      std::vector<uint64_t> planes(planesType.getNumElements());
      quant::packPlanesTransposed(bytes->data(), n, k, bits, planes.data());
      std::vector<int64_t> sums = quant::codeSums(bytes->data(), {k, n}, 0);
      return {arith::ConstantOp::create(
                  b, loc, planesType,
                  getDenseAttr(planesType, ArrayRef<uint64_t>(planes))),
              arith::ConstantOp::create(b, loc, sumsType,
                                        getDenseIntAttr(sumsType, sums))};
    }
  }
  // Run-time codes: transpose to rows = N, then pack and sum.
  Value init = tensor::EmptyOp::create(
      b, loc, {tensor::getMixedSize(b, loc, codes, 1), b.getIndexAttr(k)},
      b.getI8Type());
  Value transposed =
      linalg::TransposeOp::create(b, loc, codes, init, {1, 0}).getResult()[0];
  return {PackOp::create(b, loc, planesType, transposed, bits),
          CodeSumsOp::create(b, loc, sumsType, codes, 0)};
}

namespace {

struct DecomposeQuantizedMatmul : public OpRewritePattern<QuantizedMatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizedMatmulOp op,
                                PatternRewriter &rewriter) const override {
    auto lhsType = op.getLhs().getType();
    std::optional<int64_t> staticK = getStaticK(op);
    if (!staticK)
      return rewriter.notifyMatchFailure(op, "needs a static K");
    int64_t k = *staticK;
    int64_t ka = op.getActBits(), kw = op.getWeightBits();
    int64_t m = lhsType.getDimSize(0);
    int64_t n = op.getResult().getType().getDimSize(1);
    Location loc = op.getLoc();
    auto codesType = RankedTensorType::get({m, k}, rewriter.getI8Type());

    auto act = QuantizeActivationsOp::create(
        rewriter, loc, codesType, rewriter.getF32Type(), rewriter.getF32Type(),
        op.getLhs(), ka, op.getActRange(), op.getLoAttr(), op.getHiAttr());
    auto actPlanesType = RankedTensorType::get({ka, m, quant::numWords(k)},
                                               rewriter.getI64Type());
    Value actPlanes =
        PackOp::create(rewriter, loc, actPlanesType, act.getCodes(), ka);
    WeightPlanes weight =
        buildWeightPlanes(rewriter, loc, op.getWeightCodes(), kw);
    unsigned width = quant::accumulatorWidth(quant::maxDotProduct(k, ka, kw));
    if (width == 0)
      return rewriter.notifyMatchFailure(op, "K too large for i64");
    auto productsType =
        RankedTensorType::get({m, n}, rewriter.getIntegerType(width));
    Value products = BitSerialMatmulOp::create(rewriter, loc, productsType,
                                               actPlanes, weight.planes, k);
    Value rowSums = CodeSumsOp::create(
        rewriter, loc, RankedTensorType::get({m}, codeSumType(rewriter, k)),
        act.getCodes(), 1);
    rewriter.replaceOpWithNewOp<AffineEpilogueOp>(
        op, op.getResult().getType(), products, rowSums, weight.colSums,
        op.getWeightAlpha(), op.getWeightBeta(), act.getScale(),
        act.getOffset(), k);
    return success();
  }
};

struct BQDecomposePass : public bq::impl::BQDecomposeBase<BQDecomposePass> {
  using Base::Base;

  void runOnOperation() override {
    // Check first, so that a failure leaves the IR as it was.
    WalkResult result = getOperation()->walk([](QuantizedMatmulOp op) {
      if (!getStaticK(op)) {
        op.emitOpError("bq-decompose needs a static contraction size K");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    SmallVector<Operation *> codeProducers;
    getOperation()->walk([&](QuantizedMatmulOp op) {
      if (Operation *producer = op.getWeightCodes().getDefiningOp())
        codeProducers.push_back(producer);
    });
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposeQuantizedMatmul>(&getContext());
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    // Constant codes now live on as planes and sums only.
    llvm::SmallPtrSet<Operation *, 8> erased;
    for (Operation *producer : codeProducers)
      if (isa<arith::ConstantOp>(producer) && producer->use_empty() &&
          erased.insert(producer).second)
        producer->erase();
  }
};

} // namespace
