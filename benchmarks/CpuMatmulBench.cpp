//===- CpuMatmulBench.cpp - bq CPU kernels side by side -------------------===//
//
// JIT-compiles (MLIR ExecutionEngine, host CPU, O3) and times, in one
// process:
//   - bq quantized matmuls W1A1, W2A2, W4A4 at M = N = K = 1024 and a W2A8
//     GEMV 1 x 4096 x 4096, end to end (linalg.matmul with constant weights
//     -> bq-quantize-linalg -> bq-cpu-pipeline) and the bit-serial kernel
//     alone (bq.bitserial_matmul on packed planes);
//   - OpenBLAS sgemm, one thread, same shapes;
//   - upstream MLIR's f32 linalg.matmul, tiled and vectorized with the
//     transform dialect, same shapes;
//   - a popcount roofline: AND + VPOPCNTQ + ADD on L1-resident data with
//     8 independent accumulators.
// Prints a table of GOPS (2*M*N*K / s) and ratios; --csv FILE writes them.
//
//===----------------------------------------------------------------------===//

#include "bq/InitAllWithUpstream.h"
#include "bq/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <cblas.h>
#include <immintrin.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

extern "C" void openblas_set_num_threads(int);

namespace {

using Clock = std::chrono::steady_clock;

/// Median seconds of `reps` calls after one warm-up call.
double timeIt(const std::function<void()> &fn, int reps) {
  fn();
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    auto start = Clock::now();
    fn();
    times.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

std::vector<float> randomFloats(size_t n, unsigned seed, float scale) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

//===----------------------------------------------------------------------===//
// JIT
//===----------------------------------------------------------------------===//

struct Jit {
  mlir::MLIRContext context;

  Jit() {
    mlir::DialectRegistry registry;
    bq::registerUpstreamAndBQDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  /// Parses `text`, fills the `arith.constant` marked `bench.fill` with
  /// `weights`, runs `pipeline` (passes on the top-level module),
  /// JIT-compiles.
  std::unique_ptr<mlir::ExecutionEngine>
  compile(const std::string &text, const std::vector<float> *weights,
          const std::string &pipeline) {
    mlir::OwningOpRef<mlir::ModuleOp> module =
        mlir::parseSourceString<mlir::ModuleOp>(text, &context);
    if (!module) {
      llvm::errs() << "parse failed\n";
      std::exit(1);
    }
    if (weights) {
      module->walk([&](mlir::arith::ConstantOp op) {
        if (!op->hasAttr("bench.fill"))
          return;
        auto type = llvm::cast<mlir::RankedTensorType>(op.getType());
        op.setValueAttr(mlir::DenseElementsAttr::get(
            type, llvm::ArrayRef<float>(*weights)));
        op->removeAttr("bench.fill");
      });
    }
    mlir::PassManager pm(&context);
    if (mlir::failed(mlir::parsePassPipeline(pipeline, pm)) ||
        mlir::failed(pm.run(*module))) {
      llvm::errs() << "pipeline failed: " << pipeline << "\n";
      std::exit(1);
    }
    // Drop the transform script once it has been applied.
    llvm::SmallVector<mlir::ModuleOp> scripts;
    module->walk([&](mlir::ModuleOp nested) {
      if (nested != *module && nested->hasAttr("transform.with_named_sequence"))
        scripts.push_back(nested);
    });
    for (mlir::ModuleOp script : scripts)
      script.erase();
    auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
    auto tm = tmBuilder->createTargetMachine();
    mlir::ExecutionEngineOptions options;
    auto transformer = mlir::makeOptimizingTransformer(3, 0, tm->get());
    options.transformer = transformer;
    options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
    auto engine = mlir::ExecutionEngine::create(*module, options);
    if (!engine) {
      llvm::errs() << "JIT failed: " << llvm::toString(engine.takeError())
                   << "\n";
      std::exit(1);
    }
    return std::move(*engine);
  }
};

template <typename T, int N>
StridedMemRefType<T, N> view(T *data, std::array<int64_t, N> sizes) {
  StridedMemRefType<T, N> d;
  d.basePtr = d.data = data;
  d.offset = 0;
  int64_t stride = 1;
  for (int i = N - 1; i >= 0; --i) {
    d.sizes[i] = sizes[i];
    d.strides[i] = stride;
    stride *= sizes[i];
  }
  return d;
}

/// Calls `_mlir_ciface_f(result*, arg*)` and frees the returned buffer.
template <typename R, int RN, typename A, int AN>
std::function<void()> caller(mlir::ExecutionEngine &engine,
                             StridedMemRefType<A, AN> arg) {
  auto symbol = engine.lookup("_mlir_ciface_f");
  if (!symbol) {
    llvm::errs() << llvm::toString(symbol.takeError()) << "\n";
    std::exit(1);
  }
  using Fn = void (*)(StridedMemRefType<R, RN> *, StridedMemRefType<A, AN> *);
  auto fn = reinterpret_cast<Fn>(*symbol);
  return [fn, arg]() mutable {
    StridedMemRefType<R, RN> result;
    fn(&result, &arg);
    free(result.basePtr);
  };
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

std::string matmulText(int64_t m, int64_t n, int64_t k) {
  std::string mk = std::to_string(m) + "x" + std::to_string(k);
  std::string kn = std::to_string(k) + "x" + std::to_string(n);
  std::string mn = std::to_string(m) + "x" + std::to_string(n);
  return "func.func @f(%x: tensor<" + mk +
         "xf32>) -> tensor<" + mn +
         "xf32> attributes {llvm.emit_c_interface} {\n"
         "  %w = arith.constant {bench.fill} dense<0.0> : tensor<" + kn +
         "xf32>\n"
         "  %e = tensor.empty() : tensor<" + mn + "xf32>\n"
         "  %z = arith.constant 0.0 : f32\n"
         "  %acc = linalg.fill ins(%z : f32) outs(%e : tensor<" + mn +
         "xf32>) -> tensor<" + mn + "xf32>\n"
         "  %y = linalg.matmul ins(%x, %w : tensor<" + mk + "xf32>, tensor<" +
         kn + "xf32>) outs(%acc : tensor<" + mn + "xf32>) -> tensor<" + mn +
         "xf32>\n  return %y : tensor<" + mn + "xf32>\n}\n";
}

/// The bit-serial kernel alone: activation planes in, products out.
std::string kernelText(int64_t m, int64_t n, int64_t k, int64_t ka,
                       int64_t kw) {
  int64_t words = (k + 63) / 64;
  std::string ap = std::to_string(ka) + "x" + std::to_string(m) + "x" +
                   std::to_string(words);
  std::string wp = std::to_string(kw) + "x" + std::to_string(n) + "x" +
                   std::to_string(words);
  std::string mn = std::to_string(m) + "x" + std::to_string(n);
  return "func.func @f(%a: tensor<" + ap + "xi64>) -> tensor<" + mn +
         "xi32> attributes {llvm.emit_c_interface} {\n"
         "  %w = arith.constant dense<6148914691236517205> : tensor<" + wp +
         "xi64>\n"
         "  %p = bq.bitserial_matmul %a, %w k(" + std::to_string(k) +
         ") : tensor<" + ap + "xi64>, tensor<" + wp + "xi64> -> tensor<" + mn +
         "xi32>\n  return %p : tensor<" + mn + "xi32>\n}\n";
}

/// Transform script: tile linalg.matmul 8 x 32 x 16 (1 x 64 x 16 for a
/// GEMV) and vectorize it into an outer-product FMA kernel, the upstream
/// CPU path for f32 matmuls.
std::string vectorizeScript(int64_t m) {
  std::string tiles = m == 1 ? "[1, 64, 16]" : "[8, 32, 16]";
  std::string script = R"mlir(
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %mm = transform.structured.match ops{["linalg.matmul"]} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %l0, %l1, %l2 = transform.structured.tile_using_for %mm tile_sizes TILES : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    transform.structured.vectorize %tiled {create_named_contraction} : !transform.any_op
    %func = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    transform.apply_patterns to %func {
      transform.apply_patterns.vector.lower_contraction lowering_strategy = "outerproduct"
      transform.apply_patterns.vector.lower_outerproduct
      transform.apply_patterns.vector.transfer_permutation_patterns
      transform.apply_patterns.vector.lower_transfer max_transfer_rank = 1
      transform.apply_patterns.canonicalization
    } : !transform.any_op
    transform.yield
  }
}
)mlir";
  return script.replace(script.find("TILES"), 5, tiles);
}

const char *kLowerF32 =
    "transform-interpreter,canonicalize,"
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-deallocation-pipeline,convert-linalg-to-loops,lower-affine,"
    "convert-vector-to-scf,convert-scf-to-cf,expand-strided-metadata,"
    "lower-affine,convert-math-to-llvm,convert-vector-to-llvm,"
    "finalize-memref-to-llvm,convert-to-llvm,reconcile-unrealized-casts";

/// Words of AND + popcount + add per second, AVX-512, L1-resident and
/// register-blocked like the kernel: 4 + 4 vectors loaded per step feed 16
/// independent AND + VPOPCNTQ + ADD chains, so loads do not limit it.
__attribute__((target("avx512f,avx512vpopcntdq"))) double
popcountRooflineAvx512() {
  alignas(64) static uint64_t a[1024], b[1024];
  for (int i = 0; i < 1024; ++i) {
    a[i] = 0x9E3779B97F4A7C15ull * (i + 1);
    b[i] = 0xC2B2AE3D27D4EB4Full * (i + 3);
  }
  const int reps = 4000;
  __m512i acc[16];
  for (auto &v : acc)
    v = _mm512_setzero_si512();
  auto start = Clock::now();
  for (int r = 0; r < reps; ++r) {
    for (int i = 0; i < 1024; i += 32) {
      __m512i x[4], y[4];
      for (int u = 0; u < 4; ++u) {
        x[u] = _mm512_load_si512(a + i + 8 * u);
        y[u] = _mm512_load_si512(b + ((i + 8 * u + 8 * r) & 1023));
      }
      for (int u = 0; u < 4; ++u)
        for (int v = 0; v < 4; ++v)
          acc[4 * u + v] = _mm512_add_epi64(
              acc[4 * u + v],
              _mm512_popcnt_epi64(_mm512_and_si512(x[u], y[v])));
    }
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  __m512i total = acc[0];
  for (int u = 1; u < 16; ++u)
    total = _mm512_add_epi64(total, acc[u]);
  volatile long long sink = _mm512_reduce_add_epi64(total);
  (void)sink;
  // 16 vector ops of 8 words per 32 words of each input.
  return double(reps) * (1024 / 32) * 16 * 8 / seconds;
}

double popcountRooflineScalar() {
  static uint64_t a[512], b[512];
  for (int i = 0; i < 512; ++i) {
    a[i] = 0x9E3779B97F4A7C15ull * (i + 1);
    b[i] = 0xC2B2AE3D27D4EB4Full * (i + 3);
  }
  const int reps = 4000;
  uint64_t acc[4] = {0, 0, 0, 0};
  auto start = Clock::now();
  for (int r = 0; r < reps; ++r)
    for (int i = 0; i < 512; i += 4)
      for (int u = 0; u < 4; ++u)
        acc[u] += __builtin_popcountll(a[i + u] & b[(i + u + r) & 511]);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  volatile uint64_t sink = acc[0] + acc[1] + acc[2] + acc[3];
  (void)sink;
  return double(reps) * 512 / seconds;
}

struct Row {
  std::string shape, kernel;
  double seconds, gops;
};

} // namespace

int main(int argc, char **argv) {
  std::string csv;
  int reps = 7;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--csv" && i + 1 < argc)
      csv = argv[++i];
    else if (arg == "--reps" && i + 1 < argc)
      reps = std::atoi(argv[++i]);
  }
  // Reuse freed result buffers instead of returning them to the OS.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  openblas_set_num_threads(1);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  bq::registerUpstreamAndBQPasses();
  Jit jit;

