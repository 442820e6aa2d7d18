"""The GPU kernels of --bq-gpu-pipeline, run on the host by its
host-emulation mode (the same kernel bodies, with grid and block ids as loop
variables), against bq.reference and the CPU path:

- the integer products P (bq.bitserial_matmul -> the popc kernel) exactly;
- the quantized matmul Y (act quantize + pack, row sums, popc kernel with
  the fused epilogue) bit for bit equal to --bq-cpu-pipeline, which shares
  the scalar arithmetic but none of the kernels' indexing.

Small tiles (8 x 8 outputs, one word per step) make every case span several
thread blocks and K steps, with partial tiles at every edge; one run uses
the default tiles. The tensor-core kernel (mma=b1) is emulated a warp at a
time: its fragment loads and output mapping are the GPU kernel's code, the
mma itself follows the PTX ISA's fragment layout (37 x 23 outputs span two
block rows and every partial warp tile)."""

import numpy as np
import pytest

from jit import run_module
from sweep_cases import (build_cases, check_matches_formula,
                         check_products_exact, sweep_calls)

M, N = 37, 23
KS = [1, 64, 65, 200]
SMALL_TILES = "tile-m=8 tile-n=8 tile-k=1"


def emulate(bq_opt, funcs, calls, options):
    return run_module(
        bq_opt, funcs, calls,
        [f"--bq-gpu-pipeline=host-emulation=true {options}"], lower=False)


@pytest.fixture(scope="module", params=[SMALL_TILES, "mma=b1"],
                ids=["popc", "mma"])
def sweep(bq_opt, request):
    cases = build_cases(11, m=M, n=N, ks=KS)
    yfuncs, pfuncs, calls = sweep_calls(cases, n=N)
    funcs = yfuncs + pfuncs
    gpu = emulate(bq_opt, funcs, calls, request.param)
    cpu = run_module(bq_opt, funcs, calls, ["--bq-cpu-pipeline"], lower=False)
    return cases, gpu, cpu


def test_integer_part_is_exact(sweep):
    cases, gpu, _ = sweep
    check_products_exact(cases, gpu)


def test_fused_epilogue_equals_cpu_path(sweep):
    cases, gpu, cpu = sweep
    for i, c in enumerate(cases):
        assert np.array_equal(gpu[2 * i], cpu[2 * i]), c["what"]


def test_results_match_formula(sweep):
    cases, gpu, _ = sweep
    check_matches_formula(cases, gpu)


def test_default_tiles(bq_opt):
    # 70 x 130 outputs: two row blocks and three column blocks of 64.
    cases = build_cases(12, m=70, n=130, ks=[300])
    cases = [c for c in cases if (c["wbits"], c["abits"]) in
             [(1, 1), (2, 2), (8, 8)]]
    yfuncs, pfuncs, calls = sweep_calls(cases, n=130)
    gpu = emulate(bq_opt, yfuncs + pfuncs, calls, "")
    check_products_exact(cases, gpu)
