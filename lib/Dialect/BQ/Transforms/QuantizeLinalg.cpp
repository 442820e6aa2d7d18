//===- QuantizeLinalg.cpp - Quantize linalg ops with constant weights -----===//
//
// Rewrites matmul-like linalg ops with constant weights into
// bq.quantized_matmul. Every matched op is reduced to one or more 2-D
// quantized matmuls [M, K] x [K, N]:
//
// - contractions (linalg.matmul, batch_matmul, matvec, vecmat and plain
//   matmul linalg.generic ops) through their loop dimensions: the
//   activation's M-like dimensions are collapsed into M, the weight is
//   permuted at compile time to [batch?][K][N];
// - 2-D convolutions through im2col.
//
// All weights are quantized before the IR is touched, so an error (NaN/Inf)
// leaves the IR as it was.
//
//===----------------------------------------------------------------------===//

#include "bq/Dialect/BQ/Transforms/Passes.h"

#include "bq/Dialect/BQ/Transforms/WeightQuantization.h"
#include "bq/Quant/Layout.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace bq {
#define GEN_PASS_DEF_BQQUANTIZELINALG
#include "bq/Dialect/BQ/Transforms/Passes.h.inc"
} // namespace bq

using namespace mlir;
using namespace bq;

namespace {

/// The name of the discardable attribute holding a static activation range.
constexpr StringLiteral kActRangeAttrName = "bq.act_range";

//===----------------------------------------------------------------------===//
// Analysis
//===----------------------------------------------------------------------===//

/// A contraction viewed as [batch?] x [M-like...] x [N?] x [K].
struct ContractionDims {
  unsigned weightIndex = 1; ///< Which input is the constant weight.
  SmallVector<unsigned> mDims;
  std::optional<unsigned> batchDim;
  std::optional<unsigned> nDim;
  unsigned kDim = 0;
};

enum class Kind { Contraction, ConvNhwc, ConvNchw };

/// One op to quantize: how it maps to 2-D matmuls and its weights as [K][N]
/// matrices (one per batch when the weights are batched).
struct Candidate {
  linalg::LinalgOp op;
  Kind kind = Kind::Contraction;
  ContractionDims dims;
  bool sharedBroadcast = false; ///< Weight is a linalg.broadcast over batch.
  std::vector<HostTensor> weights;
  std::optional<std::pair<float, float>> staticRange;
  std::vector<quant::QuantizedTensor> quantized;
};

/// Reads a weight operand: a constant, possibly behind a linalg.transpose,
/// or (when `broadcastDim` is given) a linalg.broadcast of a constant along
/// that single dimension, in which case `broadcast` is set and the
/// un-broadcast constant is returned.
FailureOr<HostTensor> traceWeight(Value value, std::optional<int64_t> broadcastDim,
                                  bool &broadcast) {
  broadcast = false;
  if (FailureOr<HostTensor> direct = readFloatConstant(value); succeeded(direct))
    return direct;
  if (auto transpose = value.getDefiningOp<linalg::TransposeOp>()) {
    FailureOr<HostTensor> input = readFloatConstant(transpose.getInput());
    if (failed(input))
      return failure();
    return permute(*input, transpose.getPermutation());
  }
  if (auto bcast = value.getDefiningOp<linalg::BroadcastOp>()) {
    if (!broadcastDim || bcast.getDimensions().size() != 1 ||
        bcast.getDimensions()[0] != *broadcastDim)
      return failure();
    FailureOr<HostTensor> input = readFloatConstant(bcast.getInput());
    if (failed(input))
      return failure();
    broadcast = true;
    return input;
  }
  return failure();
}

/// Returns true if `value` is known to be all zeros (a zero linalg.fill or a
/// zero splat constant).
bool isZeroTensor(Value value) {
  if (auto fill = value.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  return matchPattern(value, m_AnyZeroFloat());
}

/// Returns the position of loop dimension `dim` among the results of the
/// projected permutation `map`, if it appears.
std::optional<unsigned> positionOf(AffineMap map, unsigned dim) {
  for (auto [pos, expr] : llvm::enumerate(map.getResults()))
    if (cast<AffineDimExpr>(expr).getPosition() == dim)
      return pos;
  return std::nullopt;
}

/// Why an op cannot be quantized, for the remark; empty when it can.
using Reason = std::string;

/// Classifies the loop dimensions of a contraction whose weight is input
/// `weightIndex`.
FailureOr<ContractionDims> classifyContraction(linalg::LinalgOp op,
                                               unsigned weightIndex,
                                               Reason &why) {
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap xMap = maps[1 - weightIndex], wMap = maps[weightIndex],
            outMap = maps[2];
  for (AffineMap map : maps)
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false)) {
      why = "indexing maps are not projected permutations";
      return failure();
    }
  ContractionDims dims;
  dims.weightIndex = weightIndex;
  bool haveK = false;
  for (unsigned d = 0; d < op.getNumLoops(); ++d) {
    bool inX = positionOf(xMap, d).has_value();
    bool inW = positionOf(wMap, d).has_value();
    bool inOut = positionOf(outMap, d).has_value();
    if (inX && inW && inOut) {
      if (dims.batchDim) {
        why = "more than one batch dimension";
        return failure();
      }
      dims.batchDim = d;
    } else if (inX && inOut && !inW) {
      dims.mDims.push_back(d);
    } else if (inW && inOut && !inX) {
      if (dims.nDim) {
        why = "more than one output-channel dimension";
        return failure();
      }
      dims.nDim = d;
    } else if (inX && inW && !inOut) {
      if (haveK) {
        why = "more than one reduction dimension";
        return failure();
      }
      haveK = true;
      dims.kDim = d;
    } else {
      why = "a dimension is reduced over one operand only or broadcast";
      return failure();
    }
  }
  if (!haveK) {
    why = "no reduction dimension";
    return failure();
  }
  return dims;
}

