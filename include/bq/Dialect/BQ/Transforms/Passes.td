//===- Passes.td - bq dialect passes -----------------------*- tablegen -*-===//

#ifndef BQ_DIALECT_BQ_TRANSFORMS_PASSES_TD
#define BQ_DIALECT_BQ_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def BQFoldConstants : Pass<"bq-fold-constants"> {
  let summary = "Quantize constant weights at compile time";
  let description = [{
    Replaces every `bq.balanced_quantize` whose input is a constant (`dense`
    or `dense_resource`; f32, f16 or bf16) by `arith.constant`s holding its
    codes, alpha and beta, computed by bq's quantizer (DESIGN.md 1.1). Users
    that fold once their operand is constant (`bq.pack`, `bq.code_sums`) are
    folded too, so the compile-time planes and code sums of DESIGN.md 1.3
    become constants as well.

    Constants with at least `resource-threshold` elements are emitted as
    `dense_resource` blobs (no uniquing of large buffers in the context).

    A NaN or Inf weight is an error naming its position; the pass then fails
    and leaves the IR as it was.

    Example:

    ```mlir
    %w = arith.constant dense<[[0.1, -0.4], [0.3, 0.2]]> : tensor<2x2xf32>
    %c, %a, %b = bq.balanced_quantize %w bits(1) method(exact) scale(lsq)
        granularity(tensor) : tensor<2x2xf32> -> tensor<2x2xi8>, tensor<f32>
    ```

    becomes

    ```mlir
    %c = arith.constant dense<[[0, 0], [1, 1]]> : tensor<2x2xi8>
    %a = arith.constant dense<0.4> : tensor<f32>
    %b = arith.constant dense<-0.15> : tensor<f32>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let options = [
    Option<"resourceThreshold", "resource-threshold", "int64_t",
           /*default=*/"1048576",
           "Emit constants with at least this many elements as "
           "dense_resource blobs (0: never)">,
  ];
}

def BQQuantReport : Pass<"bq-quant-report"> {
  let summary = "Report how well each constant weight quantizes";
  let description = [{
    Emits a remark on every `bq.balanced_quantize` with a constant input,
    giving its shape, method, bits and granularity, the smallest and largest
    code population over all slices, the entropy of the codes in bits (how
    much of the bit width is used; averaged over slices) and the relative
    mean squared error of the reconstruction over the whole tensor,
    `sum (w - value(c))^2 / sum w^2`. The IR is not changed. Inputs that are
    not constants get a remark saying so. Run it before `bq-fold-constants`,
    which removes the ops it reports on.

    Example output for a 2-bit balanced quantization of a Gaussian 64x64
    weight:

    ```
    remark: bq.balanced_quantize tensor<64x64xf32>: method=exact bits=2
      granularity=tensor slices=1; populations min=1024 max=1024;
      entropy=2.000/2 bits; relative MSE=0.1200
    ```
  }];
}

#endif // BQ_DIALECT_BQ_TRANSFORMS_PASSES_TD