  bool avx512 = __builtin_cpu_supports("avx512vpopcntdq");
  double wordsPerSecond =
      avx512 ? popcountRooflineAvx512() : popcountRooflineScalar();
  // One 64-bit AND + popcount + add = 64 binary multiply-adds = 128 ops.
  double rooflineGops = wordsPerSecond * 128 / 1e9;

  std::vector<Row> rows;
  auto add = [&](std::string shape, std::string kernel, double seconds,
                 double ops) {
    rows.push_back({shape, kernel, seconds, ops / seconds / 1e9});
    std::printf("  %-16s %-34s %10.3f ms %9.1f GOPS\n", shape.c_str(),
                kernel.c_str(), seconds * 1e3, ops / seconds / 1e9);
    std::fflush(stdout);
  };
  std::printf("popcount roofline (%s): %.1f G words/s = %.1f GOPS (W1A1)\n",
              avx512 ? "AVX-512 VPOPCNTQ" : "scalar popcnt",
              wordsPerSecond / 1e9, rooflineGops);

  struct Shape {
    int64_t m, n, k;
    std::vector<std::pair<int, int>> bits;
  };
  // Extra options for bq-cpu-pipeline, e.g. "tile-rows=8 tile-cols=4".
  std::string tileOptions = std::getenv("BQ_BENCH_PIPELINE_OPTIONS")
                                ? std::getenv("BQ_BENCH_PIPELINE_OPTIONS")
                                : "";
  std::string cpuPipeline =
      tileOptions.empty() ? "bq-cpu-pipeline"
                          : "bq-cpu-pipeline{" + tileOptions + "}";
  std::vector<Shape> shapes = {{1024, 1024, 1024, {{1, 1}, {2, 2}, {4, 4}}},
                               {1, 4096, 4096, {{2, 8}}}};
  for (const Shape &s : shapes) {
    std::string name = std::to_string(s.m) + "x" + std::to_string(s.n) + "x" +
                       std::to_string(s.k);
    double ops = 2.0 * s.m * s.n * s.k;
    std::vector<float> x = randomFloats(s.m * s.k, 1, 1.0f);
    std::vector<float> w = randomFloats(s.k * s.n, 2, 0.05f);
    std::vector<float> y(s.m * s.n);

    add(name, "openblas sgemm (1 thread)",
        timeIt([&] {
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s.m, s.n,
                      s.k, 1.0f, x.data(), s.k, w.data(), s.n, 0.0f, y.data(),
                      s.n);
        }, reps),
        ops);

