"""The default scenario reproduces the 2021-24 history it is calibrated to (scenarios/calibrate-history.yaml,
the series in scenarios/data/): every fitted observation within its data uncertainty or 10 %, the NEV
share within 3 percentage points in every year."""
from pathlib import Path

import numpy as np
import pytest

import engine
from engine.calibration.check import check_against
from engine.calibration.objective import Problem
from engine.calibration.report import observation_table
from engine.calibration.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "scenarios" / "calibrate-history.yaml"
# Li-ion demand: 492, 603, 950, ~1,000 GWh (2021-24) grows 23 % and then 58 %, while China's NEV
# battery demand grows 75 % and then 40 %: no smooth demand model meets both years within 10 %
# (docs/model/calibration.md). These two observations are held to 12 % instead.
WIDER = {("liion_demand", 2021.0): 0.12, ("liion_demand", 2022.0): 0.12}


@pytest.fixture(scope="module")
def history():
    loaded = engine.load(ROOT / "scenarios" / "default.yaml")
    spec = check_against(load_spec(SPEC), loaded)
    problem = Problem(spec, loaded)
    theta = np.array([[loaded.parameters[n].value for n in problem.names]])
    return spec, observation_table(problem, problem.readings(theta))


def test_every_fitted_observation_is_met(history):
    _, obs = history
    fitted = obs[obs["fitted"]]
    assert len(fitted) >= 30 and fitted["series"].nunique() >= 6
    for row in fitted.itertuples():
        tol = max(row.tolerance, WIDER.get((row.series, row.time), 0) * abs(row.observed))
        assert abs(row.model - row.observed) <= tol, (row.series, row.time, row.observed, row.model)


def test_nev_share_within_three_points_every_year(history):
    _, obs = history
    nev = obs[obs["series"] == "nev_share"].set_index("time")
    assert list(nev.index) == [2021, 2022, 2023, 2024]
    assert np.all(np.abs(nev["model"] - nev["observed"]) <= 0.03)


def test_the_calibration_is_large_enough(history):
    spec, _ = history
    assert len(spec.parameters) >= 10 and sum(s.fit for s in spec.series) >= 6


def test_defaults_are_the_estimates_and_say_so(history):
    """Every free parameter's module entry names the spec that estimates it."""
    spec, _ = history
    loaded = engine.load(ROOT / "scenarios" / "default.yaml")
    for p in spec.parameters:
        el = loaded.parameters[p.name]
        assert "scenarios/calibrate-history.yaml" in el.source, p.name
        assert p.low <= el.value <= p.high, p.name
