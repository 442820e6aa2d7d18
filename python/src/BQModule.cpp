//===- BQModule.cpp - The bq Python extension (pybind11) ------------------===//
//
// `bq._bq`: numpy bindings of the C++ quantizer (the same code the compiler's
// folding runs) and compile-and-run of MLIR through the ExecutionEngine.
// The Python-facing API, with its documentation, is python/bq/__init__.py.
//
//===----------------------------------------------------------------------===//

#include "bq/InitAllWithUpstream.h"
#include "bq/Quant/BitPack.h"
#include "bq/Quant/Layout.h"
#include "bq/Quant/Quantizer.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
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

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

namespace py = pybind11;
namespace quant = bq::quant;

namespace {

//===----------------------------------------------------------------------===//
// Quantizer bindings
//===----------------------------------------------------------------------===//

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;
using CodeArray =
    py::array_t<uint8_t, py::array::c_style | py::array::forcecast>;

std::vector<int64_t> shapeOf(const py::array &array) {
  return std::vector<int64_t>(array.shape(), array.shape() + array.ndim());
}

int64_t normalizeAxis(int64_t axis, int64_t rank) {
  int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= rank)
    throw py::value_error("axis " + std::to_string(axis) +
                          " is out of range for a rank-" +
                          std::to_string(rank) + " array");
  return normalized;
}

quant::WeightQuantOptions parseOptions(int64_t bits, const std::string &method,
                                       const std::string &scale,
                                       const std::string &granularity,
                                       int64_t axis, int64_t rank) {
  quant::WeightQuantOptions options;
  options.bits = bits;
  auto m = quant::parseMethod(method);
  if (!m)
    throw py::value_error("unknown method '" + method +
                          "' (exact, mean, uniform)");
  auto s = quant::parseScale(scale);
  if (!s)
    throw py::value_error("unknown scale '" + scale + "' (lsq, max, minmax)");
  auto g = quant::parseGranularity(granularity);
  if (!g)
    throw py::value_error("unknown granularity '" + granularity +
                          "' (tensor, channel)");
  options.method = *m;
  options.scale = *s;
  options.granularity = *g;
  if (*g == quant::Granularity::Channel)
    options.axis = normalizeAxis(axis, rank);
  return options;
}

py::array_t<double> scalesArray(const std::vector<double> &values,
                                const quant::WeightQuantOptions &options) {
  if (options.granularity == quant::Granularity::Tensor) {
    py::array_t<double> scalar(std::vector<py::ssize_t>{});
    *scalar.mutable_data() = values[0];
    return scalar;
  }
  py::array_t<double> array(values.size());
  std::memcpy(array.mutable_data(), values.data(),
              values.size() * sizeof(double));
  return array;
}

py::tuple quantize(FloatArray array, int64_t bits, const std::string &method,
                   const std::string &scale, const std::string &granularity,
                   int64_t axis) {
  std::vector<int64_t> shape = shapeOf(array);
  quant::WeightQuantOptions options =
      parseOptions(bits, method, scale, granularity, axis, shape.size());
  quant::QuantizedTensor result;
  quant::Status status;
  {
    py::gil_scoped_release release;
    status = quant::quantizeWeights(array.data(), shape, options, result);
  }
  if (!status.ok())
    throw py::value_error(status.message());
  py::array_t<uint8_t> codes(shape);
  if (!result.codes.empty())
    std::memcpy(codes.mutable_data(), result.codes.data(),
                result.codes.size());
  return py::make_tuple(codes, scalesArray(result.alpha, options),
                        scalesArray(result.beta, options));
}

py::tuple quantizeActivations(FloatArray array, int64_t bits,
                              std::optional<float> lo,
                              std::optional<float> hi) {
  if (lo.has_value() != hi.has_value())
    throw py::value_error("give both lo and hi, or neither");
  std::optional<std::pair<float, float>> range;
  if (lo)
    range = std::make_pair(*lo, *hi);
  py::array_t<uint8_t> codes(shapeOf(array));
  quant::ActQuantParams params;
  quant::Status status = quant::quantizeActivations(
      array.data(), array.size(), bits, range, codes.mutable_data(), params);
  if (!status.ok())
    throw py::value_error(status.message());
  return py::make_tuple(codes, params.scale, params.offset);
}

