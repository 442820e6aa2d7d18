//===- BQToGPU.cpp - bq matmuls to GPU kernels ----------------------------===//
//
// The GPU lowering in two steps around bufferization (docs/gpu.md):
//
// - convert-bq-to-gpu (tensors): bq.quantized_matmul / bq.bitserial_matmul
//   become calls of private kernel-wrapper declarations that carry a
//   `bq.gpu_kernel` dictionary.
// - bq-gpu-emit-kernels (memrefs): each declaration gets a body of device
//   buffers, copies and gpu.launch kernels (or, for testing, the same
//   kernel bodies as host loops).
//
// The split exists because upstream buffer deallocation rejects GPU ops
// (they declare no memory effects), so GPU code may only appear after it.
//
//===----------------------------------------------------------------------===//

#include "bq/Conversion/Passes.h"
#include "bq/Conversion/TensorBuffers.h"

#include "bq/Dialect/BQ/IR/BQ.h"
#include "bq/Dialect/BQ/Transforms/Passes.h"
#include "bq/Quant/Layout.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/SymbolTable.h"

#include <limits>

namespace bq {
#define GEN_PASS_DEF_CONVERTBQTOGPU
#define GEN_PASS_DEF_BQGPUEMITKERNELS
#include "bq/Conversion/Passes.h.inc"
} // namespace bq

using namespace mlir;
using namespace bq;

namespace {

constexpr llvm::StringLiteral kKernelAttr = "bq.gpu_kernel";
constexpr llvm::StringLiteral kQuantizedMatmul = "quantized_matmul";
constexpr llvm::StringLiteral kBitSerialMatmul = "bitserial_matmul";

//===----------------------------------------------------------------------===//
// convert-bq-to-gpu
//===----------------------------------------------------------------------===//

/// Declares a private wrapper `@bq_gpu_<kind>` (uniqued) taking `operands`,
/// the last of which is the result buffer `out`, calls it in place of `op`
/// and replaces `op`'s result by the tensor of `out`.
void callKernel(OpBuilder &b, Operation *op, SymbolTable &symbols,
                ModuleOp module, StringRef kind, ValueRange operands,
                ArrayRef<NamedAttribute> attrs) {
  Location loc = op->getLoc();
  MLIRContext *ctx = b.getContext();
  auto type = FunctionType::get(ctx, operands.getTypes(), {});
  OpBuilder moduleBuilder = OpBuilder::atBlockEnd(module.getBody());
  auto func =
      func::FuncOp::create(moduleBuilder, loc, ("bq_gpu_" + kind).str(), type);
  func.setPrivate();
  SmallVector<NamedAttribute> all(attrs);
  all.push_back(b.getNamedAttr("kind", b.getStringAttr(kind)));
  func->setAttr(kKernelAttr, b.getDictionaryAttr(all));
  symbols.insert(func);
  func::CallOp::create(b, loc, func, operands);
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  op->getResult(0).replaceAllUsesWith(
      resultTensor(b, loc, resultType, operands.back()));
  op->erase();
}

Value dimOf(OpBuilder &b, Location loc, Value tensor, int64_t dim) {
  return tensor::DimOp::create(b, loc, tensor, dim);
}

void convertQuantizedMatmul(QuantizedMatmulOp op, SymbolTable &symbols,
                            ModuleOp module, int64_t k) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  WeightPlanes weight =
      buildWeightPlanes(b, loc, op.getWeightCodes(), op.getWeightBits());
  auto resultType = op.getResult().getType();
  Value out = allocResult(
      b, loc, resultType,
      {dimOf(b, loc, op.getLhs(), 0), dimOf(b, loc, weight.planes, 1)});
  SmallVector<Value> operands = {readBuffer(b, loc, op.getLhs()),
                                 readBuffer(b, loc, weight.planes),
                                 readBuffer(b, loc, weight.colSums),
                                 readBuffer(b, loc, op.getWeightAlpha()),
                                 readBuffer(b, loc, op.getWeightBeta()),
                                 out};
  SmallVector<NamedAttribute> attrs = {
      b.getNamedAttr("k", b.getI64IntegerAttr(k)),
      b.getNamedAttr("act_bits", op.getActBitsAttr()),
      b.getNamedAttr("weight_bits", op.getWeightBitsAttr()),
      b.getNamedAttr("act_range",
                     b.getStringAttr(stringifyActRange(op.getActRange())))};
  if (op.getActRange() == ActRange::Static) {
    attrs.push_back(b.getNamedAttr("lo", op.getLoAttr()));
    attrs.push_back(b.getNamedAttr("hi", op.getHiAttr()));
  }
  callKernel(b, op, symbols, module, kQuantizedMatmul, operands, attrs);
}

void convertBitSerialMatmul(BitSerialMatmulOp op, SymbolTable &symbols,
                            ModuleOp module) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto resultType = op.getResult().getType();
  Value out = allocResult(
      b, loc, resultType,
      {dimOf(b, loc, op.getLhs(), 1), dimOf(b, loc, op.getRhs(), 1)});
  SmallVector<Value> operands = {readBuffer(b, loc, op.getLhs()),
                                 readBuffer(b, loc, op.getRhs()), out};
  callKernel(b, op, symbols, module, kBitSerialMatmul, operands,
             {b.getNamedAttr("k", op.getKAttr())});
}

struct ConvertBQToGPUPass
    : public bq::impl::ConvertBQToGPUBase<ConvertBQToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Operation *> ops;
    module.walk([&](Operation *op) {
      if (isa<QuantizedMatmulOp, BitSerialMatmulOp>(op))
        ops.push_back(op);
    });
    SymbolTable symbols(module);
    for (Operation *op : ops) {
      if (auto matmul = dyn_cast<QuantizedMatmulOp>(op)) {
        std::optional<int64_t> k = getStaticK(matmul);
        if (!k || quant::accumulatorWidth(quant::maxDotProduct(
                      *k, matmul.getActBits(), matmul.getWeightBits())) == 0) {
          // bq-decompose reports these; the host path owns them.
          matmul.emitRemark("left on the host: needs a static K whose "
                            "products fit in i64");
          continue;
        }
        convertQuantizedMatmul(matmul, symbols, module, *k);
      } else {
        convertBitSerialMatmul(cast<BitSerialMatmulOp>(op), symbols, module);
      }
    }
  }
};

//===----------------------------------------------------------------------===//
// Kernel construction: one body, emitted for a GPU or as host loops
//===----------------------------------------------------------------------===//

Value idx(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value intConst(OpBuilder &b, Location loc, Type type, int64_t value) {
  return arith::ConstantOp::create(b, loc, IntegerAttr::get(type, value));
}

/// `for (iv = lb; iv < ub; iv += step) body(iv)` without loop-carried values.
void forLoop(OpBuilder &b, Location loc, Value lb, Value ub, Value step,
             function_ref<void(OpBuilder &, Location, Value)> body) {
  scf::ForOp::create(b, loc, lb, ub, step, ValueRange{},
                     [&](OpBuilder &nb, Location nl, Value iv, ValueRange) {
                       body(nb, nl, iv);
                       scf::YieldOp::create(nb, nl);
                     });
}

Value andAll(OpBuilder &b, Location loc, ArrayRef<Value> conds) {
  Value result = conds.front();
  for (Value cond : conds.drop_front())
    result = arith::AndIOp::create(b, loc, result, cond);
  return result;
}

Value lessThan(OpBuilder &b, Location loc, Value x, Value bound) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, bound);
}

/// `planes[plane][row][word]`, or 0 outside `rowCount x wordCount`. The
/// indices are clamped so that every thread loads (no divergent branch
/// before a warp-wide mma.sync) and the value is then selected; both counts
/// are at least 1 wherever a kernel runs (empty grids launch nothing).
Value guardedLoad(OpBuilder &b, Location loc, Value planes, Value plane,
                  Value row, Value rowCount, Value word, Value wordCount) {
  Value one = idx(b, loc, 1);
  Value inside = andAll(
      b, loc,
      {lessThan(b, loc, row, rowCount), lessThan(b, loc, word, wordCount)});
  Value r = arith::MinUIOp::create(
      b, loc, row, arith::SubIOp::create(b, loc, rowCount, one));
  Value w = arith::MinUIOp::create(
      b, loc, word, arith::SubIOp::create(b, loc, wordCount, one));
  Value v = memref::LoadOp::create(b, loc, planes, ValueRange{plane, r, w});
  return arith::SelectOp::create(b, loc, inside, v,
                                 intConst(b, loc, b.getI64Type(), 0));
}

