"""The pure-numpy reference against hand-derived cases and independent
numpy computations (DESIGN.md section 1)."""

import numpy as np
import pytest

from bq import reference as ref


def test_exact_tie_rule_by_hand():
    # T = sorted[2] = 1; {w < 1} is empty, so everything goes right.
    assert ref.slice_codes([1, 1, 1, 2], 1, "exact").tolist() == [1, 1, 1, 1]
    assert ref.slice_codes([2, 1, 2, 1], 1, "exact").tolist() == [1, 0, 1, 0]
    assert ref.slice_codes([0, 5, 0, 9, 5, 0], 2, "exact").tolist() == \
        [1, 3, 1, 3, 3, 1]


@pytest.mark.parametrize("bits", range(1, 9))
def test_exact_is_rank_based_for_distinct_values(bits):
    rng = np.random.default_rng(bits)
    n = 1 << bits
    w = rng.permutation(np.arange(n * 7, dtype=np.float32)) * 0.01
    codes = ref.slice_codes(w, bits, "exact")
    rank = np.argsort(np.argsort(w, kind="stable"), kind="stable")
    assert np.array_equal(codes, rank * n // w.size)


def test_mean_by_hand():
    assert ref.slice_codes([4, 1, 3, 2], 2, "mean").tolist() == [3, 0, 2, 1]


def test_uniform_rounds_half_to_even():
    # (w - 0) / 4 * 3: 0, 0.75, 1.5, 2.25, 3 -> 0, 1, 2, 2, 3.
    assert ref.slice_codes([0, 1, 2, 3, 4], 2, "uniform").tolist() == \
        [0, 1, 2, 2, 3]
    assert ref.slice_codes([2, 2], 3, "uniform").tolist() == [0, 0]


def test_lsq_matches_polyfit():
    rng = np.random.default_rng(0)
    w = rng.normal(size=500).astype(np.float32)
    codes = ref.slice_codes(w, 3, "exact")
    alpha, beta = ref.slice_scale(w, codes, 3, "lsq")
    fit_alpha, fit_beta = np.polyfit(codes.astype(np.float64),
                                     w.astype(np.float64), 1)
    assert alpha == pytest.approx(fit_alpha, rel=1e-9)
    assert beta == pytest.approx(fit_beta, rel=1e-9, abs=1e-12)


def test_scales_by_hand():
    w = np.array([-0.5, 0.25, 2.0, -3.0], dtype=np.float32)
    codes = np.array([1, 2, 3, 0])
    assert ref.slice_scale(w, codes, 2, "max") == (2.0, -3.0)
    assert ref.slice_scale(w, codes, 2, "minmax") == (5.0 / 3.0, -3.0)
    assert ref.slice_scale(w, [1, 1, 1, 1], 2, "lsq") == (0.0, -0.3125)


def test_channel_granularity_slices_along_axis():
    w = np.array([[1, 10], [2, 40], [3, 20], [4, 30]], dtype=np.float32)
    codes, alpha, beta = ref.quantize(w, 1, "exact", "lsq", "channel", 1)
    assert codes.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert alpha.tolist() == [2.0, 20.0]
    assert beta.tolist() == [1.5, 15.0]


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="bits"):
        ref.quantize([1.0], 9)
    with pytest.raises(ValueError, match="not finite"):
        ref.quantize([1.0, np.nan], 2)
    with pytest.raises(ValueError, match="method"):
        ref.quantize([1.0], 2, method="median")
    with pytest.raises(ValueError, match="axis"):
        ref.quantize(np.zeros((2, 2)), 2, granularity="channel", axis=2)


def test_activations_by_hand():
    x = np.array([-1.0, 0.0, 0.5, 1.0, 0.25], dtype=np.float32)
    codes, s, lo = ref.quantize_activations(x, 2)
    assert codes.tolist() == [0, 2, 2, 3, 2]
    assert s == np.float32(2.0) / np.float32(3.0) and lo == -1.0
    codes, s, _ = ref.quantize_activations(x, 1, 0.0, 1.0)
    assert codes.tolist() == [0, 0, 0, 1, 0] and s == 1.0
    codes, s, _ = ref.quantize_activations(x, 8, 2.0, 2.0)
    assert s == 1.0 and codes.tolist() == [0] * 5


def test_pack_layout_and_round_trip():
    codes = np.zeros((2, 66), dtype=np.uint8)
    codes[0, 0], codes[0, 65], codes[1, 3] = 1, 2, 3
    planes = ref.pack(codes, 2)
    assert planes.shape == (2, 2, 2)
    assert planes[0, 0].tolist() == [1, 0]
    assert planes[1, 0].tolist() == [0, 2]
    assert planes[0, 1].tolist() == [8, 0]
    assert planes[1, 1].tolist() == [8, 0]
    rng = np.random.default_rng(1)
    random = rng.integers(0, 8, size=(3, 130), dtype=np.uint8)
    assert np.array_equal(ref.unpack(ref.pack(random, 3), 130), random)


@pytest.mark.parametrize("ka,kw,k", [(1, 1, 64), (2, 2, 100), (8, 3, 65),
                                     (4, 4, 1)])
def test_bitserial_product_is_exact(ka, kw, k):
    rng = np.random.default_rng(k)
    a = rng.integers(0, 1 << ka, size=(3, k))
    w = rng.integers(0, 1 << kw, size=(k, 5))
    p = ref.bitserial_product(ref.pack(a, ka), ref.pack(w.T, kw))
    assert np.array_equal(p, a @ w)


def test_quantized_matmul_equals_dequantized_float_matmul():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 37)).astype(np.float32)
    w = rng.normal(size=(37, 6)).astype(np.float32)
    codes, alpha, beta = ref.quantize(w, 2, "exact", "lsq", "channel", 1)
    y, _ = ref.quantized_matmul(x, codes, alpha, beta, 3)
    ca, s, lo = ref.quantize_activations(x, 3)
    expected = (float(s) * ca + float(lo)) @ ref.dequantize(
        codes, alpha, beta, "channel", 1)
    assert np.allclose(y, expected, rtol=1e-9, atol=1e-9)
