"""The MCMC posterior against a closed form: a linear-Gaussian model x(t) = a + b t with known noise
and flat priors has the Gaussian posterior N(OLS estimate, sigma^2 (X'X)^-1)."""
from pathlib import Path

import h5py
import numpy as np
import pytest

import engine
from engine.calibration.mcmc import read_draws

MODELS = Path(__file__).parent / "models"
SIGMA = 0.5


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("linear")
    rng = np.random.default_rng(7)
    t = np.arange(0.0, 10.5, 1.0)
    y = 2.0 + 0.5 * t + rng.normal(0, SIGMA, len(t))
    (tmp / "level.csv").write_text("time,value\n" + "".join(f"{a:g},{b:.12g}\n" for a, b in zip(t, y)))
    spec = {"calibration": "linear", "scenario": str(MODELS / "linear_growth.yaml"), "seed": 3,
            "parameters": {"a": {"bounds": [-20, 20]}, "b": {"bounds": [-5, 5]}},
            "series": {"level": {"file": str(tmp / "level.csv"), "units": "m", "variable": "level",
                                 "read": "at", "error": "normal", "scale": SIGMA}},
            "optimizer": {"population": 10, "generations": 60},
            "mcmc": {"walkers": 200, "steps": 400, "burn": 100}}
    res = engine.calibrate(spec, output=tmp / "out", figures_too=False)
    X = np.column_stack([np.ones_like(t), t])
    cov = SIGMA ** 2 * np.linalg.inv(X.T @ X)
    mean = np.linalg.solve(X.T @ X, X.T @ y)
    return res, mean, cov


def test_posterior_matches_the_analytic_posterior(fitted):
    res, mean, cov = fitted
    draws = res.posterior.draws
    sd = np.sqrt(np.diag(cov))
    assert draws.shape[1] == 2 and len(draws) == 200 * 300
    assert np.allclose(draws.mean(axis=0), mean, rtol=0.05)
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 0.1 * sd)
    assert np.allclose(draws.std(axis=0, ddof=1), sd, rtol=0.05)
    corr = np.corrcoef(draws.T)[0, 1]
    assert corr == pytest.approx(cov[0, 1] / (sd[0] * sd[1]), abs=0.03)


def test_estimate_and_intervals_are_the_closed_form(fitted):
    """Known scale, flat prior: the optimum is least squares and the profile interval is the
    exact Gaussian interval mean +- 1.645 sd."""
    res, mean, cov = fitted
    sd = np.sqrt(np.diag(cov))
    table = res.parameters.set_index("parameter")
    for j, name in enumerate(["a", "b"]):
        assert table.loc[name, "estimate"] == pytest.approx(mean[j], abs=1e-4 * sd[j] + 1e-7)
        assert table.loc[name, "lower"] == pytest.approx(mean[j] - 1.6449 * sd[j], rel=1e-3)
        assert table.loc[name, "upper"] == pytest.approx(mean[j] + 1.6449 * sd[j], rel=1e-3)
        assert table.loc[name, "identified"]
    assert res.uncertainty.correlation[0, 1] == pytest.approx(cov[0, 1] / (sd[0] * sd[1]), abs=1e-3)


def test_chain_and_diagnostics_are_in_the_hdf5_file(fitted):
    res, _, _ = fitted
    path = res.folder / "calibration.h5"
    names, draws = read_draws(path)
    assert names == ["a", "b"] and draws.shape == res.posterior.draws.shape
    with h5py.File(path, "r") as f:
        assert f["mcmc/chain"].shape == (400, 200, 2)
        assert 0.2 < float(np.mean(f["posterior/acceptance"][()])) < 0.9
        assert np.all(np.isfinite(f["posterior/tau"][()]))
        assert {"estimate", "parameters", "fit", "observations", "profiles", "band"} <= set(f)
    p = res.posterior
    assert np.all(p.effective_samples > 1000)


def test_a_sweep_draws_joint_parameter_sets_from_the_posterior(fitted, tmp_path):
    """{posterior: FILE} in a sweep spec: each run takes one stored draw (a and b together), so the
    sweep's sample keeps the posterior's correlation and the runs follow x(10) = a + 10 b."""
    res, _, _ = fitted
    h5 = res.folder / "calibration.h5"
    spec = tmp_path / "sweep.yaml"
    spec.write_text(f"sweep: projection\nscenario: {MODELS / 'linear_growth.yaml'}\nmethod: montecarlo\n"
                    f"samples: 300\nseed: 4\nparameters:\n  a: {{posterior: {h5}}}\n  b: {{posterior: {h5}}}\n"
                    "outputs:\n  metrics:\n    level_10: {variable: level, at: 10}\n")
    s = engine.sweep(str(spec), output=tmp_path / "sweep.h5", progress=False)
    sample = s.samples()[["a", "b"]].to_numpy()
    draws = res.posterior.draws
    assert all((np.abs(draws - row).max(axis=1) == 0).any() for row in sample[:50])    # whole rows
    assert np.corrcoef(sample.T)[0, 1] == pytest.approx(np.corrcoef(draws.T)[0, 1], abs=0.1)
    assert np.allclose(s.metrics()["level_10"], sample[:, 0] + 10 * sample[:, 1])


def test_posterior_draws_need_a_sampling_method(fitted, tmp_path, capsys):
    from engine.cli import main
    res, _, _ = fitted
    spec = tmp_path / "sweep.yaml"
    spec.write_text(f"scenario: {MODELS / 'linear_growth.yaml'}\nmethod: sobol\nsamples: 64\nparameters:\n"
                    f"  a: {{posterior: {res.folder / 'calibration.h5'}}}\n  b: {{range: [0, 1]}}\n"
                    "outputs:\n  metrics:\n    level_10: {variable: level, at: 10}\n")
    assert main(["sweep", str(spec), "-o", str(tmp_path / "s.h5")]) == 2
    assert "posterior draws need method montecarlo or latin" in capsys.readouterr().err
