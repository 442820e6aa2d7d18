"""Helpers to write numpy arrays into MLIR text and read constants back."""

import re
import subprocess

import numpy as np

_DTYPES = {"f32": np.float32, "i8": np.int8, "i32": np.int32,
           "i64": np.int64, "f16": np.float16}


def tensor_type(shape, element):
    dims = "x".join(str(d) for d in shape)
    return f"tensor<{dims}x{element}>" if dims else f"tensor<{element}>"


def dense_hex(array):
    """A dense<"0x..."> literal holding the array's exact bits."""
    data = np.ascontiguousarray(array).tobytes()
    return f'dense<"0x{data.hex().upper()}">'


def parse_dense(literal, type_text):
    """numpy array of an arith.constant's `dense<...>` and its tensor type."""
    m = re.fullmatch(r"tensor<((?:\d+x)*)(\w+)>", type_text)
    shape = tuple(int(d) for d in m.group(1).split("x") if d)
    dtype = _DTYPES[m.group(2)]
    body = literal[len("dense<"):-1]
    if body.startswith('"0x'):
        raw = bytes.fromhex(body[3:-1])
        return np.frombuffer(raw, dtype=dtype).reshape(shape)
    return np.full(shape, dtype(float(body) if dtype in (np.float32, np.float16)
                                else int(body)))


def run_bq_opt(bq_opt, text, *args):
    """Runs bq-opt on `text`; returns (stdout, stderr), raising on failure."""
    proc = subprocess.run([str(bq_opt), "-", *args], input=text,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"bq-opt {' '.join(args)} failed:\n{proc.stderr}")
    return proc.stdout, proc.stderr


_CONST = re.compile(r"(%\w+) = arith\.constant (dense<[^>]*>) : (tensor<[^>]*>)")
_FUNC = re.compile(r"func\.func @(\w+)\(")
_RETURN = re.compile(r"return (.*?) :")


def function_results(output):
    """{function name: [numpy arrays returned]} for functions that return
    constants only."""
    results = {}
    parts = _FUNC.split(output)
    for name, body in zip(parts[1::2], parts[2::2]):
        consts = {m.group(1): parse_dense(m.group(2), m.group(3))
                  for m in _CONST.finditer(body)}
        ret = _RETURN.search(body)
        names = [v.strip() for v in ret.group(1).split(",")]
        results[name] = [consts[v] for v in names]
    return results