//===----------------------------------------------------------------------===//
// IR building helpers
//===----------------------------------------------------------------------===//

/// Transposes `value` so that its dimensions come in `order` (positions in
/// the current value), with linalg.transpose; no-op for the identity.
Value transposeTo(OpBuilder &b, Location loc, Value value,
                  ArrayRef<int64_t> order) {
  bool identity = true;
  for (auto [i, p] : llvm::enumerate(order))
    identity &= int64_t(i) == p;
  if (identity)
    return value;
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, value);
  SmallVector<OpFoldResult> permuted;
  for (int64_t p : order)
    permuted.push_back(sizes[p]);
  auto type = cast<RankedTensorType>(value.getType());
  Value init = tensor::EmptyOp::create(b, loc, permuted, type.getElementType());
  return linalg::TransposeOp::create(b, loc, value, init, order).getResult()[0];
}

/// Reshapes `value` to `sizes` (static or dynamic) through a rank-0..n
/// collapse to 1-D followed by an expand; each step is a no-op when ranks
/// already agree with the grouping. Used only where the row-major element
/// order is preserved.
Value reshapeTo(OpBuilder &b, Location loc, Value value,
                ArrayRef<ReassociationIndices> groups,
                ArrayRef<OpFoldResult> sizes, bool expand) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> staticSizes;
  SmallVector<Value> dynamic;
  dispatchIndexOpFoldResults(sizes, dynamic, staticSizes);
  auto resultType = RankedTensorType::get(staticSizes, type.getElementType());
  if (expand)
    return tensor::ExpandShapeOp::create(b, loc, resultType, value, groups,
                                         sizes);
  return tensor::CollapseShapeOp::create(b, loc, resultType, value, groups);
}

