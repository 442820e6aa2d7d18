//===- WeightQuantization.cpp - Run the quantizer on bq ops ---------------===//

#include "bq/Dialect/BQ/Transforms/WeightQuantization.h"

#include "bq/Dialect/BQ/IR/ConstantData.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;
using namespace bq;

FailureOr<HostTensor> bq::readFloatConstant(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  Attribute attr;
  if (!type || !type.hasStaticShape() || !matchPattern(value, m_Constant(&attr)))
    return failure();
  FailureOr<std::vector<float>> data = getFloatData(attr);
  if (failed(data))
    return failure();
  HostTensor tensor;
  tensor.data = std::move(*data);
  tensor.shape.assign(type.getShape().begin(), type.getShape().end());
  return tensor;
}

HostTensor bq::permute(const HostTensor &tensor,
                       ArrayRef<int64_t> permutation) {
  size_t rank = tensor.shape.size();
  HostTensor result;
  result.shape.resize(rank);
  for (size_t i = 0; i < rank; ++i)
    result.shape[i] = tensor.shape[permutation[i]];
  result.data.resize(tensor.data.size());
  // Strides of the input, read in the result's dimension order.
  std::vector<int64_t> inStrides(rank, 1), strides(rank);
  for (size_t d = rank; d-- > 1;)
    inStrides[d - 1] = inStrides[d] * tensor.shape[d];
  for (size_t i = 0; i < rank; ++i)
    strides[i] = inStrides[permutation[i]];
  std::vector<int64_t> index(rank, 0);
  for (size_t flat = 0; flat < result.data.size(); ++flat) {
    int64_t offset = 0;
    for (size_t i = 0; i < rank; ++i)
      offset += index[i] * strides[i];
    result.data[flat] = tensor.data[offset];
    for (size_t i = rank; i-- > 0;) {
      if (++index[i] < result.shape[i])
        break;
      index[i] = 0;
    }
  }
  return result;
}

quant::Method bq::toQuant(Method method) {
  switch (method) {
  case Method::Exact:
    return quant::Method::Exact;
  case Method::Mean:
    return quant::Method::Mean;
  case Method::Uniform:
    return quant::Method::Uniform;
  }
  llvm_unreachable("unknown method");
}

quant::Scale bq::toQuant(Scale scale) {
  switch (scale) {
  case Scale::Lsq:
    return quant::Scale::Lsq;
  case Scale::Max:
    return quant::Scale::Max;
  case Scale::MinMax:
    return quant::Scale::MinMax;
  }
  llvm_unreachable("unknown scale");
}

quant::Granularity bq::toQuant(Granularity granularity) {
  return granularity == Granularity::Channel ? quant::Granularity::Channel
                                             : quant::Granularity::Tensor;
}

quant::WeightQuantOptions bq::getQuantOptions(BalancedQuantizeOp op) {
  quant::WeightQuantOptions options;
  options.bits = op.getBits();
  options.method = toQuant(op.getMethod());
  options.scale = toQuant(op.getScale());
  options.granularity = toQuant(op.getGranularity());
  options.axis = op.getAxis().value_or(0);
  return options;
}

FailureOr<std::optional<QuantizedConstant>>
bq::quantizeConstantInput(BalancedQuantizeOp op) {
  FailureOr<HostTensor> weight = readFloatConstant(op.getInput());
  if (failed(weight))
    return std::optional<QuantizedConstant>();
  QuantizedConstant constant;
  constant.weight = std::move(*weight);
  quant::Status status = quant::quantizeWeights(
      constant.weight.data.data(), constant.weight.shape, getQuantOptions(op),
      constant.result);
  if (!status.ok())
    return op.emitOpError("cannot quantize the constant input: ")
           << status.message();
  return std::optional<QuantizedConstant>(std::move(constant));
}

WeightConstants bq::createWeightConstants(OpBuilder &builder, Location loc,
                                          RankedTensorType codesType,
                                          RankedTensorType scaleType,
                                          const quant::QuantizedTensor &quantized,
                                          StringRef codesResourceName) {
  std::vector<float> alpha(quantized.alpha.begin(), quantized.alpha.end());
  std::vector<float> beta(quantized.beta.begin(), quantized.beta.end());
  WeightConstants constants;
  constants.codes = arith::ConstantOp::create(
      builder, loc, codesType,
      getDenseAttr(codesType, ArrayRef<uint8_t>(quantized.codes),
                   codesResourceName));
  constants.alpha = arith::ConstantOp::create(
      builder, loc, scaleType, getDenseAttr(scaleType, ArrayRef<float>(alpha)));
  constants.beta = arith::ConstantOp::create(
      builder, loc, scaleType, getDenseAttr(scaleType, ArrayRef<float>(beta)));
  return constants;
}
