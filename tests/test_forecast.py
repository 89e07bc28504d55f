"""Forecasts with their uncertainty: scoring rules against hand computations and closed forms, the
AR(1) discrepancy against the Gaussian conditional, naive benchmarks by hand, the coverage of the
predictive intervals on synthetic data with a known autocorrelated model error, and the hindcast
command on a small model."""
from pathlib import Path

import numpy as np
import pytest

import engine
from engine.calibration.benchmarks import benchmark_draws
from engine.calibration.discrepancy import Ar1
from engine.calibration.hindcast import default_origins, hindcast
from engine.calibration.scores import covered, crps_normal, crps_sample, interval_score, score_rows
from engine.calibration.spec import load_spec
from engine.cli import main

MODELS = Path(__file__).parent / "models"


def test_crps_of_a_sample_by_hand():
    """Sample (1, 2, 3), y = 2: F = 1/3 on [1, 2), 2/3 on [2, 3), so the integral of
    (F - 1{x >= 2})^2 is 1/9 + 1/9 = 2/9; also E|X - y| - E|X - X'|/2 = 2/3 - (8/9)/2."""
    assert crps_sample([[1.0, 2.0, 3.0]], [2.0])[0] == pytest.approx(2 / 9)
    assert crps_sample([[3.0, 1.0, 2.0]], [2.0])[0] == pytest.approx(2 / 9)     # order does not matter
    assert crps_sample([[5.0]], [2.0])[0] == pytest.approx(3.0)                  # a point: |error|


def test_crps_of_a_normal_sample_is_the_closed_form():
    rng = np.random.default_rng(1)
    x = rng.normal(1.0, 2.0, (3, 100_000))
    y = np.array([2.5, -4.0, 1.0])
    assert crps_sample(x, y) == pytest.approx(crps_normal(1.0, 2.0, y), rel=0.01)
    # the closed form at the mean: sd (2 phi(0) - 1/sqrt(pi)) = sd (sqrt(2) - 1) / sqrt(pi)
    assert crps_normal(0.0, 2.0, 0.0) == pytest.approx(2 * (np.sqrt(2) - 1) / np.sqrt(np.pi))


def test_interval_score_by_hand():
    """[1, 3] at 90 % (alpha 0.1): inside it is the width 2; a miss adds 2/alpha = 20 per unit."""
    assert interval_score(1, 3, 2, 0.1) == pytest.approx(2.0)
    assert interval_score(1, 3, 4, 0.1) == pytest.approx(2 + 20 * 1)
    assert interval_score(1, 3, 0.5, 0.1) == pytest.approx(2 + 20 * 0.5)
    assert interval_score(1, 3, 3.5, 0.5) == pytest.approx(2 + 4 * 0.5)


def test_coverage_and_scores_of_a_uniform_sample():
    """Draws 0, 0.001, ..., 1: the central 90 % interval is [0.05, 0.95], the 50 % one [0.25, 0.75]."""
    s = np.tile(np.linspace(0, 1, 1001), (4, 1))
    y = np.array([0.5, 0.2, 0.97, 0.9])
    assert covered(s, y, 0.9).tolist() == [True, True, False, True]
    assert covered(s, y, 0.5).tolist() == [True, False, False, False]
    sc = score_rows(s, y)
    assert sc["width90"] == pytest.approx([0.9] * 4)
    assert sc["median"] == pytest.approx([0.5] * 4)
    assert sc["is90"][2] == pytest.approx(0.9 + 20 * (0.97 - 0.95))


def test_benchmarks_by_hand():
    """Points (0, 1), (1, 2), (2, 4): random-walk variance q = mean(1, 4) = 2.5 per unit; drift
    b = 1.5, changes about it -0.5 and 0.5, so q' = 0.5; one step ahead the trend's variance is
    q' (1 + 1/2) = 0.75 around 4 + 1.5."""
    rng = np.random.default_rng(2)
    d = benchmark_draws([0, 1, 2], [1, 2, 4], [3.0], 200_000, rng)
    assert d["last value"].mean() == pytest.approx(4.0, abs=0.02)
    assert d["last value"].var() == pytest.approx(2.5, rel=0.02)
    assert d["trend"].mean() == pytest.approx(5.5, abs=0.01)
    assert d["trend"].var() == pytest.approx(0.75, rel=0.02)
    assert benchmark_draws([0], [1], [1.0], 10, rng) == {}


