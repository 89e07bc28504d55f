"""The flagship through the command line: run (summary and figures) and compare."""
from pathlib import Path

import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_compare_writes_overlays_and_a_table(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(ROOT / "scenarios" / "default.yaml"),
                 str(ROOT / "scenarios" / "no-coupling.yaml"), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "default" in text and "no-coupling" in text
    row = next(line for line in text.splitlines() if line.startswith("carbon_price ") and " 2040 " in line)
    a, b, change = row.split()[2:5]
    assert abs(float(b) / float(a) - 1) > 0.01 and change.endswith("%")
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == sorted(["carbon_price.png", "allowance_bank.png", "ssb_maturity.png", "battery_cost.png",
                           "nev_share.png", "emissions.png"])


@pytest.mark.slow
def test_run_default_prints_summary_and_writes_figures(tmp_path, capsys):
    h5 = tmp_path / "default" / "results.h5"
    assert main(["run", str(ROOT / "scenarios" / "default.yaml"), "-o", str(h5)]) == 0
    text = capsys.readouterr().out
    head = next(line for line in text.splitlines() if line.startswith("variable"))
    assert head.split()[1:5] == ["2025", "2030", "2040", "2060"]
    assert any(line.startswith("carbon_price ") for line in text.splitlines())
    assert h5.exists() and (h5.parent / "carbon_price.png").exists() and (h5.parent / "emissions.png").exists()
