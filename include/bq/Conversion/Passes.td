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

#endif // BQ_CONVERSION_PASSES_TD
