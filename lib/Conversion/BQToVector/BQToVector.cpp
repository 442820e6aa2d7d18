//===- BQToVector.cpp - bq run-time ops to vectorized loops ---------------===//
//
// Lowers the bit-serial form for CPUs. The two kernels that need more than
// elementwise code, bq.bitserial_matmul and bq.pack, are emitted as loops on
// memrefs around vector<8xi64> / vector<64xi8> operations; the rest becomes
// linalg on tensors. See docs/cpu.md for the kernel's design.
//
//===----------------------------------------------------------------------===//

#include "bq/Conversion/Passes.h"
#include "bq/Conversion/TensorBuffers.h"

#include "bq/Dialect/BQ/IR/BQ.h"
#include "bq/Dialect/BQ/Transforms/Passes.h"
#include "bq/Quant/Layout.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace bq {
#define GEN_PASS_DEF_CONVERTBQTOVECTOR
#include "bq/Conversion/Passes.h.inc"
} // namespace bq

using namespace mlir;
using namespace bq;

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// 512 bits of packed planes.
constexpr int64_t kLanes = 8;

Value indexConst(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value addIndex(OpBuilder &b, Location loc, Value base, int64_t offset) {
  if (offset == 0)
    return base;
  return arith::AddIOp::create(b, loc, base, indexConst(b, loc, offset));
}

/// `for (iv = lb; iv < ub; iv += step) body(iv)` without loop-carried values.
void forLoop(OpBuilder &b, Location loc, Value lb, Value ub, int64_t step,
             function_ref<void(OpBuilder &, Location, Value)> body) {
  scf::ForOp::create(b, loc, lb, ub, indexConst(b, loc, step), ValueRange{},
                     [&](OpBuilder &nb, Location nl, Value iv, ValueRange) {
                       body(nb, nl, iv);
                       scf::YieldOp::create(nb, nl);
                     });
}

//===----------------------------------------------------------------------===//
// bq.bitserial_matmul
//===----------------------------------------------------------------------===//

/// Emits the bit-serial product of an `mr x nr` output tile at (m0, n0).
struct BitSerialKernel {
  Value lhs, rhs, out; ///< memref<ka x M x W>, memref<kw x N x W>, memref<MxN>
  int64_t ka, kw, words;
  Type accType;

  /// popcount(a AND w) << shift, added to acc (vectors or scalars alike).
  static Value accumulate(OpBuilder &b, Location loc, Value acc, Value a,
                          Value w, int64_t shift) {
    Value product = arith::AndIOp::create(b, loc, a, w);
    Value count = math::CtPopOp::create(b, loc, product);
    if (shift != 0) {
      Type type = count.getType();
      Attribute amount = b.getI64IntegerAttr(shift);
      if (auto vecType = dyn_cast<VectorType>(type))
        amount = DenseElementsAttr::get(vecType, amount);
      count = arith::ShLIOp::create(
          b, loc, count,
          arith::ConstantOp::create(b, loc, cast<TypedAttr>(amount)));
    }
    return arith::AddIOp::create(b, loc, acc, count);
  }

  void emitTile(OpBuilder &b, Location loc, Value m0, Value n0, int64_t mr,
                int64_t nr) const {
    auto vecType = VectorType::get({kLanes}, b.getI64Type());
    int64_t chunks = words / kLanes, tail = words % kLanes;
    SmallVector<Value> sums;
    if (chunks > 0) {
      Value zero = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(vecType, b.getI64IntegerAttr(0)));
      SmallVector<Value> init(mr * nr, zero);
      auto loop = scf::ForOp::create(
          b, loc, indexConst(b, loc, 0), indexConst(b, loc, chunks),
          indexConst(b, loc, 1), init,
          [&](OpBuilder &nb, Location nl, Value chunk, ValueRange accs) {
            Value offset = arith::MulIOp::create(nb, nl, chunk,
                                                 indexConst(nb, nl, kLanes));
            SmallVector<Value> results =
                tileStep(nb, nl, m0, n0, mr, nr, offset, accs, [&](
                    OpBuilder &lb, Location ll, Value mem,
                    ArrayRef<Value> idx) -> Value {
                  return vector::LoadOp::create(lb, ll, vecType, mem, idx);
                });
            scf::YieldOp::create(nb, nl, results);
          });
      for (Value acc : loop.getResults())
        sums.push_back(vector::ReductionOp::create(
            b, loc, vector::CombiningKind::ADD, acc));
    } else {
      Value zero = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
      sums.assign(mr * nr, zero);
    }
    // Words that do not fill a vector, one i64 at a time.
    for (int64_t t = 0; t < tail; ++t) {
      Value word = indexConst(b, loc, chunks * kLanes + t);
      sums = tileStep(b, loc, m0, n0, mr, nr, word, sums,
                      [](OpBuilder &lb, Location ll, Value mem,
                         ArrayRef<Value> idx) -> Value {
                        return memref::LoadOp::create(lb, ll, mem, idx);
                      });
    }
    for (int64_t r = 0; r < mr; ++r) {
      for (int64_t s = 0; s < nr; ++s) {
        Value sum = sums[r * nr + s];
        if (accType != sum.getType())
          sum = arith::TruncIOp::create(b, loc, accType, sum);
        memref::StoreOp::create(
            b, loc, sum, out,
            ValueRange{addIndex(b, loc, m0, r), addIndex(b, loc, n0, s)});
      }
    }
  }

  /// One step over a word (or a chunk of words) at `offset`: loads every
  /// plane row of the tile once, then accumulates all plane pairs.
  SmallVector<Value> tileStep(
      OpBuilder &b, Location loc, Value m0, Value n0, int64_t mr, int64_t nr,
      Value offset, ValueRange accs,
      function_ref<Value(OpBuilder &, Location, Value, ArrayRef<Value>)> load)
      const {
    SmallVector<Value> a(mr * ka), w(nr * kw);
    for (int64_t r = 0; r < mr; ++r)
      for (int64_t i = 0; i < ka; ++i)
        a[r * ka + i] = load(
            b, loc, lhs,
            {indexConst(b, loc, i), addIndex(b, loc, m0, r), offset});
    for (int64_t s = 0; s < nr; ++s)
      for (int64_t j = 0; j < kw; ++j)
        w[s * kw + j] = load(
            b, loc, rhs,
            {indexConst(b, loc, j), addIndex(b, loc, n0, s), offset});
    SmallVector<Value> results(accs.begin(), accs.end());
    for (int64_t r = 0; r < mr; ++r)
      for (int64_t s = 0; s < nr; ++s)
        for (int64_t i = 0; i < ka; ++i)
          for (int64_t j = 0; j < kw; ++j)
            results[r * nr + s] =
                accumulate(b, loc, results[r * nr + s], a[r * ka + i],
                           w[s * kw + j], i + j);
    return results;
  }
};

