//===- BQOps.cpp - bq operations: verifiers and folders -------------------===//

#include "bq/Dialect/BQ/IR/BQ.h"

#include "bq/Dialect/BQ/IR/ConstantData.h"
#include "bq/Quant/BitPack.h"
#include "bq/Quant/Layout.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace bq;

//===----------------------------------------------------------------------===//
// Custom assembly
//===----------------------------------------------------------------------===//

/// Parses an enum attribute spelled as its bare keyword, e.g. `exact`.
template <typename AttrT>
static ParseResult parseEnumKeyword(OpAsmParser &parser, AttrT &attr) {
  using EnumT = decltype(std::declval<AttrT>().getValue());
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseKeyword(&keyword))
    return failure();
  std::optional<EnumT> value = symbolizeEnum<EnumT>(keyword);
  if (!value)
    return parser.emitError(loc) << "unknown " << AttrT::getMnemonic()
                                 << " '" << keyword << "'";
  attr = AttrT::get(parser.getContext(), *value);
  return success();
}

/// Prints an enum attribute as its bare keyword.
template <typename AttrT>
static void printEnumKeyword(OpAsmPrinter &printer, Operation *,
                             AttrT attr) {
  printer << stringifyEnum(attr.getValue());
}

//===----------------------------------------------------------------------===//
// Shared verification helpers
//===----------------------------------------------------------------------===//

/// Checks that a code width attribute is in [1, 8].
static LogicalResult verifyBits(Operation *op, StringRef name, int64_t bits) {
  if (quant::isValidBits(bits))
    return success();
  return op->emitOpError() << name << " must be in [" << quant::kMinBits
                           << ", " << quant::kMaxBits << "], got " << bits;
}

/// Checks that two dimension sizes can be equal (either may be dynamic).
static bool compatibleDims(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// Checks the rank of a ranked tensor operand or result.
static LogicalResult verifyRank(Operation *op, StringRef name, Type type,
                                int64_t rank) {
  auto shaped = cast<ShapedType>(type);
  if (shaped.getRank() == rank)
    return success();
  return op->emitOpError() << "expects " << name << " of rank " << rank
                           << ", got " << type;
}

/// Checks that `lo`/`hi` are given exactly for a static activation range.
static LogicalResult verifyActRange(Operation *op, ActRange range,
                                    std::optional<APFloat> lo,
                                    std::optional<APFloat> hi) {
  bool isStatic = range == ActRange::Static;
  if (isStatic && (!lo || !hi))
    return op->emitOpError("a static range needs both 'lo' and 'hi'");
  if (!isStatic && (lo || hi))
    return op->emitOpError("'lo' and 'hi' are only allowed with a static "
                           "range");
  if (isStatic && (!lo->isFinite() || !hi->isFinite()))
    return op->emitOpError("'lo' and 'hi' must be finite");
  return success();
}

/// Checks per-slice weight scales: shape [] applies to every channel, shape
/// [channels] gives one scale per channel.
static LogicalResult verifyWeightScales(Operation *op, Type scaleType,
                                        int64_t channels) {
  auto shaped = cast<ShapedType>(scaleType);
  if (shaped.getRank() == 0)
    return success();
  if (shaped.getRank() == 1 && compatibleDims(shaped.getDimSize(0), channels))
    return success();
  return op->emitOpError() << "expects weight scales of shape [] or ["
                           << (ShapedType::isDynamic(channels)
                                   ? std::string("?")
                                   : std::to_string(channels))
                           << "], got " << scaleType;
}

//===----------------------------------------------------------------------===//
// BalancedQuantizeOp
//===----------------------------------------------------------------------===//

LogicalResult BalancedQuantizeOp::verify() {
  if (failed(verifyBits(*this, "bits", getBits())))
    return failure();
  auto inputType = getInput().getType();
  if (failed(verifyCompatibleShape(inputType, getCodes().getType())))
    return emitOpError("expects codes of the input's shape, got ")
           << getCodes().getType();
  auto alphaType = getAlpha().getType();
  if (getGranularity() == Granularity::Tensor) {
    if (getAxis())
      return emitOpError("'axis' is only allowed with channel granularity");
    if (alphaType.getRank() != 0)
      return emitOpError("expects scalar-shaped alpha and beta (tensor<f32>) "
                         "for tensor granularity, got ")
             << alphaType;
    return success();
  }
  if (!getAxis())
    return emitOpError("channel granularity needs an 'axis'");
  int64_t axis = *getAxis();
  if (axis < 0 || axis >= inputType.getRank())
    return emitOpError() << "axis " << axis << " is out of range for a rank-"
                         << inputType.getRank() << " input";
  int64_t channels = inputType.getDimSize(axis);
  if (alphaType.getRank() != 1 ||
      !compatibleDims(alphaType.getDimSize(0), channels))
    return emitOpError() << "expects alpha and beta of shape [" << channels
                         << "] for channel granularity along axis " << axis
                         << ", got " << alphaType;
  return success();
}

//===----------------------------------------------------------------------===//
// QuantizeActivationsOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizeActivationsOp::verify() {
  if (failed(verifyBits(*this, "bits", getBits())))
    return failure();
  if (failed(verifyCompatibleShape(getInput().getType(), getCodes().getType())))
    return emitOpError("expects codes of the input's shape, got ")
           << getCodes().getType();
  return verifyActRange(*this, getRange(), getLo(), getHi());
}

