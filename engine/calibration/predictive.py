"""Predictive distributions of observations the calibration did not fit (held out, or ahead of the
data): parameter uncertainty, then the model's discrepancy, then the measurement error, each kept
apart so the report can say how wide each makes the band.

Each draw is one run of one batch: a parameter set (a posterior draw, or, without MCMC, a draw of
the Laplace approximation N(estimate, (J'J)^-1) in the search coordinates, folded into the bounds),
its readings, its fitted residuals; the discrepancy (discrepancy.py) is drawn conditional on those
residuals, the measurement error independently. Log-normal series combine on the log scale.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .likelihood import known_scale, raw_residuals, series_terms
from .readouts import Reader, reading_time, reading_times

STAGES = ("parameters", "discrepancy", "measurement")


@dataclass
class Predictive:
    """Predictive draws of the target rows of every fitted series (None for the others)."""
    rows: list                  # per series: boolean mask of the target rows
    stages: list                # per series: {stage: rows x draws} in model units, cumulative
    sd: list                    # per series: {stage: rows} sd of each part on the error's scale
    discrepancy: list           # per series: {"sd", "phi"} posterior means, or None


def parameter_draws(problem, z_best, cov_z, posterior, n: int, rng) -> np.ndarray:
    """``n`` parameter sets (n x parameters): posterior draws, else Laplace draws."""
    if posterior is not None and len(posterior.draws):
        return posterior.draws[rng.choice(len(posterior.draws), n, replace=len(posterior.draws) < n)]
    cov = 0.5 * (np.asarray(cov_z) + np.asarray(cov_z).T)
    vals, vecs = np.linalg.eigh(cov)
    root = vecs * np.sqrt(np.clip(vals, 0, None))
    z = np.asarray(z_best)[None, :] + rng.standard_normal((n, problem.dim)) @ root.T
    return problem.to_theta(fold(z))


def fold(z) -> np.ndarray:
    """Reflect positions into the unit cube as many times as needed (a triangle wave)."""
    z = np.mod(np.asarray(z, float), 2.0)
    return np.where(z > 1.0, 2.0 - z, z)


def predict(problem, theta, rng, targets=None) -> Predictive:
    """Predictive draws at ``targets`` (per series a row mask; default the held-out rows) from one
    batch of runs at the parameter sets ``theta`` (draws x parameters)."""
    readings = problem.readings(theta)
    targets = targets or problem.held_rows
    out = Predictive([], [], [], [])
    for i, s in enumerate(problem.spec.series):
        rows = np.asarray(targets[i], bool) & s.fit
        out.rows.append(rows)
        if not rows.any():
            out.stages.append(None)
            out.sd.append(None)
            out.discrepancy.append(None)
            continue
        m = readings[i]
        log = s.error == "lognormal"
        with np.errstate(all="ignore"):
            base = np.log(np.where(m[rows] > 0, m[rows], np.nan)) if log else m[rows]
        fit = problem.fit_rows[i]
        ar1 = problem.ar1[i]
        if ar1 is not None:
            e = raw_residuals(s.error, problem.observed[i][fit], m[fit])
            delta = ar1.draw(e, problem.x[i][rows], rng)
            out.discrepancy.append(ar1.summary(e))
        else:
            delta = np.zeros_like(base)
            out.discrepancy.append(None)
        sigma = problem.measurement_scale(i, m, rows)
        eps = rng.standard_normal(base.shape) * sigma
        back = np.exp if log else (lambda v: v)
        out.stages.append({"parameters": m[rows], "discrepancy": back(base + delta),
                           "measurement": back(base + delta + eps)})
        with np.errstate(all="ignore"):
            out.sd.append({"parameters": np.nanstd(base, axis=1), "discrepancy": np.nanstd(delta, axis=1),
                           "measurement": np.nanstd(eps, axis=1)})
    return out


def future_rows(series, to: float, every: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the rows that continue a series past its last one, every ``every`` time
    units, as long as their reading needs the model no later than ``to``."""
    t0, t1 = float(series.series.time[-1]), float(series.series.end[-1])
    starts, ends = [], []
    k = 1
    while reading_times(series.read, t0 + k * every, t1 + k * every)[1] <= to + 1e-9:
        starts.append(t0 + k * every)
        ends.append(t1 + k * every)
        k += 1
    return np.array(starts), np.array(ends)


