//===- Passes.td - bq conversion passes --------------------*- tablegen -*-===//

#ifndef BQ_CONVERSION_PASSES_TD
#define BQ_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertBQToVector : Pass<"convert-bq-to-vector"> {
  let summary = "Lower run-time bq ops to vectorized loops and linalg";
  let description = [{
    Lowers the run-time ops of the bit-serial form (what `bq-decompose`
    produces) for CPUs:

    - `bq.bitserial_matmul` becomes a register-blocked kernel on memrefs:
      for an `MR x NR` tile of output rows and columns, the activation and
      weight planes are loaded 512 bits at a time (`vector<8xi64>`), every
      plane pair is combined with `arith.andi` + `math.ctpop` (VPOPCNTQ on
      AVX-512 CPUs that have it) and added, shifted by `i + j`, into
      `MR * NR` vector accumulators that stay in registers; one horizontal
      reduction per output at the end, a scalar loop over the words that do
      not fill a vector. Rows are processed in blocks of `row-block` rows
      for cache reuse of the weight planes; remaining rows and columns use a
      1 x NR and 1 x 1 kernel.
    - `bq.pack` of run-time codes loads 64 codes as `vector<64xi8>`, tests
      bit `b` of each and bitcasts the `vector<64xi1>` mask to one `i64`
      plane word (a `vptestmb` + `kmovq` on AVX-512).
    - `bq.quantize_activations`, `bq.code_sums` and `bq.affine_epilogue`
      become `linalg` ops on tensors (reductions and elementwise generics).

    The kernels read their tensor operands through
    `bufferization.to_buffer` and produce their results with
    `bufferization.to_tensor restrict writable` of a fresh `memref.alloc`,
    so the module stays on tensors for one-shot bufferization.

    Example:

    ```mlir
    %p = bq.bitserial_matmul %ap, %wp k(1024)
        : tensor<2x?x16xi64>, tensor<2x1024x16xi64> -> tensor<?x1024xi32>
    ```

    becomes `scf.for` loops around `vector.load`, `arith.andi`,
    `math.ctpop`, `arith.shli`, `arith.addi` on `vector<8xi64>` and a
    `vector.reduction <add>` per output.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect", "::mlir::vector::VectorDialect"
  ];
  let options = [
    Option<"tileRows", "tile-rows", "int64_t", /*default=*/"0",
           "Output rows per micro-kernel (MR); 0 picks by bit widths">,
    Option<"tileCols", "tile-cols", "int64_t", /*default=*/"0",
           "Output columns per micro-kernel (NR); 0 picks by bit widths">,
    Option<"rowBlock", "row-block", "int64_t", /*default=*/"64",
           "Rows of activation planes per cache block">,
  ];
}

