"""The demo's quick run: trained MLP compiled at W2A8/W2A2 by bq, its
predictions checked against bq.reference by the demo itself."""

import json
import subprocess
import sys

from conftest import ROOT, build_dir


def test_demo_quick_run(tmp_path, bq_opt):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "digits" / "demo.py"),
         "--build-dir", str(build_dir()), "--out", str(tmp_path), "--quick",
         "--reps", "1"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    runs = {(r["method"], r["weight_bits"], r["act_bits"]): r
            for r in results["runs"]}
    assert results["float_accuracy"]["mlp"] > 0.95
    for key in [("uniform", 2, 8), ("exact", 2, 8), ("exact", 2, 2)]:
        assert runs[key]["predictions_equal_reference"] == 360
        assert runs[key]["accuracy"] == runs[key]["reference_accuracy"]
    # The paper's point on this model: balanced 2-bit weights beat uniform.
    assert runs[("exact", 2, 8)]["accuracy"] > runs[("uniform", 2, 8)]["accuracy"]
    assert runs[("exact", 2, 8)]["entropy_bits"] > 1.99
