"""The Python package: the C++ quantizer bound to numpy equals the
pure-numpy reference code for code; compile-and-run of models written by
bq.model equals bq.reference end to end; bad input raises."""

import itertools

import numpy as np
import pytest

import bq
from bq import reference as ref
from data import DISTS, sample


@pytest.mark.parametrize("method", ref.METHODS)
@pytest.mark.parametrize("scale", ref.SCALES)
def test_quantize_equals_reference(method, scale):
    rng = np.random.default_rng(hash((method, scale)) % 2**32)
    for dist, size, bits in itertools.product(DISTS, [1, 2, 17, 1000],
                                              range(1, 9)):
        w = sample(rng, dist, size).astype(np.float32)
        codes, alpha, beta = bq.quantize(w, bits, method, scale)
        e_codes, e_alpha, e_beta = ref.quantize(w, bits, method, scale)
        assert codes.dtype == np.uint8 and codes.shape == w.shape
        assert alpha.shape == () and beta.shape == ()
        assert np.array_equal(codes, e_codes), (dist, size, bits)
        assert np.allclose(alpha, e_alpha, rtol=1e-9, atol=1e-12)
        assert np.allclose(beta, e_beta, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("method", ref.METHODS)
def test_quantize_large_and_channels_equal_reference(method):
    rng = np.random.default_rng(3)
    w = rng.normal(0, 0.02, 100000).astype(np.float32)
    for bits in (1, 2, 5, 8):
        assert np.array_equal(bq.quantize(w, bits, method)[0],
                              ref.quantize(w, bits, method)[0])
    w4 = rng.laplace(0, 0.1, (3, 5, 4, 6)).astype(np.float32)
    for axis in (0, 1, -1):
        codes, alpha, beta = bq.quantize(w4, 3, method, "lsq", "channel", axis)
        e_codes, e_alpha, e_beta = ref.quantize(w4, 3, method, "lsq",
                                                "channel", axis)
        assert alpha.shape == (w4.shape[axis],)
        assert np.array_equal(codes, e_codes)
        assert np.allclose(alpha, e_alpha) and np.allclose(beta, e_beta)


def test_activations_pack_stats_equal_reference():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(7, 130)).astype(np.float32)
    for bits in range(1, 9):
        for lo, hi in [(None, None), (-1.0, 2.0)]:
            codes, s, o = bq.quantize_activations(x, bits, lo, hi)
            e_codes, e_s, e_o = ref.quantize_activations(x, bits, lo, hi)
            assert np.array_equal(codes, e_codes)
            assert np.float32(s) == e_s and np.float32(o) == e_o
        planes = bq.pack(codes, bits)
        assert np.array_equal(planes, ref.pack(codes, bits))
        assert np.array_equal(bq.unpack(planes, 130), codes)
    w = rng.normal(size=(40, 6)).astype(np.float32)
    codes, alpha, beta = bq.quantize(w, 2, "exact", "lsq", "channel", 1)
    s = bq.stats(w, codes, alpha, beta, 2, "channel", 1)
    for c in range(6):
        pops, entropy, rel = ref.stats(w[:, c], codes[:, c], alpha[c],
                                       beta[c], 2)
        assert np.array_equal(s["populations"][c], pops)
        assert s["entropy_bits"][c] == pytest.approx(entropy)
        assert s["relative_mse"][c] == pytest.approx(rel)


def test_bad_inputs_raise_value_error():
    w = np.ones(4, dtype=np.float32)
    with pytest.raises(ValueError, match=r"bits must be in \[1, 8\], got 9"):
        bq.quantize(w, 9)
    with pytest.raises(ValueError, match="unknown method 'median'"):
        bq.quantize(w, 2, method="median")
    with pytest.raises(ValueError, match="unknown scale"):
        bq.quantize(w, 2, scale="l2")
    with pytest.raises(ValueError, match="unknown granularity"):
        bq.quantize(w, 2, granularity="row")
    with pytest.raises(ValueError, match="axis 1 is out of range"):
        bq.quantize(w, 2, granularity="channel", axis=1)
    with pytest.raises(ValueError, match=r"element \[1, 0\] is NaN"):
        bq.quantize(np.array([[1, 2], [np.nan, 3]], np.float32), 2)
    with pytest.raises(ValueError, match="not finite"):
        bq.quantize_activations(np.array([np.inf], np.float32), 2)
    with pytest.raises(ValueError, match="both lo and hi"):
        bq.quantize_activations(w, 2, lo=0.0)
    with pytest.raises(ValueError, match="2-D"):
        bq.pack(np.zeros(3, np.uint8), 2)


