//===- BQOps.td - bq operations ----------------------------*- tablegen -*-===//
//
// Operations of the bq dialect, from the high-level quantized matmul down to
// its bit-serial form. Semantics: DESIGN.md section 1.
//
//===----------------------------------------------------------------------===//

#ifndef BQ_DIALECT_BQ_IR_BQOPS_TD
#define BQ_DIALECT_BQ_IR_BQOPS_TD

include "bq/Dialect/BQ/IR/BQBase.td"
include "bq/Dialect/BQ/IR/BQAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def BQ_FloatTensor : RankedTensorOf<[F32, F16, BF16]>;
def BQ_F32Tensor : RankedTensorOf<[F32]>;
def BQ_CodeTensor : RankedTensorOf<[I8]>;
def BQ_PlaneTensor : TensorRankOf<[I64], [3]>;
def BQ_IntTensor : RankedTensorOf<[I32, I64]>;
def BQ_ScaleTensor : RankedTensorOf<[F32]>;

//===----------------------------------------------------------------------===//
// Quantizers
//===----------------------------------------------------------------------===//

def BQ_BalancedQuantizeOp : BQ_Op<"balanced_quantize",
    [Pure, AllTypesMatch<["alpha", "beta"]>]> {
  let summary = "assign k-bit codes to a float tensor and fit their values";
  let description = [{
    Quantizes `input` to `bits`-bit codes (DESIGN.md 1.1). The tensor is cut
    into slices: one for `granularity(tensor)`, one per index of dimension
    `axis` for `granularity(channel)`. In each slice, `method` assigns codes:

    - `exact`: the balanced partition of the paper. A depth-`bits` binary
      tree; a node holding `s` values splits at `T = sorted[floor(s/2)]`,
      values `< T` go left (bit 0), `>= T` go right (bit 1); the code is the
      path from the root (MSB) to the leaf. Every code gets an equal share
      of the values.
    - `mean`: the same tree, splitting at the mean of the node.
    - `uniform`: the min-max uniform baseline.

    `scale` chooses the reconstruction `value(c) = alpha * c + beta` of each
    slice: `lsq` (least squares fit to the slice), `max` (symmetric levels
    spanning `+-max|w|`) or `minmax`. `alpha` and `beta` have shape `[]` for
    tensor granularity and `[dim(axis)]` for channel granularity.

    Codes are `i8` values read as unsigned integers in `[0, 2^bits)`.
    `bq-fold-constants` replaces this op by constants when `input` is one.

    Example:

    ```mlir
    %codes, %alpha, %beta = bq.balanced_quantize %w bits(2) method(exact)
        scale(lsq) granularity(channel) axis(1)
        : tensor<64x32xf32> -> tensor<64x32xi8>, tensor<32xf32>
    ```
  }];
  let arguments = (ins BQ_FloatTensor:$input, I64Attr:$bits,
      BQ_MethodAttr:$method, BQ_ScaleAttr:$scale,
      BQ_GranularityAttr:$granularity, OptionalAttr<I64Attr>:$axis);
  let results = (outs BQ_CodeTensor:$codes, BQ_ScaleTensor:$alpha,
      BQ_ScaleTensor:$beta);
  let assemblyFormat = [{
    $input `bits` `(` $bits `)` `method` `(` custom<EnumKeyword>($method) `)` `scale` `(` custom<EnumKeyword>($scale) `)`
    `granularity` `(` custom<EnumKeyword>($granularity) `)` (`axis` `(` $axis^ `)`)? attr-dict
    `:` type($input) `->` type($codes) `,` type($alpha)
  }];
  let hasVerifier = 1;
}