def test_ar1_forecast_is_the_gaussian_conditional():
    """Without measurement error an AR(1) process is Markov: given its values at 0 and 1, at 3 it
    is normal with mean phi^2 e(1) and variance sd^2 (1 - phi^4)."""
    sd, phi = 0.2, 0.6
    a = Ar1.at([0.0, 1.0], [0.0, 0.0], sd, phi)
    e = np.tile(np.array([[0.1], [-0.3]]), (1, 200_000))
    d = a.draw(e, [3.0], np.random.default_rng(3))[0]
    assert d.mean() == pytest.approx(phi ** 2 * -0.3, abs=0.002)
    assert d.var() == pytest.approx(sd ** 2 * (1 - phi ** 4), rel=0.02)
    # the marginal likelihood of one grid point is the normal density (without 2 pi)
    from scipy.stats import multivariate_normal
    S = sd ** 2 * np.array([[1, phi], [phi, 1]])
    lp = a.log_terms(np.array([[0.1], [-0.3]]))[0, 0]
    assert lp == pytest.approx(multivariate_normal(np.zeros(2), S).logpdf([0.1, -0.3]) + np.log(2 * np.pi))


def _ar1_path(n, sd, phi_step, rng):
    d = np.empty(n)
    d[0] = rng.normal(0, sd)
    for k in range(1, n):
        d[k] = phi_step * d[k - 1] + rng.normal(0, sd * np.sqrt(1 - phi_step ** 2))
    return d


@pytest.mark.slow
def test_predictive_intervals_cover_what_happens(tmp_path):
    """24 synthetic data sets of logistic adoption (r and K estimated, s0 known) every half year,
    with an AR(1) model error (sd 0.03, one-year correlation 0.7) and a measurement error (sd 0.01,
    known): fitted up to t = 10, the 11 observations after it are forecast. The 90 % predictive
    intervals must contain them in 80-98 % of the cases, the 50 % ones in 40-60 %."""
    rng = np.random.default_rng(19)
    m = engine.load(MODELS / "logistic_adoption.yaml")
    t = np.arange(0.5, 16.0, 0.5)
    frames = []
    for k in range(24):
        truth = {"r": rng.uniform(0.6, 1.0), "K": rng.uniform(0.5, 0.95),
                 "s0": float(np.exp(rng.uniform(np.log(0.005), np.log(0.04))))}
        r = m.run(params=truth, keep=["adopters"])
        idx = [int(np.argmin(np.abs(r.times - x))) for x in t]
        y = r["adopters"][idx, 0] + _ar1_path(len(t), 0.03, 0.7 ** 0.5, rng) + rng.normal(0, 0.01, len(t))
        (tmp_path / f"s{k}.csv").write_text("time,value,se\n" + "".join(f"{a:g},{b:.10g},0.01\n"
                                                                       for a, b in zip(t, y)))
        spec = {"calibration": f"syn{k}", "scenario": str(MODELS / "logistic_adoption.yaml"), "seed": k,
                "parameters": {"r": {"bounds": [0.1, 2]}, "K": {"bounds": [0.2, 1]}},
                "fixed": {"s0": truth["s0"]},
                "series": {"share": {"file": str(tmp_path / f"s{k}.csv"), "units": "dmnl", "variable": "adopters",
                                     "read": "at", "error": "normal", "scale": "se"}},
                "discrepancy": "ar1", "hindcast": {"origins": [10], "draws": 200},
                "optimizer": {"population": 8, "generations": 15, "tolerance": 1e-6}}
        frames.append(hindcast(spec, output=tmp_path / f"o{k}", mcmc=False, figures_too=False,
                               backend="numpy").forecasts)
    import pandas as pd
    f = pd.concat(frames)
    model = f[f["method"] == "model"]
    assert len(model) == 24 * 11
    assert 0.80 <= model["in90"].mean() <= 0.98, model["in90"].mean()
    assert 0.40 <= model["in50"].mean() <= 0.60, model["in50"].mean()
    # the band widens with the horizon, and the model beats both naive benchmarks on CRPS
    w = model.groupby("horizon")["width90"].mean()
    assert w.iloc[-1] > w.iloc[0]
    crps = f.groupby("method")["crps"].mean()
    assert crps["model"] < crps["last value"] and crps["model"] < crps["trend"]


