//===- FoldConstants.cpp - Quantize constant weights at compile time ------===//

#include "bq/Dialect/BQ/Transforms/Passes.h"

#include "bq/Dialect/BQ/IR/ConstantData.h"
#include "bq/Dialect/BQ/Transforms/WeightQuantization.h"

#include "mlir/IR/Builders.h"
#include "mlir/Transforms/FoldUtils.h"

namespace bq {
#define GEN_PASS_DEF_BQFOLDCONSTANTS
#include "bq/Dialect/BQ/Transforms/Passes.h.inc"
} // namespace bq

using namespace mlir;
using namespace bq;

namespace {

struct BQFoldConstantsPass
    : public bq::impl::BQFoldConstantsBase<BQFoldConstantsPass> {
  using Base::Base;

  void runOnOperation() override;

private:
  /// Returns a fresh dense_resource blob name, or "" to store `numElements`
  /// inline.
  std::string resourceName(int64_t numElements, StringRef what);

  unsigned numResources = 0;
};

} // namespace

std::string BQFoldConstantsPass::resourceName(int64_t numElements,
                                              StringRef what) {
  if (resourceThreshold <= 0 || numElements < resourceThreshold)
    return "";
  return ("bq_" + what + "_" + Twine(numResources++)).str();
}

void BQFoldConstantsPass::runOnOperation() {
  // Quantize everything first, so that an error leaves the IR untouched.
  SmallVector<std::pair<BalancedQuantizeOp, QuantizedConstant>> work;
  bool anyError = false;
  getOperation()->walk([&](BalancedQuantizeOp op) {
    FailureOr<std::optional<QuantizedConstant>> quantized =
        quantizeConstantInput(op);
    if (failed(quantized)) {
      anyError = true;
      return;
    }
    if (*quantized)
      work.emplace_back(op, std::move(**quantized));
  });
  if (anyError)
    return signalPassFailure();

  OperationFolder folder(&getContext());
  for (auto &[op, constant] : work) {
    OpBuilder builder(op);
    auto codesType = op.getCodes().getType();
    WeightConstants constants = createWeightConstants(
        builder, op.getLoc(), codesType, op.getAlpha().getType(),
        constant.result, resourceName(codesType.getNumElements(), "codes"));
    Value newCodes = constants.codes, newAlpha = constants.alpha,
          newBeta = constants.beta;
    SmallVector<Operation *> users(op.getCodes().getUsers());
    op.getCodes().replaceAllUsesWith(newCodes);
    op.getAlpha().replaceAllUsesWith(newAlpha);
    op.getBeta().replaceAllUsesWith(newBeta);
    Operation *weight = op.getInput().getDefiningOp();
    op.erase();
    if (weight && weight->use_empty())
      weight->erase();
    // Fold the ops that now see constant codes (bq.pack, bq.code_sums).
    for (Operation *user : users)
      if (isa<PackOp, CodeSumsOp>(user))
        (void)folder.tryToFold(user);
  }
}
