"""Running scenarios with estimated values (--params), and data points on run and compare figures."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import engine
from engine.calibration.overlay import observations_for
from engine.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "scenarios"


def _row(text, name, year):
    line = next(x for x in text.splitlines() if x.startswith(name + " "))
    head = next(x for x in text.splitlines() if x.startswith("variable"))
    return float(line.split()[1 + head.split()[1:].index(str(year))])


@pytest.mark.slow
def test_run_with_a_parameter_file(tmp_path, capsys):
    est = tmp_path / "estimates.yaml"
    est.write_text("calibration: test\nparameters:\n  nev_growth_rate_base: 0.3\n  nev_share_floor: 0.3\n")
    assert main(["run", str(SCEN / "default.yaml"), "-o", str(tmp_path / "a.h5"), "--no-figures"]) == 0
    plain = capsys.readouterr().out
    assert main(["run", str(SCEN / "default.yaml"), "-o", str(tmp_path / "b.h5"), "--no-figures",
                 "--params", str(est)]) == 0
    slow = capsys.readouterr().out
    assert _row(slow, "nev_sales_share", 2030) < _row(plain, "nev_sales_share", 2030) - 0.1
    r = engine.load(SCEN / "default.yaml").run(params={"nev_growth_rate_base": 0.3, "nev_share_floor": 0.3},
                                                keep=["nev_sales_share"])
    assert _row(slow, "nev_sales_share", 2030) == pytest.approx(r.at("nev_sales_share", 2030)[0], rel=1e-3)


def test_compare_with_a_parameter_file(tmp_path, capsys):
    est = tmp_path / "p.yaml"
    est.write_text("price_sensitivity: 0.3\n")
    assert main(["compare", str(SCEN / "default.yaml"), str(SCEN / "no-coupling.yaml"), "--no-figures",
                 "--params", str(est)]) == 0
    assert "no-coupling" in capsys.readouterr().out


@pytest.mark.parametrize("text, words", [
    ("parameters: {nev_growth_rat_base: 0.3}\n", ["not a parameter", "did you mean"]),
    ("parameters: {nev_growth_rate_base: fast}\n", ["not a number"]),
    ("parameters: {nev_growth_rate_base: 9}\n", ["outside the declared range"]),
    ("parameters:\n  nev_growth_rate_base: .nan\n", ["bad.yaml:2", "nev_growth_rate_base", "not a finite number: nan"]),
    ("parameters:\n  nev_growth_rate_base: 1" + "0" * 400 + "\n", ["bad.yaml:2", "(401 digits) is too large"])])
def test_bad_parameter_file(tmp_path, capsys, text, words):
    est = tmp_path / "bad.yaml"
    est.write_text(text)
    assert main(["run", str(SCEN / "default.yaml"), "-o", str(tmp_path / "x.h5"), "--params", str(est)]) == 2
    err = capsys.readouterr().err
    assert all(w in err for w in words) and "Traceback" not in err


def test_figures_show_the_data_of_plotted_variables():
    obs = observations_for(engine.load(SCEN / "default.yaml"))
    prices = pd.read_csv(SCEN / "data" / "ets_price.csv", comment="#")
    p = next(o for o in obs["carbon_price"] if o["label"].startswith("ets_price "))
    assert np.allclose(p["y"], prices["value"]) and np.allclose(p["x"], (prices["time"] + prices["end"]) / 2)
    share = obs["nev_sales_share"][0]
    assert np.allclose(share["y"], [0.134, 0.256, 0.316, 0.409])            # % in the file, a share here
    assert "liion_cost" in obs and "nev_fleet" in obs
    assert observations_for(engine.load(SCEN / "teacup.yaml")) == {}        # no catalogue beside it
