"""Pure-numpy reference of bq's semantics (DESIGN.md section 1).

Written from the design text, sharing no code with the C++ quantizer
(lib/Quant), so that tests can compare the two. Clarity over speed: the
exact method sorts every tree node.

Arithmetic conventions (docs/quantizer.md):
- weight quantization computes in float64 (compile time);
- the `mean` split is the float64 sum of the node's values taken
  sequentially in index order, divided by the node size;
- `uniform` computes ((w - lo) / (hi - lo)) * (n - 1) in float64 and rounds
  half to even;
- activation quantization computes in float32 (run time).
"""

import numpy as np

METHODS = ("exact", "mean", "uniform")
SCALES = ("lsq", "max", "minmax")
GRANULARITIES = ("tensor", "channel")


def _check_bits(bits):
    if not isinstance(bits, (int, np.integer)) or not 1 <= bits <= 8:
        raise ValueError(f"bits must be an integer in [1, 8], got {bits!r}")


def _check_finite(values, what):
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ValueError(f"{what} {int(bad[0])} is not finite")


# --------------------------------------------------------------------------
# 1.1 Weight quantizer, one slice
# --------------------------------------------------------------------------

def slice_codes(w, bits, method):
    """Codes of one slice (a 1-D float array) as a uint8 array."""
    _check_bits(bits)
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    w = np.asarray(w, dtype=np.float32).ravel()
    _check_finite(w, "element")
    n = 1 << bits
    codes = np.zeros(w.size, dtype=np.uint8)
    if w.size == 0:
        return codes
    if method == "uniform":
        lo, hi = float(w.min()), float(w.max())
        if hi == lo:
            return codes
        x = (w.astype(np.float64) - lo) / (hi - lo) * (n - 1)
        return np.clip(np.rint(x), 0, n - 1).astype(np.uint8)

    # The depth-k binary tree: each node is a set of indices (in index order).
    def split(indices, depth, prefix):
        if depth == bits:
            codes[indices] = prefix
            return
        if indices.size == 0:
            return
        values = w[indices]
        if method == "exact":
            threshold = np.sort(values)[values.size // 2]
            right = values >= threshold
        else:
            total = np.cumsum(values.astype(np.float64))[-1]
            threshold = total / values.size
            right = values.astype(np.float64) >= threshold
        split(indices[~right], depth + 1, 2 * prefix)
        split(indices[right], depth + 1, 2 * prefix + 1)

    split(np.arange(w.size), 0, 0)
    return codes


def slice_scale(w, codes, bits, scale):
    """(alpha, beta) of one slice: value(c) = alpha * c + beta."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}")
    w = np.asarray(w, dtype=np.float32).ravel().astype(np.float64)
    c = np.asarray(codes).ravel().astype(np.float64)
    if w.size == 0:
        return 0.0, 0.0
    n = 1 << bits
    if scale == "max":
        m = float(np.abs(w).max())
        return 2.0 * m / (n - 1), -m
    if scale == "minmax":
        lo, hi = float(w.min()), float(w.max())
        return (hi - lo) / (n - 1), lo
    # Ordinary least squares of w on c.
    if np.all(c == c[0]):
        return 0.0, float(w.mean())
    mc, mw = c.mean(), w.mean()
    alpha = float(np.sum((c - mc) * (w - mw)) / np.sum((c - mc) ** 2))
    return alpha, float(mw - alpha * mc)


# --------------------------------------------------------------------------
# 1.1 Weight quantizer, whole tensors
# --------------------------------------------------------------------------

def quantize(w, bits, method="exact", scale="lsq", granularity="tensor",
             axis=-1):
    """Quantizes a float tensor; returns (codes, alpha, beta).

    codes: uint8, the shape of `w`. alpha, beta: float64 of shape () for
    granularity "tensor", (C,) for "channel" along `axis`.
    """
    w = np.asarray(w, dtype=np.float32)
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}")
    _check_bits(bits)
    if granularity == "tensor":
        codes = slice_codes(w.ravel(), bits, method).reshape(w.shape)
        alpha, beta = slice_scale(w, codes, bits, scale)
        return codes, np.float64(alpha), np.float64(beta)
    if not -w.ndim <= axis < w.ndim:
        raise ValueError(f"axis {axis} is out of range for a rank-{w.ndim} "
                         "tensor")
    moved = np.moveaxis(w, axis, 0)
    codes = np.zeros(moved.shape, dtype=np.uint8)
    alpha = np.zeros(moved.shape[0])
    beta = np.zeros(moved.shape[0])
    for ch in range(moved.shape[0]):
        c = slice_codes(moved[ch].ravel(), bits, method)
        codes[ch] = c.reshape(moved[ch].shape)
        alpha[ch], beta[ch] = slice_scale(moved[ch], c, bits, scale)
    return np.moveaxis(codes, 0, axis), alpha, beta


def dequantize(codes, alpha, beta, granularity="tensor", axis=-1):
    """Reconstructed float64 values alpha * c + beta, per slice."""
    codes = np.asarray(codes).astype(np.float64)
    if granularity == "tensor":
        return float(alpha) * codes + float(beta)
    shape = [1] * codes.ndim
    shape[axis] = -1
    return (np.asarray(alpha).reshape(shape) * codes
            + np.asarray(beta).reshape(shape))


def stats(w, codes, alpha, beta, bits):
    """(populations, entropy bits, relative MSE) of one slice."""
    w = np.asarray(w, dtype=np.float32).ravel().astype(np.float64)
    codes = np.asarray(codes).ravel()
    populations = np.bincount(codes, minlength=1 << bits)
    p = populations[populations > 0] / codes.size
    entropy = float(-(p * np.log2(p)).sum()) if codes.size else 0.0
    err = float(np.sum((w - (alpha * codes + beta)) ** 2))
    energy = float(np.sum(w ** 2))
    rel = err / energy if energy > 0 else (0.0 if err == 0 else np.inf)
    return populations, entropy, rel


# --------------------------------------------------------------------------
# 1.2 Activation quantizer (float32, as at run time)
# --------------------------------------------------------------------------

def quantize_activations(x, bits, lo=None, hi=None):
    """Uniform activation quantization; returns (codes, scale, offset).

    With lo/hi None, the range is the tensor's min and max (dynamic).
    """
    _check_bits(bits)
    x = np.asarray(x, dtype=np.float32)
    _check_finite(x.ravel(), "activation")
    if (lo is None) != (hi is None):
        raise ValueError("give both lo and hi, or neither")
    if lo is None:
        lo = x.min() if x.size else np.float32(0)
        hi = x.max() if x.size else np.float32(0)
    lo, hi = np.float32(lo), np.float32(hi)
    top = np.float32((1 << bits) - 1)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        s = (hi - lo) / top if hi > lo else np.float32(1)
        q = np.rint((x - lo) / s)
    # NaN only when the range over- or underflows float32: code 0.
    c = np.clip(np.where(np.isnan(q), 0, q), 0, top).astype(np.uint8)
    return c, np.float32(s), lo


# --------------------------------------------------------------------------
# 1.3 / 1.4 Packing and the quantized matmul
# --------------------------------------------------------------------------

def pack(codes, bits):
    """planes[b][r][w]: bit (k mod 64) of word k // 64 is bit b of
    codes[r][k]. codes: (R, K) -> uint64 array (bits, R, ceil(K/64))."""
    codes = np.asarray(codes).astype(np.uint64)
    rows, k = codes.shape
    words = (k + 63) // 64
    planes = np.zeros((bits, rows, words), dtype=np.uint64)
    for b in range(bits):
        for i in range(k):
            bit = (codes[:, i] >> np.uint64(b)) & np.uint64(1)
            planes[b, :, i // 64] |= bit << np.uint64(i % 64)
    return planes


def unpack(planes, k):
    bits, rows, _ = planes.shape
    codes = np.zeros((rows, k), dtype=np.uint8)
    for b in range(bits):
        for i in range(k):
            bit = (planes[b, :, i // 64] >> np.uint64(i % 64)) & np.uint64(1)
            codes[:, i] |= (bit << np.uint64(b)).astype(np.uint8)
    return codes


def _popcount(words):
    words = np.asarray(words, dtype=np.uint64)
    count = np.zeros(words.shape, dtype=np.int64)
    for shift in range(64):
        count += ((words >> np.uint64(shift)) & np.uint64(1)).astype(np.int64)
    return count


def bitserial_product(a_planes, w_planes):
    """P[m, n] = sum_i sum_j 2^(i+j) popcount(A_i[m] AND W_j[n])."""
    ka, m, _ = a_planes.shape
    kw, n, _ = w_planes.shape
    p = np.zeros((m, n), dtype=np.int64)
    for i in range(ka):
        for j in range(kw):
            anded = a_planes[i][:, None, :] & w_planes[j][None, :, :]
            p += _popcount(anded).sum(axis=2) << (i + j)
    return p


def quantized_matmul(x, w_codes, w_alpha, w_beta, act_bits, lo=None,
                     hi=None):
    """Y = A * W by formula 1.3, for x: (M, K) float and w_codes: (K, N).

    Returns (Y float64, P int64): the float result and its exact integer part.
    """
    ca, aa, ba = quantize_activations(x, act_bits, lo, hi)
    ca = ca.astype(np.int64)
    cw = np.asarray(w_codes).astype(np.int64)
    k = cw.shape[0]
    aw = np.broadcast_to(np.asarray(w_alpha, dtype=np.float64), cw.shape[1:])
    bw = np.broadcast_to(np.asarray(w_beta, dtype=np.float64), cw.shape[1:])
    p = ca @ cw
    ra = ca.sum(axis=1)
    col = cw.sum(axis=0)
    aa, ba = float(aa), float(ba)
    y = (aa * aw[None, :] * p + aa * bw[None, :] * ra[:, None]
         + ba * aw[None, :] * col[None, :] + k * ba * bw[None, :])
    return y, p