/// Picks the micro-tile: more rows and columns when there are few plane
/// pairs, so that loads are reused across `mr * nr` accumulators without
/// running out of the 32 vector registers.
std::pair<int64_t, int64_t> pickTile(int64_t ka, int64_t kw,
                                     const BitSerialTiling &tiling) {
  int64_t pairs = ka * kw;
  // Measured on AVX-512 (docs/benchmarks.md): 6 x 4 keeps W1A1 at about
  // 80% of the popcount roofline (24 accumulators + 10 loaded vectors);
  // with more pairs per tile the shift and add per pair dominate.
  int64_t mr = pairs == 1 ? 6 : (pairs <= 4 ? 4 : (pairs <= 16 ? 2 : 1));
  int64_t nr = pairs == 1 ? 4 : 2;
  if (tiling.tileRows > 0)
    mr = tiling.tileRows;
  if (tiling.tileCols > 0)
    nr = tiling.tileCols;
  return {mr, nr};
}

struct LowerBitSerialMatmul : public OpRewritePattern<BitSerialMatmulOp> {
  LowerBitSerialMatmul(MLIRContext *context, BitSerialTiling tiling)
      : OpRewritePattern(context), tiling(tiling) {}

  LogicalResult matchAndRewrite(BitSerialMatmulOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto lhsType = op.getLhs().getType(), rhsType = op.getRhs().getType();
    auto resultType = op.getResult().getType();
    BitSerialKernel kernel;
    kernel.ka = lhsType.getDimSize(0);
    kernel.kw = rhsType.getDimSize(0);
    kernel.words = lhsType.getDimSize(2);
    kernel.accType = resultType.getElementType();
    kernel.lhs = readBuffer(rewriter, loc, op.getLhs());
    kernel.rhs = readBuffer(rewriter, loc, op.getRhs());
    Value m = memref::DimOp::create(rewriter, loc, kernel.lhs, 1);
    Value n = memref::DimOp::create(rewriter, loc, kernel.rhs, 1);
    kernel.out = allocResult(rewriter, loc, resultType, {m, n});

    std::pair<int64_t, int64_t> tile = pickTile(kernel.ka, kernel.kw, tiling);
    int64_t mr = tile.first, nr = tile.second;
    int64_t rowBlock = std::max(mr, tiling.rowBlock / mr * mr);
    OpBuilder &b = rewriter;
    auto floorTo = [&](Value size, int64_t multiple) -> Value {
      Value rem = arith::RemUIOp::create(b, loc, size,
                                         indexConst(b, loc, multiple));
      return arith::SubIOp::create(b, loc, size, rem);
    };
    Value zero = indexConst(b, loc, 0);
    Value mMain = floorTo(m, mr), nMain = floorTo(n, nr);

    // Full tiles: blocks of rows, then all column tiles, then the rows of
    // the block, so that a block of activation planes stays in cache.
    forLoop(b, loc, zero, mMain, rowBlock,
            [&](OpBuilder &b1, Location l1, Value mb) {
              Value mEnd = arith::MinUIOp::create(
                  b1, l1, addIndex(b1, l1, mb, rowBlock), mMain);
              forLoop(b1, l1, zero, nMain, nr,
                      [&](OpBuilder &b2, Location l2, Value n0) {
                        forLoop(b2, l2, mb, mEnd, mr,
                                [&](OpBuilder &b3, Location l3, Value m0) {
                                  kernel.emitTile(b3, l3, m0, n0, mr, nr);
                                });
                      });
            });
    // Remaining rows, full column tiles.
    forLoop(b, loc, mMain, m, 1, [&](OpBuilder &b1, Location l1, Value row) {
      forLoop(b1, l1, zero, nMain, nr,
              [&](OpBuilder &b2, Location l2, Value n0) {
                kernel.emitTile(b2, l2, row, n0, 1, nr);
              });
    });
    // Remaining columns, every row.
    forLoop(b, loc, nMain, n, 1, [&](OpBuilder &b1, Location l1, Value col) {
      forLoop(b1, l1, zero, m, 1, [&](OpBuilder &b2, Location l2, Value row) {
        kernel.emitTile(b2, l2, row, col, 1, 1);
      });
    });
    rewriter.replaceOp(op, resultTensor(rewriter, loc, resultType, kernel.out));
    return success();
  }