/// Ids visible to a kernel body. On a GPU `loaderId`/`loaderCount` are the
/// linear thread id and the block size; an emulated thread runs alone and
/// stages whole tiles itself, so they are 0 and 1 there.
struct KernelIds {
  Value blockX, blockY, threadX, threadY;
  Value loaderId, loaderCount;
  SmallVector<Value> shared;
  bool emulated;

  void barrier(OpBuilder &b, Location loc) const {
    if (!emulated)
      gpu::BarrierOp::create(b, loc);
  }

  /// threadY * blockDimX + threadX.
  Value linearThread(OpBuilder &b, Location loc, int64_t blockDimX) const {
    return arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, threadY, idx(b, loc, blockDimX)),
        threadX);
  }
};

using KernelBody = function_ref<void(OpBuilder &, Location, const KernelIds &)>;

/// Where the kernels of one wrapper run: device buffers, copies and
/// launches ordered by an async token chain, or host loops.
class KernelTarget {
public:
  /// Kernels are named `<prefix>_<name>` and outlined into one
  /// `<prefix>_kernels` module.
  KernelTarget(OpBuilder &b, Location loc, bool emulate, StringRef prefix)
      : b(b), loc(loc), emulate(emulate), prefix(prefix.str()) {
    if (!emulate)
      token = gpu::WaitOp::create(b, loc, tokenType(), ValueRange{})
                  .getAsyncToken();
  }

  /// A buffer of `type` on the device (dynamic sizes from `dynamic`).
  Value alloc(MemRefType type, ValueRange dynamic) {
    Value buffer;
    if (emulate) {
      buffer = memref::AllocOp::create(b, loc, type, dynamic);
    } else {
      auto op = gpu::AllocOp::create(b, loc, type, tokenType(),
                                     ValueRange{token}, dynamic, ValueRange{},
                                     /*hostShared=*/false);
      buffer = op.getMemref();
      token = op.getAsyncToken();
    }
    owned.push_back(buffer);
    return buffer;
  }

  /// A device copy of the host buffer `host` (the buffer itself when
  /// emulating).
  Value upload(Value host) {
    if (emulate)
      return host;
    auto type = cast<MemRefType>(host.getType());
    Value device = alloc(type, dynamicSizes(host));
    copy(device, host);
    return device;
  }

  /// A device buffer for the host result `host`, copied back by finish().
  Value output(Value host) {
    if (emulate)
      return host;
    Value device = alloc(cast<MemRefType>(host.getType()), dynamicSizes(host));
    results.push_back({host, device});
    return device;
  }

  /// Launches `body` on a `gridX x gridY` grid of `blockX x blockY` threads
  /// with workgroup buffers of `sharedTypes` (shape and element type).
  void launch(StringRef name, Value gridX, Value gridY, int64_t blockX,
              int64_t blockY, ArrayRef<MemRefType> sharedTypes,
              KernelBody body) {
    if (emulate)
      return emulateLaunch(gridX, gridY, blockX, blockY, sharedTypes, body);
    MLIRContext *ctx = b.getContext();
    auto workgroup =
        gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
    SmallVector<Type> attributions;
    for (MemRefType type : sharedTypes)
      attributions.push_back(
          MemRefType::get(type.getShape(), type.getElementType(),
                          MemRefLayoutAttrInterface(), workgroup));
    Value one = idx(b, loc, 1);
    auto launch = gpu::LaunchOp::create(
        b, loc, gridX, gridY, one, idx(b, loc, blockX), idx(b, loc, blockY),
        one, /*dynamicSharedMemorySize=*/nullptr, tokenType(),
        ValueRange{token}, attributions, /*privateAttributions=*/{},
        /*clusterSizeX=*/nullptr, /*clusterSizeY=*/nullptr,
        /*clusterSizeZ=*/nullptr,
        FlatSymbolRefAttr::get(ctx, prefix + "_kernels"),
        FlatSymbolRefAttr::get(ctx, prefix + "_" + name.str()));
    token = launch.getAsyncToken();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    KernelIds ids;
    ids.blockX = launch.getBlockIds().x;
    ids.blockY = launch.getBlockIds().y;
    ids.threadX = launch.getThreadIds().x;
    ids.threadY = launch.getThreadIds().y;
    ids.loaderId = ids.linearThread(b, loc, blockX);
    ids.loaderCount = idx(b, loc, blockX * blockY);
    for (BlockArgument arg : launch.getWorkgroupAttributions())
      ids.shared.push_back(arg);
    ids.emulated = false;
    body(b, loc, ids);
    gpu::TerminatorOp::create(b, loc);
  }

  bool isEmulated() const { return emulate; }

  /// Copies results back, frees device buffers and waits for the chain.
  void finish() {
    if (emulate) {
      for (Value buffer : owned)
        memref::DeallocOp::create(b, loc, buffer);
      return;
    }
    for (auto [host, device] : results)
      copy(host, device);
    for (Value buffer : owned)
      token =
          gpu::DeallocOp::create(b, loc, tokenType(), ValueRange{token}, buffer)
              .getAsyncToken();
    gpu::WaitOp::create(b, loc, Type(), ValueRange{token});
  }

private:
  Type tokenType() { return gpu::AsyncTokenType::get(b.getContext()); }

  SmallVector<Value> dynamicSizes(Value buffer) {
    SmallVector<Value> sizes;
    auto type = cast<MemRefType>(buffer.getType());
    for (auto [i, dim] : llvm::enumerate(type.getShape()))
      if (ShapedType::isDynamic(dim))
        sizes.push_back(memref::DimOp::create(b, loc, buffer, i));
    return sizes;
  }

  void copy(Value dst, Value src) {
    token =
        gpu::MemcpyOp::create(b, loc, tokenType(), ValueRange{token}, dst, src)
            .getAsyncToken();
  }

  void emulateLaunch(Value gridX, Value gridY, int64_t blockX, int64_t blockY,
                     ArrayRef<MemRefType> sharedTypes, KernelBody body) {
    SmallVector<Value> shared;
    for (MemRefType type : sharedTypes)
      shared.push_back(memref::AllocOp::create(b, loc, type));
    Value zero = idx(b, loc, 0), one = idx(b, loc, 1);
    forLoop(
        b, loc, zero, gridY, one, [&](OpBuilder &b1, Location l1, Value by) {
          forLoop(b1, l1, zero, gridX, one,
                  [&](OpBuilder &b2, Location l2, Value bx) {
                    forLoop(b2, l2, zero, idx(b2, l2, blockY), one,
                            [&](OpBuilder &b3, Location l3, Value ty) {
                              forLoop(
                                  b3, l3, zero, idx(b3, l3, blockX), one,
                                  [&](OpBuilder &b4, Location l4, Value tx) {
                                    KernelIds ids{bx,   by,  tx,     ty,
                                                  zero, one, shared, true};
                                    body(b4, l4, ids);
                                  });
                            });
                  });
        });
    for (Value buffer : shared)
      memref::DeallocOp::create(b, loc, buffer);
  }

  OpBuilder &b;
  Location loc;
  bool emulate;
  std::string prefix;
  Value token;
  SmallVector<Value> owned;
  SmallVector<std::pair<Value, Value>> results;
};

Value ceilDiv(OpBuilder &b, Location loc, Value x, int64_t d) {
  return arith::CeilDivUIOp::create(b, loc, x, idx(b, loc, d));
}

/// Global id of a 1-D launch with `threads` threads per block.
Value globalId(OpBuilder &b, Location loc, const KernelIds &ids,
               int64_t threads) {
  return arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, ids.blockX, idx(b, loc, threads)),
      ids.threadX);
}

//===----------------------------------------------------------------------===//
// Activation kernels
//===----------------------------------------------------------------------===//

constexpr int64_t kThreads = 256;
constexpr int64_t kMinMaxBlocks = 64;

