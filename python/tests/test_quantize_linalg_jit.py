"""End to end through the JIT: linalg models quantized by
--bq-quantize-linalg, lowered by --bq-lower-to-reference, compiled to LLVM
and run by mlir-runner, equal bq.reference's quantized matmul (formula 1.3)
applied to the same weights by numpy's own reshapes and im2col."""

import numpy as np
import pytest

from bq import reference as ref
from jit import run_function
from mlir_text import dense_hex, tensor_type

PASSES_REFERENCE = ["--bq-quantize-linalg={opts}", "--bq-lower-to-reference"]


def passes(opts):
    return [p.format(opts=opts) for p in PASSES_REFERENCE]


def qmm(x2, w_kn, wbits, abits, method="exact", granularity="tensor",
        act_range=(None, None)):
    codes, alpha, beta = ref.quantize(w_kn, wbits, method, "lsq",
                                      granularity, 1)
    y, _ = ref.quantized_matmul(x2, codes, alpha, beta, abits, *act_range)
    return y


def check(result, expected):
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(result, expected, rtol=1e-4, atol=1e-4 * scale)


RNG = np.random.default_rng(2026)


def f32(*shape, scale=1.0):
    return (RNG.normal(size=shape) * scale).astype(np.float32)


@pytest.mark.parametrize("wbits,abits,method,granularity", [
    (2, 8, "exact", "tensor"), (1, 1, "mean", "channel"),
    (3, 3, "uniform", "channel"), (4, 4, "exact", "channel")])
def test_matmul_dynamic_m(bq_opt, wbits, abits, method, granularity):
    w = f32(20, 6, scale=0.1)
    x = f32(5, 20)
    func = f"""
func.func @f(%x: tensor<?x20xf32>) -> tensor<?x6xf32> {{
  %w = arith.constant {dense_hex(w)} : tensor<20x6xf32>
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x20xf32>
  %e = tensor.empty(%m) : tensor<?x6xf32>
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%e : tensor<?x6xf32>) -> tensor<?x6xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x20xf32>, tensor<20x6xf32>)
                     outs(%acc : tensor<?x6xf32>) -> tensor<?x6xf32>
  return %y : tensor<?x6xf32>
}}"""
    opts = (f"weight-bits={wbits} act-bits={abits} method={method} "
            f"granularity={granularity}")
    [y] = run_function(bq_opt, func, "f", [x], ["tensor<?x20xf32>"],
                       ["tensor<?x6xf32>"], passes(opts))
    check(y, qmm(x, w, wbits, abits, method, granularity))


def test_matmul_bias_init_and_static_range(bq_opt):
    w, x, bias = f32(8, 3, scale=0.2), f32(4, 8), f32(4, 3)
    func = f"""
func.func @f(%x: tensor<4x8xf32>, %b: tensor<4x3xf32>) -> tensor<4x3xf32> {{
  %w = arith.constant {dense_hex(w)} : tensor<8x3xf32>
  %y = linalg.matmul {{bq.act_range = array<f32: -1.0, 1.5>}}
      ins(%x, %w : tensor<4x8xf32>, tensor<8x3xf32>)
      outs(%b : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}}"""
    [y] = run_function(bq_opt, func, "f", [x, bias],
                       ["tensor<4x8xf32>", "tensor<4x3xf32>"],
                       ["tensor<4x3xf32>"], passes("act-bits=4"))
    check(y, bias + qmm(x, w, 2, 4, act_range=(-1.0, 1.5)))


