//===- WeightQuantization.cpp - Run the quantizer on bq ops ---------------===//

#include "bq/Dialect/BQ/Transforms/WeightQuantization.h"

#include "bq/Dialect/BQ/IR/ConstantData.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace bq;

quant::WeightQuantOptions bq::getQuantOptions(BalancedQuantizeOp op) {
  quant::WeightQuantOptions options;
  options.bits = op.getBits();
  switch (op.getMethod()) {
  case Method::Exact:
    options.method = quant::Method::Exact;
    break;
  case Method::Mean:
    options.method = quant::Method::Mean;
    break;
  case Method::Uniform:
    options.method = quant::Method::Uniform;
    break;
  }
  switch (op.getScale()) {
  case Scale::Lsq:
    options.scale = quant::Scale::Lsq;
    break;
  case Scale::Max:
    options.scale = quant::Scale::Max;
    break;
  case Scale::MinMax:
    options.scale = quant::Scale::MinMax;
    break;
  }
  options.granularity = op.getGranularity() == Granularity::Channel
                            ? quant::Granularity::Channel
                            : quant::Granularity::Tensor;
  options.axis = op.getAxis().value_or(0);
  return options;
}

FailureOr<std::optional<QuantizedConstant>>
bq::quantizeConstantInput(BalancedQuantizeOp op) {
  Attribute attr;
  auto inputType = op.getInput().getType();
  if (!inputType.hasStaticShape() ||
      !matchPattern(op.getInput(), m_Constant(&attr)))
    return std::optional<QuantizedConstant>();
  FailureOr<std::vector<float>> values = getFloatData(attr);
  if (failed(values))
    return std::optional<QuantizedConstant>();

  QuantizedConstant constant;
  constant.shape.assign(inputType.getShape().begin(),
                        inputType.getShape().end());
  constant.values = std::move(*values);
  quant::Status status =
      quant::quantizeWeights(constant.values.data(), constant.shape,
                             getQuantOptions(op), constant.result);
  if (!status.ok())
    return op.emitOpError("cannot quantize the constant input: ")
           << status.message();
  return std::optional<QuantizedConstant>(std::move(constant));
}