/// Scale and offset of the activation grid: SSA values for a static range,
/// or loads of a device buffer `[scale, offset]` for a dynamic one.
struct ActParams {
  Value buffer;        ///< memref<2xf32> on the device, or null
  Value scale, offset; ///< host constants when `buffer` is null

  std::pair<Value, Value> read(OpBuilder &b, Location loc) const {
    if (!buffer)
      return {scale, offset};
    return {memref::LoadOp::create(b, loc, buffer, idx(b, loc, 0)),
            memref::LoadOp::create(b, loc, buffer, idx(b, loc, 1))};
  }
};

/// Min and max of all of `x` (MxK f32) into a device buffer `[scale,
/// offset]`: 64 x 256 threads reduce grid-strided slices to partials, one
/// block reduces the partials and computes the grid (DESIGN.md 1.2).
Value emitDynamicRange(OpBuilder &b, Location loc, KernelTarget &target,
                       Value x, Value rows, int64_t k, int64_t bits) {
  constexpr int64_t partials = kMinMaxBlocks * kThreads;
  Type f32 = b.getF32Type();
  Value partial =
      target.alloc(MemRefType::get({2, partials}, f32), ValueRange{});
  Value params = target.alloc(MemRefType::get({2}, f32), ValueRange{});
  auto minMax = [](OpBuilder &nb, Location nl, Value lo, Value hi, Value v,
                   Value w) -> std::pair<Value, Value> {
    return {arith::MinimumFOp::create(nb, nl, lo, v),
            arith::MaximumFOp::create(nb, nl, hi, w)};
  };
  auto infinities = [&](OpBuilder &nb, Location nl) -> SmallVector<Value> {
    float inf = std::numeric_limits<float>::infinity();
    return {arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(inf)),
            arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(-inf))};
  };
  Value total = arith::MulIOp::create(b, loc, rows, idx(b, loc, k));
  target.launch(
      "minmax_partials", idx(b, loc, kMinMaxBlocks), idx(b, loc, 1), kThreads,
      1, {}, [&](OpBuilder &kb, Location kl, const KernelIds &ids) {
        Value id = globalId(kb, kl, ids, kThreads);
        auto loop = scf::ForOp::create(
            kb, kl, id, total, idx(kb, kl, partials), infinities(kb, kl),
            [&](OpBuilder &nb, Location nl, Value e, ValueRange acc) {
              Value kv = idx(nb, nl, k);
              Value v = memref::LoadOp::create(
                  nb, nl, x,
                  ValueRange{arith::DivUIOp::create(nb, nl, e, kv),
                             arith::RemUIOp::create(nb, nl, e, kv)});
              auto [lo, hi] = minMax(nb, nl, acc[0], acc[1], v, v);
              scf::YieldOp::create(nb, nl, ValueRange{lo, hi});
            });
        memref::StoreOp::create(kb, kl, loop.getResult(0), partial,
                                ValueRange{idx(kb, kl, 0), id});
        memref::StoreOp::create(kb, kl, loop.getResult(1), partial,
                                ValueRange{idx(kb, kl, 1), id});
      });
  auto sharedType = MemRefType::get({2, kThreads}, f32);
  target.launch(
      "minmax_final", idx(b, loc, 1), idx(b, loc, 1), kThreads, 1, {sharedType},
      [&](OpBuilder &kb, Location kl, const KernelIds &ids) {
        Value shared = ids.shared[0];
        Value c0 = idx(kb, kl, 0), c1 = idx(kb, kl, 1);
        // Each thread folds a strided slice of the partials.
        forLoop(kb, kl, ids.loaderId, idx(kb, kl, kThreads), ids.loaderCount,
                [&](OpBuilder &nb, Location nl, Value t) {
                  auto loop = scf::ForOp::create(
                      nb, nl, t, idx(nb, nl, partials), idx(nb, nl, kThreads),
                      infinities(nb, nl),
                      [&](OpBuilder &lb, Location ll, Value p, ValueRange acc) {
                        Value lo = memref::LoadOp::create(lb, ll, partial,
                                                          ValueRange{c0, p});
                        Value hi = memref::LoadOp::create(lb, ll, partial,
                                                          ValueRange{c1, p});
                        auto [l, h] = minMax(lb, ll, acc[0], acc[1], lo, hi);
                        scf::YieldOp::create(lb, ll, ValueRange{l, h});
                      });
                  memref::StoreOp::create(nb, nl, loop.getResult(0), shared,
                                          ValueRange{c0, t});
                  memref::StoreOp::create(nb, nl, loop.getResult(1), shared,
                                          ValueRange{c1, t});
                });
        ids.barrier(kb, kl);
        Value first = arith::CmpIOp::create(kb, kl, arith::CmpIPredicate::eq,
                                            ids.threadX, c0);
        scf::IfOp::create(kb, kl, first, [&](OpBuilder &nb, Location nl) {
          auto loop = scf::ForOp::create(
              nb, nl, c0, idx(nb, nl, kThreads), c1, infinities(nb, nl),
              [&](OpBuilder &lb, Location ll, Value t, ValueRange acc) {
                Value lo =
                    memref::LoadOp::create(lb, ll, shared, ValueRange{c0, t});
                Value hi =
                    memref::LoadOp::create(lb, ll, shared, ValueRange{c1, t});
                auto [l, h] = minMax(lb, ll, acc[0], acc[1], lo, hi);
                scf::YieldOp::create(lb, ll, ValueRange{l, h});
              });
          Value lo = loop.getResult(0), hi = loop.getResult(1);
          Value scale = buildActScale(nb, nl, lo, hi, bits);
          memref::StoreOp::create(nb, nl, scale, params, ValueRange{c0});
          memref::StoreOp::create(nb, nl, lo, params, ValueRange{c1});
          scf::YieldOp::create(nb, nl);
        });
      });
  return params;
}

/// Quantizes `x` (MxK f32) and packs the codes into `planes`
/// (bits x M x words): one thread per plane word.
void emitQuantizePack(OpBuilder &b, Location loc, KernelTarget &target, Value x,
                      Value rows, int64_t k, int64_t bits,
                      const ActParams &params, Value planes) {
  int64_t words = quant::numWords(k);
  Value count = arith::MulIOp::create(b, loc, rows, idx(b, loc, words));
  target.launch(
      "quantize_pack", ceilDiv(b, loc, count, kThreads), idx(b, loc, 1),
      kThreads, 1, {}, [&](OpBuilder &kb, Location kl, const KernelIds &ids) {
        Value id = globalId(kb, kl, ids, kThreads);
        Value inside = lessThan(kb, kl, id, count);
        scf::IfOp::create(kb, kl, inside, [&](OpBuilder &nb, Location nl) {
          Value wv = idx(nb, nl, words);
          Value m = arith::DivUIOp::create(nb, nl, id, wv);
          Value w = arith::RemUIOp::create(nb, nl, id, wv);
          auto [scaleValue, offsetValue] = params.read(nb, nl);
          // Named copies: lambdas may not capture structured bindings
          // before C++20.
          Value scale = scaleValue, offset = offsetValue;
          Type i64 = nb.getI64Type();
          SmallVector<Value> init(bits, intConst(nb, nl, i64, 0));
          Value base = arith::MulIOp::create(nb, nl, w, idx(nb, nl, 64));
          auto loop = scf::ForOp::create(
              nb, nl, idx(nb, nl, 0), idx(nb, nl, 64), idx(nb, nl, 1), init,
              [&](OpBuilder &lb, Location ll, Value j, ValueRange acc) {
                Value col = arith::AddIOp::create(lb, ll, base, j);
                auto ifOp = scf::IfOp::create(
                    lb, ll, lessThan(lb, ll, col, idx(lb, ll, k)),
                    [&](OpBuilder &ib, Location il) {
                      Value v =
                          memref::LoadOp::create(ib, il, x, ValueRange{m, col});
                      Value code = arith::FPToUIOp::create(
                          ib, il, i64,
                          buildActCode(ib, il, v, offset, scale, bits,
                                       /*roundByAddition=*/true));
                      Value shift = arith::IndexCastOp::create(ib, il, i64, j);
                      SmallVector<Value> next;
                      for (int64_t p = 0; p < bits; ++p) {
                        Value bit = arith::AndIOp::create(
                            ib, il,
                            arith::ShRUIOp::create(ib, il, code,
                                                   intConst(ib, il, i64, p)),
                            intConst(ib, il, i64, 1));
                        next.push_back(arith::OrIOp::create(
                            ib, il, acc[p],
                            arith::ShLIOp::create(ib, il, bit, shift)));
                      }
                      scf::YieldOp::create(ib, il, next);
                    },
                    [&](OpBuilder &ib, Location il) {
                      scf::YieldOp::create(ib, il, acc);
                    });
                scf::YieldOp::create(lb, ll, ifOp.getResults());
              });
          for (int64_t p = 0; p < bits; ++p)
            memref::StoreOp::create(nb, nl, loop.getResult(p), planes,
                                    ValueRange{idx(nb, nl, p), m, w});
          scf::YieldOp::create(nb, nl);
        });
      });
}