/// Builds one bq.quantized_matmul of `lhs` ([M, K] f32) with constants for
/// `quantized` ([K, N] codes).
Value buildQuantizedMatmul(OpBuilder &b, Location loc, Value lhs, int64_t k,
                           int64_t n, const quant::QuantizedTensor &quantized,
                           const quant::WeightQuantOptions &options,
                           int64_t actBits,
                           std::optional<std::pair<float, float>> range) {
  auto f32 = b.getF32Type();
  auto codesType = RankedTensorType::get({k, n}, b.getI8Type());
  auto scaleType = options.granularity == quant::Granularity::Channel
                       ? RankedTensorType::get({n}, f32)
                       : RankedTensorType::get({}, f32);
  WeightConstants w =
      createWeightConstants(b, loc, codesType, scaleType, quantized);
  int64_t m = cast<RankedTensorType>(lhs.getType()).getDimSize(0);
  auto resultType = RankedTensorType::get({m, n}, f32);
  FloatAttr lo, hi;
  if (range) {
    lo = b.getF32FloatAttr(range->first);
    hi = b.getF32FloatAttr(range->second);
  }
  return QuantizedMatmulOp::create(
      b, loc, resultType, lhs, w.codes, w.alpha, w.beta, options.bits,
      actBits, range ? ActRange::Static : ActRange::Dynamic, lo, hi);
}

/// Erases the float weights (and zero fills) that the rewrite left unused:
/// every op in `worklist` and, transitively, its producers that become
/// trivially dead.
void eraseDeadProducers(RewriterBase &rewriter,
                        SmallVector<Operation *> worklist) {
  llvm::SmallPtrSet<Operation *, 8> erased;
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (erased.contains(op) || !isOpTriviallyDead(op))
      continue;
    for (Value operand : op->getOperands())
      if (Operation *producer = operand.getDefiningOp())
        worklist.push_back(producer);
    erased.insert(op);
    rewriter.eraseOp(op);
  }
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct BQQuantizeLinalgPass
    : public bq::impl::BQQuantizeLinalgBase<BQQuantizeLinalgPass> {
  using Base::Base;

  void runOnOperation() override;

private:
  quant::WeightQuantOptions weightOptions() const;
  /// Returns a candidate for `op`, std::nullopt for ops that are not
  /// matmul-like (silently), or failure after a remark or error.
  FailureOr<std::optional<Candidate>> analyze(linalg::LinalgOp op);
  FailureOr<std::optional<Candidate>> analyzeContraction(linalg::LinalgOp op);
  FailureOr<std::optional<Candidate>> analyzeConv(linalg::LinalgOp op,
                                                  Kind kind);
  void rewriteContraction(RewriterBase &rewriter, Candidate &candidate);
  void rewriteConv(RewriterBase &rewriter, Candidate &candidate);
  Value addInit(OpBuilder &b, Location loc, Value result, Value init);
};

} // namespace

quant::WeightQuantOptions BQQuantizeLinalgPass::weightOptions() const {
  quant::WeightQuantOptions options;
  options.bits = weightBits;
  options.method = toQuant(method);
  options.scale = toQuant(scale);
  // Weights are quantized as [K][N] matrices: channels are along axis 1.
  options.granularity = toQuant(granularity);
  options.axis = 1;
  return options;
}

/// Checks what bq can quantize once the weight (`what`: "weight" or
/// "filter") is known to be a constant: f32 activations and results and a
/// non-empty weight. Emits the remark and fails otherwise.
static LogicalResult checkSupported(linalg::LinalgOp op,
                                    unsigned activationIndex,
                                    const HostTensor &weight, StringRef what) {
  Type x = getElementTypeOrSelf(op.getDpsInputs()[activationIndex].getType());
  Type out = getElementTypeOrSelf(op.getDpsInits()[0].getType());
  if (!x.isF32() || !out.isF32())
    return op.emitRemark("bq-quantize-linalg: only f32 activations and "
                         "results are supported; left in float");
  if (weight.data.empty())
    return op.emitRemark() << "bq-quantize-linalg: the " << what
                           << " is empty; left in float";
  return success();
}

FailureOr<std::optional<Candidate>>
BQQuantizeLinalgPass::analyze(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics())
    return std::optional<Candidate>();
  if (isa<linalg::Conv2DNhwcHwcfOp>(op.getOperation()))
    return analyzeConv(op, Kind::ConvNhwc);
  if (isa<linalg::Conv2DNchwFchwOp>(op.getOperation()))
    return analyzeConv(op, Kind::ConvNchw);
  if (op.getNumDpsInputs() == 2 && op.getNumDpsInits() == 1 &&
      linalg::isaContractionOpInterface(op))
    return analyzeContraction(op);
  return std::optional<Candidate>();
}

