"""The CPU path (--bq-cpu-pipeline: bq-decompose, convert-bq-to-vector, the
vectorized bit-serial kernel) run by mlir-runner, against bq.reference:

- the integer products P = codes(x) @ codes(w) exactly;
- the float results Y by formula 1.3 up to float rounding, and the same Y
  as the float reference lowering (--bq-lower-to-reference).

The weight codes, alpha and beta come from the pure-numpy reference, so the
compiled path is checked against code it shares nothing with."""

import itertools

import numpy as np
import pytest

from bq import reference as ref
from jit import run_module
from mlir_text import dense_hex, tensor_type

BIT_PAIRS = [(1, 1), (1, 8), (2, 2), (2, 8), (3, 3), (4, 4), (8, 8)]
KS = [1, 63, 64, 65, 100, 1000]
M, N = 5, 7  # remainders for every micro-tile shape


def case_funcs(idx, k, n, wbits, abits, codes, alpha, beta, act_range):
    """(@y{idx}, @p{idx}): the quantized matmul and its integer part."""
    granularity_type = tensor_type(np.shape(alpha), "f32")
    lo, hi = act_range
    range_text = (f"act_range(static) lo({lo}) hi({hi})" if lo is not None
                  else "act_range(dynamic)")
    act_range_text = range_text.replace("act_range", "range")
    codes_i8 = codes.astype(np.int8)
    words = (k + 63) // 64
    acc = "i64"
    return f"""
func.func @y{idx}(%x: tensor<?x{k}xf32>) -> tensor<?x{n}xf32> {{
  %c = arith.constant {dense_hex(codes_i8)} : tensor<{k}x{n}xi8>
  %a = arith.constant {dense_hex(np.asarray(alpha, np.float32))} : {granularity_type}
  %b = arith.constant {dense_hex(np.asarray(beta, np.float32))} : {granularity_type}
  %y = bq.quantized_matmul %x, %c, %a, %b weight_bits({wbits})
      act_bits({abits}) {range_text}
      : tensor<?x{k}xf32>, tensor<{k}x{n}xi8>, {granularity_type} -> tensor<?x{n}xf32>
  return %y : tensor<?x{n}xf32>
}}""", f"""
func.func @p{idx}(%x: tensor<?x{k}xf32>) -> tensor<?x{n}x{acc}> {{
  %ct = arith.constant {dense_hex(np.ascontiguousarray(codes_i8.T))} : tensor<{n}x{k}xi8>
  %wp = bq.pack %ct bits({wbits}) : tensor<{n}x{k}xi8> -> tensor<{wbits}x{n}x{words}xi64>
  %ca, %s, %o = bq.quantize_activations %x bits({abits}) {act_range_text}
      : tensor<?x{k}xf32> -> tensor<?x{k}xi8>
  %ap = bq.pack %ca bits({abits}) : tensor<?x{k}xi8> -> tensor<{abits}x?x{words}xi64>
  %p = bq.bitserial_matmul %ap, %wp k({k})
      : tensor<{abits}x?x{words}xi64>, tensor<{wbits}x{n}x{words}xi64> -> tensor<?x{n}x{acc}>
  return %p : tensor<?x{n}x{acc}>
}}"""


def build_cases(seed):
    rng = np.random.default_rng(seed)
    cases = []
    methods = itertools.cycle(ref.METHODS)
    granularities = itertools.cycle(["tensor", "channel", "channel"])
    for (wbits, abits), k in itertools.product(BIT_PAIRS, KS):
        method, granularity = next(methods), next(granularities)
        w = rng.laplace(0, 0.05, (k, N)).astype(np.float32)
        x = rng.normal(0, 1, (M, k)).astype(np.float32)
        act_range = (-2.0, 2.5) if (k + wbits) % 3 == 0 else (None, None)
        codes, alpha, beta = ref.quantize(w, wbits, method, "lsq",
                                          granularity, 1)
        cases.append(dict(k=k, wbits=wbits, abits=abits, x=x, codes=codes,
                          alpha=alpha, beta=beta, act_range=act_range,
                          what=f"W{wbits}A{abits} K={k} {method} "
                               f"{granularity} range={act_range}"))
    return cases


@pytest.fixture(scope="module")
def sweep(bq_opt):
    cases = build_cases(5)
    pairs = [case_funcs(i, c["k"], N, c["wbits"], c["abits"], c["codes"],
                        c["alpha"], c["beta"], c["act_range"])
             for i, c in enumerate(cases)]
    yfuncs = "".join(y for y, _ in pairs)
    funcs = yfuncs + "".join(p for _, p in pairs)
    calls = []
    for i, c in enumerate(cases):
        xtype = f"tensor<?x{c['k']}xf32>"
        calls.append((f"y{i}", [c["x"]], [xtype], [f"tensor<?x{N}xf32>"]))
        calls.append((f"p{i}", [c["x"]], [xtype], [f"tensor<?x{N}xi64>"]))
    cpu = run_module(bq_opt, funcs, calls, ["--bq-cpu-pipeline"], lower=False)
    ycalls = [c for c in calls if c[0].startswith("y")]
    reference = run_module(bq_opt, yfuncs, ycalls, ["--bq-lower-to-reference"])
    return cases, cpu, reference


def test_integer_part_is_exact(sweep):
    cases, cpu, _ = sweep
    for i, c in enumerate(cases):
        ca, _, _ = ref.quantize_activations(c["x"], c["abits"], *c["act_range"])
        a_planes = ref.pack(ca, c["abits"])
        w_planes = ref.pack(c["codes"].T, c["wbits"])
        expected = ref.bitserial_product(a_planes, w_planes)
        assert np.array_equal(expected, ca.astype(np.int64) @
                              c["codes"].astype(np.int64)), c["what"]
        assert np.array_equal(cpu[2 * i + 1], expected), c["what"]


def test_results_match_formula(sweep):
    cases, cpu, _ = sweep
    for i, c in enumerate(cases):
        y, _ = ref.quantized_matmul(c["x"], c["codes"], c["alpha"], c["beta"],
                                    c["abits"], *c["act_range"])
        scale = max(1.0, float(np.abs(y).max()))
        np.testing.assert_allclose(cpu[2 * i], y, rtol=1e-5,
                                   atol=1e-5 * scale, err_msg=c["what"])


def test_results_match_reference_lowering(sweep):
    cases, cpu, reference = sweep
    for i, c in enumerate(cases):
        scale = max(1.0, float(np.abs(reference[i]).max()))
        np.testing.assert_allclose(cpu[2 * i], reference[i], rtol=1e-4,
                                   atol=1e-4 * scale, err_msg=c["what"])