py::array_t<uint64_t> pack(CodeArray codes, int64_t bits) {
  if (codes.ndim() != 2)
    throw py::value_error("pack expects a 2-D array of codes [rows, K]");
  if (!quant::isValidBits(bits))
    throw py::value_error("bits must be in [1, 8], got " +
                          std::to_string(bits));
  int64_t rows = codes.shape(0), k = codes.shape(1);
  py::array_t<uint64_t> planes({bits, rows, quant::numWords(k)});
  quant::packPlanes(codes.data(), rows, k, bits, planes.mutable_data());
  return planes;
}

py::array_t<uint8_t>
unpack(py::array_t<uint64_t, py::array::c_style | py::array::forcecast> planes,
       int64_t k) {
  if (planes.ndim() != 3)
    throw py::value_error("unpack expects planes of shape [bits, rows, "
                          "words]");
  int64_t bits = planes.shape(0), rows = planes.shape(1);
  if (!quant::isValidBits(bits) || planes.shape(2) != quant::numWords(k))
    throw py::value_error("planes of shape [" + std::to_string(bits) + ", " +
                          std::to_string(rows) + ", " +
                          std::to_string(planes.shape(2)) +
                          "] do not hold 1-8 planes of K = " +
                          std::to_string(k) + " codes");
  py::array_t<uint8_t> codes({rows, k});
  quant::unpackPlanes(planes.data(), rows, k, bits, codes.mutable_data());
  return codes;
}

py::dict stats(FloatArray array, CodeArray codes, py::array_t<double> alpha,
               py::array_t<double> beta, int64_t bits,
               const std::string &granularity, int64_t axis) {
  std::vector<int64_t> shape = shapeOf(array);
  if (shapeOf(codes) != shape)
    throw py::value_error("codes must have the shape of the array");
  quant::WeightQuantOptions options =
      parseOptions(bits, "exact", "lsq", granularity, axis, shape.size());
  if (!quant::isValidBits(bits))
    throw py::value_error("bits must be in [1, 8], got " +
                          std::to_string(bits));
  int64_t slices = quant::numSlices(shape, options);
  if (alpha.size() != slices || beta.size() != slices)
    throw py::value_error("expected " + std::to_string(slices) +
                          " alpha and beta values");
  quant::QuantizedTensor quantized;
  quantized.codes.assign(codes.data(), codes.data() + codes.size());
  quantized.alpha.assign(alpha.data(), alpha.data() + slices);
  quantized.beta.assign(beta.data(), beta.data() + slices);
  for (uint8_t c : quantized.codes)
    if (c > quant::maxCode(bits))
      throw py::value_error("a code is out of range for " +
                            std::to_string(bits) + " bits");
  std::vector<quant::SliceStats> perSlice =
      quant::tensorStats(array.data(), shape, options, quantized);
  int64_t n = quant::numCodes(bits);
  py::array_t<int64_t> populations({slices, n});
  py::array_t<double> entropy(slices), mse(slices);
  for (int64_t s = 0; s < slices; ++s) {
    std::memcpy(populations.mutable_data(s, 0),
                perSlice[s].populations.data(), n * sizeof(int64_t));
    entropy.mutable_data()[s] = perSlice[s].entropyBits;
    mse.mutable_data()[s] = perSlice[s].relativeMse;
  }
  py::dict result;
  result["populations"] = populations;
  result["entropy_bits"] = entropy;
  result["relative_mse"] = mse;
  return result;
}

//===----------------------------------------------------------------------===//
// Compile and run
//===----------------------------------------------------------------------===//

