"""Running a calibration: spec -> model -> search -> polish -> profiles -> posterior -> report.

``calibrate`` is the one implementation behind ``engine.calibrate(...)`` and ``carbonloop
calibrate``. Every stage's result goes into the checkpoint as it finishes (the search after every
generation), so Ctrl-C or a kill keeps the best found so far (also in ``estimates.yaml``) and the
same call resumes where it stopped.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..outputs.paths import output_folder
from . import figures, report
from .check import check_against
from .checkpoint import Checkpoint
from .estimates import write_estimates
from .objective import Problem
from .optimise import SearchState, polish, search_generation, start_search
from .spec import load_spec
from .uncertainty import Profile, Uncertainty, curvature, profile_all, threshold


@dataclass
class CalibrationResult:
    """Everything a calibration found: estimates, intervals, fit tables, posterior, files."""
    spec: Any
    problem: Any
    folder: Path
    estimates: dict
    objective: float
    evaluations: int
    seconds: float
    uncertainty: Uncertainty | None = None
    posterior: Any = None
    band: dict | None = None
    times: np.ndarray | None = None
    trajectories: dict | None = None
    parameters: Any = None
    fit: Any = None
    observations: Any = None
    forecasts: Any = None           # held-out observations: predictive scores, model and benchmarks
    projection: Any = None          # predictive bands of the fitted series past the data ('project')
    figures: list = field(default_factory=list)
    files: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)     # seconds per stage in this call

    @property
    def hindcast(self):
        """The held-out observations against the model's prediction."""
        return self.observations[self.observations["role"] == "held out"]

    @property
    def intervals(self) -> dict:
        """Parameter -> (lower, upper) of the profile-likelihood interval."""
        return {r.parameter: (r.lower, r.upper) for r in self.parameters.itertuples()}


def calibrate(spec, output=None, fresh: bool = False, progress: bool = False, mcmc: bool = True,
              figures_too: bool = True, backend=None, profiles: bool = True) -> CalibrationResult:
    """Calibrate a scenario to data as a spec says (see docs/calibration.md); resumes by default.

    ``output`` is the folder for the results (default ``outputs/<name>/``); ``fresh`` discards a
    checkpoint there; ``mcmc=False`` skips the posterior; ``backend`` is passed to every model run;
    ``profiles=False`` keeps the curvature (correlations, Laplace covariance) but skips the
    profile-likelihood intervals.
    """
    from ..api import load
    t0 = time.perf_counter()
    spec = load_spec(spec)
    loaded = load(spec.scenario)
    spec = check_against(spec, loaded)
    problem = Problem(spec, loaded, backend)
    folder = Path(output) if output else output_folder(spec.name)
    ck = Checkpoint(folder / "checkpoint.npz", spec.digest(loaded.model.source_text), fresh)
    h5 = folder / "calibration.h5"
    if fresh and h5.exists():
        h5.unlink()
    spent = float(ck.get("seconds", 0.0))
    evals0 = int(ck.get("evaluations", 0))
    ck.totals = lambda: {"seconds": spent + time.perf_counter() - t0, "evaluations": evals0 + problem.n_evals}
    start = problem.to_z([[loaded.parameters[n].value for n in problem.names]])[0]
    clock = _Clock()
    try:
        z, f = clock("search", _search, problem, spec, ck, folder, start, progress)
        z, f = clock("polish", _polish, problem, spec, ck, folder, z, f)
        unc = clock("profiles", _uncertainty, problem, spec, ck, z, f, progress, profiles)
        if unc.improved is not None:
            z, f = unc.improved
        post = None
        if mcmc and spec.mcmc.steps > 0:
            from .mcmc import sample
            post = clock("mcmc", sample, problem, z, unc.covariance_z, spec.mcmc, spec.seed, h5, progress,
                         ck.put)
    finally:
        ck.put()        # the work done so far, however this call ends
    res = CalibrationResult(spec, problem, folder, dict(zip(problem.names, problem.to_theta(z)[0])),
                            f, 0, 0.0, unc, post)
    clock("report", _finish, res, problem, spec, z, figures_too)
    res.evaluations = evals0 + problem.n_evals
    res.seconds = spent + time.perf_counter() - t0
    res.timings = clock.seconds
    res.files += _write(res, folder, h5)
    return res


