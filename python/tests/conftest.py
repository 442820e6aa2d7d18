"""Shared fixtures: the package path and bq's command-line tools."""

import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def build_dir():
    return pathlib.Path(os.environ.get("BQ_BUILD_DIR", ROOT / "build"))


# The package sources and, for its native extension, <build>/python.
sys.path[:0] = [str(ROOT / "python"), str(build_dir() / "python")]


@pytest.fixture(scope="session")
def bq_opt():
    """Path of the built bq-opt; a missing tool fails the tests that need
    it (never a skip)."""
    path = build_dir() / "bin" / "bq-opt"
    if not path.is_file():
        pytest.fail(f"bq-opt not found at {path}: build first (make build) "
                    "or set BQ_BUILD_DIR")
    return path
