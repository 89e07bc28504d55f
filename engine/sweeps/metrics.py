"""Scalar metrics of a batch of runs, computed from saved trajectories (time x run).

- ``at``: the value at the saved time nearest the given time;
- ``first``: the first saved time at which a condition holds (``otherwise`` if it never does);
- ``integral``: the sum of value x save interval over saved times in [from, to) — the left
  rectangle rule, which is what Euler integration of that variable into a stock would give.
"""
from __future__ import annotations

import numpy as np

from .. import backends
from ..lang.names import CANONICAL
from .spec import Metric

SYSTEM = CANONICAL         # the reserved variables a condition may read, in argument order


def condition_function(metric: Metric, backend: str = "numpy"):
    """Compile a metric's condition (a parsed, validated tree) into a function over arrays
    (one per variable it reads, then time, dt, start, stop and pi) that is True where it holds."""
    fn = backends.get(backend).expressions([metric.condition], list(metric.variables) + list(SYSTEM))
    return lambda *arrays: fn(*arrays)[0] != 0


def compute(metric: Metric, times: np.ndarray, series: dict, fn=None, time=None,
            n_runs: int | None = None) -> np.ndarray:
    """The metric for every run; ``series`` maps variable names to (time x run) arrays;
    ``time`` is the run's time settings (for dt, start and stop in conditions); ``n_runs`` the
    batch size (needed when a condition reads no variable)."""
    if metric.kind == "at":
        return series[metric.variable][int(np.argmin(np.abs(times - metric.time)))].copy()
    if metric.kind == "integral":
        step = times[1] - times[0] if len(times) > 1 else 0.0
        eps = 1e-9 * max(1.0, abs(step))
        sel = (times >= metric.start - eps) & (times < metric.stop - eps)
        return series[metric.variable][sel].sum(axis=0) * step
    fn = fn or condition_function(metric)
    dt = time.dt if time is not None else (times[1] - times[0] if len(times) > 1 else 1.0)
    args = [series[n] for n in metric.variables] + [times[:, None], dt, times[0] if time is None else time.start,
                                                    times[-1] if time is None else time.stop, np.pi]
    with np.errstate(all="ignore"):
        hold = np.broadcast_to(fn(*args), (len(times), n_runs if n_runs is not None else _runs(series)))
    first = np.argmax(hold, axis=0)
    return np.where(hold.any(axis=0), times[first], metric.otherwise)


def _runs(series: dict) -> int:
    return next(iter(series.values())).shape[1] if series else 1