class _Clock:
    """Times the stages of one call (seconds by stage name)."""

    def __init__(self):
        self.seconds = {}

    def __call__(self, name, fn, *args):
        t0 = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.seconds[name] = time.perf_counter() - t0


def _search(problem, spec, ck, folder, start, progress):
    """Differential evolution, resumed from the checkpoint, checkpointed as it goes."""
    from tqdm.auto import tqdm
    opt = spec.optimizer
    if "search" in ck:
        meta = ck.get("search")
        state = SearchState(meta["generation"], ck.get("search_population"), ck.get("search_energies"),
                            meta["rng_state"], meta["n_evals"], meta["converged"], meta["history"])
    else:
        state = start_search(problem, opt, spec.seed, start)
    with tqdm(total=opt.generations, initial=state.generation, desc="search", unit="gen",
              disable=not progress, leave=False) as bar:
        try:
            while state.generation < opt.generations and not state.converged:
                state = search_generation(problem, state, opt)
                _checkpoint(ck, state, spec, problem, folder, often=True)
                bar.update(1)
                bar.set_postfix(objective=f"{state.best_energy:.4f}")
        finally:
            _checkpoint(ck, state, spec, problem, folder)
    return state.best_z, state.best_energy


def _checkpoint(ck, state, spec, problem, folder, often=False):
    """Checkpoint the search and write its best point so far to estimates.yaml (with ``often``,
    at most once a second: a kill then loses at most a second of work)."""
    meta = {"generation": state.generation, "rng_state": state.rng_state, "n_evals": state.n_evals,
            "converged": state.converged, "history": state.history}
    written = ck.put(often=often, search=meta, search_population=state.population,
                     search_energies=state.energies)
    if not written:
        return
    values = dict(zip(problem.names, problem.to_theta(state.best_z)[0]))
    write_estimates(folder / "estimates.yaml", spec, values, f"searching (generation {state.generation})",
                    state.best_energy)


def _polish(problem, spec, ck, folder, z, f):
    if "polish" in ck:
        p = ck.get("polish")
        return np.array(p["z"]), p["f"]
    if spec.optimizer.polish and spec.optimizer.polish_iterations:
        z, f = polish(problem, z, spec.optimizer.polish_iterations)
    ck.put(polish={"z": z.tolist(), "f": float(f)})
    write_estimates(folder / "estimates.yaml", spec, dict(zip(problem.names, problem.to_theta(z)[0])),
                    "estimated (intervals pending)", f)
    return z, f


def _uncertainty(problem, spec, ck, z, f, progress, profiles=True) -> Uncertainty:
    if "uncertainty" in ck:
        u = ck.get("uncertainty")
        profs = [Profile(p["name"], np.array(p["z"]), np.array(p["delta"]), p["lower"], p["upper"],
                         p["lower_bounded"], p["upper_bounded"]) for p in u["profiles"]]
        improved = None if u["improved"] is None else (np.array(u["improved"][0]), u["improved"][1])
        return Uncertainty(u["threshold"], ck.get("covariance_z"), ck.get("correlation"), profs, improved)
    from tqdm.auto import tqdm
    if profiles:
        with tqdm(desc="profiles", unit="point", disable=not progress, leave=False) as bar:
            unc = profile_all(problem, z, f, spec.level, progress=bar.update)
    else:
        cov, corr = curvature(problem, z)
        unc = Uncertainty(threshold(spec.level), cov, corr)
    ck.put(uncertainty={"threshold": unc.threshold,
                        "improved": None if unc.improved is None else [unc.improved[0].tolist(), unc.improved[1]],
                        "profiles": [{"name": p.name, "z": p.z.tolist(), "delta": p.delta.tolist(),
                                      "lower": p.lower, "upper": p.upper, "lower_bounded": p.lower_bounded,
                                      "upper_bounded": p.upper_bounded} for p in unc.profiles]},
           covariance_z=unc.covariance_z, correlation=unc.correlation)
    return unc