  BitSerialTiling tiling;
};

//===----------------------------------------------------------------------===//
// bq.pack
//===----------------------------------------------------------------------===//

struct LowerPack : public OpRewritePattern<PackOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PackOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto codesType = op.getCodes().getType();
    auto planesType = op.getPlanes().getType();
    int64_t bits = op.getBits(), k = codesType.getDimSize(1);
    Value codes = readBuffer(rewriter, loc, op.getCodes());
    Value rows = memref::DimOp::create(rewriter, loc, codes, 0);
    Value planes = allocResult(rewriter, loc, planesType,
                               {indexConst(rewriter, loc, bits), rows,
                                indexConst(rewriter, loc, quant::numWords(k))});
    auto codeVec = VectorType::get({quant::kWordBits}, rewriter.getI8Type());
    auto maskVec = VectorType::get({quant::kWordBits}, rewriter.getI1Type());
    auto wordVec = VectorType::get({1}, rewriter.getI64Type());
    int64_t fullWords = k / quant::kWordBits, rest = k % quant::kWordBits;

    // Writes the `bits` plane words of 64 codes.
    auto emitWord = [&](OpBuilder &b, Location l, Value row, Value word,
                        Value vec) {
      Value zeros = arith::ConstantOp::create(
          b, l, DenseElementsAttr::get(codeVec, b.getI8IntegerAttr(0)));
      for (int64_t bit = 0; bit < bits; ++bit) {
        Value mask = arith::ConstantOp::create(
            b, l,
            DenseElementsAttr::get(codeVec,
                                   b.getI8IntegerAttr(int8_t(1u << bit))));
        Value set = arith::AndIOp::create(b, l, vec, mask);
        Value isSet =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, set, zeros);
        (void)maskVec;
        Value packed = vector::BitCastOp::create(b, l, wordVec, isSet);
        Value scalar = vector::ExtractOp::create(b, l, packed, 0);
        memref::StoreOp::create(b, l, scalar, planes,
                                ValueRange{indexConst(b, l, bit), row, word});
      }
    };

    OpBuilder &b = rewriter;
    forLoop(b, loc, indexConst(b, loc, 0), rows, 1,
            [&](OpBuilder &b1, Location l1, Value row) {
              forLoop(b1, l1, indexConst(b1, l1, 0),
                      indexConst(b1, l1, fullWords), 1,
                      [&](OpBuilder &b2, Location l2, Value word) {
                        Value col = arith::MulIOp::create(
                            b2, l2, word, indexConst(b2, l2, quant::kWordBits));
                        Value vec = vector::LoadOp::create(
                            b2, l2, codeVec, codes, ValueRange{row, col});
                        emitWord(b2, l2, row, word, vec);
                      });
              if (rest != 0) {
                // The last word: out-of-bounds codes read as 0.
                Value pad = arith::ConstantOp::create(b1, l1,
                                                      b1.getI8IntegerAttr(0));
                Value vec = vector::TransferReadOp::create(
                    b1, l1, codeVec, codes,
                    ValueRange{row, indexConst(b1, l1,
                                               fullWords * quant::kWordBits)},
                    pad, ArrayRef<bool>{false});
                emitWord(b1, l1, row, indexConst(b1, l1, fullWords), vec);
              }
            });
    rewriter.replaceOp(op, resultTensor(rewriter, loc, planesType, planes));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// bq.code_sums and bq.affine_epilogue as linalg