/// Collects diagnostics while alive; `message()` joins them.
struct DiagnosticCollector {
  explicit DiagnosticCollector(mlir::MLIRContext &context)
      : handler(&context, [this](mlir::Diagnostic &diag) {
          std::string text;
          llvm::raw_string_ostream os(text);
          os << diag.getLocation() << ": " << diag;
          for (mlir::Diagnostic &note : diag.getNotes())
            os << "\n  note: " << note;
          messages.push_back(text);
          return mlir::success();
        }) {}
  std::string message() const {
    std::string joined;
    for (const std::string &m : messages)
      joined += (joined.empty() ? "" : "\n") + m;
    return joined;
  }
  std::vector<std::string> messages;
  mlir::ScopedDiagnosticHandler handler;
};

struct TensorSig {
  std::string dtype; ///< numpy dtype name
  std::vector<int64_t> shape; ///< mlir::ShapedType::kDynamic for ?
};

std::string dtypeOf(mlir::Type type) {
  if (type.isF32())
    return "float32";
  if (type.isF64())
    return "float64";
  if (type.isInteger(8))
    return "int8";
  if (type.isInteger(32))
    return "int32";
  if (type.isInteger(64))
    return "int64";
  return "";
}

size_t dtypeSize(const std::string &dtype) {
  if (dtype == "int8")
    return 1;
  if (dtype == "float32" || dtype == "int32")
    return 4;
  return 8;
}

mlir::MLIRContext &sharedContext() {
  static mlir::MLIRContext *context = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    bq::registerUpstreamAndBQPasses();
    mlir::DialectRegistry registry;
    bq::registerUpstreamAndBQDialects(registry);
    auto *ctx = new mlir::MLIRContext(registry);
    ctx->loadAllAvailableDialects();
    return ctx;
  }();
  return *context;
}

