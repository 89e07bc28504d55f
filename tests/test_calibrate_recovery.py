"""Parameter recovery: on synthetic data from known parameters plus noise, the 90 % profile-likelihood
intervals of the calibration contain the true values about 90 % of the time (80-98 % asked)."""
from pathlib import Path

import numpy as np
import pytest

import engine

pytestmark = pytest.mark.slow      # 24 calibrations per case

MODELS = Path(__file__).parent / "models"
N_SETS = 24


def _write(path, times, values, se=None):
    head = "time,value" + (",se" if se is not None else "")
    rows = [f"{t:g},{v:.10g}" + (f",{se:g}" if se is not None else "") for t, v in zip(times, values)]
    path.write_text("\n".join([head] + rows) + "\n")


def _index(result, times):
    return [int(np.argmin(np.abs(result.times - t))) for t in times]


def logistic_case(k, tmp_path, rng):
    """Logistic adoption, yearly shares with a known standard error (normal errors)."""
    truth = {"r": rng.uniform(0.35, 0.9), "K": rng.uniform(0.5, 0.95),
             "s0": float(np.exp(rng.uniform(np.log(0.005), np.log(0.04))))}
    m = engine.load(MODELS / "logistic_adoption.yaml")
    t = np.arange(1.0, 16.0)
    r = m.run(params=truth, keep=["adopters"])
    y = r["adopters"][_index(r, t), 0] + rng.normal(0, 0.02, len(t))
    _write(tmp_path / f"share{k}.csv", t, y, se=0.02)
    spec = {"calibration": f"logistic{k}", "scenario": str(MODELS / "logistic_adoption.yaml"), "seed": k,
            "parameters": {"r": {"bounds": [0.1, 2]}, "K": {"bounds": [0.2, 1]},
                           "s0": {"bounds": [0.001, 0.1], "scale": "log"}},
            "series": {"share": {"file": str(tmp_path / f"share{k}.csv"), "units": "dmnl",
                                 "variable": "adopters", "read": "at", "error": "normal", "scale": "se"}},
            "optimizer": {"population": 8, "generations": 40, "tolerance": 1e-6}}
    return truth, spec


def two_stock_case(k, tmp_path, rng):
    """Two-stock chain; upstream with log-normal and downstream with normal errors, both scales
    estimated from the data."""
    truth = {"a0": rng.uniform(60, 150), "transfer_time": rng.uniform(1.0, 3.0),
             "residence_time": rng.uniform(3.5, 8.0)}
    m = engine.load(MODELS / "two_stock.yaml")
    t = np.arange(0.5, 12.0, 0.5)
    r = m.run(params=truth, keep=["upstream", "downstream"])
    up = r["upstream"][_index(r, t), 0] * np.exp(rng.normal(0, 0.05, len(t)))
    down = r["downstream"][_index(r, t), 0] + rng.normal(0, 1.5, len(t))
    _write(tmp_path / f"up{k}.csv", t, up)
    _write(tmp_path / f"down{k}.csv", t, down)
    spec = {"calibration": f"chain{k}", "scenario": str(MODELS / "two_stock.yaml"), "seed": 100 + k,
            "parameters": {"a0": {"bounds": [10, 500], "scale": "log"},
                           "transfer_time": {"bounds": [0.2, 10], "scale": "log"},
                           "residence_time": {"bounds": [0.5, 30], "scale": "log"}},
            "series": {"up": {"file": str(tmp_path / f"up{k}.csv"), "units": "t", "variable": "upstream",
                              "read": "at", "error": "lognormal", "scale": "estimate"},
                       "down": {"file": str(tmp_path / f"down{k}.csv"), "units": "t",
                                "variable": "downstream", "read": "at", "error": "normal",
                                "scale": "estimate"}},
            "optimizer": {"population": 8, "generations": 40, "tolerance": 1e-6}}
    return truth, spec


@pytest.mark.parametrize("case, seed", [(logistic_case, 11), (two_stock_case, 12)],
                         ids=["logistic", "two-stock"])
def test_intervals_cover_the_true_values(case, seed, tmp_path):
    rng = np.random.default_rng(seed)
    hits, errors = [], []
    for k in range(N_SETS):
        truth, spec = case(k, tmp_path, rng)
        res = engine.calibrate(spec, output=tmp_path / f"out{k}", mcmc=False, figures_too=False)
        for row in res.parameters.itertuples():
            hits.append(row.lower <= truth[row.parameter] <= row.upper)
            assert row.lower <= row.estimate <= row.upper
            errors.append(abs(row.estimate / truth[row.parameter] - 1))
    coverage = np.mean(hits)
    assert 0.80 <= coverage <= 0.98, coverage
    assert np.median(errors) < 0.1         # and the estimates themselves are close


def test_estimates_of_noise_free_data_are_the_truth(tmp_path):
    """Without noise the optimum is the generating parameter set (to the optimiser's tolerance)."""
    truth = {"r": 0.6, "K": 0.85, "s0": 0.02}
    m = engine.load(MODELS / "logistic_adoption.yaml")
    t = np.arange(1.0, 16.0)
    r = m.run(params=truth, keep=["adopters"])
    _write(tmp_path / "share.csv", t, r["adopters"][_index(r, t), 0], se=0.01)
    spec = {"scenario": str(MODELS / "logistic_adoption.yaml"), "seed": 5,
            "parameters": {"r": {"bounds": [0.1, 2]}, "K": {"bounds": [0.2, 1]},
                           "s0": {"bounds": [0.001, 0.1], "scale": "log"}},
            "series": {"share": {"file": str(tmp_path / "share.csv"), "units": "dmnl", "variable": "adopters",
                                 "scale": "se"}}}
    res = engine.calibrate(spec, output=tmp_path / "out", mcmc=False, figures_too=False)
    for name, value in truth.items():
        assert res.estimates[name] == pytest.approx(value, rel=1e-4)
    assert res.objective == pytest.approx(len(t) * np.log(0.01), abs=1e-6)   # residuals ~ 0