FailureOr<std::optional<Candidate>>
BQQuantizeLinalgPass::analyzeContraction(linalg::LinalgOp op) {
  Candidate candidate;
  candidate.op = op;
  candidate.kind = Kind::Contraction;
  // Prefer the second input as the weight (x * W), then the first (W * x,
  // as in linalg.matvec).
  Reason why;
  for (unsigned weightIndex : {1u, 0u}) {
    Reason classifyWhy;
    FailureOr<ContractionDims> dims =
        classifyContraction(op, weightIndex, classifyWhy);
    if (failed(dims)) {
      why = classifyWhy;
      continue;
    }
    Value weight = op.getDpsInputs()[weightIndex];
    // A broadcast along the batch dimension is a shared weight.
    std::optional<int64_t> broadcastDim;
    if (dims->batchDim)
      broadcastDim = *positionOf(op.getIndexingMapsArray()[weightIndex],
                                 *dims->batchDim);
    bool broadcast = false;
    FailureOr<HostTensor> host = traceWeight(weight, broadcastDim, broadcast);
    if (failed(host)) {
      why = "the weight operand is not a constant";
      continue;
    }
    if (failed(checkSupported(op, 1 - weightIndex, *host, "weight")))
      return failure();
    candidate.dims = *dims;
    candidate.sharedBroadcast = broadcast;
    // Permute the weight to [batch?][K][N?] at compile time.
    AffineMap wMap = op.getIndexingMapsArray()[weightIndex];
    SmallVector<unsigned> order;
    if (dims->batchDim && !broadcast)
      order.push_back(*dims->batchDim);
    order.push_back(dims->kDim);
    if (dims->nDim)
      order.push_back(*dims->nDim);
    // Positions within the weight tensor (the broadcast input lacks the
    // batch dimension, so positions after it shift down by one).
    SmallVector<int64_t> perm;
    for (unsigned d : order) {
      int64_t pos = *positionOf(wMap, d);
      if (broadcast && pos > *broadcastDim)
        --pos;
      perm.push_back(pos);
    }
    HostTensor permuted = permute(*host, perm);
    int64_t k = permuted.shape[permuted.shape.size() - (dims->nDim ? 2 : 1)];
    int64_t n = dims->nDim ? permuted.shape.back() : 1;
    int64_t batches = (dims->batchDim && !broadcast) ? permuted.shape[0] : 1;
    for (int64_t b = 0; b < batches; ++b) {
      HostTensor matrix;
      matrix.shape = {k, n};
      auto begin = permuted.data.begin() + b * k * n;
      matrix.data.assign(begin, begin + k * n);
      candidate.weights.push_back(std::move(matrix));
    }
    return std::optional<Candidate>(std::move(candidate));
  }
  op.emitRemark() << "bq-quantize-linalg: " << why << "; left in float";
  return failure();
}

FailureOr<std::optional<Candidate>>
BQQuantizeLinalgPass::analyzeConv(linalg::LinalgOp op, Kind kind) {
  Value filter = op.getDpsInputs()[1];
  FailureOr<HostTensor> host = readFloatConstant(filter);
  if (failed(host)) {
    op.emitRemark("bq-quantize-linalg: the filter is not a constant; left "
                  "in float");
    return failure();
  }
  if (failed(checkSupported(op, 0, *host, "filter")))
    return failure();
  auto outType = cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (ShapedType::isDynamic(outType.getDimSize(1)) ||
      ShapedType::isDynamic(outType.getDimSize(2)) ||
      ShapedType::isDynamic(outType.getDimSize(3))) {
    op.emitRemark("bq-quantize-linalg: convolutions need static spatial and "
                  "channel sizes; left in float");
    return failure();
  }
  Candidate candidate;
  candidate.op = op;
  candidate.kind = kind;
  HostTensor matrix;
  const std::vector<int64_t> &s = host->shape;
  if (kind == Kind::ConvNhwc) {
    // [Kh][Kw][C][F] is already [(Kh*Kw*C)][F] in row-major order.
    matrix.shape = {s[0] * s[1] * s[2], s[3]};
    matrix.data = std::move(host->data);
  } else {
    // [F][C][Kh][Kw] -> [F][(C*Kh*Kw)] -> transposed.
    HostTensor flat;
    flat.shape = {s[0], s[1] * s[2] * s[3]};
    flat.data = std::move(host->data);
    matrix = permute(flat, {1, 0});
  }
  candidate.weights.push_back(std::move(matrix));
  return std::optional<Candidate>(std::move(candidate));
}

