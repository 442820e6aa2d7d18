"""The CPU path (--bq-cpu-pipeline: bq-decompose, convert-bq-to-vector, the
vectorized bit-serial kernel) run by mlir-runner, against bq.reference:

- the integer products P = codes(x) @ codes(w) exactly;
- the float results Y by formula 1.3 up to float rounding, and the same Y
  as the float reference lowering (--bq-lower-to-reference).

The weight codes, alpha and beta come from the pure-numpy reference, so the
compiled path is checked against code it shares nothing with."""

import numpy as np
import pytest

from bq import reference as ref
from jit import run_module
from sweep_cases import N, build_cases, case_funcs

@pytest.fixture(scope="module")
def sweep(bq_opt):
    cases = build_cases(5)
    pairs = [case_funcs(i, c["k"], N, c["wbits"], c["abits"], c["codes"],
                        c["alpha"], c["beta"], c["act_range"])
             for i, c in enumerate(cases)]
    yfuncs = "".join(y for y, _ in pairs)
    funcs = yfuncs + "".join(p for _, p in pairs)
    calls = []
    for i, c in enumerate(cases):
        xtype = f"tensor<?x{c['k']}xf32>"
        calls.append((f"y{i}", [c["x"]], [xtype], [f"tensor<?x{N}xf32>"]))
        calls.append((f"p{i}", [c["x"]], [xtype], [f"tensor<?x{N}xi64>"]))
    cpu = run_module(bq_opt, funcs, calls, ["--bq-cpu-pipeline"], lower=False)
    ycalls = [c for c in calls if c[0].startswith("y")]
    reference = run_module(bq_opt, yfuncs, ycalls, ["--bq-lower-to-reference"])
    return cases, cpu, reference


def test_integer_part_is_exact(sweep):
    cases, cpu, _ = sweep
    for i, c in enumerate(cases):
        ca, _, _ = ref.quantize_activations(c["x"], c["abits"], *c["act_range"])
        a_planes = ref.pack(ca, c["abits"])
        w_planes = ref.pack(c["codes"].T, c["wbits"])
        expected = ref.bitserial_product(a_planes, w_planes)
        assert np.array_equal(expected, ca.astype(np.int64) @
                              c["codes"].astype(np.int64)), c["what"]
        assert np.array_equal(cpu[2 * i + 1], expected), c["what"]


def test_results_match_formula(sweep):
    cases, cpu, _ = sweep
    for i, c in enumerate(cases):
        y, _ = ref.quantized_matmul(c["x"], c["codes"], c["alpha"], c["beta"],
                                    c["abits"], *c["act_range"])
        scale = max(1.0, float(np.abs(y).max()))
        np.testing.assert_allclose(cpu[2 * i], y, rtol=1e-5,
                                   atol=1e-5 * scale, err_msg=c["what"])


def test_results_match_reference_lowering(sweep):
    cases, cpu, reference = sweep
    for i, c in enumerate(cases):
        scale = max(1.0, float(np.abs(reference[i]).max()))
        np.testing.assert_allclose(cpu[2 * i], reference[i], rtol=1e-4,
                                   atol=1e-4 * scale, err_msg=c["what"])
