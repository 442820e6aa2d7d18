//===- QuantReport.cpp - Report how well constant weights quantize --------===//

#include "bq/Dialect/BQ/Transforms/Passes.h"

#include "bq/Dialect/BQ/Transforms/WeightQuantization.h"

#include "llvm/Support/Format.h"

#include <algorithm>
#include <limits>

namespace bq {
#define GEN_PASS_DEF_BQQUANTREPORT
#include "bq/Dialect/BQ/Transforms/Passes.h.inc"
} // namespace bq

using namespace mlir;
using namespace bq;

namespace {

struct BQQuantReportPass
    : public bq::impl::BQQuantReportBase<BQQuantReportPass> {
  using Base::Base;

  void runOnOperation() override;
};

} // namespace

void BQQuantReportPass::runOnOperation() {
  bool anyError = false;
  getOperation()->walk([&](BalancedQuantizeOp op) {
    FailureOr<std::optional<QuantizedConstant>> quantized =
        quantizeConstantInput(op);
    if (failed(quantized)) {
      anyError = true;
      return;
    }
    if (!*quantized) {
      op.emitRemark("bq.balanced_quantize: the input is not a constant bq "
                    "can read; nothing to report");
      return;
    }
    const QuantizedConstant &constant = **quantized;
    quant::WeightQuantOptions options = getQuantOptions(op);
    std::vector<quant::SliceStats> stats = quant::tensorStats(
        constant.weight.data.data(), constant.weight.shape, options, constant.result);

    int64_t minPop = std::numeric_limits<int64_t>::max(), maxPop = 0;
    double entropy = 0.0, squaredError = 0.0, energy = 0.0;
    for (const quant::SliceStats &slice : stats) {
      auto [lo, hi] = std::minmax_element(slice.populations.begin(),
                                          slice.populations.end());
      minPop = std::min(minPop, *lo);
      maxPop = std::max(maxPop, *hi);
      entropy += slice.entropyBits;
      squaredError += slice.squaredError;
      energy += slice.energy;
    }
    entropy /= double(stats.size());
    double relativeMse =
        energy > 0.0 ? squaredError / energy
                     : (squaredError == 0.0
                            ? 0.0
                            : std::numeric_limits<double>::infinity());

    std::string text;
    llvm::raw_string_ostream os(text);
    os << "bq.balanced_quantize " << op.getInput().getType()
       << ": method=" << stringifyMethod(op.getMethod())
       << " bits=" << op.getBits()
       << " granularity=" << stringifyGranularity(op.getGranularity())
       << " slices=" << stats.size() << "; populations min=" << minPop
       << " max=" << maxPop << "; entropy=" << llvm::format("%.3f", entropy)
       << "/" << op.getBits()
       << " bits; relative MSE=" << llvm::format("%.4f", relativeMse);
    op.emitRemark(text);
  });
  if (anyError)
    signalPassFailure();
  markAllAnalysesPreserved();
}
