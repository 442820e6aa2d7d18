"""Cases shared by the JIT sweeps of the CPU and GPU paths: quantized
matmuls of every bit-width pair and awkward K, with weight codes, alpha and
beta from the pure-numpy reference."""

import itertools

import numpy as np

from bq import reference as ref
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


def build_cases(seed, m=None, n=None, ks=None):
    """One case per (bit pair, K) with m x K activations, n columns."""
    m, n = m or M, n or N
    rng = np.random.default_rng(seed)
    cases = []
    methods = itertools.cycle(ref.METHODS)
    granularities = itertools.cycle(["tensor", "channel", "channel"])
    for (wbits, abits), k in itertools.product(BIT_PAIRS, ks or KS):
        method, granularity = next(methods), next(granularities)
        w = rng.laplace(0, 0.05, (k, n)).astype(np.float32)
        x = rng.normal(0, 1, (m, k)).astype(np.float32)
        act_range = (-2.0, 2.5) if (k + wbits) % 3 == 0 else (None, None)
        codes, alpha, beta = ref.quantize(w, wbits, method, "lsq",
                                          granularity, 1)
        cases.append(dict(k=k, wbits=wbits, abits=abits, x=x, codes=codes,
                          alpha=alpha, beta=beta, act_range=act_range,
                          what=f"W{wbits}A{abits} K={k} {method} "
                               f"{granularity} range={act_range}"))
    return cases


def sweep_calls(cases, n=N):
    """(y functions, p functions, calls): for case i, @y{i} is the quantized
    matmul and @p{i} its integer part, each called on the case's x."""
    pairs = [case_funcs(i, c["k"], n, c["wbits"], c["abits"], c["codes"],
                        c["alpha"], c["beta"], c["act_range"])
             for i, c in enumerate(cases)]
    calls = []
    for i, c in enumerate(cases):
        xtype = f"tensor<?x{c['k']}xf32>"
        calls.append((f"y{i}", [c["x"]], [xtype], [f"tensor<?x{n}xf32>"]))
        calls.append((f"p{i}", [c["x"]], [xtype], [f"tensor<?x{n}xi64>"]))
    return ("".join(y for y, _ in pairs), "".join(p for _, p in pairs),
            calls)


def expected_products(case):
    """The exact integer part P = codes(x) @ codes(w) of a case, in numpy."""
    ca, _, _ = ref.quantize_activations(case["x"], case["abits"],
                                        *case["act_range"])
    return ca.astype(np.int64) @ case["codes"].astype(np.int64)


def check_products_exact(cases, results):
    """results[2 i + 1] is case i's P: equal to numpy's exactly."""
    for i, c in enumerate(cases):
        assert np.array_equal(results[2 * i + 1], expected_products(c)), \
            c["what"]


def check_matches_formula(cases, results):
    """results[2 i] is case i's Y: equal to formula 1.3 (bq.reference) up
    to float rounding."""
    for i, c in enumerate(cases):
        y, _ = ref.quantized_matmul(c["x"], c["codes"], c["alpha"], c["beta"],
                                    c["abits"], *c["act_range"])
        scale = max(1.0, float(np.abs(y).max()))
        np.testing.assert_allclose(results[2 * i], y, rtol=1e-5,
                                   atol=1e-5 * scale, err_msg=c["what"])
