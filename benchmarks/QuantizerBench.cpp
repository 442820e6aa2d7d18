//===- QuantizerBench.cpp - Throughput of the weight quantizers -----------===//
//
// Elements per second of exact, mean and uniform quantization (codes + lsq
// reconstruction, one slice) at k = 1, 2, 4, 8 on 1M, 16M and 64M Gaussian
// floats, next to std::sort of the same data (the naive way to find
// percentiles), and the cost of folding a 64M-element constant through the
// bq-fold-constants pass against the quantizer alone. Run side by side in
// one process: `make bench` or build/benchmarks/quantizer-bench.
//
//===----------------------------------------------------------------------===//

#include "bq/Dialect/BQ/IR/BQ.h"
#include "bq/Dialect/BQ/IR/ConstantData.h"
#include "bq/Dialect/BQ/Transforms/Passes.h"
#include "bq/Quant/Quantizer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include "benchmark/benchmark.h"

#include <algorithm>
#include <map>
#include <random>

using namespace bq::quant;

namespace {

const std::vector<float> &gaussian(int64_t n) {
  static std::map<int64_t, std::vector<float>> cache;
  auto [it, inserted] = cache.try_emplace(n);
  if (inserted) {
    std::mt19937 rng(1234);
    std::normal_distribution<float> dist(0.0f, 0.05f);
    it->second.resize(n);
    for (float &v : it->second)
      v = dist(rng);
  }
  return it->second;
}

void BM_StdSort(benchmark::State &state) {
  const std::vector<float> &w = gaussian(state.range(0));
  std::vector<float> copy;
  for (auto _ : state) {
    copy = w;
    std::sort(copy.begin(), copy.end());
    benchmark::DoNotOptimize(copy.data());
  }
  state.SetItemsProcessed(state.iterations() * int64_t(w.size()));
}

void BM_Quantize(benchmark::State &state) {
  const std::vector<float> &w = gaussian(state.range(0));
  WeightQuantOptions options;
  options.method = Method(state.range(1));
  options.bits = state.range(2);
  QuantizedTensor out;
  for (auto _ : state) {
    Status status =
        quantizeWeights(w.data(), {int64_t(w.size())}, options, out);
    if (!status.ok())
      state.SkipWithError(status.message().c_str());
    benchmark::DoNotOptimize(out.codes.data());
  }
  state.SetItemsProcessed(state.iterations() * int64_t(w.size()));
  state.SetLabel(toString(options.method));
}

/// Runs bq-fold-constants on a module holding one dense_resource constant of
/// n floats and a 2-bit exact bq.balanced_quantize of it.
void BM_FoldPass(benchmark::State &state) {
  const std::vector<float> &w = gaussian(state.range(0));
  mlir::MLIRContext context;
  context.loadDialect<::bq::BQDialect, mlir::arith::ArithDialect,
                      mlir::func::FuncDialect>();
  context.disableMultithreading();
  auto loc = mlir::UnknownLoc::get(&context);
  auto f32 = mlir::Float32Type::get(&context);
  auto i8 = mlir::IntegerType::get(&context, 8);
  auto inType = mlir::RankedTensorType::get({int64_t(w.size())}, f32);
  auto codesType = mlir::RankedTensorType::get({int64_t(w.size())}, i8);
  auto scaleType = mlir::RankedTensorType::get({}, f32);
  for (auto _ : state) {
    state.PauseTiming();
    mlir::OpBuilder builder(&context);
    mlir::OwningOpRef<mlir::ModuleOp> module = mlir::ModuleOp::create(loc);
    builder.setInsertionPointToEnd(module->getBody());
    auto func = mlir::func::FuncOp::create(
        builder, loc, "f", builder.getFunctionType({}, {codesType}));
    builder.setInsertionPointToEnd(func.addEntryBlock());
    mlir::Value weights = mlir::arith::ConstantOp::create(
        builder, loc, inType,
        ::bq::getDenseAttr(inType, mlir::ArrayRef<float>(w), "weights"));
    auto quantize = ::bq::BalancedQuantizeOp::create(
        builder, loc, mlir::TypeRange{codesType, scaleType, scaleType},
        weights, builder.getI64IntegerAttr(2),
        ::bq::MethodAttr::get(&context, ::bq::Method::Exact),
        ::bq::ScaleAttr::get(&context, ::bq::Scale::Lsq),
        ::bq::GranularityAttr::get(&context, ::bq::Granularity::Tensor),
        mlir::IntegerAttr());
    mlir::func::ReturnOp::create(builder, loc, quantize.getCodes());
    mlir::PassManager pm(&context);
    pm.addPass(::bq::createBQFoldConstants());
    state.ResumeTiming();
    if (mlir::failed(pm.run(*module)))
      state.SkipWithError("bq-fold-constants failed");
  }
  state.SetItemsProcessed(state.iterations() * int64_t(w.size()));
}

const int64_t kSizes[] = {1 << 20, 16 << 20, 64 << 20};

void sortArgs(benchmark::internal::Benchmark *b) {
  for (int64_t n : kSizes)
    b->Arg(n);
}

void quantizeArgs(benchmark::internal::Benchmark *b) {
  b->ArgNames({"n", "method", "k"});
  for (int64_t n : kSizes)
    for (int64_t method : {0, 1, 2})
      for (int64_t k : {1, 2, 4, 8})
        b->Args({n, method, k});
}

} // namespace

BENCHMARK(BM_StdSort)->Apply(sortArgs)->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_Quantize)->Apply(quantizeArgs)->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_FoldPass)->Arg(64 << 20)->Unit(benchmark::kMillisecond)
    ->UseRealTime()->Iterations(2);

BENCHMARK_MAIN();
