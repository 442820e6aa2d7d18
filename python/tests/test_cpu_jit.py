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
from sweep_cases import build_cases, check_matches_formula, sweep_calls

@pytest.fixture(scope="module")
def sweep(bq_opt):
    cases = build_cases(5)
    yfuncs, pfuncs, calls = sweep_calls(cases)
    cpu = run_module(bq_opt, yfuncs + pfuncs, calls, ["--bq-cpu-pipeline"],
                     lower=False)
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
    check_matches_formula(cases, cpu)


def test_results_match_reference_lowering(sweep):
    cases, cpu, reference = sweep
    for i, c in enumerate(cases):
        scale = max(1.0, float(np.abs(reference[i]).max()))
        np.testing.assert_allclose(cpu[2 * i], reference[i], rtol=1e-4,
                                   atol=1e-4 * scale, err_msg=c["what"])