/// Row sums of the codes held in `planes` (bits x M x words):
/// `sum_b 2^b * popcount(planes[b][m][:])`, one thread per row.
void emitRowSums(OpBuilder &b, Location loc, KernelTarget &target, Value planes,
                 Value rows, int64_t bits, int64_t words, Value sums) {
  Type sumType = cast<MemRefType>(sums.getType()).getElementType();
  target.launch(
      "row_sums", ceilDiv(b, loc, rows, kThreads), idx(b, loc, 1), kThreads, 1,
      {}, [&](OpBuilder &kb, Location kl, const KernelIds &ids) {
        Value m = globalId(kb, kl, ids, kThreads);
        scf::IfOp::create(
            kb, kl, lessThan(kb, kl, m, rows), [&](OpBuilder &nb, Location nl) {
              Type i64 = nb.getI64Type();
              auto loop = scf::ForOp::create(
                  nb, nl, idx(nb, nl, 0), idx(nb, nl, words), idx(nb, nl, 1),
                  ValueRange{intConst(nb, nl, i64, 0)},
                  [&](OpBuilder &lb, Location ll, Value w, ValueRange acc) {
                    Value sum = acc[0];
                    for (int64_t p = 0; p < bits; ++p) {
                      Value word = memref::LoadOp::create(
                          lb, ll, planes, ValueRange{idx(lb, ll, p), m, w});
                      Value count = math::CtPopOp::create(lb, ll, word);
                      sum = arith::AddIOp::create(
                          lb, ll, sum,
                          arith::ShLIOp::create(lb, ll, count,
                                                intConst(lb, ll, i64, p)));
                    }
                    scf::YieldOp::create(lb, ll, sum);
                  });
              Value sum = loop.getResult(0);
              if (sumType != i64)
                sum = arith::TruncIOp::create(nb, nl, sumType, sum);
              memref::StoreOp::create(nb, nl, sum, sums, ValueRange{m});
              scf::YieldOp::create(nb, nl);
            });
      });
}

//===----------------------------------------------------------------------===//
// Bit-serial matmul kernels
//===----------------------------------------------------------------------===//

/// Operands of the fused affine epilogue; absent for a plain integer result.
struct Epilogue {
  Value rowSums, colSums, alpha, beta;
  ActParams act;
  int64_t k;

  /// This epilogue with the activation grid read here, once, instead of at
  /// every output.
  Epilogue withGridRead(OpBuilder &b, Location loc) const {
    Epilogue bound = *this;
    auto [scale, offset] = act.read(b, loc);
    bound.act = ActParams{Value(), scale, offset};
    return bound;
  }
};

/// Stores the integer product `acc` of output (m, n), through the epilogue
/// when there is one.
void storeOutput(OpBuilder &b, Location loc, Value acc, Value m, Value n,
                 Value out, const std::optional<Epilogue> &epilogue) {
  Value result = acc;
  if (epilogue) {
    auto scalarAt = [&](Value buffer, Value i) -> Value {
      if (cast<MemRefType>(buffer.getType()).getRank() == 0)
        return memref::LoadOp::create(b, loc, buffer, ValueRange{});
      return memref::LoadOp::create(b, loc, buffer, ValueRange{i});
    };
    auto [scale, offset] = epilogue->act.read(b, loc);
    result = buildEpilogueValue(
        b, loc, acc, memref::LoadOp::create(b, loc, epilogue->rowSums, m),
        memref::LoadOp::create(b, loc, epilogue->colSums, n),
        scalarAt(epilogue->alpha, n), scalarAt(epilogue->beta, n), scale,
        offset, epilogue->k);
  }
  memref::StoreOp::create(b, loc, result, out, ValueRange{m, n});
}

/// The problem of one bit-serial matmul: planes `lhs` (ka x M x W) and
/// `rhs` (kw x N x W) into `out` (M x N).
struct MatmulProblem {
  Value lhs, rhs, out, rows, cols;
  int64_t ka, kw, words;
  Type accType;
};

constexpr int64_t kRegM = 4, kRegN = 4;

