#!/usr/bin/env python3
"""GPU throughput of bq's bit-serial kernels next to cuBLAS SGEMM.

For each configuration (W1A1 and W2A2 at M = N = K = 4096 by default; the
popc kernel and, with --mma, the b1 tensor-core kernel) this compiles a
module whose `main` builds pseudo-random activation and weight planes on the
host and calls a `bq.bitserial_matmul` `--repeats` times through
`--bq-gpu-pipeline`, runs it with mlir-runner and bq's CUDA runtime with
BQ_CUDA_PROFILE=1, and reads the matmul kernel's device time from the
runtime's profile lines. The same GPU then runs gpu-sgemm-bench (cuBLAS,
FP32). Effective TOPS count 2*M*N*K operations per product, the same for
the float and the quantized matmuls.

Prints a markdown table; --json writes the numbers. Needs a GPU: run it on
the device machine (see docs/gpu.md), never in tests.
"""

import argparse
import json
import os
import re
import subprocess
import sys

LLVM = os.environ.get("LLVM_PREFIX", "/usr/lib/llvm-22")
RUNNER_LIBS = [f"{LLVM}/lib/libmlir_c_runner_utils.so",
               f"{LLVM}/lib/libmlir_runner_utils.so"]
PROFILE = re.compile(r"bq_cuda_profile: kernel (\S+) launches (\d+) "
                     r"mean_us ([\d.]+) min_us ([\d.]+)")


def planes_func(name, bits, rows, words, seed):
    """A function returning `bits x rows x words` i64 planes hashed from
    their indices (a multiply-xorshift mix, so every bit pattern occurs)."""
    return f"""
func.func @{name}() -> tensor<{bits}x{rows}x{words}xi64> {{
  %e = tensor.empty() : tensor<{bits}x{rows}x{words}xi64>
  %r = linalg.generic {{indexing_maps = [affine_map<(b, r, w) -> (b, r, w)>],
      iterator_types = ["parallel", "parallel", "parallel"]}}
      outs(%e : tensor<{bits}x{rows}x{words}xi64>) {{
  ^bb0(%out: i64):
    %b = linalg.index 0 : index
    %i = linalg.index 1 : index
    %w = linalg.index 2 : index
    %c = arith.constant {words * rows} : index
    %d = arith.constant {words} : index
    %t0 = arith.muli %b, %c : index
    %t1 = arith.muli %i, %d : index
    %t2 = arith.addi %t0, %t1 : index
    %t3 = arith.addi %t2, %w : index
    %x0 = arith.index_cast %t3 : index to i64
    %s = arith.constant {seed} : i64
    %x1 = arith.addi %x0, %s : i64
    %m = arith.constant -7046029254386353131 : i64
    %x2 = arith.muli %x1, %m : i64
    %sh = arith.constant 31 : i64
    %x3 = arith.shrui %x2, %sh : i64
    %x4 = arith.xori %x2, %x3 : i64
    %x5 = arith.muli %x4, %m : i64
    linalg.yield %x5 : i64
  }} -> tensor<{bits}x{rows}x{words}xi64>
  return %r : tensor<{bits}x{rows}x{words}xi64>
}}"""


def module(m, n, k, ka, kw, repeats):
    words = (k + 63) // 64
    acc = "i32" if k * (2**ka - 1) * (2**kw - 1) < 2**31 else "i64"
    a_type = f"tensor<{ka}x{m}x{words}xi64>"
    w_type = f"tensor<{kw}x{n}x{words}xi64>"
    return planes_func("act", ka, m, words, 1) + planes_func(
        "wgt", kw, n, words, 2) + f"""
func.func @products(%a: {a_type}, %w: {w_type}) -> tensor<{m}x{n}x{acc}> {{
  %p = bq.bitserial_matmul %a, %w k({k}) : {a_type}, {w_type} -> tensor<{m}x{n}x{acc}>
  return %p : tensor<{m}x{n}x{acc}>
}}
func.func @main() {{
  %a = call @act() : () -> {a_type}
  %w = call @wgt() : () -> {w_type}
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant {repeats} : index
  scf.for %i = %c0 to %n step %c1 {{
    %p = func.call @products(%a, %w) : ({a_type}, {w_type}) -> tensor<{m}x{n}x{acc}>
  }}
  return
}}"""


def run_kernel(args, m, n, k, ka, kw, mma):
    text = module(m, n, k, ka, kw, args.repeats)
    compiled = subprocess.run(
        [args.bq_opt, "-", f"--bq-gpu-pipeline=format=fatbin mma={mma} "
                          f"chip={args.chip}"],
        input=text, capture_output=True, text=True, check=True).stdout
    env = dict(os.environ, BQ_CUDA_PROFILE="1")
    ran = subprocess.run(
        [f"{LLVM}/bin/mlir-runner", "-e", "main", "-entry-point-result=void",
         "-shared-libs=" + ",".join([args.runtime, *RUNNER_LIBS])],
        input=compiled, capture_output=True, text=True, env=env, check=True)
    kernel = "mma_matmul" if mma == "b1" else "popc_matmul"
    for name, launches, mean, best in PROFILE.findall(ran.stderr):
        if name.endswith(kernel):
            return int(launches), float(mean), float(best)
    raise RuntimeError(f"no profile line for {kernel}:\n{ran.stderr}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bq-opt", default="build/bin/bq-opt")
    parser.add_argument("--runtime", default="build/lib/libbq_cuda_runtime.so")
    parser.add_argument("--sgemm", default="build/bin/gpu-sgemm-bench")
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--chip", default="sm_90")
    parser.add_argument("--mma", action="store_true",
                        help="also the b1 tensor-core kernel")
    parser.add_argument("--json")
    args = parser.parse_args()
    size = args.size
    ops = 2.0 * size ** 3
    rows = []
    sgemm = subprocess.run([args.sgemm, str(size), str(size), str(size),
                            str(args.repeats)], capture_output=True,
                           text=True, check=True).stdout.split()
    sgemm_us = float(sgemm[sgemm.index("min_us") + 1])
    rows.append(dict(kernel="cuBLAS SGEMM (FP32)", bits="f32", min_us=sgemm_us,
                     tops=ops / (sgemm_us * 1e-6) / 1e12))
    kernels = ["none", "b1"] if args.mma else ["none"]
    for ka, kw in [(1, 1), (2, 2)]:
        for mma in kernels:
            launches, mean, best = run_kernel(args, size, size, size, ka, kw,
                                              mma)
            rows.append(dict(kernel="bq popc" if mma == "none"
                             else "bq mma b1", bits=f"W{kw}A{ka}",
                             min_us=best, mean_us=mean, launches=launches,
                             tops=ops / (best * 1e-6) / 1e12))
    print(f"| kernel | bits | {size}^3 min time (us) | effective TOPS | "
          f"vs SGEMM |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row['kernel']} | {row['bits']} | {row['min_us']:.1f} | "
              f"{row['tops']:.2f} | {sgemm_us / row['min_us']:.2f}x |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(size=size, rows=rows), f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