def test_batch_matmul_shared_weights(bq_opt):
    w, x = f32(6, 5, scale=0.1), f32(3, 4, 6)
    func = f"""
func.func @f(%x: tensor<?x4x6xf32>) -> tensor<?x4x5xf32> {{
  %w = arith.constant {dense_hex(w)} : tensor<6x5xf32>
  %c0 = arith.constant 0 : index
  %b = tensor.dim %x, %c0 : tensor<?x4x6xf32>
  %e = tensor.empty(%b) : tensor<?x6x5xf32>
  %wb = linalg.broadcast ins(%w : tensor<6x5xf32>) outs(%e : tensor<?x6x5xf32>)
      dimensions = [0]
  %o = tensor.empty(%b) : tensor<?x4x5xf32>
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%o : tensor<?x4x5xf32>) -> tensor<?x4x5xf32>
  %y = linalg.batch_matmul ins(%x, %wb : tensor<?x4x6xf32>, tensor<?x6x5xf32>)
      outs(%acc : tensor<?x4x5xf32>) -> tensor<?x4x5xf32>
  return %y : tensor<?x4x5xf32>
}}"""
    [y] = run_function(bq_opt, func, "f", [x], ["tensor<?x4x6xf32>"],
                       ["tensor<?x4x5xf32>"], passes("weight-bits=3"))
    check(y, qmm(x.reshape(12, 6), w, 3, 8).reshape(3, 4, 5))


def test_batch_matmul_per_batch_weights(bq_opt):
    w, x, init = f32(2, 6, 5, scale=0.1), f32(2, 4, 6), f32(2, 4, 5)
    func = f"""
func.func @f(%x: tensor<2x4x6xf32>, %i: tensor<2x4x5xf32>) -> tensor<2x4x5xf32> {{
  %w = arith.constant {dense_hex(w)} : tensor<2x6x5xf32>
  %y = linalg.batch_matmul ins(%x, %w : tensor<2x4x6xf32>, tensor<2x6x5xf32>)
      outs(%i : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  return %y : tensor<2x4x5xf32>
}}"""
    [y] = run_function(bq_opt, func, "f", [x, init],
                       ["tensor<2x4x6xf32>", "tensor<2x4x5xf32>"],
                       ["tensor<2x4x5xf32>"], passes("granularity=channel"))
    expected = np.stack([qmm(x[b], w[b], 2, 8, granularity="channel")
                         for b in range(2)]) + init
    check(y, expected)


def test_matvec_and_vecmat(bq_opt):
    a, v, b = f32(7, 9, scale=0.1), f32(9), f32(9, 7, scale=0.1)
    func = f"""
func.func @f(%v: tensor<9xf32>) -> (tensor<7xf32>, tensor<7xf32>) {{
  %a = arith.constant {dense_hex(a)} : tensor<7x9xf32>
  %b = arith.constant {dense_hex(b)} : tensor<9x7xf32>
  %e = tensor.empty() : tensor<7xf32>
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%e : tensor<7xf32>) -> tensor<7xf32>
  %y0 = linalg.matvec ins(%a, %v : tensor<7x9xf32>, tensor<9xf32>)
      outs(%acc : tensor<7xf32>) -> tensor<7xf32>
  %y1 = linalg.vecmat ins(%v, %b : tensor<9xf32>, tensor<9x7xf32>)
      outs(%acc : tensor<7xf32>) -> tensor<7xf32>
  return %y0, %y1 : tensor<7xf32>, tensor<7xf32>
}}"""
    y0, y1 = run_function(bq_opt, func, "f", [v], ["tensor<9xf32>"],
                          ["tensor<7xf32>", "tensor<7xf32>"],
                          passes("act-bits=3"))
    check(y0, qmm(v[None, :], a.T, 2, 3)[0])
    check(y1, qmm(v[None, :], b, 2, 3)[0])


def im2col(x, kh, kw, stride, dilation, ho, wo, order):
    """Patches [N*Ho*Wo, Kpatch] of an NHWC input, the patch flattened in
    `order` ("hwc" or "chw")."""
    n = x.shape[0]
    rows = []
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                patch = x[b, i * stride:i * stride + (kh - 1) * dilation + 1:
                          dilation,
                          j * stride:j * stride + (kw - 1) * dilation + 1:
                          dilation, :]
                if order == "chw":
                    patch = patch.transpose(2, 0, 1)
                rows.append(patch.ravel())
    return np.array(rows, dtype=np.float32)


