"""The README's Python example, saved as a script and run as a new user would run it: it works,
prints the scenario's headline variables, shows the calibration's progress and writes nothing
outside outputs/. The README and docs/sweeps.md say the same about worker processes."""
import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

README = (ROOT / "README.md").read_text()


def example() -> str:
    """The code block of the README's 'Python API' section."""
    part = README[README.index("## Python API"):]
    part = part[part.index("```python\n") + len("```python\n"):]
    return part[:part.index("```\n")]


def files(folder):
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_the_readme_example_runs_as_a_saved_script_and_writes_only_under_outputs(tmp_path):
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    (tmp_path / "example.py").write_text(example())
    before = files(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(ROOT), CARBONLOOP_BACKEND="numpy",
               CARBONLOOP_CACHE=str(tmp_path / "outputs" / ".cache"), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    new = files(tmp_path) - before
    assert new and all(p.startswith("outputs/") for p in new), sorted(p for p in new if not p.startswith("outputs/"))
    assert "outputs/readme/fit/fit.md" in new and "outputs/readme/sweep.h5" in new
    rows = [line.split()[0] for line in done.stdout.splitlines() if line.startswith("  ")]
    assert rows[1:4] == ["carbon_price", "carbon_price_usd", "allowance_bank"]      # the report's summary
    assert "allowances_cancelled" not in rows
    assert "search" in done.stderr           # the calibration's progress


def test_the_readme_and_the_sweeps_guide_agree_on_worker_processes():
    sweeps = (ROOT / "docs" / "sweeps.md").read_text()
    for text in (README, sweeps):
        flat = " ".join(text.split())
        assert "worker processes import the script" not in flat
        assert "start processes that import this file" not in flat
    for text in (README, sweeps):
        assert "do not import the script" in " ".join(text.split())
    assert "`fit.md`" in README and "`report.md`" not in README        # what calibration writes
