//===- LowerToReference.cpp - Quantized ops in plain float linalg ---------===//
//
// The reference lowering: bq.quantized_matmul as quantize-dequantize of the
// activations, dequantization of the weight codes and a float
// linalg.matmul; bq.quantize_activations as linalg reductions and an
// elementwise linalg.generic. Only upstream ops are produced.
//
//===----------------------------------------------------------------------===//

#include "bq/Dialect/BQ/Transforms/Passes.h"

#include "bq/Quant/Layout.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <limits>

namespace bq {
#define GEN_PASS_DEF_BQLOWERTOREFERENCE
#include "bq/Dialect/BQ/Transforms/Passes.h.inc"
} // namespace bq

using namespace mlir;
using namespace bq;

//===----------------------------------------------------------------------===//
// Activation quantization
//===----------------------------------------------------------------------===//

/// Reduces all of `x` to one f32 with `combine`, starting from `init`.
static Value reduceAll(OpBuilder &b, Location loc, Value x, float init,
                       bool isMin) {
  auto rank = cast<RankedTensorType>(x.getType()).getRank();
  Value empty = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{},
                                        b.getF32Type());
  Value start = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(init));
  Value filled =
      linalg::FillOp::create(b, loc, ValueRange{start}, ValueRange{empty})
          .getResult(0);
  SmallVector<int64_t> dims = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  auto reduce = linalg::ReduceOp::create(
      b, loc, ValueRange{x}, ValueRange{filled}, dims,
      [isMin](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result =
            isMin ? arith::MinimumFOp::create(nested, nestedLoc, args[0],
                                              args[1])
                        .getResult()
                  : arith::MaximumFOp::create(nested, nestedLoc, args[0],
                                              args[1])
                        .getResult();
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return tensor::ExtractOp::create(b, loc, reduce.getResult(0), ValueRange{});
}

Value bq::buildActScale(OpBuilder &b, Location loc, Value lo, Value hi,
                        int64_t bits) {
  // s = (hi - lo) / (2^bits - 1), or 1 when hi <= lo.
  Value top = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(float(quant::maxCode(bits))));
  Value one = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0f));
  Value diff = arith::SubFOp::create(b, loc, hi, lo);
  Value step = arith::DivFOp::create(b, loc, diff, top);
  Value positive =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, hi, lo);
  return arith::SelectOp::create(b, loc, positive, step, one);
}

/// round_half_even(x) without a rounding intrinsic: for |x| < 2^23,
/// `(x + 2^23) - 2^23` (or `(x - 2^23) + 2^23` below zero) rounds to the
/// nearest integer, ties to even, in IEEE arithmetic; larger |x|, infinities
/// and NaN are returned as they are.
static Value roundHalfEvenByAddition(OpBuilder &b, Location loc, Value x) {
  auto f32 = [&](float v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  };
  Value magic = f32(8388608.0f), zero = f32(0.0f);
  Value negative =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
  Value up = arith::SubFOp::create(
      b, loc, arith::AddFOp::create(b, loc, x, magic), magic);
  Value down = arith::AddFOp::create(
      b, loc, arith::SubFOp::create(b, loc, x, magic), magic);
  Value rounded = arith::SelectOp::create(b, loc, negative, down, up);
  Value small = arith::AndIOp::create(
      b, loc,
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, magic),
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                            f32(-8388608.0f)));
  return arith::SelectOp::create(b, loc, small, rounded, x);
}

Value bq::buildActCode(OpBuilder &b, Location loc, Value x, Value lo,
                       Value scale, int64_t bits, bool roundByAddition) {
  Value top = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(float(quant::maxCode(bits))));
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  // c = clamp(round_half_even((x - lo) / s), 0, top)
  Value shifted = arith::SubFOp::create(b, loc, x, lo);
  Value scaled = arith::DivFOp::create(b, loc, shifted, scale);
  Value rounded = roundByAddition ? roundHalfEvenByAddition(b, loc, scaled)
                                  : math::RoundEvenOp::create(b, loc, scaled);
  // NaN only when the range over- or underflows f32: code 0.
  Value isNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO,
                                      rounded, rounded);
  rounded = arith::SelectOp::create(b, loc, isNan, zero, rounded);
  Value low = arith::MaximumFOp::create(b, loc, rounded, zero);
  return arith::MinimumFOp::create(b, loc, low, top);
}

Value bq::buildEpilogueValue(OpBuilder &b, Location loc, Value p, Value ra,
                             Value cw, Value aw, Value bw, Value aa, Value ba,
                             int64_t k) {
  // In f64: the four terms can be large and cancel (DESIGN.md 1.3).
  Type f64 = b.getF64Type();
  auto toF64 = [&](Value v) -> Value {
    if (isa<IntegerType>(v.getType()))
      return arith::SIToFPOp::create(b, loc, f64, v);
    return arith::ExtFOp::create(b, loc, f64, v);
  };
  auto mul = [&](Value x, Value y) -> Value {
    return arith::MulFOp::create(b, loc, x, y);
  };
  auto add = [&](Value x, Value y) -> Value {
    return arith::AddFOp::create(b, loc, x, y);
  };
  p = toF64(p), ra = toF64(ra), cw = toF64(cw), aw = toF64(aw),
  bw = toF64(bw), aa = toF64(aa), ba = toF64(ba);
  Value kf = arith::ConstantOp::create(b, loc, b.getF64FloatAttr(double(k)));
  Value y = mul(mul(aa, aw), p);
  y = add(y, mul(mul(aa, bw), ra));
  y = add(y, mul(mul(ba, aw), cw));
  y = add(y, mul(mul(kf, ba), bw));
  return arith::TruncFOp::create(b, loc, b.getF32Type(), y);
}