def _small_spec(tmp_path, extra=""):
    t = np.arange(1.0, 13.0)
    y = 0.8 / (1 + (0.8 / 0.02 - 1) * np.exp(-0.6 * t))
    (tmp_path / "share.csv").write_text("time,value\n" + "".join(f"{a:g},{b:.6g}\n" for a, b in zip(t, y * 1.01)))
    p = tmp_path / "spec.yaml"
    p.write_text(f"calibration: small\nscenario: {MODELS / 'logistic_adoption.yaml'}\nseed: 1\n"
                 "parameters:\n  r: {bounds: [0.1, 2]}\n  K: {bounds: [0.2, 1]}\n"
                 "series:\n  share: {file: share.csv, units: dmnl, variable: adopters, read: at, "
                 "error: lognormal, scale: 0.05}\n"
                 "discrepancy: {model: ar1, sd_max: 0.3}\noptimizer: {population: 5, generations: 3}\n"
                 "assumes: the market stays as it is\n" + extra)
    return p


def test_default_origins_leave_two_points_to_fit_and_one_to_forecast(tmp_path):
    spec = load_spec(_small_spec(tmp_path))
    assert default_origins(spec) == [float(x) for x in range(2, 12)]
    assert spec.series[0].discrepancy == "ar1" and spec.series[0].sd_max == 0.3


@pytest.mark.slow
def test_hindcast_command(tmp_path, capsys):
    spec = _small_spec(tmp_path, "hindcast: {origins: [8, 10], draws: 50}\n")
    assert main(["calibrate", str(spec), "--hindcast", "--no-mcmc", "-o", str(tmp_path / "out"),
                 "--backend", "numpy"]) == 0
    out = capsys.readouterr().out
    assert "origins 8, 10" in out and "last value" in out and "trend" in out
    folder = tmp_path / "out" / "hindcast"
    for name in ("hindcast.md", "forecasts.csv", "scores.csv", "summary.csv", "components.csv",
                 "forecasts.png", "origin-8/estimates.yaml", "origin-10/fit.md"):
        assert (folder / name).exists(), name
    md = (folder / "hindcast.md").read_text()
    assert "the market stays as it is" in md and "What the forecasts assume" in md
    import pandas as pd
    f = pd.read_csv(folder / "forecasts.csv")
    assert sorted(f["origin"].unique()) == [8, 10]
    assert len(f[(f["method"] == "model") & (f["origin"] == 8)]) == 4      # observations 9..12
    assert set(f["horizon"]) == {1, 2, 3, 4}


@pytest.mark.slow
def test_fit_report_scores_the_held_out_observations(tmp_path):
    spec = _small_spec(tmp_path, "holdout: 9\nproject: 15\n")
    res = engine.calibrate(spec, output=tmp_path / "out", mcmc=False, backend="numpy")
    f = res.forecasts
    assert set(f["method"]) == {"model", "last value", "trend"}
    model = f[f["method"] == "model"]
    assert model["time"].tolist() == [10.0, 11.0, 12.0] and model["horizon"].tolist() == [1, 2, 3]
    # widths by source (not nested: the discrepancy, conditioned on each draw's residuals, offsets
    # part of the parameters' spread)
    for stage in ("parameters", "discrepancy", "measurement"):
        assert (model[f"width90_{stage}"] > 0).all()
    md = (tmp_path / "out" / "fit.md").read_text()
    assert "Forecast of the held-out observations" in md and "the market stays as it is" in md
    assert (tmp_path / "out" / "forecasts.csv").exists()
    # the projection continues the series past its data (12) to 15, a predictive band around a median
    p = res.projection
    assert p["time"].tolist() == [13.0, 14.0, 15.0]
    assert ((p["q05"] <= p["q25"]) & (p["q25"] <= p["median"]) & (p["median"] <= p["q75"])
            & (p["q75"] <= p["q95"])).all()
    assert "Projection to 15" in md and (tmp_path / "out" / "projection.png").exists()


def test_a_hindcast_the_data_do_not_allow_is_refused(tmp_path, capsys):
    """Two observations: no series has the three a default origin needs (two to fit, one to forecast)."""
    (tmp_path / "share.csv").write_text("time,value\n1,0.03\n2,0.05\n")
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"scenario: {MODELS / 'logistic_adoption.yaml'}\nparameters:\n  r: {{bounds: [0.1, 2]}}\n"
                    "series:\n  share: {file: share.csv, units: dmnl, variable: adopters, scale: 0.01}\n")
    assert main(["calibrate", str(spec), "--hindcast", "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "the data allow no hindcast origin" in err and str(spec) in err and "Traceback" not in err