//===----------------------------------------------------------------------===//

struct LowerCodeSums : public OpRewritePattern<CodeSumsOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CodeSumsOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value codes = op.getCodes();
    auto codesType = op.getCodes().getType();
    auto sumsType = op.getSums().getType();
    int64_t rank = codesType.getRank(), dim = op.getDim();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, codes);
    sizes.erase(sizes.begin() + dim);
    Value empty = tensor::EmptyOp::create(rewriter, loc, sizes,
                                          sumsType.getElementType());
    Value zero = arith::ConstantOp::create(
        rewriter, loc, rewriter.getIntegerAttr(sumsType.getElementType(), 0));
    Value init = linalg::FillOp::create(rewriter, loc, ValueRange{zero},
                                        ValueRange{empty})
                     .getResult(0);
    SmallVector<AffineExpr> outExprs;
    SmallVector<utils::IteratorType> iterators;
    for (int64_t d = 0; d < rank; ++d) {
      iterators.push_back(d == dim ? utils::IteratorType::reduction
                                   : utils::IteratorType::parallel);
      if (d != dim)
        outExprs.push_back(rewriter.getAffineDimExpr(d));
    }
    AffineMap inMap = rewriter.getMultiDimIdentityMap(rank);
    AffineMap outMap = AffineMap::get(rank, 0, outExprs, rewriter.getContext());
    Value sums =
        linalg::GenericOp::create(
            rewriter, loc, init.getType(), ValueRange{codes}, ValueRange{init},
            ArrayRef<AffineMap>{inMap, outMap}, iterators,
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              Value wide = arith::ExtUIOp::create(nb, nl, args[1].getType(),
                                                  args[0]);
              linalg::YieldOp::create(
                  nb, nl,
                  ValueRange{arith::AddIOp::create(nb, nl, args[1], wide)});
            })
            .getResult(0);
    if (sums.getType() != sumsType)
      sums = tensor::CastOp::create(rewriter, loc, sumsType, sums);
    rewriter.replaceOp(op, sums);
    return success();
  }
};

struct LowerAffineEpilogue : public OpRewritePattern<AffineEpilogueOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AffineEpilogueOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto resultType = op.getResult().getType();
    Value products = op.getProducts();
    Value empty = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, products),
        rewriter.getF32Type());
    AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx);
    AffineMap mn = AffineMap::get(2, 0, {m, n}, ctx);
    AffineMap rowMap = AffineMap::get(2, 0, {m}, ctx);
    AffineMap colMap = AffineMap::get(2, 0, {n}, ctx);
    AffineMap scaleMap = op.getWeightAlpha().getType().getRank() == 0
                             ? AffineMap::get(2, 0, {}, ctx)
                             : colMap;
    Value actScale = op.getActScale(), actOffset = op.getActOffset();
    int64_t k = op.getK();
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, empty.getType(),
            ValueRange{products, op.getRowSums(), op.getColSums(),
                       op.getWeightAlpha(), op.getWeightBeta()},
            ValueRange{empty},
            ArrayRef<AffineMap>{mn, rowMap, colMap, scaleMap, scaleMap, mn},
            SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              linalg::YieldOp::create(
                  nb, nl,
                  buildEpilogueValue(nb, nl, args[0], args[1], args[2],
                                     args[3], args[4], actScale, actOffset,
                                     k));
            })
            .getResult(0);
    if (result.getType() != resultType)
      result = tensor::CastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct ConvertBQToVectorPass
    : public bq::impl::ConvertBQToVectorBase<ConvertBQToVectorPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    BitSerialTiling tiling{tileRows, tileCols, rowBlock};
    populateBQToVectorPatterns(patterns, tiling);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

void bq::populateBQToVectorPatterns(RewritePatternSet &patterns,
                                    const BitSerialTiling &tiling) {
  MLIRContext *context = patterns.getContext();
  patterns.add<LowerBitSerialMatmul>(context, tiling);
  patterns.add<LowerPack, LowerCodeSums, LowerAffineEpilogue>(context);
  populateLowerQuantizeActivationsPatterns(patterns);
}
