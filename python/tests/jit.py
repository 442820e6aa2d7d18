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


def call_main(name, args, arg_types, result_types):
    """A `main` that calls @name on constant arguments and prints results."""
    lines = ["func.func private @printMemrefF32(memref<*xf32>)",
             "func.func @main() {"]
    operands = []
    for i, (arg, ty) in enumerate(zip(args, arg_types)):
        static = tensor_type(arg.shape, "f32")
        lines.append(f"  %s{i} = arith.constant {dense_hex(arg.astype(np.float32))}"
                     f" : {static}")
        # A cast even between equal types keeps the call's operand a value
        # the callee may not fold into its body.
        lines.append(f"  %a{i} = tensor.cast %s{i} : {static} to {ty}")
        operands.append(f"%a{i}")
    results = ", ".join(f"%r{i}" for i in range(len(result_types)))
    lines.append(f"  {results} = call @{name}({', '.join(operands)}) : "
                 f"({', '.join(arg_types)}) -> ({', '.join(result_types)})")
    for i, ty in enumerate(result_types):
        memref = ty.replace("tensor<", "memref<")
        lines.append(f"  %b{i} = bufferization.to_buffer %r{i} : {ty} to "
                     f"{memref}")
        lines.append(f"  %u{i} = memref.cast %b{i} : {memref} to memref<*xf32>")
        lines.append(f"  call @printMemrefF32(%u{i}) : (memref<*xf32>) -> ()")
    lines += ["  return", "}"]
    return "\n".join(lines)


def run_function(bq_opt, func_text, name, args, arg_types, result_types,
                 passes):
    """Compiles `func_text` + a main with `passes` and runs it; returns the
    results as numpy arrays."""
    module = func_text + "\n" + call_main(name, args, arg_types, result_types)
    compiled = subprocess.run([str(bq_opt), "-", *passes, *LOWER_TO_LLVM],
                              input=module, capture_output=True, text=True)
    if compiled.returncode != 0:
        raise RuntimeError(f"bq-opt failed:\n{compiled.stderr}")
    ran = subprocess.run([f"{LLVM}/bin/mlir-runner", "-e", "main",
                          "-entry-point-result=void",
                          f"-shared-libs={RUNNER_LIBS}"],
                         input=compiled.stdout, capture_output=True, text=True)
    if ran.returncode != 0:
        raise RuntimeError(f"mlir-runner failed:\n{ran.stderr}")
    results = parse_memrefs(ran.stdout)
    assert len(results) == len(result_types), ran.stdout
    return results
