"""bq: balanced quantization for neural networks, compiled with MLIR.

The package has three parts:

- the quantizer, bound from C++ (the same code the compiler runs when it
  folds weights at compile time): `quantize`, `quantize_activations`,
  `pack`, `unpack`, `stats`;
- `compile(mlir_text, pipeline)`: compile MLIR with bq's passes and run its
  functions on numpy arrays through MLIR's ExecutionEngine;
- `bq.reference`, a pure-numpy implementation of DESIGN.md section 1 that
  shares no code with the C++ one (the tests' oracle), and `bq.model`, which
  writes linalg-on-tensors MLIR for MLPs and small CNNs from numpy weights.

The native part is the extension `bq._bq`, built by CMake into
`<build>/python/bq`; put both directories on the path:
`PYTHONPATH=python:build/python`.
"""

import pkgutil

__path__ = pkgutil.extend_path(__path__, __name__)

from . import model, reference  # noqa: E402

try:
    from . import _bq
except ImportError as error:  # pragma: no cover - depends on the build
    _bq = None
    _IMPORT_ERROR = error

__all__ = ["quantize", "quantize_activations", "pack", "unpack", "stats",
           "compile", "Module", "model", "reference"]
__version__ = "0.1.0"


def _native():
    if _bq is None:
        raise ImportError(
            "bq's native extension is not built or not on the path (build "
            "with `make build`, then PYTHONPATH=python:build/python): "
            f"{_IMPORT_ERROR}")
    return _bq


def quantize(array, bits, method="exact", scale="lsq", granularity="tensor",
             axis=-1):
    """Quantizes a float array (DESIGN.md 1.1); returns (codes, alpha, beta).

    codes: uint8 array of the input's shape. alpha, beta: float64 arrays of
    shape () for granularity "tensor", (C,) for "channel" along `axis`.
    The value of code c is alpha * c + beta. NaN/Inf, bits outside [1, 8],
    an unknown method/scale/granularity or a bad axis raise ValueError.
    """
    return _native().quantize(array, int(bits), method, scale, granularity,
                              int(axis))


def quantize_activations(array, bits, lo=None, hi=None):
    """Uniform activation quantization (DESIGN.md 1.2) in float32; returns
    (codes, scale, offset). The range is [min, max] of the array unless lo
    and hi are given."""
    return _native().quantize_activations(array, int(bits), lo, hi)


def pack(codes, bits):
    """Packs codes [rows, K] into uint64 planes [bits, rows, ceil(K/64)]
    (DESIGN.md 1.4)."""
    return _native().pack(codes, int(bits))


def unpack(planes, k):
    """Inverse of `pack`: planes [bits, rows, words] -> codes [rows, k]."""
    return _native().unpack(planes, int(k))


def stats(array, codes, alpha, beta, bits, granularity="tensor", axis=-1):
    """Per-slice statistics of a quantized array: a dict with
    "populations" (slices x 2^bits), "entropy_bits" and "relative_mse"
    (slices,)."""
    import numpy as np
    return _native().stats(array, codes, np.atleast_1d(alpha),
                           np.atleast_1d(beta), int(bits), granularity,
                           int(axis))


class Module:
    """MLIR compiled for the host CPU; call its public functions with numpy
    arrays."""

    def __init__(self, mlir_text, pipeline="bq-cpu-pipeline", shared_libs=()):
        self._module = _native().CompiledModule(mlir_text, pipeline,
                                                list(shared_libs))

    def functions(self):
        """Names of the functions `invoke` can call (public, tensors in and
        out)."""
        return self._module.functions()

    def invoke(self, name, *arrays):
        """Runs @name on the arrays (converted to the argument element
        types, C order); returns an array, or a tuple for several
        results."""
        return self._module.invoke(name, *arrays)


def compile(mlir_text, pipeline="bq-cpu-pipeline", shared_libs=()):
    """Compiles `mlir_text` with `pipeline` (a bq-opt pass pipeline, e.g.
    "bq-quantize-linalg{weight-bits=2 act-bits=2},bq-cpu-pipeline") and
    JIT-compiles it, loading `shared_libs` into the JIT (for
    "bq-gpu-pipeline{format=fatbin}": build/lib/libbq_cuda_runtime.so).
    MLIR diagnostics raise ValueError (parse and pipeline errors) or
    RuntimeError (compilation errors) with their messages."""
    return Module(mlir_text, pipeline, shared_libs)