def _finish(res, problem, spec, z, figures_too):
    """The best run, the posterior band, the tables and the figures."""
    theta = problem.to_theta(z)
    best = problem.run(theta)
    res.times = best.times
    res.trajectories = {v: best[v][:, 0] for v in problem.keep}
    readings = [rd.values(best) for rd in problem.readers]
    if res.posterior is not None and len(res.posterior.draws):
        res.band = _band(problem, res.posterior, spec)
    res.observations = report.observation_table(problem, readings, res.band and res.band["readings"])
    res.fit = report.fit_table(res.observations)
    if spec.holdout is not None and any(h.any() for h in problem.held_rows):
        import pandas as pd

        from .hindcast import forecast_rows
        names = [s.name for s in spec.series if s.fit]
        rows = forecast_rows(res, spec.holdout, names, max(spec.mcmc.band_draws, 200),
                             np.random.default_rng(spec.seed))
        res.forecasts = pd.DataFrame(rows) if rows else None
    if spec.project is not None:
        from .predictive import parameter_draws, project
        rng = np.random.default_rng(spec.seed + 1)
        cov = res.uncertainty.covariance_z if res.uncertainty is not None else np.zeros((problem.dim,) * 2)
        theta = parameter_draws(problem, z, cov, res.posterior, max(spec.mcmc.band_draws, 200), rng)
        res.projection = project(problem, theta, spec.project, rng)
    res.parameters = report.parameter_table(problem, z, res.uncertainty, res.posterior)
    if figures_too:
        res.folder.mkdir(parents=True, exist_ok=True)
        res.figures = [figures.fit_figure(res, res.folder / "fit.png"),
                       figures.residual_figure(res, res.folder / "residuals.png")]
        if res.projection is not None and len(res.projection):
            res.figures.append(figures.projection_figure(res, res.folder / "projection.png"))
        if res.uncertainty is not None and res.uncertainty.profiles:
            res.figures.append(figures.profile_figure(res, res.folder / "profiles.png"))


def _band(problem, post, spec) -> dict:
    """5 / 50 / 95 % quantiles of readings and trajectories over posterior draws (one batch)."""
    rng = np.random.default_rng(spec.seed)
    n = min(spec.mcmc.band_draws, len(post.draws))
    pick = post.draws[rng.choice(len(post.draws), n, replace=False)]
    r = problem.run(pick)
    q = (0.05, 0.5, 0.95)
    return {"time": r.times,
            "trajectories": {v: np.quantile(r[v], q, axis=1) for v in problem.keep},
            "readings": [np.quantile(rd.values(r), q, axis=1) for rd in problem.readers]}


def _write(res, folder, h5) -> list:
    intervals = {r.parameter: (r.lower, r.upper) for r in res.parameters.itertuples()}
    files = [write_estimates(folder / "estimates.yaml", res.spec, res.estimates, "complete",
                             res.objective, intervals)]
    tables = [("parameters", res.parameters), ("fit", res.fit), ("observations", res.observations)]
    if res.forecasts is not None:
        tables.append(("forecasts", res.forecasts))
    if res.projection is not None:
        tables.append(("projection", res.projection))
    for name, df in tables:
        p = folder / f"{name}.csv"
        df.to_csv(p, index=False)
        files.append(str(p))
    md = folder / "fit.md"
    md.write_text(report.markdown(res))
    report.write_hdf5(res, h5)
    return files + [str(md), str(h5)] + [str(f) for f in res.figures]