class CompiledModule {
public:
  CompiledModule(const std::string &text, const std::string &pipeline,
                 const std::vector<std::string> &sharedLibs) {
    mlir::MLIRContext &context = sharedContext();
    std::lock_guard<std::mutex> lock(mutex());
    DiagnosticCollector diagnostics(context);
    mlir::OwningOpRef<mlir::ModuleOp> module =
        mlir::parseSourceString<mlir::ModuleOp>(text, &context);
    if (!module)
      throw py::value_error("cannot parse the MLIR module:\n" +
                            diagnostics.message());
    // Record signatures and ask for C interfaces before lowering.
    for (auto func : module->getOps<mlir::func::FuncOp>()) {
      if (func.isPrivate() || func.isExternal())
        continue;
      std::vector<TensorSig> args, results;
      bool ok = true;
      auto collect = [&](mlir::TypeRange types, std::vector<TensorSig> &out) {
        for (mlir::Type type : types) {
          auto tensor = llvm::dyn_cast<mlir::RankedTensorType>(type);
          std::string dtype = tensor ? dtypeOf(tensor.getElementType()) : "";
          if (dtype.empty()) {
            ok = false;
            return;
          }
          out.push_back({dtype, std::vector<int64_t>(tensor.getShape().begin(),
                                                     tensor.getShape().end())});
        }
      };
      collect(func.getArgumentTypes(), args);
      collect(func.getResultTypes(), results);
      if (!ok)
        continue; // Only tensor signatures are callable from Python.
      func->setAttr("llvm.emit_c_interface",
                    mlir::UnitAttr::get(&context));
      signatures[func.getName().str()] = {args, results};
    }
    // Accept "builtin.module(a,b)" as well as "a,b".
    llvm::StringRef passes = pipeline;
    if (passes.consume_front("builtin.module(") && passes.consume_back(")"))
      ;
    else
      passes = pipeline;
    mlir::PassManager pm(&context);
    if (mlir::failed(mlir::parsePassPipeline(passes, pm)))
      throw py::value_error("bad pipeline '" + pipeline + "':\n" +
                            diagnostics.message());
    if (mlir::failed(pm.run(*module)))
      throw std::runtime_error("compilation failed:\n" +
                               diagnostics.message());
    auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!tmBuilder)
      throw std::runtime_error(llvm::toString(tmBuilder.takeError()));
    auto tm = tmBuilder->createTargetMachine();
    if (!tm)
      throw std::runtime_error(llvm::toString(tm.takeError()));
    mlir::ExecutionEngineOptions options;
    auto transformer = mlir::makeOptimizingTransformer(3, 0, tm->get());
    options.transformer = transformer;
    // memrefCopy and friends, called by lowered memref.copy; then the
    // caller's libraries (e.g. bq's CUDA runtime for bq-gpu-pipeline).
    std::vector<llvm::StringRef> runtime = {BQ_LLVM_LIBRARY_DIR
                                            "/libmlir_c_runner_utils.so"};
    for (const std::string &lib : sharedLibs)
      runtime.push_back(lib);
    options.sharedLibPaths = runtime;
    auto engine = mlir::ExecutionEngine::create(*module, options);
    if (!engine)
      throw std::runtime_error("JIT compilation failed: " +
                               llvm::toString(engine.takeError()) + "\n" +
                               diagnostics.message());
    this->engine = std::move(*engine);
  }

  std::vector<std::string> functions() const {
    std::vector<std::string> names;
    for (auto &entry : signatures)
      names.push_back(entry.first);
    return names;
  }

  py::object invoke(const std::string &name, py::args arrays) {
    auto it = signatures.find(name);
    if (it == signatures.end())
      throw py::value_error("no callable function @" + name +
                            " (public, tensor arguments and results)");
    const auto &[argSigs, resultSigs] = it->second;
    if (arrays.size() != argSigs.size())
      throw py::value_error("@" + name + " takes " +
                            std::to_string(argSigs.size()) + " arrays, got " +
                            std::to_string(arrays.size()));
    // Inputs: contiguous arrays of the right dtype, kept alive here.
    std::vector<py::array> inputs;
    std::vector<std::vector<int64_t>> descriptors;
    for (size_t i = 0; i < argSigs.size(); ++i) {
      const TensorSig &sig = argSigs[i];
      py::array array = py::array::ensure(
          arrays[i], py::array::c_style | py::array::forcecast);
      array = py::module_::import("numpy").attr("ascontiguousarray")(
          array, sig.dtype);
      if (array.ndim() != py::ssize_t(sig.shape.size()))
        throw py::value_error("argument " + std::to_string(i) + " of @" +
                              name + " must have rank " +
                              std::to_string(sig.shape.size()));
      std::vector<int64_t> desc(3 + 2 * sig.shape.size());
      void *data = array.mutable_data();
      std::memcpy(&desc[0], &data, sizeof(void *));
      std::memcpy(&desc[1], &data, sizeof(void *));
      desc[2] = 0;
      int64_t stride = 1;
      for (size_t d = sig.shape.size(); d-- > 0;) {
        int64_t size = array.shape(d);
        if (sig.shape[d] != mlir::ShapedType::kDynamic && sig.shape[d] != size)
          throw py::value_error("argument " + std::to_string(i) + " of @" +
                                name + ": dimension " + std::to_string(d) +
                                " must be " + std::to_string(sig.shape[d]) +
                                ", got " + std::to_string(size));
        desc[3 + d] = size;
        desc[3 + sig.shape.size() + d] = stride;
        stride *= size;
      }
      inputs.push_back(array);
      descriptors.push_back(std::move(desc));
    }
    // Results: consecutive descriptors in one buffer.
    size_t resultWords = 0;
    for (const TensorSig &sig : resultSigs)
      resultWords += 3 + 2 * sig.shape.size();
    std::vector<int64_t> resultStorage(std::max<size_t>(resultWords, 1));
    std::vector<void *> descPtrs;
    for (auto &desc : descriptors)
      descPtrs.push_back(desc.data());
    std::vector<void *> packed;
    void *resultPtr = resultStorage.data();
    if (!resultSigs.empty())
      packed.push_back(&resultPtr);
    for (void *&ptr : descPtrs)
      packed.push_back(&ptr);
    llvm::Error error = engine->invokePacked("_mlir_ciface_" + name, packed);
    if (error)
      throw std::runtime_error(llvm::toString(std::move(error)));

    // Copy results out and free what the callee allocated.
    std::vector<void *> freed;
    py::list outputs;
    size_t offset = 0;
    for (const TensorSig &sig : resultSigs) {
      int64_t *desc = resultStorage.data() + offset;
      size_t rank = sig.shape.size();
      offset += 3 + 2 * rank;
      void *base, *aligned;
      std::memcpy(&base, &desc[0], sizeof(void *));
      std::memcpy(&aligned, &desc[1], sizeof(void *));
      std::vector<py::ssize_t> shape(desc + 3, desc + 3 + rank);
      py::array out(py::dtype(sig.dtype), shape);
      size_t elem = dtypeSize(sig.dtype);
      char *src = static_cast<char *>(aligned) + desc[2] * elem;
      char *dst = static_cast<char *>(out.mutable_data());
      int64_t count = 1;
      for (py::ssize_t s : shape)
        count *= s;
      std::vector<int64_t> index(rank, 0);
      for (int64_t flat = 0; flat < count; ++flat) {
        int64_t srcOffset = 0;
        for (size_t d = 0; d < rank; ++d)
          srcOffset += index[d] * desc[3 + rank + d];
        std::memcpy(dst + flat * elem, src + srcOffset * elem, elem);
        for (size_t d = rank; d-- > 0;) {
          if (++index[d] < desc[3 + d])
            break;
          index[d] = 0;
        }
      }
      outputs.append(out);
      bool aliasesInput = false;
      for (py::array &in : inputs)
        aliasesInput |= in.data() == aligned;
      // 0xDEADBEEF marks buffers of global constants, which are not owned.
      if (base && base != reinterpret_cast<void *>(0xDEADBEEF) &&
          !aliasesInput &&
          std::find(freed.begin(), freed.end(), base) == freed.end()) {
        freed.push_back(base);
        free(base);
      }
    }
    if (resultSigs.size() == 1)
      return outputs[0];
    return py::tuple(outputs);
  }

