"""Docstrings on public modules, classes, functions and methods: at least 80 % of them."""
import runpy

from conftest import ROOT


def test_docstring_coverage_is_at_least_80_percent():
    script = runpy.run_path(str(ROOT / "benchmarks" / "docstring_coverage.py"))
    documented, total, missing = script["coverage"](ROOT / "engine")
    assert documented / total >= 0.8, missing