//===----------------------------------------------------------------------===//
// QuantizedMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizedMatmulOp::verify() {
  if (failed(verifyBits(*this, "weight_bits", getWeightBits())) ||
      failed(verifyBits(*this, "act_bits", getActBits())))
    return failure();
  auto lhsType = getLhs().getType();
  auto codesType = getWeightCodes().getType();
  auto resultType = getResult().getType();
  if (failed(verifyRank(*this, "lhs", lhsType, 2)) ||
      failed(verifyRank(*this, "weight codes", codesType, 2)) ||
      failed(verifyRank(*this, "result", resultType, 2)))
    return failure();
  if (!compatibleDims(lhsType.getDimSize(1), codesType.getDimSize(0)))
    return emitOpError() << "contraction sizes differ: lhs is " << lhsType
                         << ", weight codes are " << codesType;
  if (!compatibleDims(resultType.getDimSize(0), lhsType.getDimSize(0)) ||
      !compatibleDims(resultType.getDimSize(1), codesType.getDimSize(1)))
    return emitOpError() << "expects a result of shape [M, N] = ["
                         << lhsType.getDimSize(0) << ", "
                         << codesType.getDimSize(1) << "], got " << resultType;
  if (failed(verifyWeightScales(*this, getWeightAlpha().getType(),
                                codesType.getDimSize(1))))
    return failure();
  return verifyActRange(*this, getActRange(), getLo(), getHi());
}

//===----------------------------------------------------------------------===//
// PackOp
//===----------------------------------------------------------------------===//

LogicalResult PackOp::verify() {
  if (failed(verifyBits(*this, "bits", getBits())))
    return failure();
  auto codesType = getCodes().getType();
  auto planesType = getPlanes().getType();
  if (failed(verifyRank(*this, "codes", codesType, 2)))
    return failure();
  int64_t k = codesType.getDimSize(1);
  if (ShapedType::isDynamic(k))
    return emitOpError("needs a static contraction size (dimension 1 of the "
                       "codes)");
  if (planesType.getDimSize(0) != int64_t(getBits()))
    return emitOpError() << "expects " << getBits()
                         << " planes (dimension 0 of the result), got "
                         << planesType;
  if (!compatibleDims(planesType.getDimSize(1), codesType.getDimSize(0)))
    return emitOpError() << "expects one plane row per code row, got "
                         << planesType << " for " << codesType;
  if (planesType.getDimSize(2) != quant::numWords(k))
    return emitOpError() << "expects " << quant::numWords(k)
                         << " words per row for K = " << k << ", got "
                         << planesType;
  return success();
}

OpFoldResult PackOp::fold(FoldAdaptor adaptor) {
  auto planesType = getPlanes().getType();
  if (!adaptor.getCodes() || !planesType.hasStaticShape())
    return {};
  FailureOr<std::vector<uint8_t>> bytes = getCodeBytes(adaptor.getCodes());
  if (failed(bytes))
    return {};
  int64_t rows = planesType.getDimSize(1);
  int64_t k = getCodes().getType().getDimSize(1);
  std::vector<uint64_t> planes(planesType.getNumElements());
  quant::packPlanes(bytes->data(), rows, k, getBits(), planes.data());
  return getDenseAttr(planesType, ArrayRef<uint64_t>(planes));
}

//===----------------------------------------------------------------------===//
// CodeSumsOp
//===----------------------------------------------------------------------===//