/// Shared-memory tiled popc kernel: a block of (tileN/4) x (tileM/4)
/// threads computes a tileM x tileN tile, each thread a 4 x 4 register tile
/// (rows ty + TY*r, columns tx + TX*c, so neighbouring threads read
/// neighbouring shared words).
void emitPopcMatmul(OpBuilder &b, Location loc, KernelTarget &target,
                    const MatmulProblem &p, int64_t tileM, int64_t tileN,
                    int64_t tileK, const std::optional<Epilogue> &epilogue) {
  int64_t tx = tileN / kRegN, ty = tileM / kRegM;
  Type i64 = b.getI64Type();
  auto lhsShared = MemRefType::get({p.ka, tileK, tileM}, i64);
  auto rhsShared = MemRefType::get({p.kw, tileK, tileN}, i64);
  int64_t chunks = llvm::divideCeil(p.words, tileK);
  target.launch(
      "popc_matmul", ceilDiv(b, loc, p.cols, tileN),
      ceilDiv(b, loc, p.rows, tileM), tx, ty, {lhsShared, rhsShared},
      [&](OpBuilder &kb, Location kl, const KernelIds &ids) {
        Value m0 =
            arith::MulIOp::create(kb, kl, ids.blockY, idx(kb, kl, tileM));
        Value n0 =
            arith::MulIOp::create(kb, kl, ids.blockX, idx(kb, kl, tileN));
        Value wordCount = idx(kb, kl, p.words);
        // Stage planes[b][row0 + r][w0 + c] as shared[b][c][r], zero
        // outside the matrix.
        auto stage = [&](OpBuilder &sb, Location sl, Value global, Value shared,
                         int64_t planes, int64_t tileRows, Value row0,
                         Value rowCount, Value w0) {
          int64_t elements = planes * tileRows * tileK;
          forLoop(
              sb, sl, ids.loaderId, idx(sb, sl, elements), ids.loaderCount,
              [&](OpBuilder &lb, Location ll, Value e) {
                Value c = arith::RemUIOp::create(lb, ll, e, idx(lb, ll, tileK));
                Value rest =
                    arith::DivUIOp::create(lb, ll, e, idx(lb, ll, tileK));
                Value r =
                    arith::RemUIOp::create(lb, ll, rest, idx(lb, ll, tileRows));
                Value plane =
                    arith::DivUIOp::create(lb, ll, rest, idx(lb, ll, tileRows));
                Value row = arith::AddIOp::create(lb, ll, row0, r);
                Value word = arith::AddIOp::create(lb, ll, w0, c);
                Value v = guardedLoad(lb, ll, global, plane, row, rowCount,
                                      word, wordCount);
                memref::StoreOp::create(lb, ll, v, shared,
                                        ValueRange{plane, c, r});
              });
        };
        SmallVector<Value> zeros(kRegM * kRegN, intConst(kb, kl, p.accType, 0));
        auto chunkLoop = scf::ForOp::create(
            kb, kl, idx(kb, kl, 0), idx(kb, kl, chunks), idx(kb, kl, 1), zeros,
            [&](OpBuilder &cb, Location cl, Value chunk, ValueRange accs) {
              Value w0 =
                  arith::MulIOp::create(cb, cl, chunk, idx(cb, cl, tileK));
              ids.barrier(cb, cl);
              stage(cb, cl, p.lhs, ids.shared[0], p.ka, tileM, m0, p.rows, w0);
              stage(cb, cl, p.rhs, ids.shared[1], p.kw, tileN, n0, p.cols, w0);
              ids.barrier(cb, cl);
              auto wordLoop = scf::ForOp::create(
                  cb, cl, idx(cb, cl, 0), idx(cb, cl, tileK), idx(cb, cl, 1),
                  accs,
                  [&](OpBuilder &wb, Location wl, Value c, ValueRange in) {
                    SmallVector<Value> acc(in);
                    // rhs words of every plane for the NR columns.
                    SmallVector<Value> rhsWords;
                    for (int64_t j = 0; j < p.kw; ++j)
                      for (int64_t cc = 0; cc < kRegN; ++cc) {
                        Value col = arith::AddIOp::create(wb, wl, ids.threadX,
                                                          idx(wb, wl, tx * cc));
                        rhsWords.push_back(memref::LoadOp::create(
                            wb, wl, ids.shared[1],
                            ValueRange{idx(wb, wl, j), c, col}));
                      }
                    for (int64_t i = 0; i < p.ka; ++i)
                      for (int64_t r = 0; r < kRegM; ++r) {
                        Value row = arith::AddIOp::create(wb, wl, ids.threadY,
                                                          idx(wb, wl, ty * r));
                        Value a = memref::LoadOp::create(
                            wb, wl, ids.shared[0],
                            ValueRange{idx(wb, wl, i), c, row});
                        for (int64_t j = 0; j < p.kw; ++j)
                          for (int64_t cc = 0; cc < kRegN; ++cc) {
                            Value both = arith::AndIOp::create(
                                wb, wl, a, rhsWords[j * kRegN + cc]);
                            Value count = math::CtPopOp::create(wb, wl, both);
                            if (p.accType != i64)
                              count = arith::TruncIOp::create(wb, wl, p.accType,
                                                              count);
                            if (i + j != 0)
                              count = arith::ShLIOp::create(
                                  wb, wl, count,
                                  intConst(wb, wl, p.accType, i + j));
                            Value &slot = acc[r * kRegN + cc];
                            slot = arith::AddIOp::create(wb, wl, slot, count);
                          }
                      }
                    scf::YieldOp::create(wb, wl, acc);
                  });
              scf::YieldOp::create(cb, cl, wordLoop.getResults());
            });
        std::optional<Epilogue> bound;
        if (epilogue)
          bound = epilogue->withGridRead(kb, kl);
        for (int64_t r = 0; r < kRegM; ++r)
          for (int64_t cc = 0; cc < kRegN; ++cc) {
            Value m = arith::AddIOp::create(
                kb, kl, m0,
                arith::AddIOp::create(kb, kl, ids.threadY,
                                      idx(kb, kl, ty * r)));
            Value n = arith::AddIOp::create(
                kb, kl, n0,
                arith::AddIOp::create(kb, kl, ids.threadX,
                                      idx(kb, kl, tx * cc)));
            Value inside = andAll(
                kb, kl,
                {lessThan(kb, kl, m, p.rows), lessThan(kb, kl, n, p.cols)});
            scf::IfOp::create(kb, kl, inside, [&](OpBuilder &nb, Location nl) {
              storeOutput(nb, nl, chunkLoop.getResult(r * kRegN + cc), m, n,
                          p.out, bound);
              scf::YieldOp::create(nb, nl);
            });
          }
      });
}

/// Tensor-core kernel: a block of 8 warps (32 x 8 threads) computes a
/// 32 x 32 tile; warp w computes the 16 x 8 tile at rows 16*(w/4), columns
/// 8*(w%4) with `mma.sync.m16n8k256.row.col.s32.b1.b1.s32.and.popc`, one
/// chain of accumulators per plane shift i + j, combined at the end.
///
/// Fragments (PTX ISA, m16n8k256 .b1), lane = 4 * g + t: A registers
/// a0..a3 hold 32 bits of row g, g + 8, g, g + 8 at bit offsets 32 t,
/// 32 t, 128 + 32 t, 128 + 32 t of the 256-bit step; B registers b0, b1
/// hold 32 bits of column g at offsets 32 t and 128 + 32 t; C/D registers
/// c0..c3 are (g, 2t), (g, 2t + 1), (g + 8, 2t), (g + 8, 2t + 1).
constexpr int64_t kMmaTileM = 32, kMmaTileN = 32;

/// What one lane of an mma warp works on (see emitMmaMatmul).
struct MmaLane {
  Value t, rowLo, rowHi, col, nBase, half, wordInHalf;

  MmaLane(OpBuilder &b, Location loc, Value lane, Value warp, Value blockX,
          Value blockY) {
    Value g = arith::ShRUIOp::create(b, loc, lane, idx(b, loc, 2));
    t = arith::AndIOp::create(b, loc, lane, idx(b, loc, 3));
    Value mBase = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, blockY, idx(b, loc, kMmaTileM)),
        arith::MulIOp::create(
            b, loc, arith::DivUIOp::create(b, loc, warp, idx(b, loc, 4)),
            idx(b, loc, 16)));
    nBase = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, blockX, idx(b, loc, kMmaTileN)),
        arith::MulIOp::create(
            b, loc, arith::RemUIOp::create(b, loc, warp, idx(b, loc, 4)),
            idx(b, loc, 8)));
    rowLo = arith::AddIOp::create(b, loc, mBase, g);
    rowHi = arith::AddIOp::create(b, loc, rowLo, idx(b, loc, 8));
    col = arith::AddIOp::create(b, loc, nBase, g);
    // Bit 32 * (t % 2) of word t / 2 of a 128-bit half.
    half = arith::IndexCastOp::create(
        b, loc, b.getI64Type(),
        arith::MulIOp::create(b, loc,
                              arith::AndIOp::create(b, loc, t, idx(b, loc, 1)),
                              idx(b, loc, 32)));
    wordInHalf = arith::ShRUIOp::create(b, loc, t, idx(b, loc, 1));
  }

  /// The A fragments (4 x i32 per activation plane) and B fragments (2 x i32
  /// per weight plane) of this lane for 256-bit step `step`.
  void fragments(OpBuilder &b, Location loc, const MatmulProblem &p, Value step,
                 SmallVectorImpl<SmallVector<Value, 4>> &aFrags,
                 SmallVectorImpl<SmallVector<Value, 4>> &bFrags) const {
    Value first = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, step, idx(b, loc, 4)),
        wordInHalf);
    Value second = arith::AddIOp::create(b, loc, first, idx(b, loc, 2));
    auto fragment = [&](Value planes, int64_t plane, Value row, Value rowCount,
                        Value word) -> Value {
      Value v = guardedLoad(b, loc, planes, idx(b, loc, plane), row, rowCount,
                            word, idx(b, loc, p.words));
      v = arith::ShRUIOp::create(b, loc, v, half);
      return arith::TruncIOp::create(b, loc, b.getI32Type(), v);
    };
    for (int64_t i = 0; i < p.ka; ++i)
      aFrags.push_back({fragment(p.lhs, i, rowLo, p.rows, first),
                        fragment(p.lhs, i, rowHi, p.rows, first),
                        fragment(p.lhs, i, rowLo, p.rows, second),
                        fragment(p.lhs, i, rowHi, p.rows, second)});
    for (int64_t j = 0; j < p.kw; ++j)
      bFrags.push_back({fragment(p.rhs, j, col, p.cols, first),
                        fragment(p.rhs, j, col, p.cols, second)});
  }

  /// Combines the per-shift accumulators `acc[4 s + q]` of this lane and
  /// stores its four outputs (g, 2t), (g, 2t + 1), (g + 8, 2t),
  /// (g + 8, 2t + 1), through the epilogue.
  void store(OpBuilder &b, Location loc, const MatmulProblem &p,
             ArrayRef<Value> acc, int64_t shifts,
             const std::optional<Epilogue> &epilogue) const {
    std::optional<Epilogue> bound;
    if (epilogue)
      bound = epilogue->withGridRead(b, loc);
    Value twoT = arith::MulIOp::create(b, loc, t, idx(b, loc, 2));
    for (int64_t q = 0; q < 4; ++q) {
      Value m = q < 2 ? rowLo : rowHi;
      Value n = arith::AddIOp::create(
          b, loc, arith::AddIOp::create(b, loc, nBase, twoT),
          idx(b, loc, q % 2));
      Value total = intConst(b, loc, p.accType, 0);
      for (int64_t s = 0; s < shifts; ++s) {
        Value part = acc[4 * s + q];
        if (p.accType != part.getType())
          part = arith::ExtSIOp::create(b, loc, p.accType, part);
        if (s != 0)
          part = arith::ShLIOp::create(b, loc, part,
                                       intConst(b, loc, p.accType, s));
        total = arith::AddIOp::create(b, loc, total, part);
      }
      Value inside = andAll(
          b, loc, {lessThan(b, loc, m, p.rows), lessThan(b, loc, n, p.cols)});
      scf::IfOp::create(b, loc, inside, [&](OpBuilder &nb, Location nl) {
        storeOutput(nb, nl, total, m, n, p.out, bound);
        scf::YieldOp::create(nb, nl);
      });
    }
  }
};

