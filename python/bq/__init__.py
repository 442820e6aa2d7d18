"""bq: balanced quantization for neural networks, compiled with MLIR.

This package holds `bq.reference`, a pure-numpy implementation of the
semantics in DESIGN.md section 1, written from the text and independent of
the C++ quantizer: it is the oracle the tests compare the compiler against.
"""

from . import reference

__all__ = ["reference"]
__version__ = "0.1.0"