private:
  static std::mutex &mutex() {
    static std::mutex m;
    return m;
  }

  std::map<std::string,
           std::pair<std::vector<TensorSig>, std::vector<TensorSig>>>
      signatures;
  std::unique_ptr<mlir::ExecutionEngine> engine;
};

} // namespace

PYBIND11_MODULE(_bq, m) {
  m.doc() = "bq native extension: the C++ quantizer and the MLIR JIT";
  m.def("quantize", &quantize, py::arg("array"), py::arg("bits"),
        py::arg("method") = "exact", py::arg("scale") = "lsq",
        py::arg("granularity") = "tensor", py::arg("axis") = -1);
  m.def("quantize_activations", &quantizeActivations, py::arg("array"),
        py::arg("bits"), py::arg("lo") = py::none(),
        py::arg("hi") = py::none());
  m.def("pack", &pack, py::arg("codes"), py::arg("bits"));
  m.def("unpack", &unpack, py::arg("planes"), py::arg("k"));
  m.def("stats", &stats, py::arg("array"), py::arg("codes"), py::arg("alpha"),
        py::arg("beta"), py::arg("bits"), py::arg("granularity") = "tensor",
        py::arg("axis") = -1);
  py::class_<CompiledModule>(m, "CompiledModule")
      .def(py::init<const std::string &, const std::string &,
                    const std::vector<std::string> &>(),
           py::arg("mlir_text"), py::arg("pipeline"),
           py::arg("shared_libs") = std::vector<std::string>())
      .def("functions", &CompiledModule::functions)
      .def("invoke", &CompiledModule::invoke, py::arg("name"));
}