def test_compile_errors_raise_with_the_diagnostics():
    with pytest.raises(ValueError, match="Dialect `foo' not found"):
        bq.compile("func.func @f() {\n  %x = foo.bar\n}")
    with pytest.raises(ValueError, match="bad pipeline"):
        bq.compile("func.func @f() { return }", "no-such-pass")
    nan_weight = bq.model.Sequential(
        [bq.model.Linear(np.array([[np.nan, 1.0]], np.float32))])
    with pytest.raises(RuntimeError, match="element .* is NaN"):
        bq.compile(nan_weight.to_mlir((2,)),
                   "bq-quantize-linalg,bq-cpu-pipeline")
    module = bq.compile(bq.model.Sequential([bq.model.ReLU()]).to_mlir((3,)))
    with pytest.raises(ValueError, match="takes 1 arrays, got 2"):
        module.invoke("forward", np.zeros((1, 3)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="dimension 1 must be 3"):
        module.invoke("forward", np.zeros((1, 4)))
    with pytest.raises(ValueError, match="no callable function @nope"):
        module.invoke("nope")


def mlp(rng):
    return bq.model.Sequential([
        bq.model.Linear(rng.normal(0, 0.3, (32, 20)), rng.normal(0, 0.1, 32)),
        bq.model.ReLU(),
        bq.model.Linear(rng.normal(0, 0.3, (10, 32)), rng.normal(0, 0.1, 10)),
    ])


@pytest.mark.parametrize("wbits,abits,method,granularity", [
    (2, 8, "exact", "tensor"), (2, 2, "mean", "channel"),
    (1, 1, "exact", "tensor"), (4, 4, "uniform", "channel")])
def test_compiled_quantized_mlp_equals_reference(wbits, abits, method,
                                                 granularity):
    rng = np.random.default_rng(wbits * 10 + abits)
    net = mlp(rng)
    x = rng.normal(size=(9, 20)).astype(np.float32)
    pipeline = (f"bq-quantize-linalg{{weight-bits={wbits} act-bits={abits} "
                f"method={method} granularity={granularity}}},"
                "bq-cpu-pipeline")
    y = bq.compile(net.to_mlir((20,)), pipeline).invoke("forward", x)
    expected = bq.model.reference_forward(net, x, wbits, abits, method,
                                          "lsq", granularity)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)


def test_compiled_quantized_cnn_equals_reference():
    rng = np.random.default_rng(8)
    cnn = bq.model.Sequential([
        bq.model.Conv2d(rng.normal(0, 0.3, (4, 1, 3, 3)),
                        rng.normal(0, 0.1, 4), padding=1),
        bq.model.ReLU(), bq.model.MaxPool2d(2),
        bq.model.Conv2d(rng.normal(0, 0.3, (6, 4, 3, 3)), stride=1),
        bq.model.AvgPool2d(2), bq.model.Flatten(),
        bq.model.Linear(rng.normal(0, 0.3, (3, 6)), rng.normal(0, 0.1, 3)),
    ])
    x = rng.normal(size=(3, 1, 8, 8)).astype(np.float32)
    text = cnn.to_mlir((1, 8, 8))
    float_y = bq.compile(text).invoke("forward", x)
    np.testing.assert_allclose(float_y, cnn.forward(x), rtol=1e-4, atol=1e-5)
    y = bq.compile(text, "bq-quantize-linalg{weight-bits=3 act-bits=4},"
                   "bq-cpu-pipeline").invoke("forward", x)
    np.testing.assert_allclose(
        y, bq.model.reference_forward(cnn, x, 3, 4), rtol=1e-4, atol=1e-4)


def test_gpu_pipeline_emulated_equals_cpu_pipeline():
    # A whole CNN (im2col convolutions, pooling, a linear layer) through the
    # GPU path's kernels, run on the host by host-emulation: bit for bit
    # the CPU path's result (same arithmetic, different kernels).
    rng = np.random.default_rng(9)
    cnn = bq.model.Sequential([
        bq.model.Conv2d(rng.normal(0, 0.3, (5, 2, 3, 3)),
                        rng.normal(0, 0.1, 5), padding=1),
        bq.model.ReLU(), bq.model.MaxPool2d(2), bq.model.Flatten(),
        bq.model.Linear(rng.normal(0, 0.3, (4, 80)), rng.normal(0, 0.1, 4)),
    ])
    x = rng.normal(size=(3, 2, 8, 8)).astype(np.float32)
    text = cnn.to_mlir((2, 8, 8))
    quantize = "bq-quantize-linalg{weight-bits=2 act-bits=3},"
    cpu = bq.compile(text, quantize + "bq-cpu-pipeline").invoke("forward", x)
    gpu = bq.compile(text, quantize + "bq-gpu-pipeline{host-emulation=true "
                     "tile-m=8 tile-n=4 tile-k=1}").invoke("forward", x)
    assert np.array_equal(gpu, cpu)
    np.testing.assert_allclose(
        gpu, bq.model.reference_forward(cnn, x, 2, 3), rtol=1e-4, atol=1e-4)


def test_multiple_results_and_dtypes():
    text = """
func.func @two(%x: tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<?x3xi8>) {
  %c, %s, %o = bq.quantize_activations %x bits(2) range(dynamic)
      : tensor<?x3xf32> -> tensor<?x3xi8>
  return %x, %c : tensor<?x3xf32>, tensor<?x3xi8>
}"""
    x = np.array([[0.0, 1.0, 2.0], [3.0, 1.5, 0.5]], np.float32)
    same, codes = bq.compile(text).invoke("two", x)
    assert np.array_equal(same, x)
    assert np.array_equal(codes, ref.quantize_activations(x, 2)[0])


def test_activation_range_overflow_matches_reference():
    # Found by the quantizer fuzzer (see docs/quantizer.md).
    for x in [np.array([-3e38, 0, 3e38, 1e38], np.float32),
              np.array([0, 1e-45, 0], np.float32)]:
        for bits in (2, 8):
            codes, s, o = bq.quantize_activations(x, bits)
            e_codes, e_s, e_o = ref.quantize_activations(x, bits)
            assert np.array_equal(codes, e_codes), (x, bits)
            assert np.float32(s) == e_s or (np.isinf(s) and np.isinf(e_s))
