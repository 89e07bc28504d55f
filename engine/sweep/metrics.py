"""Scalar metrics of a batch of runs, computed from saved trajectories (time x run).

- ``at``: the value at the saved time nearest the given time;
- ``first``: the first saved time at which a condition holds (``otherwise`` if it never does);
- ``integral``: the sum of value x save interval over saved times in [from, to) — the left
  rectangle rule, which is what Euler integration of that variable into a stock would give.
"""
from __future__ import annotations

import numpy as np

from ..codegen import Emitter
from .spec import Metric


def condition_function(metric: Metric):
    """Compile a metric's condition (a parsed, validated tree) into a function over arrays."""
    names = metric.variables
    slots = {n: f"_a{i}" for i, n in enumerate(names)}
    slots["time"] = "_time"
    em = Emitter(lambda n: slots[n] if n in slots else slots[n.lower()], lambda fn: None)
    src = f"def _cond({', '.join([slots[n] for n in names] + ['_time'])}):\n" \
          f"    return {em.cond(metric.condition)}\n"
    return em.compile(src, f"metric {metric.name}")["_cond"]


def compute(metric: Metric, times: np.ndarray, series: dict, fn=None) -> np.ndarray:
    """The metric for every run; ``series`` maps variable names to (time x run) arrays."""
    if metric.kind == "at":
        return series[metric.variable][int(np.argmin(np.abs(times - metric.time)))].copy()
    if metric.kind == "integral":
        step = times[1] - times[0] if len(times) > 1 else 0.0
        eps = 1e-9 * max(1.0, abs(step))
        sel = (times >= metric.start - eps) & (times < metric.stop - eps)
        return series[metric.variable][sel].sum(axis=0) * step
    fn = fn or condition_function(metric)
    args = [series[n] for n in metric.variables] + [times[:, None]]
    with np.errstate(all="ignore"):
        hold = np.broadcast_to(fn(*args), (len(times), _runs(series)))
    first = np.argmax(hold, axis=0)
    return np.where(hold.any(axis=0), times[first], metric.otherwise)


def _runs(series: dict) -> int:
    return next(iter(series.values())).shape[1]