/// Emulates one `mma.sync.m16n8k256 b1 and.popc` of a warp on the host, from
/// the fragments of all 32 lanes as the PTX ISA lays them out (independent
/// of the code that loads them): D[r][c] += sum over the eight 32-bit
/// chunks kb of popc(A[r][kb] & B[kb][c]), where chunk kb of row r is
/// register (kb >= 4 ? 2 : 0) + (r >= 8) of lane 4 (r % 8) + kb % 4 and
/// chunk kb of column c is register (kb >= 4) of lane 4 c + kb % 4; lane
/// 4 g + t holds D rows g, g + 8 and columns 2t, 2t + 1 in registers 0..3.
/// `aBuf`: [32][ka][4], `bBuf`: [32][kw][2], `cBuf`: [32][4 shifts] (i32).
void emulateWarpMma(OpBuilder &b, Location loc, const MatmulProblem &p,
                    Value aBuf, Value bBuf, Value cBuf) {
  Type i32 = b.getI32Type();
  forLoop(
      b, loc, idx(b, loc, 0), idx(b, loc, 32), idx(b, loc, 1),
      [&](OpBuilder &lb, Location ll, Value lane) {
        Value g = arith::ShRUIOp::create(lb, ll, lane, idx(lb, ll, 2));
        Value t = arith::AndIOp::create(lb, ll, lane, idx(lb, ll, 3));
        for (int64_t q = 0; q < 4; ++q) {
          Value c = arith::AddIOp::create(
              lb, ll, arith::MulIOp::create(lb, ll, t, idx(lb, ll, 2)),
              idx(lb, ll, q % 2));
          for (int64_t i = 0; i < p.ka; ++i)
            for (int64_t j = 0; j < p.kw; ++j) {
              Value sum = intConst(lb, ll, i32, 0);
              for (int64_t kb = 0; kb < 8; ++kb) {
                Value laneA = arith::AddIOp::create(
                    lb, ll, arith::MulIOp::create(lb, ll, g, idx(lb, ll, 4)),
                    idx(lb, ll, kb % 4));
                Value laneB = arith::AddIOp::create(
                    lb, ll, arith::MulIOp::create(lb, ll, c, idx(lb, ll, 4)),
                    idx(lb, ll, kb % 4));
                int64_t regA = (kb >= 4 ? 2 : 0) + (q >= 2 ? 1 : 0);
                Value a = memref::LoadOp::create(
                    lb, ll, aBuf,
                    ValueRange{laneA, idx(lb, ll, i), idx(lb, ll, regA)});
                Value w = memref::LoadOp::create(
                    lb, ll, bBuf,
                    ValueRange{laneB, idx(lb, ll, j),
                               idx(lb, ll, kb >= 4 ? 1 : 0)});
                Value count = math::CtPopOp::create(
                    lb, ll, arith::AndIOp::create(lb, ll, a, w));
                sum = arith::AddIOp::create(lb, ll, sum, count);
              }
              Value slot = idx(lb, ll, 4 * (i + j) + q);
              Value old =
                  memref::LoadOp::create(lb, ll, cBuf, ValueRange{lane, slot});
              memref::StoreOp::create(lb, ll,
                                      arith::AddIOp::create(lb, ll, old, sum),
                                      cBuf, ValueRange{lane, slot});
            }
        }
      });
}

/// Tensor-core kernel: a block of 8 warps (32 x 8 threads) computes a
/// 32 x 32 tile; warp w computes the 16 x 8 tile at rows 16*(w/4), columns
/// 8*(w%4) with `mma.sync.m16n8k256.row.col.s32.b1.b1.s32.and.popc`, one
/// chain of accumulators per plane shift i + j, combined at the end.
///
/// Fragments (PTX ISA, m16n8k256 .b1), lane = 4 * g + t: A registers
/// a0..a3 hold 32 bits of row g, g + 8, g, g + 8 at bit offsets 32 t,
/// 32 t, 128 + 32 t, 128 + 32 t of the 256-bit step; B registers b0, b1
/// hold 32 bits of column g at offsets 32 t and 128 + 32 t; C/D registers
/// c0..c3 are (g, 2t), (g, 2t + 1), (g + 8, 2t), (g + 8, 2t + 1).
///
/// Emulated on the host, one emulated thread runs a whole warp: it loads
/// the fragments of all 32 lanes with the same code, multiplies them with
/// emulateWarpMma and stores every lane's outputs.
void emitMmaMatmul(OpBuilder &b, Location loc, KernelTarget &target,
                   const MatmulProblem &p,
                   const std::optional<Epilogue> &epilogue) {
  MLIRContext *ctx = b.getContext();
  Type i32 = b.getI32Type();
  auto fragType = LLVM::LLVMStructType::getLiteral(ctx, {i32, i32, i32, i32});
  int64_t steps = llvm::divideCeil(p.words, 4);
  int64_t shifts = p.ka + p.kw - 1;
  Value gridX = ceilDiv(b, loc, p.cols, kMmaTileN);
  Value gridY = ceilDiv(b, loc, p.rows, kMmaTileM);
  if (target.isEmulated()) {
    auto aType = MemRefType::get({32, p.ka, 4}, i32);
    auto bType = MemRefType::get({32, p.kw, 2}, i32);
    auto cType = MemRefType::get({32, 4 * shifts}, i32);
    return target.launch(
        "mma_matmul", gridX, gridY, 1, 8, {aType, bType, cType},
        [&](OpBuilder &kb, Location kl, const KernelIds &ids) {
          Value aBuf = ids.shared[0], bBuf = ids.shared[1],
                cBuf = ids.shared[2];
          Value zero = idx(kb, kl, 0), one = idx(kb, kl, 1),
                lanes = idx(kb, kl, 32);
          auto eachLane = [&](OpBuilder &nb, Location nl,
                              function_ref<void(OpBuilder &, Location, Value,
                                                const MmaLane &)>
                                  body) {
            forLoop(nb, nl, zero, lanes, one,
                    [&](OpBuilder &lb, Location ll, Value lane) {
                      MmaLane info(lb, ll, lane, ids.threadY, ids.blockX,
                                   ids.blockY);
                      body(lb, ll, lane, info);
                    });
          };
          eachLane(
              kb, kl,
              [&](OpBuilder &lb, Location ll, Value lane, const MmaLane &) {
                for (int64_t e = 0; e < 4 * shifts; ++e)
                  memref::StoreOp::create(lb, ll, intConst(lb, ll, i32, 0),
                                          cBuf,
                                          ValueRange{lane, idx(lb, ll, e)});
              });
          forLoop(
              kb, kl, zero, idx(kb, kl, steps), one,
              [&](OpBuilder &sb, Location sl, Value step) {
                eachLane(
                    sb, sl,
                    [&](OpBuilder &lb, Location ll, Value lane,
                        const MmaLane &info) {
                      SmallVector<SmallVector<Value, 4>> aFrags, bFrags;
                      info.fragments(lb, ll, p, step, aFrags, bFrags);
                      for (auto [i, frags] : llvm::enumerate(aFrags))
                        for (auto [r, v] : llvm::enumerate(frags))
                          memref::StoreOp::create(
                              lb, ll, v, aBuf,
                              ValueRange{lane, idx(lb, ll, i), idx(lb, ll, r)});
                      for (auto [j, frags] : llvm::enumerate(bFrags))
                        for (auto [r, v] : llvm::enumerate(frags))
                          memref::StoreOp::create(
                              lb, ll, v, bBuf,
                              ValueRange{lane, idx(lb, ll, j), idx(lb, ll, r)});
                    });
                emulateWarpMma(sb, sl, p, aBuf, bBuf, cBuf);
              });
          eachLane(
              kb, kl,
              [&](OpBuilder &lb, Location ll, Value lane, const MmaLane &info) {
                SmallVector<Value> acc;
                for (int64_t e = 0; e < 4 * shifts; ++e)
                  acc.push_back(memref::LoadOp::create(
                      lb, ll, cBuf, ValueRange{lane, idx(lb, ll, e)}));
                info.store(lb, ll, p, acc, shifts, epilogue);
              });
        });
  }
  target.launch(
      "mma_matmul", gridX, gridY, 32, 8, {},
      [&](OpBuilder &kb, Location kl, const KernelIds &ids) {
        MmaLane info(kb, kl, ids.threadX, ids.threadY, ids.blockX, ids.blockY);
        SmallVector<Value> zeros(4 * shifts, intConst(kb, kl, i32, 0));
        auto loop = scf::ForOp::create(
            kb, kl, idx(kb, kl, 0), idx(kb, kl, steps), idx(kb, kl, 1), zeros,
            [&](OpBuilder &sb, Location sl, Value step, ValueRange in) {
              SmallVector<SmallVector<Value, 4>> aFrags, bFrags;
              info.fragments(sb, sl, p, step, aFrags, bFrags);
              SmallVector<Value> acc(in);
              for (int64_t i = 0; i < p.ka; ++i)
                for (int64_t j = 0; j < p.kw; ++j) {
                  MutableArrayRef<Value> c(acc.data() + 4 * (i + j), 4);
                  auto mma = NVVM::MmaOp::create(
                      sb, sl, fragType, aFrags[i], bFrags[j], c, {16, 8, 256},
                      NVVM::MMAB1Op::and_popc, std::nullopt,
                      std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::b1,
                                                    NVVM::MMATypes::b1},
                      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                                     NVVM::MMALayout::col});
                  for (int64_t q = 0; q < 4; ++q)
                    c[q] = LLVM::ExtractValueOp::create(sb, sl, mma, q);
                }
              scf::YieldOp::create(sb, sl, acc);
            });
        info.store(kb, kl, p, SmallVector<Value>(loop.getResults()), shifts,
                   epilogue);
      });
}