Value BQQuantizeLinalgPass::addInit(OpBuilder &b, Location loc, Value result,
                                    Value init) {
  if (isZeroTensor(init))
    return result;
  Value empty = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, result),
      cast<RankedTensorType>(result.getType()).getElementType());
  return linalg::AddOp::create(b, loc, ValueRange{result, init},
                               ValueRange{empty})
      .getResult(0);
}

void BQQuantizeLinalgPass::rewriteContraction(RewriterBase &rewriter,
                                              Candidate &candidate) {
  linalg::LinalgOp op = candidate.op;
  const ContractionDims &dims = candidate.dims;
  Location loc = op.getLoc();
  OpBuilder &b = rewriter;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap xMap = maps[1 - dims.weightIndex], outMap = maps[2];
  Value x = op.getDpsInputs()[1 - dims.weightIndex];
  bool batched = dims.batchDim && !candidate.sharedBroadcast;

  // Activation: [batch?][M-like...][K], then [batch?][M][K].
  SmallVector<unsigned> xOrder;
  if (batched)
    xOrder.push_back(*dims.batchDim);
  else if (dims.batchDim)
    xOrder.push_back(*dims.batchDim); // Shared weights: batch is M-like.
  llvm::append_range(xOrder, dims.mDims);
  xOrder.push_back(dims.kDim);
  SmallVector<int64_t> xPerm;
  for (unsigned d : xOrder)
    xPerm.push_back(*positionOf(xMap, d));
  x = transposeTo(b, loc, x, xPerm);
  // Sizes of x, built only where a reshape needs them.
  auto xSizes = [&, x] { return tensor::getMixedSizes(b, loc, x); };
  unsigned lead = batched ? 1 : 0;
  unsigned numM = xOrder.size() - 1 - lead;
  // Collapse (or, with no M-like dimension, expand a unit M).
  SmallVector<ReassociationIndices> groups;
  if (batched)
    groups.push_back({0});
  Value x3;
  if (numM == 0) {
    SmallVector<OpFoldResult> sizes = xSizes();
    sizes.insert(sizes.begin() + lead, b.getIndexAttr(1));
    groups.push_back({int64_t(lead), int64_t(lead) + 1});
    x3 = reshapeTo(b, loc, x, groups, sizes, /*expand=*/true);
  } else {
    ReassociationIndices mGroup;
    for (unsigned i = 0; i < numM; ++i)
      mGroup.push_back(lead + i);
    groups.push_back(mGroup);
    groups.push_back({int64_t(lead + numM)});
    auto xType = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> shape;
    if (batched)
      shape.push_back(xType.getDimSize(0));
    int64_t m = 1;
    for (unsigned i = 0; i < numM; ++i)
      m = ShapedType::isDynamic(m) || xType.isDynamicDim(lead + i)
              ? ShapedType::kDynamic
              : m * xType.getDimSize(lead + i);
    shape.push_back(m);
    shape.push_back(xType.getDimSize(lead + numM));
    x3 = numM == 1 ? x
                   : tensor::CollapseShapeOp::create(
                         b, loc, RankedTensorType::get(shape, b.getF32Type()),
                         x, groups)
                         .getResult();
  }

  // One 2-D quantized matmul per batch.
  int64_t k = candidate.weights[0].shape[0], n = candidate.weights[0].shape[1];
  quant::WeightQuantOptions options = weightOptions();
  Value y;
  if (!batched) {
    y = buildQuantizedMatmul(b, loc, x3, k, n, candidate.quantized[0], options,
                             actBits, candidate.staticRange);
  } else {
    auto x3Type = cast<RankedTensorType>(x3.getType());
    int64_t batches = x3Type.getDimSize(0), m = x3Type.getDimSize(1);
    OpFoldResult mSize = tensor::getMixedSize(b, loc, x3, 1);
    y = tensor::EmptyOp::create(b, loc,
                                {b.getIndexAttr(batches), mSize,
                                 b.getIndexAttr(n)},
                                b.getF32Type());
    for (int64_t i = 0; i < batches; ++i) {
      auto sliceType = RankedTensorType::get({m, k}, b.getF32Type());
      Value lhs = tensor::ExtractSliceOp::create(
          b, loc, sliceType, x3,
          {b.getIndexAttr(i), b.getIndexAttr(0), b.getIndexAttr(0)},
          {b.getIndexAttr(1), mSize, b.getIndexAttr(k)},
          {b.getIndexAttr(1), b.getIndexAttr(1), b.getIndexAttr(1)});
      Value yi = buildQuantizedMatmul(b, loc, lhs, k, n, candidate.quantized[i],
                                      options, actBits, candidate.staticRange);
      y = tensor::InsertSliceOp::create(
          b, loc, yi, y,
          {b.getIndexAttr(i), b.getIndexAttr(0), b.getIndexAttr(0)},
          {b.getIndexAttr(1), mSize, b.getIndexAttr(n)},
          {b.getIndexAttr(1), b.getIndexAttr(1), b.getIndexAttr(1)});
    }
  }

  // [batch?][M][N] -> [batch?][M-like...][N?], in xOrder + nDim order.
  auto outSizes = [&] {
    SmallVector<OpFoldResult> sizes = xSizes();
    sizes.pop_back();
    if (dims.nDim)
      sizes.push_back(b.getIndexAttr(n));
    return sizes;
  };
  SmallVector<ReassociationIndices> outGroups;
  if (batched)
    outGroups.push_back({0});
  ReassociationIndices mGroup;
  for (unsigned i = 0; i < numM; ++i)
    mGroup.push_back(lead + i);
  if (numM == 0) {
    // [batch?][1][N] -> [batch?][N?]: collapse the unit M (and N if absent).
    if (dims.nDim)
      outGroups.push_back({int64_t(lead), int64_t(lead) + 1});
    else if (batched)
      outGroups.back() = {0, 1, 2};
    else
      outGroups.clear();
    y = reshapeTo(b, loc, y, outGroups, outSizes(), /*expand=*/false);
  } else {
    if (dims.nDim) {
      outGroups.push_back(mGroup);
      outGroups.push_back({int64_t(lead + numM)});
    } else {
      mGroup.push_back(lead + numM);
      outGroups.push_back(mGroup);
    }
    if (numM > 1 || !dims.nDim)
      y = reshapeTo(b, loc, y, outGroups, outSizes(), /*expand=*/numM > 1);
  }

  // Into the output's dimension order.
  SmallVector<unsigned> yOrder(xOrder.begin(), xOrder.end() - 1);
  if (dims.nDim)
    yOrder.push_back(*dims.nDim);
  SmallVector<int64_t> outPerm;
  for (AffineExpr expr : outMap.getResults()) {
    unsigned d = cast<AffineDimExpr>(expr).getPosition();
    outPerm.push_back(llvm::find(yOrder, d) - yOrder.begin());
  }
  y = transposeTo(b, loc, y, outPerm);
  y = addInit(b, loc, y, op.getDpsInits()[0]);
  rewriter.replaceOp(op, y);
}