@pytest.mark.parametrize("stride,dilation", [(1, 1), (2, 1), (1, 2)])
def test_conv_nhwc(bq_opt, stride, dilation):
    x, f = f32(2, 7, 7, 3), f32(3, 3, 3, 4, scale=0.2)
    span = 2 * dilation + 1
    ho = (7 - span) // stride + 1
    out = tensor_type((2, ho, ho, 4), "f32").replace("tensor<2x", "tensor<?x")
    func = f"""
func.func @f(%x: tensor<?x7x7x3xf32>) -> {out} {{
  %w = arith.constant {dense_hex(f)} : tensor<3x3x3x4xf32>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x7x7x3xf32>
  %e = tensor.empty(%n) : {out}
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%e : {out}) -> {out}
  %y = linalg.conv_2d_nhwc_hwcf {{strides = dense<{stride}> : tensor<2xi64>,
                                  dilations = dense<{dilation}> : tensor<2xi64>}}
      ins(%x, %w : tensor<?x7x7x3xf32>, tensor<3x3x3x4xf32>)
      outs(%acc : {out}) -> {out}
  return %y : {out}
}}"""
    [y] = run_function(bq_opt, func, "f", [x], ["tensor<?x7x7x3xf32>"], [out],
                       passes("granularity=channel"))
    patches = im2col(x, 3, 3, stride, dilation, ho, ho, "hwc")
    expected = qmm(patches, f.reshape(27, 4), 2, 8, granularity="channel")
    check(y, expected.reshape(2, ho, ho, 4))


def test_conv_nchw_with_bias_init(bq_opt):
    x, f, init = f32(1, 2, 6, 6), f32(3, 2, 2, 2, scale=0.3), f32(1, 3, 3, 3)
    func = f"""
func.func @f(%x: tensor<1x2x6x6xf32>, %i: tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32> {{
  %w = arith.constant {dense_hex(f)} : tensor<3x2x2x2xf32>
  %y = linalg.conv_2d_nchw_fchw {{strides = dense<2> : tensor<2xi64>,
                                  dilations = dense<1> : tensor<2xi64>}}
      ins(%x, %w : tensor<1x2x6x6xf32>, tensor<3x2x2x2xf32>)
      outs(%i : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  return %y : tensor<1x3x3x3xf32>
}}"""
    [y] = run_function(bq_opt, func, "f", [x, init],
                       ["tensor<1x2x6x6xf32>", "tensor<1x3x3x3xf32>"],
                       ["tensor<1x3x3x3xf32>"], passes("weight-bits=4"))
    patches = im2col(x.transpose(0, 2, 3, 1), 2, 2, 2, 1, 3, 3, "chw")
    expected = qmm(patches, f.reshape(3, 8).T, 4, 8)
    check(y, expected.reshape(1, 3, 3, 3).transpose(0, 3, 1, 2) + init)


def test_generic_contraction_with_nk_weight(bq_opt):
    w, x = f32(5, 12, scale=0.1), f32(3, 12)
    func = f"""
#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
func.func @f(%x: tensor<?x12xf32>) -> tensor<?x5xf32> {{
  %w = arith.constant {dense_hex(w)} : tensor<5x12xf32>
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x12xf32>
  %e = tensor.empty(%m) : tensor<?x5xf32>
  %z = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%z : f32) outs(%e : tensor<?x5xf32>) -> tensor<?x5xf32>
  %y = linalg.generic {{indexing_maps = [#mk, #nk, #mn],
                       iterator_types = ["parallel", "parallel", "reduction"]}}
      ins(%x, %w : tensor<?x12xf32>, tensor<5x12xf32>)
      outs(%acc : tensor<?x5xf32>) {{
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }} -> tensor<?x5xf32>
  return %y : tensor<?x5xf32>
}}"""
    [y] = run_function(bq_opt, func, "f", [x], ["tensor<?x12xf32>"],
                       ["tensor<?x5xf32>"], passes("method=mean"))
    check(y, qmm(x, w.T, 2, 8, "mean"))