def BQ_QuantizeActivationsOp : BQ_Op<"quantize_activations", [Pure]> {
  let summary = "uniform run-time quantization of activations";
  let description = [{
    Quantizes `input` to `bits`-bit codes with a uniform grid (DESIGN.md 1.2).
    With `range(dynamic)` the grid spans the min and max of the whole tensor,
    computed at run time; with `range(static)` it spans the `lo` and `hi`
    attributes (from calibration). With `s = (hi - lo) / (2^bits - 1)`
    (`s = 1` when `hi <= lo`), the code of `x` is
    `clamp(round_half_even((x - lo) / s), 0, 2^bits - 1)` and its value is
    `s * code + lo`. The results are the codes, `scale = s` and
    `offset = lo`.

    Example:

    ```mlir
    %codes, %scale, %offset = bq.quantize_activations %x bits(8)
        range(dynamic) : tensor<?x64xf32> -> tensor<?x64xi8>
    %c2, %s2, %o2 = bq.quantize_activations %x bits(2) range(static)
        lo(-1.0) hi(1.0) : tensor<?x64xf32> -> tensor<?x64xi8>
    ```
  }];
  let arguments = (ins BQ_F32Tensor:$input, I64Attr:$bits,
      BQ_ActRangeAttr:$range, OptionalAttr<F32Attr>:$lo,
      OptionalAttr<F32Attr>:$hi);
  let results = (outs BQ_CodeTensor:$codes, F32:$scale, F32:$offset);
  let assemblyFormat = [{
    $input `bits` `(` $bits `)` `range` `(` custom<EnumKeyword>($range) `)`
    (`lo` `(` $lo^ `)`)? (`hi` `(` $hi^ `)`)? attr-dict
    `:` type($input) `->` type($codes)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// High-level quantized matmul
//===----------------------------------------------------------------------===//

def BQ_QuantizedMatmulOp : BQ_Op<"quantized_matmul",
    [Pure, AllTypesMatch<["weight_alpha", "weight_beta"]>]> {
  let summary = "matmul of run-time activations with quantized weights";
  let description = [{
    `result = dequant(quantize_activations(lhs)) * dequant(weight_codes)`
    for `lhs: MxK` (float, run time) and `weight_codes: KxN`, where weight
    code `c` in column `n` stands for `alpha[n] * c + beta[n]` (`alpha` and
    `beta` of shape `[]` apply to every column). The activations are
    quantized as `bq.quantize_activations` does with `act_bits` and
    `act_range` (and `lo`/`hi` for a static range). This is the op
    `bq-quantize-linalg` produces; its bit-serial form is `bq.pack`,
    `bq.code_sums`, `bq.bitserial_matmul` and `bq.affine_epilogue`.

    Example:

    ```mlir
    %y = bq.quantized_matmul %x, %codes, %alpha, %beta weight_bits(2)
        act_bits(8) act_range(dynamic)
        : tensor<?x64xf32>, tensor<64x32xi8>, tensor<32xf32>
        -> tensor<?x32xf32>
    ```
  }];
  let arguments = (ins BQ_F32Tensor:$lhs, BQ_CodeTensor:$weight_codes,
      BQ_ScaleTensor:$weight_alpha, BQ_ScaleTensor:$weight_beta,
      I64Attr:$weight_bits, I64Attr:$act_bits, BQ_ActRangeAttr:$act_range,
      OptionalAttr<F32Attr>:$lo, OptionalAttr<F32Attr>:$hi);
  let results = (outs BQ_F32Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $weight_codes `,` $weight_alpha `,` $weight_beta
    `weight_bits` `(` $weight_bits `)` `act_bits` `(` $act_bits `)`
    `act_range` `(` custom<EnumKeyword>($act_range) `)` (`lo` `(` $lo^ `)`)? (`hi` `(` $hi^ `)`)?
    attr-dict `:` type($lhs) `,` type($weight_codes) `,` type($weight_alpha)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Bit-serial form
//===----------------------------------------------------------------------===//

def BQ_PackOp : BQ_Op<"pack", [Pure]> {
  let summary = "pack k-bit codes into bit planes of 64-bit words";
  let description = [{
    Packs `codes: RxK` into `planes: bits x R x ceil(K/64)` (DESIGN.md 1.4):
    bit `k mod 64` of `planes[b][r][k / 64]` is bit `b` of `codes[r][k]`;
    padding bits are zero and code bits at or above `bits` are dropped. `K`
    must be static. Weights are packed transposed (rows = output channels),
    activations with rows = M. A constant `codes` folds to constant planes.

    Example:

    ```mlir
    %planes = bq.pack %codes bits(2) : tensor<?x100xi8> -> tensor<2x?x2xi64>
    ```
  }];
  let arguments = (ins BQ_CodeTensor:$codes, I64Attr:$bits);
  let results = (outs BQ_PlaneTensor:$planes);
  let assemblyFormat = [{
    $codes `bits` `(` $bits `)` attr-dict `:` type($codes) `->` type($planes)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def BQ_CodeSumsOp : BQ_Op<"code_sums", [Pure]> {
  let summary = "sum codes along one dimension";
  let description = [{
    Sums the unsigned codes of `codes` along dimension `dim`; the result has
    the shape of `codes` without `dim`. These are the row sums `Ra` of the
    activation codes and the column sums `Cw` of the weight codes in the
    affine epilogue (DESIGN.md 1.3). The result type must hold
    `255 * dim_size` (a static reduced dimension is required for that
    check). A constant `codes` folds to constant sums.

    Example:

    ```mlir
    %ra = bq.code_sums %codes dim(1) : tensor<?x100xi8> -> tensor<?xi32>
    ```
  }];
  let arguments = (ins BQ_CodeTensor:$codes, I64Attr:$dim);
  let results = (outs BQ_IntTensor:$sums);
  let assemblyFormat = [{
    $codes `dim` `(` $dim `)` attr-dict `:` type($codes) `->` type($sums)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def BQ_BitSerialMatmulOp : BQ_Op<"bitserial_matmul", [Pure]> {
  let summary = "exact integer product of two packed code matrices";
  let description = [{
    For activation planes `lhs: ka x M x W` and weight planes
    `rhs: kw x N x W` (both packed by `bq.pack` along the contraction
    dimension of size `k`, `W = ceil(k/64)`), computes

    `result[m, n] = sum_i sum_j 2^(i+j) * popcount(lhs[i][m] AND rhs[j][n])`

    which equals `sum_k ca[m, k] * cw[k, n]` exactly. The bit widths are the
    static plane counts (1 to 8). The verifier rejects a result element type
    that could overflow: `k * (2^ka - 1) * (2^kw - 1)` must fit in it as a
    signed integer.

    Example:

    ```mlir
    %p = bq.bitserial_matmul %ap, %wp k(100)
        : tensor<2x?x2xi64>, tensor<2x32x2xi64> -> tensor<?x32xi32>
    ```
  }];
  let arguments = (ins BQ_PlaneTensor:$lhs, BQ_PlaneTensor:$rhs, I64Attr:$k);
  let results = (outs TensorRankOf<[I32, I64], [2]>:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `k` `(` $k `)` attr-dict `:` type($lhs) `,` type($rhs)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def BQ_AffineEpilogueOp : BQ_Op<"affine_epilogue",
    [Pure, AllTypesMatch<["weight_alpha", "weight_beta"]>]> {
  let summary = "turn integer code products back into float matmul results";
  let description = [{
    With activation values `aa * ca + ba` and weight values
    `aw[n] * cw + bw[n]` (DESIGN.md 1.3):

    ```
    result[m, n] = aa * aw[n] * P[m, n] + aa * bw[n] * Ra[m]
                 + ba * aw[n] * Cw[n] + k * ba * bw[n]
    ```

    where `P = products` (from `bq.bitserial_matmul`), `Ra = row_sums` (the
    activation code sums over K), `Cw = col_sums` (the weight code sums over
    K), `aa = act_scale`, `ba = act_offset`, `aw = weight_alpha` and
    `bw = weight_beta` (shape `[]` or `[N]`).

    Example:

    ```mlir
    %y = bq.affine_epilogue %p row_sums(%ra) col_sums(%cw)
        weight(%aw, %bw) act(%sa, %oa) k(100)
        : tensor<?x32xi32>, tensor<?xi32>, tensor<32xi32>, tensor<32xf32>
        -> tensor<?x32xf32>
    ```
  }];
  let arguments = (ins TensorRankOf<[I32, I64], [2]>:$products,
      TensorRankOf<[I32, I64], [1]>:$row_sums,
      TensorRankOf<[I32, I64], [1]>:$col_sums,
      BQ_ScaleTensor:$weight_alpha, BQ_ScaleTensor:$weight_beta,
      F32:$act_scale, F32:$act_offset, I64Attr:$k);
  let results = (outs TensorRankOf<[F32], [2]>:$result);
  let assemblyFormat = [{
    $products `row_sums` `(` $row_sums `)` `col_sums` `(` $col_sums `)`
    `weight` `(` $weight_alpha `,` $weight_beta `)`
    `act` `(` $act_scale `,` $act_offset `)` `k` `(` $k `)` attr-dict
    `:` type($products) `,` type($row_sums) `,` type($col_sums) `,`
    type($weight_alpha) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // BQ_DIALECT_BQ_IR_BQOPS_TD