def ConvertBQToGPU : Pass<"convert-bq-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Turn bq matmuls on tensors into calls of GPU kernel wrappers";
  let description = [{
    The first half of the GPU lowering, on tensors. Every
    `bq.quantized_matmul` with a static contraction size and every
    `bq.bitserial_matmul` becomes a `func.call` of a private function
    declaration that carries a `bq.gpu_kernel` dictionary (the op's kind and
    attributes). Operands are passed as memrefs (`bufferization.to_buffer`);
    the result is written into a fresh `memref.alloc` that becomes a tensor
    again through `bufferization.to_tensor restrict writable`, so the module
    goes through one-shot bufferization and buffer deallocation unchanged.
    The weight codes of a `bq.quantized_matmul` are packed into planes
    (transposed, DESIGN.md 1.4) and summed per column with `bq.pack` /
    `bq.code_sums`, which fold to constants when the codes are constant.

    `bq-gpu-emit-kernels` later defines the declared functions (after
    bufferization: upstream buffer deallocation does not accept GPU ops).
    Other bq ops are left alone for the host lowering.

    Example:

    ```mlir
    %y = bq.quantized_matmul %x, %codes, %aw, %bw weight_bits(1) act_bits(1)
        act_range(dynamic) : tensor<?x256xf32>, tensor<256x64xi8>,
        tensor<f32> -> tensor<?x64xf32>
    ```

    becomes

    ```mlir
    func.call @bq_gpu_quantized_matmul(%xb, %planes, %colsums, %awb, %bwb,
        %out) : (memref<?x256xf32>, memref<1x64x4xi64>, memref<64xi32>,
        memref<f32>, memref<f32>, memref<?x64xf32>) -> ()
    func.func private @bq_gpu_quantized_matmul(...)
        attributes {bq.gpu_kernel = {act_bits = 1 : i64, ...}}
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect", "::mlir::tensor::TensorDialect"
  ];
}

def BQGPUEmitKernels : Pass<"bq-gpu-emit-kernels", "::mlir::ModuleOp"> {
  let summary = "Define the GPU kernel wrappers declared by convert-bq-to-gpu";
  let description = [{
    Gives every private declaration with a `bq.gpu_kernel` attribute a body
    on memrefs: device buffers (`gpu.alloc async`), host-to-device copies
    (`gpu.memcpy async`), a chain of `gpu.launch` kernels, the copy of the
    result back and `gpu.dealloc`, all ordered by async tokens and ended by
    a blocking `gpu.wait`. The kernels of a `bq.quantized_matmul`:

    1. with `act_range(dynamic)`: a grid-stride min/max of the activations
       (64 x 256 threads, `arith.minimumf`/`maximumf`) and a one-block
       reduction that also computes `scale` and `offset` (DESIGN.md 1.2);
    2. quantize + pack: one thread per 64-bit plane word, the same
       arithmetic as the CPU lowering, writing all activation planes;
    3. row sums of the activation codes from the planes (popcounts);
    4. the bit-serial matmul with the affine epilogue fused: a thread block
       per `tile-m x tile-n` output tile, `tile-k` words of every activation
       and weight plane staged through shared memory (workgroup
       attributions, `gpu.barrier`), a 4 x 4 register tile of exact integer
       accumulators per thread adding `popc(a & w) << (i + j)` for every
       plane pair, then the epilogue in f64 written as f32.

    A `bq.bitserial_matmul` uses kernel 4 without the epilogue.

    With `mma=b1` kernel 4 uses tensor cores instead (sm_80 and newer): each
    warp computes a 16 x 8 output tile with `nvvm.mma.sync` on b1 operands
    with `and_popc` (shape m16n8k256), one accumulator set per plane shift
    `i + j`, combined exactly at the end.

    With `host-emulation`, the same kernel bodies are emitted as loops on
    the host (grid and block ids become `scf.for` induction variables, each
    emulated thread stages whole tiles itself and barriers vanish), so the
    kernels' indexing and arithmetic run and are tested on machines without
    a GPU. The tensor-core kernel is emulated a warp at a time: the same
    fragment loads and output stores for all 32 lanes around a host
    implementation of the b1 `mma.sync` on the PTX ISA's fragment layout.

    Kernels read plane words and codes exactly; the integer parts are exact
    (DESIGN.md 1.3). Float results can differ from the CPU path in the last
    bits where the GPU compiler contracts multiply-adds.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect"
  ];
  let options = [
    Option<"mma", "mma", "std::string", /*default=*/"\"none\"",
           "Tensor-core path: none (popc kernel) or b1 (nvvm.mma.sync b1 "
           "and_popc m16n8k256, sm_80+)">,
    Option<"tileM", "tile-m", "int64_t", /*default=*/"64",
           "Output rows per thread block of the popc kernel (multiple of 4)">,
    Option<"tileN", "tile-n", "int64_t", /*default=*/"64",
           "Output columns per thread block of the popc kernel (multiple "
           "of 4)">,
    Option<"tileK", "tile-k", "int64_t", /*default=*/"4",
           "64-bit words of every plane staged in shared memory per step">,
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90\"",
           "Target chip, sm_XX (checked: mma=b1 needs sm_80 or newer)">,
    Option<"features", "features", "std::string", /*default=*/"\"+ptx80\"",
           "Target features (checked: a +ptxNN version must be new enough "
           "for the chip, and 7.1 or newer for mma=b1)">,
    Option<"hostEmulation", "host-emulation", "bool", /*default=*/"false",
           "Emit the kernels as host loops instead of gpu.launch (testing "
           "without a GPU)">,
  ];
}

#endif // BQ_CONVERSION_PASSES_TD