void BQQuantizeLinalgPass::rewriteConv(RewriterBase &rewriter,
                                       Candidate &candidate) {
  linalg::LinalgOp op = candidate.op;
  Location loc = op.getLoc();
  OpBuilder &b = rewriter;
  bool nhwc = candidate.kind == Kind::ConvNhwc;
  Value input = op.getDpsInputs()[0];
  auto inType = cast<RankedTensorType>(input.getType());
  auto filterType = cast<RankedTensorType>(op.getDpsInputs()[1].getType());
  auto outType = cast<RankedTensorType>(op.getDpsInits()[0].getType());
  SmallVector<int64_t> strides, dilations;
  if (auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(op.getOperation())) {
    strides = llvm::to_vector(conv.getStrides().getValues<int64_t>());
    dilations = llvm::to_vector(conv.getDilations().getValues<int64_t>());
  } else {
    auto nchw = cast<linalg::Conv2DNchwFchwOp>(op.getOperation());
    strides = llvm::to_vector(nchw.getStrides().getValues<int64_t>());
    dilations = llvm::to_vector(nchw.getDilations().getValues<int64_t>());
  }
  int64_t c = nhwc ? inType.getDimSize(3) : inType.getDimSize(1);
  int64_t kh = nhwc ? filterType.getDimSize(0) : filterType.getDimSize(2);
  int64_t kw = nhwc ? filterType.getDimSize(1) : filterType.getDimSize(3);
  int64_t f = nhwc ? filterType.getDimSize(3) : filterType.getDimSize(0);
  int64_t ho = nhwc ? outType.getDimSize(1) : outType.getDimSize(2);
  int64_t wo = nhwc ? outType.getDimSize(2) : outType.getDimSize(3);
  OpFoldResult batch = tensor::getMixedSize(b, loc, input, 0);

  // Patches [N][Ho][Wo][Kh][Kw][C] (NHWC) or [N][Ho][Wo][C][Kh][Kw] (NCHW).
  MLIRContext *ctx = b.getContext();
  AffineExpr n = getAffineDimExpr(0, ctx), oh = getAffineDimExpr(1, ctx),
             ow = getAffineDimExpr(2, ctx);
  AffineExpr d3 = getAffineDimExpr(3, ctx), d4 = getAffineDimExpr(4, ctx),
             d5 = getAffineDimExpr(5, ctx);
  SmallVector<OpFoldResult> patchSizes = {batch, b.getIndexAttr(ho),
                                          b.getIndexAttr(wo)};
  AffineMap inMap;
  if (nhwc) {
    // (n, oh, ow, kh, kw, c) -> input[n, oh*sh + kh*dh, ow*sw + kw*dw, c]
    inMap = AffineMap::get(6, 0,
                           {n, oh * strides[0] + d3 * dilations[0],
                            ow * strides[1] + d4 * dilations[1], d5},
                           ctx);
    llvm::append_range(patchSizes, ArrayRef<OpFoldResult>{
                                       b.getIndexAttr(kh), b.getIndexAttr(kw),
                                       b.getIndexAttr(c)});
  } else {
    // (n, oh, ow, c, kh, kw) -> input[n, c, oh*sh + kh*dh, ow*sw + kw*dw]
    inMap = AffineMap::get(6, 0,
                           {n, d3, oh * strides[0] + d4 * dilations[0],
                            ow * strides[1] + d5 * dilations[1]},
                           ctx);
    llvm::append_range(patchSizes, ArrayRef<OpFoldResult>{
                                       b.getIndexAttr(c), b.getIndexAttr(kh),
                                       b.getIndexAttr(kw)});
  }
  Value patchInit = tensor::EmptyOp::create(b, loc, patchSizes, b.getF32Type());
  SmallVector<utils::IteratorType> iterators(6, utils::IteratorType::parallel);
  Value patches =
      linalg::GenericOp::create(
          b, loc, patchInit.getType(), ValueRange{input}, ValueRange{patchInit},
          ArrayRef<AffineMap>{inMap, b.getMultiDimIdentityMap(6)}, iterators,
          [](OpBuilder &nested, Location nestedLoc, ValueRange args) {
            linalg::YieldOp::create(nested, nestedLoc, args[0]);
          })
          .getResult(0);
  int64_t kPatch = c * kh * kw;
  int64_t rows = ShapedType::isDynamic(inType.getDimSize(0))
                     ? ShapedType::kDynamic
                     : inType.getDimSize(0) * ho * wo;
  Value lhs = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({rows, kPatch}, b.getF32Type()), patches,
      SmallVector<ReassociationIndices>{{0, 1, 2}, {3, 4, 5}});
  Value y = buildQuantizedMatmul(b, loc, lhs, kPatch, f, candidate.quantized[0],
                                 weightOptions(), actBits,
                                 candidate.staticRange);
  y = reshapeTo(b, loc, y, {{0, 1, 2}, {3}},
                {batch, b.getIndexAttr(ho), b.getIndexAttr(wo),
                 b.getIndexAttr(f)},
                /*expand=*/true);
  if (!nhwc)
    y = transposeTo(b, loc, y, {0, 3, 1, 2});
  y = addInit(b, loc, y, op.getDpsInits()[0]);
  rewriter.replaceOp(op, y);
}