LogicalResult CodeSumsOp::verify() {
  auto codesType = getCodes().getType();
  auto sumsType = getSums().getType();
  int64_t dim = getDim();
  if (dim < 0 || dim >= codesType.getRank())
    return emitOpError() << "dim " << dim << " is out of range for rank-"
                         << codesType.getRank() << " codes";
  SmallVector<int64_t> expected(codesType.getShape());
  expected.erase(expected.begin() + dim);
  if (sumsType.getRank() != int64_t(expected.size()) ||
      failed(verifyCompatibleShape(sumsType.getShape(), expected)))
    return emitOpError("expects sums of the codes' shape without dim ")
           << dim << ", got " << sumsType;
  int64_t size = codesType.getDimSize(dim);
  if (ShapedType::isDynamic(size))
    return emitOpError("needs a static size along the summed dimension");
  if (!quant::fitsSigned(size * quant::maxCode(quant::kMaxBits),
                         sumsType.getElementTypeBitWidth()))
    return emitOpError() << "sums of " << size << " codes may overflow "
                         << sumsType.getElementType();
  return success();
}

OpFoldResult CodeSumsOp::fold(FoldAdaptor adaptor) {
  auto sumsType = getSums().getType();
  auto codesType = getCodes().getType();
  if (!adaptor.getCodes() || !sumsType.hasStaticShape() ||
      !codesType.hasStaticShape())
    return {};
  FailureOr<std::vector<uint8_t>> bytes = getCodeBytes(adaptor.getCodes());
  if (failed(bytes))
    return {};
  std::vector<int64_t> shape(codesType.getShape().begin(),
                             codesType.getShape().end());
  std::vector<int64_t> sums = quant::codeSums(bytes->data(), shape, getDim());
  return getDenseIntAttr(sumsType, sums);
}

//===----------------------------------------------------------------------===//
// BitSerialMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult BitSerialMatmulOp::verify() {
  int64_t k = getK();
  if (k < 1)
    return emitOpError() << "k must be positive, got " << k;
  auto lhsType = getLhs().getType(), rhsType = getRhs().getType();
  auto resultType = getResult().getType();
  int64_t bits[2];
  int64_t index = 0;
  for (auto [name, type] :
       {std::pair<StringRef, RankedTensorType>{"lhs", lhsType},
        {"rhs", rhsType}}) {
    int64_t planes = type.getDimSize(0);
    if (ShapedType::isDynamic(planes) || !quant::isValidBits(planes))
      return emitOpError() << "expects a static plane count in [1, 8] for "
                           << name << ", got " << type;
    if (type.getDimSize(2) != quant::numWords(k))
      return emitOpError() << "expects " << quant::numWords(k)
                           << " words per row for k = " << k << " in " << name
                           << ", got " << type;
    bits[index++] = planes;
  }
  if (!compatibleDims(resultType.getDimSize(0), lhsType.getDimSize(1)) ||
      !compatibleDims(resultType.getDimSize(1), rhsType.getDimSize(1)))
    return emitOpError() << "expects a result of shape [M, N] = ["
                         << lhsType.getDimSize(1) << ", "
                         << rhsType.getDimSize(1) << "], got " << resultType;
  int64_t maxValue = quant::maxDotProduct(k, bits[0], bits[1]);
  unsigned width = resultType.getElementTypeBitWidth();
  if (!quant::fitsSigned(maxValue, width))
    return emitOpError() << "products of up to " << maxValue
                         << " may overflow the i" << width
                         << " result; use i64";
  return success();
}

//===----------------------------------------------------------------------===//
// AffineEpilogueOp
//===----------------------------------------------------------------------===//

LogicalResult AffineEpilogueOp::verify() {
  int64_t k = getK();
  if (k < 1)
    return emitOpError() << "k must be positive, got " << k;
  auto productsType = getProducts().getType();
  int64_t m = productsType.getDimSize(0), n = productsType.getDimSize(1);
  if (!compatibleDims(getRowSums().getType().getDimSize(0), m))
    return emitOpError() << "expects one row sum per row of products, got "
                         << getRowSums().getType() << " for " << productsType;
  if (!compatibleDims(getColSums().getType().getDimSize(0), n))
    return emitOpError() << "expects one column sum per column of products, "
                            "got "
                         << getColSums().getType() << " for " << productsType;
  if (failed(verifyWeightScales(*this, getWeightAlpha().getType(), n)))
    return failure();
  if (failed(verifyCompatibleShape(getResult().getType(), productsType)))
    return emitOpError("expects a result of the products' shape, got ")
           << getResult().getType();
  return success();
}

#define GET_OP_CLASSES
#include "bq/Dialect/BQ/IR/BQOps.cpp.inc"
