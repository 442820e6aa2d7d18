//===- BQBase.td - bq dialect definition -------------------*- tablegen -*-===//
//
// The bq dialect: balanced-quantized neural network operations.
//
//===----------------------------------------------------------------------===//

#ifndef BQ_DIALECT_BQ_IR_BQBASE_TD
#define BQ_DIALECT_BQ_IR_BQBASE_TD

include "mlir/IR/OpBase.td"

def BQ_Dialect : Dialect {
  let name = "bq";
  let cppNamespace = "::bq";
  let summary = "Balanced quantization and bit-serial low-bit matmuls";
  let description = [{
    The `bq` dialect models balanced-quantized neural networks (Zhou et al.,
    "Balanced Quantization: An Effective and Efficient Approach to Quantized
    Neural Networks", 2017) at three levels:

    1. Quantization of weights and activations: `bq.balanced_quantize`
       assigns k-bit codes to a float tensor by a percentile partition (or
       the mean approximation, or a uniform baseline) and gives the affine
       reconstruction `value(c) = alpha * c + beta` per slice;
       `bq.quantize_activations` is the run-time uniform quantizer.
    2. The high-level quantized matmul, `bq.quantized_matmul`, which the
       frontend produces from linalg.
    3. Its bit-serial form: `bq.pack` (codes to bit planes), `bq.code_sums`,
       `bq.bitserial_matmul` (AND + popcount over plane pairs) and
       `bq.affine_epilogue` (the float correction terms).

    Codes are carried as `i8` tensors whose values are read as unsigned
    integers in `[0, 2^bits)`; packed bit planes are `i64` tensors laid out as
    `planes[bit][row][word]`. The normative semantics are in DESIGN.md
    section 1; docs/dialect.md explains the choices.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

class BQ_Op<string mnemonic, list<Trait> traits = []>
    : Op<BQ_Dialect, mnemonic, traits>;

#endif // BQ_DIALECT_BQ_IR_BQBASE_TD