//===----------------------------------------------------------------------===//
// bq-gpu-emit-kernels
//===----------------------------------------------------------------------===//

struct KernelOptions {
  bool mma;
  int64_t tileM, tileN, tileK;
  bool emulate;
};

/// Static shared memory per block is limited to 48 KiB.
constexpr int64_t kSharedBytes = 48 * 1024;

LogicalResult checkMatmulFits(func::FuncOp func, int64_t ka, int64_t kw,
                              const KernelOptions &options) {
  if (options.mma)
    return success();
  int64_t bytes = (ka * options.tileM + kw * options.tileN) * options.tileK * 8;
  if (bytes > kSharedBytes)
    return func.emitError("popc kernel tiles need ")
           << bytes << " bytes of shared memory (at most " << kSharedBytes
           << "): lower tile-m, tile-n or tile-k";
  return success();
}

void emitMatmul(OpBuilder &b, Location loc, KernelTarget &target,
                const MatmulProblem &p, const KernelOptions &options,
                const std::optional<Epilogue> &epilogue) {
  if (options.mma)
    emitMmaMatmul(b, loc, target, p, epilogue);
  else
    emitPopcMatmul(b, loc, target, p, options.tileM, options.tileN,
                   options.tileK, epilogue);
}

int64_t intAttr(DictionaryAttr dict, StringRef name) {
  auto attr = dict.getAs<IntegerAttr>(name);
  return attr ? attr.getInt() : -1;
}

/// Whether `type` is a memref of `rank` with identity layout and an element
/// type accepted by `elementOk`.
bool isBuffer(Type type, int64_t rank, function_ref<bool(Type)> elementOk) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.getRank() == rank &&
         memref.getLayout().isIdentity() && elementOk(memref.getElementType());
}

/// Gives `func` a body: `emit` builds the kernels on a KernelTarget over the
/// entry block's arguments; the results are copied back and the function
/// returns.
void defineBody(
    func::FuncOp func, const KernelOptions &options,
    function_ref<void(OpBuilder &, Location, KernelTarget &, ValueRange)>
        emit) {
  Location loc = func.getLoc();
  Block *entry = func.addEntryBlock();
  OpBuilder b = OpBuilder::atBlockBegin(entry);
  KernelTarget target(b, loc, options.emulate, func.getSymName());
  emit(b, loc, target, entry->getArguments());
  target.finish();
  func::ReturnOp::create(b, loc);
}

/// Checks a quantized_matmul wrapper and, unless `checkOnly`, defines it.
LogicalResult defineQuantizedMatmul(func::FuncOp func, DictionaryAttr attrs,
                                    const KernelOptions &options,
                                    bool checkOnly) {
  int64_t k = intAttr(attrs, "k"), ka = intAttr(attrs, "act_bits"),
          kw = intAttr(attrs, "weight_bits");
  auto range = attrs.getAs<StringAttr>("act_range");
  auto types = func.getArgumentTypes();
  OpBuilder builder(func.getContext());
  auto isF32 = [](Type t) { return t.isF32(); };
  auto isI64 = [](Type t) { return t.isInteger(64); };
  auto isSum = [](Type t) { return t.isInteger(32) || t.isInteger(64); };
  if (types.size() != 6 || k < 1 || !quant::isValidBits(ka) ||
      !quant::isValidBits(kw) || !range ||
      !symbolizeActRange(range.getValue()) || !isBuffer(types[0], 2, isF32) ||
      cast<MemRefType>(types[0]).getDimSize(1) != k ||
      !isBuffer(types[1], 3, isI64) ||
      cast<MemRefType>(types[1]).getDimSize(0) != kw ||
      cast<MemRefType>(types[1]).getDimSize(2) != quant::numWords(k) ||
      !isBuffer(types[2], 1, isSum) ||
      cast<MemRefType>(types[2]).getElementType() != codeSumType(builder, k) ||
      !(isBuffer(types[3], 0, isF32) || isBuffer(types[3], 1, isF32)) ||
      types[4] != types[3] || !isBuffer(types[5], 2, isF32))
    return func.emitError("malformed bq.gpu_kernel quantized_matmul");
  bool isStatic = *symbolizeActRange(range.getValue()) == ActRange::Static;
  auto lo = attrs.getAs<FloatAttr>("lo"), hi = attrs.getAs<FloatAttr>("hi");
  if (isStatic && (!lo || !hi))
    return func.emitError("static act_range needs lo and hi");
  unsigned width = quant::accumulatorWidth(quant::maxDotProduct(k, ka, kw));
  if (width == 0)
    return func.emitError("products of K = ") << k << " overflow i64";
  if (failed(checkMatmulFits(func, ka, kw, options)))
    return failure();
  if (checkOnly)
    return success();

  defineBody(
      func, options,
      [&](OpBuilder &b, Location loc, KernelTarget &target, ValueRange args) {
        Value lhs = args[0], weights = args[1], colSums = args[2],
              alpha = args[3], beta = args[4], out = args[5];
        Value rows = memref::DimOp::create(b, loc, lhs, 0);
        Value cols = memref::DimOp::create(b, loc, weights, 1);
        int64_t words = quant::numWords(k);

        Value dLhs = target.upload(lhs), dWeights = target.upload(weights),
              dCols = target.upload(colSums), dAlpha = target.upload(alpha),
              dBeta = target.upload(beta), dOut = target.output(out);
        Type i64 = b.getI64Type();
        Value planes = target.alloc(
            MemRefType::get({ka, ShapedType::kDynamic, words}, i64), rows);
        Value rowSums = target.alloc(
            MemRefType::get({ShapedType::kDynamic}, codeSumType(b, k)), rows);

        ActParams params;
        if (isStatic) {
          params.offset = arith::ConstantOp::create(b, loc, lo);
          params.scale = buildActScale(
              b, loc, params.offset, arith::ConstantOp::create(b, loc, hi), ka);
        } else {
          params.buffer = emitDynamicRange(b, loc, target, dLhs, rows, k, ka);
        }
        emitQuantizePack(b, loc, target, dLhs, rows, k, ka, params, planes);
        emitRowSums(b, loc, target, planes, rows, ka, words, rowSums);
        MatmulProblem problem{planes, dWeights, dOut,
                              rows,   cols,     ka,
                              kw,     words,    b.getIntegerType(width)};
        emitMatmul(b, loc, target, problem, options,
                   Epilogue{rowSums, dCols, dAlpha, dBeta, params, k});
      });
  return success();
}