void BQQuantizeLinalgPass::runOnOperation() {
  ModuleOp module = getOperation();
  for (auto [name, bits] : {std::pair<StringRef, int64_t>{"weight-bits",
                                                          weightBits},
                            {"act-bits", actBits}}) {
    if (!quant::isValidBits(bits)) {
      module.emitError() << "bq-quantize-linalg: " << name
                         << " must be in [1, 8], got " << bits;
      return signalPassFailure();
    }
  }

  // Analyze every function's ops in order.
  std::vector<Candidate> candidates;
  bool anyError = false;
  module.walk([&](FunctionOpInterface func) {
    std::vector<Candidate> found;
    func.walk([&](linalg::LinalgOp op) {
      FailureOr<std::optional<Candidate>> candidate = analyze(op);
      if (succeeded(candidate) && *candidate)
        found.push_back(std::move(**candidate));
    });
    if (skipFirstLast && !found.empty()) {
      found.front().op->emitRemark(
          "bq-quantize-linalg: first quantizable op kept in float "
          "(skip-first-last)");
      if (found.size() > 1)
        found.back().op->emitRemark(
            "bq-quantize-linalg: last quantizable op kept in float "
            "(skip-first-last)");
      found.erase(found.begin());
      if (!found.empty())
        found.pop_back();
    }
    for (Candidate &candidate : found) {
      // Static activation range from the op's attribute, if any.
      Attribute rangeAttr = candidate.op->getAttr(kActRangeAttrName);
      if (rangeAttr) {
        auto range = dyn_cast<DenseF32ArrayAttr>(rangeAttr);
        if (!range || range.size() != 2 || !std::isfinite(range[0]) ||
            !std::isfinite(range[1])) {
          candidate.op->emitError()
              << "'" << kActRangeAttrName
              << "' must be array<f32: lo, hi> with finite values";
          anyError = true;
          continue;
        }
        candidate.staticRange = std::make_pair(range[0], range[1]);
      } else if (actRange == ActRange::Static) {
        candidate.op->emitError()
            << "bq-quantize-linalg: act-range=static needs a '"
            << kActRangeAttrName << "' attribute on this op";
        anyError = true;
        continue;
      }
      // Quantize the weights now; the IR is untouched until all succeed.
      quant::WeightQuantOptions options = weightOptions();
      for (HostTensor &weight : candidate.weights) {
        quant::QuantizedTensor quantized;
        quant::Status status = quant::quantizeWeights(
            weight.data.data(), weight.shape, options, quantized);
        if (!status.ok()) {
          candidate.op->emitError()
              << "bq-quantize-linalg: cannot quantize the constant weight: "
              << status.message() << " (of the weight as a "
              << weight.shape[0] << "x" << weight.shape[1] << " matrix)";
          anyError = true;
          break;
        }
        candidate.quantized.push_back(std::move(quantized));
      }
      candidates.push_back(std::move(candidate));
    }
  });
  if (anyError)
    return signalPassFailure();

  IRRewriter rewriter(&getContext());
  for (Candidate &candidate : candidates) {
    rewriter.setInsertionPoint(candidate.op);
    SmallVector<Operation *> producers;
    for (Value operand : candidate.op->getOperands())
      if (Operation *producer = operand.getDefiningOp())
        producers.push_back(producer);
    if (candidate.kind == Kind::Contraction)
      rewriteContraction(rewriter, candidate);
    else
      rewriteConv(rewriter, candidate);
    eraseDeadProducers(rewriter, producers);
  }
}
