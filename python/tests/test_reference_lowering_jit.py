"""bq.quantize_activations lowered by --bq-lower-to-reference and run by
mlir-runner gives exactly bq.reference's codes, scale and offset."""

import numpy as np
import pytest

from bq import reference as ref
from jit import run_function


def activation_func(bits, range_text):
    return f"""
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @f(%x: tensor<?x33xf32>) -> (tensor<?x33xf32>, tensor<4xf32>) {{
  %c, %s, %o = bq.quantize_activations %x bits({bits}) {range_text}
      : tensor<?x33xf32> -> tensor<?x33xi8>
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x33xf32>
  %e = tensor.empty(%m) : tensor<?x33xf32>
  %f = linalg.generic {{indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel"]}}
      ins(%c : tensor<?x33xi8>) outs(%e : tensor<?x33xf32>) {{
  ^bb0(%in: i8, %out: f32):
    %v = arith.uitofp %in : i8 to f32
    linalg.yield %v : f32
  }} -> tensor<?x33xf32>
  // Scale and offset bit patterns as 16-bit halves, exact in f32 printing.
  %sb = arith.bitcast %s : f32 to i32
  %ob = arith.bitcast %o : f32 to i32
  %c16 = arith.constant 16 : i32
  %mask = arith.constant 65535 : i32
  %sh = arith.shrui %sb, %c16 : i32
  %sl = arith.andi %sb, %mask : i32
  %oh = arith.shrui %ob, %c16 : i32
  %ol = arith.andi %ob, %mask : i32
  %shf = arith.uitofp %sh : i32 to f32
  %slf = arith.uitofp %sl : i32 to f32
  %ohf = arith.uitofp %oh : i32 to f32
  %olf = arith.uitofp %ol : i32 to f32
  %params = tensor.from_elements %shf, %slf, %ohf, %olf : tensor<4xf32>
  return %f, %params : tensor<?x33xf32>, tensor<4xf32>
}}"""


@pytest.mark.parametrize("bits", [1, 2, 3, 4, 8])
@pytest.mark.parametrize("static", [False, True])
def test_activation_codes_are_exact(bq_opt, bits, static):
    rng = np.random.default_rng(bits)
    x = rng.normal(size=(6, 33)).astype(np.float32)
    # Values exactly on grid midpoints exercise round-half-to-even.
    x[0, :9] = np.linspace(-1, 1, 9, dtype=np.float32)
    lo, hi = (-1.0, 1.5) if static else (None, None)
    range_text = (f"range(static) lo({lo}) hi({hi})" if static
                  else "range(dynamic)")
    codes, params = run_function(
        bq_opt, activation_func(bits, range_text), "f", [x],
        ["tensor<?x33xf32>"], ["tensor<?x33xf32>", "tensor<4xf32>"],
        ["--bq-lower-to-reference"])
    expected, scale, offset = ref.quantize_activations(x, bits, lo, hi)
    assert np.array_equal(codes, expected.astype(np.float64))
    halves = params.astype(np.uint32)
    bits_of = lambda v: int(np.float32(v).view(np.uint32))
    assert (int(halves[0]) << 16 | int(halves[1])) == bits_of(scale)
    assert (int(halves[2]) << 16 | int(halves[3])) == bits_of(offset)
