"""The committed generated docs match what ODS generates from the sources,
and every registered bq pass is documented where users look."""

import re
import subprocess

from conftest import ROOT, build_dir

GENERATED = {
    "BQDialect.md": "Dialects/BQDialect.md",
    "BQPasses.md": "BQPasses.md",
    "BQConversionPasses.md": "BQConversionPasses.md",
}


def test_generated_docs_are_current():
    for committed, built in GENERATED.items():
        fresh = (build_dir() / "docs" / built).read_text()
        stale = (ROOT / "docs" / "generated" / committed).read_text()
        assert fresh == stale, f"docs/generated/{committed} is stale: run " \
                               "`make docs` and commit the result"


def test_every_pass_is_documented(bq_opt):
    help_text = subprocess.run([str(bq_opt), "--help"], capture_output=True,
                               text=True, check=True).stdout
    passes = sorted(set(re.findall(r"--(bq-[\w-]+|convert-bq-[\w-]+)",
                                   help_text)))
    assert "bq-cpu-pipeline" in passes
    assert passes, "bq-opt --help lists no bq pass"
    readme = (ROOT / "README.md").read_text()
    pass_doc = (ROOT / "docs" / "passes.md").read_text()
    for name in passes:
        assert f"`{name}`" in pass_doc, f"{name} missing from docs/passes.md"
        assert name in readme, f"{name} missing from README.md"


def test_python_doc_example_runs():
    text = (ROOT / "docs" / "python.md").read_text()
    block = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    exec(compile(block, "docs/python.md", "exec"), {})
