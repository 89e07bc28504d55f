"""Reading a model variable against an observation: value at a time, at the end of a period, mean,
integral, sum or change over a period. Each reading is a row of weights over the saved times, so a
whole batch of runs is read with one matrix product per series.
"""
from __future__ import annotations

import numpy as np

from ..errors import ModelError


def interpolation_row(times: np.ndarray, t: float) -> np.ndarray:
    """Weights that interpolate linearly between the saved times around ``t``."""
    w = np.zeros(len(times))
    k = int(np.searchsorted(times, t - 1e-9 * max(1.0, abs(t))))
    if k < len(times) and abs(times[k] - t) <= 1e-9 * max(1.0, abs(t)):
        w[k] = 1.0
        return w
    k = min(max(k, 1), len(times) - 1)
    a = (t - times[k - 1]) / (times[k] - times[k - 1])
    w[k - 1], w[k] = 1.0 - a, a
    return w


def weight_row(read: str, t0: float, t1: float, times: np.ndarray) -> np.ndarray:
    """The weights over saved ``times`` that give one observation's reading.

    ``at`` reads at t0; ``end`` at t1; the period readings use the saved points in [t0, t1):
    ``mean`` their average, ``integral`` the left-rectangle sum (value x save interval, what
    Euler integration into a stock gives), ``sum`` their plain sum; ``change`` is x(t1) - x(t0).
    """
    if read == "at":
        return interpolation_row(times, t0)
    if read == "end":
        return interpolation_row(times, t1)
    if read == "change":
        return interpolation_row(times, t1) - interpolation_row(times, t0)
    eps = 1e-9 * max(1.0, abs(t1))
    inside = (times >= t0 - eps) & (times < t1 - eps)
    if not inside.any():
        return np.full(len(times), np.nan)
    if read == "mean":
        return inside / inside.sum()
    if read == "sum":
        return inside.astype(float)
    step = times[1] - times[0] if len(times) > 1 else 1.0
    return inside * step                    # integral


def reading_times(read: str, t0: float, t1: float) -> tuple[float, float]:
    """The first and last model time a reading needs."""
    if read == "at":
        return t0, t0
    if read == "end":
        return t1, t1
    return t0, t1


def reading_time(read: str, t0: float, t1: float) -> float:
    """The one time that stands for a reading: t0 (at), t1 (end), else the period's middle."""
    return {"at": t0, "end": t1}.get(read, (t0 + t1) / 2)


def expected_units(read: str, variable_units: str, time_units: str) -> str:
    """The units a series must have to be read from a variable in this way."""
    if read == "integral" and variable_units:
        return f"({variable_units})*({time_units or 'time'})"
    return variable_units


def check_units(series_units: str, variable_units: str, read: str, time_units: str, where) -> None:
    """Raise unless the series' units agree with what the reading gives (unknown units agree)."""
    from ..model.units import UnitSyntaxError, parse_units, show
    want_text = expected_units(read, variable_units, time_units)
    try:
        want = parse_units(want_text)
        got = parse_units(series_units)
    except UnitSyntaxError as exc:
        raise ModelError(f"cannot read units: {exc}", **where) from None
    if want is None or got is None or want == got:
        return
    raise ModelError(f"the series is in {series_units or '?'} but reading the variable as "
                     f"'{read}' gives {show(want)}", **where,
                     hint="give the series in the variable's units, or read it another way "
                          "(integral of a rate gives an amount)")


class Reader:
    """The readings of one series from a batch of results: ``values(result)`` -> (obs x runs)."""

    def __init__(self, variable: str, reads, t0, t1, times):
        self.variable = variable
        self.W = np.array([weight_row(r, a, b, times) for r, a, b in zip(reads, t0, t1)])

    def values(self, result) -> np.ndarray:
        """Readings (observations x runs) from a result holding ``variable``."""
        return self.W @ result[self.variable]