    std::string text = matmulText(s.m, s.n, s.k);
    {
      auto engine = jit.compile(text + vectorizeScript(s.m), &w, kLowerF32);
      add(name, "mlir f32 linalg.matmul (vectorized)",
          timeIt(caller<float, 2, float, 2>(*engine,
                                            view<float, 2>(x.data(),
                                                           {s.m, s.k})),
                 reps),
          ops);
    }
    for (auto [wb, ab] : s.bits) {
      std::string label =
          "bq W" + std::to_string(wb) + "A" + std::to_string(ab);
      std::string pipeline = "bq-quantize-linalg{weight-bits=" +
                             std::to_string(wb) + " act-bits=" +
                             std::to_string(ab) + "}," + cpuPipeline;
      auto engine = jit.compile(text, &w, pipeline);
      add(name, label + " end to end",
          timeIt(caller<float, 2, float, 2>(*engine,
                                            view<float, 2>(x.data(),
                                                           {s.m, s.k})),
                 reps),
          ops);
      int64_t words = (s.k + 63) / 64;
      std::vector<int64_t> planes(ab * s.m * words, 0x3C3C3C3C3C3C3C3Cll);
      auto kernel = jit.compile(kernelText(s.m, s.n, s.k, ab, wb), nullptr,
                                cpuPipeline);
      add(name, label + " bit-serial kernel",
          timeIt(caller<int32_t, 2, int64_t, 3>(
                     *kernel, view<int64_t, 3>(planes.data(),
                                               {ab, s.m, words})),
                 reps),
          ops);
    }
  }

  // Ratios against the baselines of the same shape.
  std::printf("\n%-16s %-34s %9s %9s %9s %9s\n", "shape", "kernel", "GOPS",
              "x sgemm", "x mlir", "% roof");
  for (const Row &row : rows) {
    double sgemm = 0, mlirF32 = 0;
    for (const Row &other : rows) {
      if (other.shape != row.shape)
        continue;
      if (other.kernel.rfind("openblas", 0) == 0)
        sgemm = other.gops;
      if (other.kernel.rfind("mlir f32", 0) == 0)
        mlirF32 = other.gops;
    }
    double roof = 0;
    int wb = 0, ab = 0;
    if (std::sscanf(row.kernel.c_str(), "bq W%dA%d", &wb, &ab) == 2)
      roof = 100.0 * row.gops / (rooflineGops / (wb * ab));
    std::printf("%-16s %-34s %9.1f %9.2f %9.2f %9s\n", row.shape.c_str(),
                row.kernel.c_str(), row.gops, row.gops / sgemm,
                row.gops / mlirF32,
                roof > 0 ? (std::to_string(int(roof + 0.5)) + "%").c_str()
                         : "-");
  }
  if (!csv.empty()) {
    std::ofstream out(csv);
    out << "shape,kernel,seconds,gops,roofline_gops_w1a1\n";
    for (const Row &row : rows)
      out << row.shape << "," << row.kernel << "," << row.seconds << ","
          << row.gops << "," << rooflineGops << "\n";
    std::printf("wrote %s\n", csv.c_str());
  }
  return 0;
}
