"""bq-opt's compile-time quantization (--bq-fold-constants, the C++
quantizer) equals the pure-numpy reference, code for code."""

import itertools

import numpy as np
import pytest

from bq import reference as ref
from data import DISTS, sample
from mlir_text import dense_hex, function_results, run_bq_opt, tensor_type


def quantize_func(name, w, bits, method, scale, granularity, axis):
    ftype = tensor_type(w.shape, "f32")
    ctype = tensor_type(w.shape, "i8")
    stype = (tensor_type((), "f32") if granularity == "tensor"
             else tensor_type((w.shape[axis],), "f32"))
    axis_text = f" axis({axis})" if granularity == "channel" else ""
    return f"""
func.func @{name}() -> ({ctype}, {stype}, {stype}) {{
  %w = arith.constant {dense_hex(w)} : {ftype}
  %c, %a, %b = bq.balanced_quantize %w bits({bits}) method({method})
      scale({scale}) granularity({granularity}){axis_text}
      : {ftype} -> {ctype}, {stype}
  return %c, %a, %b : {ctype}, {stype}, {stype}
}}"""


def check_cases(bq_opt, cases):
    text = "".join(quantize_func(f"f{i}", *case) for i, case in
                   enumerate(cases))
    out, _ = run_bq_opt(bq_opt, text, "--bq-fold-constants",
                        "--mlir-print-elementsattrs-with-hex-if-larger=0")
    results = function_results(out)
    assert len(results) == len(cases)
    for i, (w, bits, method, scale, granularity, axis) in enumerate(cases):
        codes, alpha, beta = results[f"f{i}"]
        exp_codes, exp_alpha, exp_beta = ref.quantize(
            w, bits, method, scale, granularity, axis)
        what = f"case {i}: {w.shape} bits={bits} {method} {scale} " \
               f"{granularity} axis={axis}"
        assert np.array_equal(codes.view(np.uint8), exp_codes), what
        tol = 1e-6 * max(1.0, float(np.abs(w).max()))
        assert np.allclose(alpha, exp_alpha, rtol=1e-5, atol=tol), what
        assert np.allclose(beta, exp_beta, rtol=1e-5, atol=tol), what


@pytest.mark.parametrize("method", ref.METHODS)
def test_tensor_granularity(bq_opt, method):
    rng = np.random.default_rng(hash(method) % 1000)
    cases = []
    for dist, size, bits in itertools.product(
            DISTS, [1, 2, 3, 17, 64, 257, 4096], range(1, 9)):
        w = sample(rng, dist, (size,)).astype(np.float32)
        scale = ref.SCALES[(size + bits) % 3]
        cases.append((w, bits, method, scale, "tensor", 0))
    check_cases(bq_opt, cases)


@pytest.mark.parametrize("method", ref.METHODS)
def test_channel_granularity(bq_opt, method):
    rng = np.random.default_rng(7)
    cases = []
    for dist, shape, bits in itertools.product(
            DISTS, [(64, 32), (3, 3, 8, 16), (5, 1)], [1, 2, 3, 4, 8]):
        w = sample(rng, dist, shape).astype(np.float32)
        for axis in {0, len(shape) - 1}:
            cases.append((w, bits, method, "lsq", "channel", axis))
    check_cases(bq_opt, cases)


def test_large_tensor(bq_opt):
    rng = np.random.default_rng(11)
    w = rng.normal(0, 0.02, (256, 400)).astype(np.float32)
    check_cases(bq_opt, [(w, bits, method, "lsq", "tensor", 0)
                         for bits in (2, 8) for method in ref.METHODS])


def test_report_matches_reference_stats(bq_opt):
    rng = np.random.default_rng(3)
    w = rng.normal(0, 0.05, (40, 30)).astype(np.float32)
    for method, bits in [("exact", 2), ("mean", 3), ("uniform", 2)]:
        _, err = run_bq_opt(bq_opt, quantize_func("f", w, bits, method, "lsq",
                                                  "tensor", 0),
                            "--bq-quant-report")
        codes, alpha, beta = ref.quantize(w, bits, method, "lsq")
        pops, entropy, rel = ref.stats(w, codes, alpha, beta, bits)
        assert f"populations min={pops.min()} max={pops.max()}" in err
        assert f"entropy={entropy:.3f}/{bits} bits" in err
        assert f"relative MSE={rel:.4f}" in err


def test_nan_weight_is_an_error(bq_opt):
    w = np.array([[0.5, np.nan], [1.0, 2.0]], dtype=np.float32)
    with pytest.raises(RuntimeError, match=r"element \[0, 1\] is NaN"):
        run_bq_opt(bq_opt, quantize_func("f", w, 2, "exact", "lsq", "tensor",
                                         0), "--bq-fold-constants")
