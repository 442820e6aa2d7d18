"""Compile MLIR functions with bq-opt and run them with mlir-runner.

`run_function` wraps a function in a `main` that feeds it constant inputs
and prints every result with printMemrefF32; the printed memrefs are parsed
back into numpy arrays.
"""

import os
import re
import subprocess

import numpy as np

from mlir_text import dense_hex, tensor_type

LLVM = os.environ.get("LLVM_PREFIX", "/usr/lib/llvm-22")
RUNNER_LIBS = ",".join(f"{LLVM}/lib/{lib}" for lib in
                       ["libmlir_c_runner_utils.so", "libmlir_runner_utils.so"])

# Lowering of bufferized linalg/tensor/arith/math to the LLVM dialect.
LOWER_TO_LLVM = [
    "--one-shot-bufferize=bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map",
    "--convert-linalg-to-loops", "--convert-scf-to-cf",
    "--expand-strided-metadata", "--lower-affine", "--convert-math-to-llvm",
    "--convert-to-llvm", "--reconcile-unrealized-casts",
]

_MEMREF = re.compile(r"Unranked Memref base@ = \S+ rank = (\d+) offset = \d+ "
                     r"sizes = \[([\d, ]*)\] strides = \[[\d, ]*\] data =")
_NUMBER = re.compile(r"[-+]?(?:nan|inf|\d+(?:\.\d*)?(?:e[-+]?\d+)?)")


def parse_memrefs(text):
    """numpy arrays printed by printMemrefF32, in order."""
    arrays = []
    matches = list(_MEMREF.finditer(text))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        sizes = [int(s) for s in m.group(2).split(",") if s.strip()]
        values = [float(v) for v in _NUMBER.findall(text[m.end():end])]
        arrays.append(np.array(values, dtype=np.float64).reshape(sizes))
    return arrays


_PRINTERS = {"f32": "printMemrefF32", "i32": "printMemrefI32",
             "i64": "printMemrefI64"}


def _element(type_text):
    return type_text[type_text.rindex("x") + 1:-1]


def call_main(calls):
    """A `main` that calls each (name, args, arg_types, result_types) on
    constant arguments and prints every result."""
    lines = [f"func.func private @{fn}(memref<*x{ty}>)"
             for ty, fn in _PRINTERS.items()]
    lines.append("func.func @main() {")
    for c, (name, args, arg_types, result_types) in enumerate(calls):
        operands = []
        for i, (arg, ty) in enumerate(zip(args, arg_types)):
            static = tensor_type(arg.shape, "f32")
            lines.append(f"  %s{c}_{i} = arith.constant "
                         f"{dense_hex(arg.astype(np.float32))} : {static}")
            lines.append(f"  %a{c}_{i} = tensor.cast %s{c}_{i} : {static} to "
                         f"{ty}")
            operands.append(f"%a{c}_{i}")
        results = ", ".join(f"%r{c}_{i}" for i in range(len(result_types)))
        lines.append(f"  {results} = call @{name}({', '.join(operands)}) : "
                     f"({', '.join(arg_types)}) -> "
                     f"({', '.join(result_types)})")
        for i, ty in enumerate(result_types):
            memref = ty.replace("tensor<", "memref<")
            element = _element(ty)
            lines.append(f"  %b{c}_{i} = bufferization.to_buffer %r{c}_{i} : "
                         f"{ty} to {memref}")
            lines.append(f"  %u{c}_{i} = memref.cast %b{c}_{i} : {memref} to "
                         f"memref<*x{element}>")
            lines.append(f"  call @{_PRINTERS[element]}(%u{c}_{i}) : "
                         f"(memref<*x{element}>) -> ()")
    lines += ["  return", "}"]
    return "\n".join(lines)


def run_module(bq_opt, funcs_text, calls, passes, lower=True, extra_libs=()):
    """Compiles `funcs_text` + a main making `calls` with `passes` (then the
    upstream lowering unless `lower` is False, for pipelines that lower
    themselves) and runs it, with `extra_libs` loaded before the runner
    utilities (e.g. bq's CUDA runtime); returns every printed result in
    order."""
    module = funcs_text + "\n" + call_main(calls)
    tail = LOWER_TO_LLVM if lower else []
    compiled = subprocess.run([str(bq_opt), "-", *passes, *tail],
                              input=module, capture_output=True, text=True)
    if compiled.returncode != 0:
        raise RuntimeError(f"bq-opt failed:\n{compiled.stderr}")
    ran = subprocess.run([f"{LLVM}/bin/mlir-runner", "-e", "main",
                          "-entry-point-result=void",
                          "-shared-libs=" + ",".join([*extra_libs,
                                                      RUNNER_LIBS])],
                         input=compiled.stdout, capture_output=True, text=True)
    if ran.returncode != 0:
        raise RuntimeError(f"mlir-runner failed:\n{ran.stderr}")
    results = parse_memrefs(ran.stdout)
    expected = sum(len(c[3]) for c in calls)
    assert len(results) == expected, ran.stdout
    return results


def run_function(bq_opt, func_text, name, args, arg_types, result_types,
                 passes):
    """Compiles `func_text` + a main with `passes` and runs it; returns the
    results as numpy arrays."""
    return run_module(bq_opt, func_text,
                      [(name, args, arg_types, result_types)], passes)