ActQuantization bq::buildActQuantization(OpBuilder &b, Location loc, Value x,
                                         int64_t bits, ActRange range,
                                         std::optional<APFloat> lo,
                                         std::optional<APFloat> hi,
                                         bool dequantize) {
  auto type = cast<RankedTensorType>(x.getType());
  Type f32 = b.getF32Type();
  Value loValue, hiValue;
  if (range == ActRange::Static) {
    loValue = arith::ConstantOp::create(
        b, loc, b.getF32FloatAttr(lo->convertToFloat()));
    hiValue = arith::ConstantOp::create(
        b, loc, b.getF32FloatAttr(hi->convertToFloat()));
  } else {
    loValue = reduceAll(b, loc, x, std::numeric_limits<float>::infinity(),
                        /*isMin=*/true);
    hiValue = reduceAll(b, loc, x, -std::numeric_limits<float>::infinity(),
                        /*isMin=*/false);
  }
  Value scale = buildActScale(b, loc, loValue, hiValue, bits);

  Value init = tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, x),
                                       f32);
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  Value values =
      linalg::GenericOp::create(
          b, loc, init.getType(), ValueRange{x}, ValueRange{init},
          ArrayRef<AffineMap>{identity, identity}, iterators,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value code =
                buildActCode(nb, nl, args[0], loValue, scale, bits);
            Value result = code;
            if (dequantize) {
              Value mul = arith::MulFOp::create(nb, nl, code, scale);
              result = arith::AddFOp::create(nb, nl, mul, loValue);
            }
            linalg::YieldOp::create(nb, nl, result);
          })
          .getResult(0);
  return {values, scale, loValue};
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

namespace {

struct LowerQuantizeActivations
    : public OpRewritePattern<QuantizeActivationsOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeActivationsOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ActQuantization q = buildActQuantization(
        rewriter, loc, op.getInput(), op.getBits(), op.getRange(), op.getLo(),
        op.getHi(), /*dequantize=*/false);
    auto type = op.getCodes().getType();
    Value init = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, q.values),
        type.getElementType());
    AffineMap identity = rewriter.getMultiDimIdentityMap(type.getRank());
    SmallVector<utils::IteratorType> iterators(type.getRank(),
                                               utils::IteratorType::parallel);
    Value codes =
        linalg::GenericOp::create(
            rewriter, loc, init.getType(), ValueRange{q.values},
            ValueRange{init}, ArrayRef<AffineMap>{identity, identity},
            iterators,
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              Value code = arith::FPToUIOp::create(nb, nl, nb.getI8Type(),
                                                   args[0]);
              linalg::YieldOp::create(nb, nl, code);
            })
            .getResult(0);
    if (codes.getType() != type)
      codes = tensor::CastOp::create(rewriter, loc, type, codes);
    rewriter.replaceOp(op, {codes, q.scale, q.offset});
    return success();
  }
};

struct LowerQuantizedMatmul : public OpRewritePattern<QuantizedMatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizedMatmulOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    ActQuantization act = buildActQuantization(
        rewriter, loc, op.getLhs(), op.getActBits(), op.getActRange(),
        op.getLo(), op.getHi(), /*dequantize=*/true);

    // Weights: alpha[n] * c + beta[n], codes read as unsigned.
    Value codes = op.getWeightCodes();
    auto alphaType = op.getWeightAlpha().getType();
    Value weightInit = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, codes), f32);
    MLIRContext *ctx = rewriter.getContext();
    AffineMap identity = rewriter.getMultiDimIdentityMap(2);
    AffineMap scaleMap =
        alphaType.getRank() == 0
            ? AffineMap::get(2, 0, {}, ctx)
            : AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx);
    Value weights =
        linalg::GenericOp::create(
            rewriter, loc, weightInit.getType(),
            ValueRange{codes, op.getWeightAlpha(), op.getWeightBeta()},
            ValueRange{weightInit},
            ArrayRef<AffineMap>{identity, scaleMap, scaleMap, identity},
            SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              Value c = arith::UIToFPOp::create(nb, nl, nb.getF32Type(),
                                                args[0]);
              Value scaled = arith::MulFOp::create(nb, nl, c, args[1]);
              linalg::YieldOp::create(
                  nb, nl,
                  ValueRange{arith::AddFOp::create(nb, nl, scaled, args[2])});
            })
            .getResult(0);

    auto resultType = op.getResult().getType();
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, op.getLhs(), 0),
        tensor::getMixedSize(rewriter, loc, codes, 1)};
    Value empty = tensor::EmptyOp::create(rewriter, loc, sizes, f32);
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getF32FloatAttr(0.0f));
    Value acc =
        linalg::FillOp::create(rewriter, loc, ValueRange{zero}, ValueRange{empty})
            .getResult(0);
    Value result =
        linalg::MatmulOp::create(rewriter, loc, ValueRange{act.values, weights},
                                 ValueRange{acc})
            .getResult(0);
    if (result.getType() != resultType)
      result = tensor::CastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct BQLowerToReferencePass
    : public bq::impl::BQLowerToReferenceBase<BQLowerToReferencePass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerQuantizeActivations, LowerQuantizedMatmul>(&getContext());
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

void bq::populateLowerQuantizeActivationsPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerQuantizeActivations>(patterns.getContext());
}
