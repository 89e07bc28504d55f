"""Fit statistics against a hand computation, readings against closed forms, error models."""
from pathlib import Path

import numpy as np
import pytest

import engine
from engine.calibration.fitstats import fit_statistics
from engine.calibration.likelihood import series_terms
from engine.calibration.readouts import weight_row

MODELS = Path(__file__).parent / "models"


def test_fit_statistics_by_hand():
    """S = (1, 2, 3, 4), A = (1.5, 1.5, 3.5, 3.5): e = A - S = (.5, -.5, .5, -.5).
    MSE = 1/4; means 5/2 and 5/2; s_S = sqrt(5/4), s_A = 1; cov = 1, r = 2/sqrt(5);
    U^M = 0, U^S = (sqrt(5/4) - 1)^2 / (1/4), U^C = 2 (1 - r) sqrt(5/4) / (1/4);
    Theil U = (1/2) / (sqrt(30/4) + sqrt(29/4)); R^2 = 1 - 1/4 / (4/4); DW = 3 / 1."""
    st = fit_statistics([1, 2, 3, 4], [1.5, 1.5, 3.5, 3.5])
    r = 2 / np.sqrt(5)
    assert st["n"] == 4
    assert st["rmse"] == pytest.approx(0.5)
    assert st["mape"] == pytest.approx((2 / 3 + 2 / 7) / 4 * 100)
    assert st["um"] == pytest.approx(0.0, abs=1e-15)
    assert st["us"] == pytest.approx((np.sqrt(1.25) - 1) ** 2 * 4)
    assert st["uc"] == pytest.approx(2 * (1 - r) * np.sqrt(1.25) * 4)
    assert st["um"] + st["us"] + st["uc"] == pytest.approx(1.0)
    assert st["theil_u"] == pytest.approx(0.5 / (np.sqrt(7.5) + np.sqrt(7.25)))
    assert st["r2"] == pytest.approx(0.75)
    assert st["dw"] == pytest.approx(3.0)


def test_pure_bias_is_all_um():
    st = fit_statistics([2, 3, 4], [1, 2, 3])
    assert st["um"] == pytest.approx(1.0) and st["us"] == pytest.approx(0.0, abs=1e-12)
    assert st["mape"] == pytest.approx((1 + 1 / 2 + 1 / 3) / 3 * 100)


def test_readings_of_a_linear_stock():
    """x(t) = 1 + 0.5 t, saved every 0.5: at, end, mean, integral, sum and change by hand."""
    m = engine.load(MODELS / "linear_growth.yaml")
    r = m.run(keep=["level", "growth"])
    t = r.times
    x, g = r["level"][:, 0], r["growth"][:, 0]
    assert weight_row("at", 2.25, 3, t) @ x == pytest.approx(1 + 0.5 * 2.25)     # interpolated
    assert weight_row("end", 2, 3, t) @ x == pytest.approx(2.5)
    assert weight_row("mean", 2, 4, t) @ x == pytest.approx(np.mean(1 + 0.5 * np.array([2, 2.5, 3, 3.5])))
    assert weight_row("integral", 2, 4, t) @ g == pytest.approx(0.5 * 2)          # rate x length
    assert weight_row("sum", 2, 4, t) @ g == pytest.approx(0.5 * 4)               # four saved points
    assert weight_row("change", 2, 4, t) @ x == pytest.approx(1.0)


def test_error_models():
    y = np.array([1.0, 2.0, 4.0])
    m = np.array([[1.1, 1.0], [1.8, 2.0], [4.4, 4.0]])
    nll, e, sc = series_terms("normal", ("absolute", 0.5), y, np.full(3, np.nan), m)
    assert nll[1] == pytest.approx(3 * np.log(0.5))                    # perfect run: only ln sigma
    assert nll[0] == pytest.approx(0.5 * np.sum(((y - m[:, 0]) / 0.5) ** 2) + 3 * np.log(0.5))
    nll, e, sc = series_terms("lognormal", ("relative", 0.1), y, np.full(3, np.nan), m)
    assert e[:, 0] == pytest.approx(np.log(y) - np.log(m[:, 0]))
    assert nll[0] == pytest.approx(0.5 * np.sum((e[:, 0] / 0.1) ** 2) + 3 * np.log(0.1))
    nll, e, sc = series_terms("normal", ("estimate",), y, np.full(3, np.nan), m)
    s = np.sqrt(np.mean((y - m[:, 0]) ** 2))
    assert sc[0, 0] == pytest.approx(s) and nll[0] == pytest.approx(3 * np.log(s) + 1.5)
    # Huber: quadratic within 1.345 scales, linear beyond, so an outlier weighs less
    out = np.array([[1.0], [2.0], [14.0]])
    n_norm = series_terms("normal", ("absolute", 1.0), y, np.full(3, np.nan), out)[0][0]
    n_rob = series_terms("robust", ("absolute", 1.0), y, np.full(3, np.nan), out)[0][0]
    assert n_norm == pytest.approx(0.5 * 100) and n_rob == pytest.approx(1.345 * 10 - 0.5 * 1.345 ** 2)


def test_fit_report_prints_times_that_tell_observations_apart():
    import pandas as pd

    from engine.calibration.report import _md_table, time_decimals
    df = pd.DataFrame({"series": ["a", "a", "b"], "time": [2021 + 13 / 24, 2022.0, 2022.0],
                       "observed": [1.0, 2.0, 3.0]})
    table = _md_table(df, ["series", "time", "observed"])
    assert "| a | 2021.54 | 1 |" in table and "| a | 2022.00 | 2 |" in table
    assert time_decimals([2021.0, 2022.0, 2023.0]) == 0
    assert time_decimals([2021.25, 2021.5]) == 2
    assert time_decimals([2021.0 + k / 365 for k in range(3)]) == 3
