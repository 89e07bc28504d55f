"""Forecast scores: how good a predictive distribution was, once the observation is known.

All scores take a predictive sample (values x draws) and the observed values, so the model's
predictive draws and a benchmark's are scored the same way:

- **coverage** of the central interval at a level: the observation lies between its quantiles;
- **interval score** (Gneiting and Raftery 2007, eq. 43) of the central (1 - alpha) interval [l, u]:
  (u - l) + 2/alpha (l - y) 1{y < l} + 2/alpha (y - u) 1{y > u}, in the series' units: its width
  plus a penalty for a miss that grows with the miss; lower is better, and it is proper;
- **CRPS** (continuous ranked probability score) of the sample's empirical distribution F:
  E|X - y| - E|X - X'|/2 = integral of (F(x) - 1{x >= y})^2 dx, in the series' units; it rewards
  both a sharp and a well-placed distribution and, for a point forecast, is the absolute error.
"""
from __future__ import annotations

import math

import numpy as np


def crps_sample(sample, y) -> np.ndarray:
    """CRPS of each row's empirical distribution (values x draws) at the observations ``y``.

    With the draws sorted, E|X - X'| = 2 / n^2 sum_i (2 i - n - 1) x_(i) (i = 1..n)."""
    x = np.sort(np.atleast_2d(np.asarray(sample, float)), axis=1)
    y = np.atleast_1d(np.asarray(y, float))
    n = x.shape[1]
    first = np.mean(np.abs(x - y[:, None]), axis=1)
    i = np.arange(1, n + 1)
    spread = 2.0 / n ** 2 * np.sum((2 * i - n - 1) * x, axis=1)
    return first - 0.5 * spread


def crps_normal(mu, sd, y) -> np.ndarray:
    """The CRPS of a normal distribution in closed form (Gneiting et al. 2005):
    sd [z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)], z = (y - mu) / sd."""
    from scipy.stats import norm
    mu, sd, y = (np.asarray(a, float) for a in (mu, sd, y))
    z = (y - mu) / sd
    return sd * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / math.sqrt(math.pi))


def interval_score(lower, upper, y, alpha: float) -> np.ndarray:
    """Interval score of central (1 - alpha) intervals [lower, upper] at the observations ``y``."""
    lower, upper, y = (np.asarray(a, float) for a in (lower, upper, y))
    return ((upper - lower) + 2 / alpha * np.clip(lower - y, 0, None)
            + 2 / alpha * np.clip(y - upper, 0, None))


def central(sample, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The central ``level`` interval of each row of a sample (values x draws)."""
    a = (1 - level) / 2
    q = np.quantile(np.atleast_2d(sample), [a, 1 - a], axis=1)
    return q[0], q[1]


def covered(sample, y, level: float) -> np.ndarray:
    """Whether each observation lies in its central ``level`` interval."""
    lo, hi = central(sample, level)
    y = np.asarray(y, float)
    return (lo <= y) & (y <= hi)


def score_rows(sample, y) -> dict:
    """Every score of each row (values x draws) at the observations: the median, its error, the 50 %
    and 90 % intervals, their coverage and interval scores, the 90 % width and the CRPS."""
    sample = np.atleast_2d(np.asarray(sample, float))
    y = np.atleast_1d(np.asarray(y, float))
    med = np.median(sample, axis=1)
    lo50, hi50 = central(sample, 0.5)
    lo90, hi90 = central(sample, 0.9)
    with np.errstate(all="ignore"):
        pct = (med - y) / np.abs(y) * 100
    return {"median": med, "error": med - y, "error_pct": pct, "lo90": lo90, "hi90": hi90,
            "lo50": lo50, "hi50": hi50, "in50": (lo50 <= y) & (y <= hi50),
            "in90": (lo90 <= y) & (y <= hi90), "width90": hi90 - lo90,
            "is50": interval_score(lo50, hi50, y, 0.5), "is90": interval_score(lo90, hi90, y, 0.1),
            "crps": crps_sample(sample, y)}
