#!/usr/bin/env python3
"""Runs the quantized-matmul sweep of python/tests on a real GPU.

For every bit-width pair and K, with M x K activations and N columns that
leave partial tiles everywhere: the integer products P (bq.bitserial_matmul
on the GPU) must equal numpy's `codes(x) @ codes(w)` exactly, and the
quantized matmul Y must equal the CPU path's result up to float rounding
(the GPU compiler may contract the epilogue's multiply-adds)."""

import argparse
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path[:0] = [os.path.join(ROOT, "python"), os.path.join(ROOT, "python",
                                                           "tests")]

from jit import run_module  # noqa: E402
from sweep_cases import (build_cases, expected_products,  # noqa: E402
                         sweep_calls)

M, N = 300, 200
KS = [1, 63, 64, 65, 1000]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bq-opt", default="bq-opt")
    parser.add_argument("--runtime", help="libbq_cuda_runtime.so")
    parser.add_argument("--mma", default="none")
    parser.add_argument("--host-emulation", action="store_true",
                        help="run the kernels as host loops (no GPU; for "
                             "checking this script)")
    args = parser.parse_args()
    if args.host_emulation:
        options, libs = f"host-emulation=true mma={args.mma}", []
    elif args.runtime:
        options, libs = f"format=fatbin mma={args.mma}", [args.runtime]
    else:
        parser.error("--runtime is required unless --host-emulation")

    cases = build_cases(21, m=M, n=N, ks=KS)
    yfuncs, pfuncs, calls = sweep_calls(cases, n=N)
    funcs = yfuncs + pfuncs
    gpu = run_module(args.bq_opt, funcs, calls,
                     [f"--bq-gpu-pipeline={options}"], lower=False,
                     extra_libs=libs)
    cpu = run_module(args.bq_opt, funcs, calls, ["--bq-cpu-pipeline"],
                     lower=False)
    failures = 0
    for i, c in enumerate(cases):
        if not np.array_equal(gpu[2 * i + 1], expected_products(c)):
            print(f"FAIL products {c['what']}")
            failures += 1
        scale = max(1.0, float(np.abs(cpu[2 * i]).max()))
        if not np.allclose(gpu[2 * i], cpu[2 * i], rtol=1e-5,
                           atol=1e-5 * scale):
            print(f"FAIL results {c['what']}")
            failures += 1
    print(f"gpu_sweep {options}: {len(cases)} cases, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
