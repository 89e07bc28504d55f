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

from .likelihood import raw_residuals

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