/// Checks a bitserial_matmul wrapper and, unless `checkOnly`, defines it.
LogicalResult defineBitSerialMatmul(func::FuncOp func, DictionaryAttr attrs,
                                    const KernelOptions &options,
                                    bool checkOnly) {
  auto types = func.getArgumentTypes();
  if (types.size() != 3)
    return func.emitError("malformed bq.gpu_kernel bitserial_matmul");
  auto lhsType = dyn_cast<MemRefType>(types[0]);
  auto rhsType = dyn_cast<MemRefType>(types[1]);
  auto outType = dyn_cast<MemRefType>(types[2]);
  auto isI64 = [](Type t) { return t.isInteger(64); };
  auto isAcc = [](Type t) { return t.isInteger(32) || t.isInteger(64); };
  if (!isBuffer(types[0], 3, isI64) || !isBuffer(types[1], 3, isI64) ||
      !isBuffer(types[2], 2, isAcc) || lhsType.isDynamicDim(0) ||
      rhsType.isDynamicDim(0) || lhsType.isDynamicDim(2) ||
      rhsType.getDimSize(2) != lhsType.getDimSize(2))
    return func.emitError("malformed bq.gpu_kernel bitserial_matmul");
  if (failed(checkMatmulFits(func, lhsType.getDimSize(0), rhsType.getDimSize(0),
                             options)))
    return failure();
  if (checkOnly)
    return success();
  defineBody(
      func, options,
      [&](OpBuilder &b, Location loc, KernelTarget &target, ValueRange args) {
        Value lhs = target.upload(args[0]), rhs = target.upload(args[1]),
              out = target.output(args[2]);
        MatmulProblem problem{lhs,
                              rhs,
                              out,
                              memref::DimOp::create(b, loc, args[0], 1),
                              memref::DimOp::create(b, loc, args[1], 1),
                              lhsType.getDimSize(0),
                              rhsType.getDimSize(0),
                              lhsType.getDimSize(2),
                              outType.getElementType()};
        emitMatmul(b, loc, target, problem, options, std::nullopt);
      });
  return success();
}

/// The oldest PTX ISA version (x10) that supports sm_<version>, as LLVM's
/// NVPTX backend requires it (sm_90a needs 8.0, family targets 8.8).
unsigned minimumPtx(unsigned version, StringRef suffix) {
  // Family-specific targets (sm_100f, ...) arrived with PTX 8.8.
  if (suffix == "f")
    return 88;
  // (oldest sm version of a line, its PTX version), newest first.
  static constexpr std::pair<unsigned, unsigned> kLines[] = {
      {120, 87}, {100, 86}, {90, 78}, {89, 78}, {87, 74},
      {86, 71},  {80, 70},  {75, 63}, {72, 61}, {70, 60}};
  for (auto [sm, ptx] : kLines)
    if (version >= sm)
      return sm == 90 && suffix == "a" ? 80 : ptx;
  return 50;
}

struct BQGPUEmitKernelsPass
    : public bq::impl::BQGPUEmitKernelsBase<BQGPUEmitKernelsPass> {
  using Base::Base;

  LogicalResult checkOptions() {
    ModuleOp module = getOperation();
    if (mma != "none" && mma != "b1")
      return emitError(module.getLoc(),
                       "bq-gpu-emit-kernels: mma must be none or b1, "
                       "not '")
             << mma << "'";
    unsigned smVersion = 0;
    StringRef chipName = chip;
    bool isSm = chipName.consume_front("sm_");
    StringRef suffix = chipName.drop_while(llvm::isDigit);
    if (!isSm ||
        chipName.take_while(llvm::isDigit).getAsInteger(10, smVersion) ||
        !(suffix.empty() || suffix == "a" || suffix == "f"))
      return emitError(module.getLoc(), "bq-gpu-emit-kernels: chip must be "
                                        "sm_XX, not '")
             << chip << "'";
    // LLVM's NVPTX backend aborts (instead of reporting) on a PTX version
    // the chip or an instruction does not support: check here.
    unsigned minPtx = minimumPtx(smVersion, suffix);
    unsigned ptx = minPtx;
    if (!llvm::all_of(features, [](char c) {
          return llvm::isAlnum(c) || llvm::is_contained("_+-.,", c);
        }))
      return emitError(module.getLoc(), "bq-gpu-emit-kernels: features must "
                                        "be a comma-separated list of +/-"
                                        "names, not '")
             << features << "'";
    for (StringRef feature : llvm::split(StringRef(features), ',')) {
      feature = feature.trim();
      if (feature.consume_front("+ptx") && feature.getAsInteger(10, ptx))
        return emitError(module.getLoc(), "bq-gpu-emit-kernels: bad PTX "
                                          "feature in '")
               << features << "'";
    }
    if (ptx < minPtx)
      return emitError(module.getLoc(), "bq-gpu-emit-kernels: ")
             << chip << " needs PTX " << minPtx / 10 << "." << minPtx % 10
             << " or newer (features=+ptx" << minPtx << "), not " << ptx / 10
             << "." << ptx % 10;
    if (mma == "b1" && smVersion < 80)
      return emitError(module.getLoc(), "bq-gpu-emit-kernels: mma=b1 needs "
                                        "sm_80 or newer (b1 mma.sync "
                                        "m16n8k256), not ")
             << chip;
    if (mma == "b1" && ptx < 71)
      return emitError(module.getLoc(), "bq-gpu-emit-kernels: mma=b1 needs "
                                        "PTX 7.1 or newer (and.popc): add "
                                        "+ptx71 or later to features");
    if (tileM < kRegM || tileM % kRegM || tileN < kRegN || tileN % kRegN ||
        tileK < 1 || (tileM / kRegM) * (tileN / kRegN) > 1024)
      return emitError(module.getLoc(),
                       "bq-gpu-emit-kernels: tile-m and tile-n must "
                       "be positive multiples of 4 with at most 1024 "
                       "threads per block, tile-k positive");
    return success();
  }

  void runOnOperation() override {
    if (failed(checkOptions()))
      return signalPassFailure();
    KernelOptions options{mma == "b1", tileM, tileN, tileK, hostEmulation};
    SmallVector<func::FuncOp> wrappers;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func->hasAttr(kKernelAttr) && func.isExternal())
        wrappers.push_back(func);
    auto define = [&](func::FuncOp func, bool checkOnly) -> LogicalResult {
      auto attrs = func->getAttrOfType<DictionaryAttr>(kKernelAttr);
      auto kind = attrs ? attrs.getAs<StringAttr>("kind") : StringAttr();
      if (kind && kind.getValue() == kQuantizedMatmul)
        return defineQuantizedMatmul(func, attrs, options, checkOnly);
      if (kind && kind.getValue() == kBitSerialMatmul)
        return defineBitSerialMatmul(func, attrs, options, checkOnly);
      func.emitError("unknown bq.gpu_kernel kind");
      return failure();
    };
    // Check every wrapper first, so that a failure leaves the IR as it was.
    for (func::FuncOp func : wrappers)
      if (failed(define(func, /*checkOnly=*/true)))
        return signalPassFailure();
    for (func::FuncOp func : wrappers) {
      (void)define(func, /*checkOnly=*/false);
      func->removeAttr(kKernelAttr);
    }
  }
};

} // namespace
