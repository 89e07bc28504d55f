"""Naive forecasts to score the model against: what one gets without a model.

Both work on the error model's scale (logarithms for a log-normal series) from the fitted
observations of a series, at their reading times x, and give a normal predictive distribution:

- **last value** (a random walk): the last observation, with variance q h at h time units ahead,
  q = mean over consecutive observations of (change^2 / time between them);
- **trend** (a random walk with drift, the linear trend through the first and last observation):
  the last observation plus the mean change per time unit times h, with variance
  q' h (1 + h / span), q' the variance of the changes about the drift (q when only one change is
  known) and h / span the drift's own uncertainty (Hyndman and Athanasopoulos, Forecasting:
  Principles and Practice, section 5.5).
"""
from __future__ import annotations

import numpy as np

METHODS = ("last value", "trend")


def benchmark_draws(x_fit, v_fit, x_new, n: int, rng) -> dict:
    """Draws (new x n) of each benchmark on the error scale, or {} with fewer than two points."""
    order = np.argsort(x_fit)
    x, v = np.asarray(x_fit, float)[order], np.asarray(v_fit, float)[order]
    ok = np.isfinite(v)
    x, v = x[ok], v[ok]
    if len(x) < 2 or x[-1] <= x[0]:
        return {}
    dx, dv = np.diff(x), np.diff(v)
    keep = dx > 0
    dx, dv = dx[keep], dv[keep]
    q = float(np.mean(dv ** 2 / dx))
    h = np.clip(np.asarray(x_new, float) - x[-1], 0, None)
    span = x[-1] - x[0]
    b = (v[-1] - v[0]) / span
    if len(dx) >= 2:
        qd = float(np.sum((dv - b * dx) ** 2 / dx) / (len(dx) - 1))
    else:
        qd = q
    z = rng.standard_normal((len(h), n))
    return {"last value": v[-1] + np.sqrt(q * h)[:, None] * z,
            "trend": v[-1] + b * h[:, None] + np.sqrt(qd * h * (1 + h / span))[:, None] * z}