def project(problem, theta, to: float, rng):
    """Predictive bands of every series fitted to two or more observations, continued yearly past
    the data up to ``to``: one batch of runs over the whole period at the parameter sets ``theta``;
    the discrepancy conditioned on each run's fitted residuals, then the measurement error (as
    ``predict``). A DataFrame: one row
    per series and future reading, with the 5/25/50/75/95 % points, the band with the parameters
    only, and the widths by source."""
    import pandas as pd
    t = problem.loaded.model.time
    stop = min(t.stop, t.start + np.ceil((to - t.start) / t.dt - 1e-9) * t.dt + t.dt)
    long = problem.loaded.with_time(stop=stop)
    params = {n: theta[:, j].copy() for j, n in enumerate(problem.names)}
    params.update(problem.spec.fixed)
    r = long.run(params=params, keep=problem.keep, check=False, **problem.run_options)
    rows = []
    for i, s in enumerate(problem.spec.series):
        fit = problem.fit_rows[i]
        starts, ends = future_rows(s, to)
        if not s.fit or fit.sum() < 2 or not len(starts):
            continue
        m_fit = Reader(s.variable, [s.read] * int(fit.sum()), s.series.time[fit], s.series.end[fit],
                       r.times).values(r)
        m = Reader(s.variable, [s.read] * len(starts), starts, ends, r.times).values(r)
        e = raw_residuals(s.error, problem.observed[i][fit], m_fit)
        x = np.array([reading_time(s.read, a, b) for a, b in zip(starts, ends)])
        log = s.error == "lognormal"
        with np.errstate(all="ignore"):
            base = np.log(np.where(m > 0, m, np.nan)) if log else m
        delta = problem.ar1[i].draw(e, x, rng) if problem.ar1[i] is not None else np.zeros_like(base)
        eps = rng.standard_normal(base.shape) * _future_scale(problem, i, m, m_fit)
        back = np.exp if log else (lambda v: v)
        stages = {"parameters": m, "discrepancy": back(base + delta), "measurement": back(base + delta + eps)}
        q = np.nanquantile(stages["measurement"], [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
        qp = np.nanquantile(m, [0.05, 0.95], axis=1)
        w = {k: np.diff(np.nanquantile(v, [0.05, 0.95], axis=1), axis=0)[0] for k, v in stages.items()}
        for k in range(len(starts)):
            rows.append({"series": s.name, "variable": s.variable, "read": s.read, "time": starts[k],
                         "end": ends[k], "q05": q[0, k], "q25": q[1, k], "median": q[2, k], "q75": q[3, k],
                         "q95": q[4, k], "param_q05": qp[0, k], "param_q95": qp[1, k],
                         **{f"width90_{st}": w[st][k] for st in w}})
    return pd.DataFrame(rows)


def _future_scale(problem, i, m, m_fit) -> np.ndarray:
    """The measurement error's scale at future readings (rows x runs) on the error model's scale:
    a given scale as it is (relative ones of the model's value; standard errors as the median
    fraction of the value they were in the data); an estimated one from each run's fitted residuals,
    or 0 where the discrepancy carries the whole error."""
    s = problem.spec.series[i]
    kind = problem.scales[i][0]
    fit = problem.fit_rows[i]
    y, se = problem.observed[i], problem.se[i]
    log = s.error == "lognormal"
    if kind == "se":
        frac = float(np.nanmedian(se[fit] / np.abs(y[fit])))
        return np.full(m.shape, frac) if log else frac * np.abs(m)
    if kind in ("absolute", "relative"):
        sigma = known_scale(s.error, problem.scales[i], np.abs(m[:, 0]), np.full(len(m), np.nan))
        assert sigma is not None
        return sigma[:, None] * np.ones(m.shape[1]) if log or kind == "absolute" else problem.scales[i][1] * np.abs(m)
    if s.discrepancy == "ar1":
        return np.zeros(m.shape)
    _, _, sc = series_terms(s.error, problem.scales[i], y[fit], se[fit], m_fit, 1.0, s.floor)
    return np.broadcast_to(sc[:1], m.shape).copy()
