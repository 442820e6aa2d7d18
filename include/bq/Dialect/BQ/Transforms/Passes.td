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

def BQQuantizeLinalg : Pass<"bq-quantize-linalg", "::mlir::ModuleOp"> {
  let summary = "Quantize linalg matmuls and convolutions with constant weights";
  let description = [{
    Rewrites matmul-like linalg ops whose weight operand is a constant
    (f32, f16 or bf16; `dense` or `dense_resource`; possibly behind a
    `linalg.transpose` or, for `linalg.batch_matmul`, a `linalg.broadcast` of
    a constant) into `bq.quantized_matmul`, with the weight codes, alpha and
    beta computed at compile time as constants (DESIGN.md 1.1):

    - `linalg.matmul`; `linalg.batch_matmul` with shared weights (a
      broadcast constant: the batch is folded into M) or per-batch constant
      weights (one quantized matmul per batch, each with its own activation
      range); `linalg.matvec` and `linalg.vecmat`;
    - `linalg.conv_2d_nhwc_hwcf` and `linalg.conv_2d_nchw_fchw` (any strides
      and dilations) through im2col: a `linalg.generic` gathers the patches,
      the filter becomes a `(Kh*Kw*C) x F` (or `(C*Kh*Kw) x F`) weight;
    - `linalg.generic` ops that are plain matmul contractions (one M, N and K
      dimension, mul-add body, weight indexed `(k, n)` or `(n, k)`).

    Dynamic batch and M sizes are supported. A non-zero output init (e.g. a
    bias broadcast) is added back with `linalg.add`. Activations are
    quantized at run time with `act-bits` over a `dynamic` range, or over
    the static range in the op's `bq.act_range = array<f32: lo, hi>`
    attribute (written by calibration tools); with `act-range=static` every
    quantized op needs that attribute. The channel axis of `granularity=channel`
    is the output channel (N, or F of a filter).

    Ops whose weights are not constants, or whose activations are not f32,
    are left alone with a remark. NaN/Inf weights are errors; the pass then
    fails without changing the IR.

    Example: `bq-opt --bq-quantize-linalg="weight-bits=2 act-bits=8"` turns

    ```mlir
    %w = arith.constant dense<...> : tensor<64x32xf32>
    %y = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x32xf32>)
                       outs(%zero : tensor<?x32xf32>) -> tensor<?x32xf32>
    ```

    into

    ```mlir
    %codes = arith.constant dense<...> : tensor<64x32xi8>
    %alpha = arith.constant dense<0.0421> : tensor<f32>
    %beta = arith.constant dense<-0.0637> : tensor<f32>
    %y = bq.quantized_matmul %x, %codes, %alpha, %beta weight_bits(2)
        act_bits(8) act_range(dynamic)
        : tensor<?x64xf32>, tensor<64x32xi8>, tensor<f32> -> tensor<?x32xf32>
    ```
  }];
  let dependentDialects = [
    "::bq::BQDialect", "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"
  ];
  let options = [
    Option<"weightBits", "weight-bits", "int64_t", /*default=*/"2",
           "Weight code width in bits, 1 to 8">,
    Option<"actBits", "act-bits", "int64_t", /*default=*/"8",
           "Activation code width in bits, 1 to 8">,
    Option<"method", "method", "::bq::Method", /*default=*/"::bq::Method::Exact",
           "Weight code assignment", [{::llvm::cl::values(
             clEnumValN(::bq::Method::Exact, "exact", "balanced: equal-population percentile bins"),
             clEnumValN(::bq::Method::Mean, "mean", "balanced, recursive-mean approximation"),
             clEnumValN(::bq::Method::Uniform, "uniform", "min-max uniform baseline"))}]>,
    Option<"scale", "scale", "::bq::Scale", /*default=*/"::bq::Scale::Lsq",
           "Reconstruction of code values", [{::llvm::cl::values(
             clEnumValN(::bq::Scale::Lsq, "lsq", "least-squares fit"),
             clEnumValN(::bq::Scale::Max, "max", "symmetric levels spanning +-max|w|"),
             clEnumValN(::bq::Scale::MinMax, "minmax", "levels spanning [min, max]"))}]>,
    Option<"granularity", "granularity", "::bq::Granularity",
           /*default=*/"::bq::Granularity::Tensor",
           "One quantizer per weight tensor or per output channel", [{::llvm::cl::values(
             clEnumValN(::bq::Granularity::Tensor, "tensor", "one slice per weight"),
             clEnumValN(::bq::Granularity::Channel, "channel", "one slice per output channel"))}]>,
    Option<"actRange", "act-range", "::bq::ActRange",
           /*default=*/"::bq::ActRange::Dynamic",
           "Activation range: run-time min/max or the op's bq.act_range", [{::llvm::cl::values(
             clEnumValN(::bq::ActRange::Dynamic, "dynamic", "min/max of the tensor at run time (bq.act_range still wins where present)"),
             clEnumValN(::bq::ActRange::Static, "static", "every quantized op must carry bq.act_range"))}]>,
    Option<"skipFirstLast", "skip-first-last", "bool", /*default=*/"false",
           "Keep the first and the last quantizable op of each function in float">,
  ];
}

def BQDecompose : Pass<"bq-decompose"> {
  let summary = "Decompose quantized matmuls into their bit-serial form";
  let description = [{
    Rewrites `bq.quantized_matmul` into activation quantization, packing,
    the bit-serial integer matmul and the affine epilogue (DESIGN.md 1.3):

    ```mlir
    %ca, %sa, %oa = bq.quantize_activations %x bits(ka) range(...)
    %ap = bq.pack %ca bits(ka)
    %p  = bq.bitserial_matmul %ap, %wp k(K)
    %ra = bq.code_sums %ca dim(1)
    %y  = bq.affine_epilogue %p row_sums(%ra) col_sums(%cw)
          weight(%alpha, %beta) act(%sa, %oa) k(K)
    ```

    When the weight codes are a constant, the weight planes `%wp` (packed
    transposed, rows = N) and column sums `%cw` are computed at compile time
    and become constants; otherwise they are computed by a `linalg.transpose`,
    `bq.pack` and `bq.code_sums` of the codes. The integer accumulators are
    i32 when `K * (2^ka - 1) * (2^kw - 1)` fits, else i64.
  }];
  let dependentDialects = [
    "::bq::BQDialect", "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"
  ];
}

def BQLowerToReference : Pass<"bq-lower-to-reference"> {
  let summary = "Lower quantized matmuls to float linalg (the reference)";
  let description = [{
    Computes each `bq.quantized_matmul` the plain way, in float, with
    upstream ops only: the activations are quantized and dequantized
    elementwise (`linalg.reduce` for a dynamic min/max, `math.roundeven`,
    clamping), the weight codes are dequantized to `alpha * c + beta`, and a
    `linalg.matmul` multiplies the two. Standalone
    `bq.quantize_activations` ops are lowered the same way (codes as i8).
    The result defines what the bit-serial path must compute (up to float
    rounding), so tests can compare the two.

    ```mlir
    %y = bq.quantized_matmul %x, %codes, %alpha, %beta weight_bits(2)
        act_bits(8) act_range(dynamic) : ...
    ```

    becomes a `linalg.reduce` pair (min, max), a `linalg.generic` that
    rounds the activations to the grid, a `linalg.generic` that dequantizes
    the weight codes, and `linalg.matmul`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"
  ];
}

#endif // BQ_DIALECT_BQ_TRANSFORMS_PASSES_TD
