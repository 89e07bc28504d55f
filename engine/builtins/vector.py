"""Vectorised (numpy) implementations of the builtins: every argument may be an array over runs.

Time functions receive the time first: the switch time (just inside the step, so that a jump at
a step boundary acts from that step on) or the exact time, as their registry entry says.
"""
from __future__ import annotations

import numpy as np

from .scalar import END_TOL


def vmin(*a):
    """MIN of any number of arguments, left to right."""
    out = a[0]
    for x in a[1:]:
        out = np.minimum(out, x)
    return out


def vmax(*a):
    """MAX of any number of arguments, left to right."""
    out = a[0]
    for x in a[1:]:
        out = np.maximum(out, x)
    return out


def safediv(a, b, x=0.0):
    """a / b, or x where b is 0 (XIDZ / ZIDZ / SAFEDIV)."""
    b = np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, x, a / np.where(b == 0, 1.0, b))


def zidz(a, b):
    """a / b, or 0 where b is 0."""
    return safediv(a, b, 0.0)


def step(ts, height, start):
    """height from ``start`` on, 0 before."""
    return np.where(ts >= start, height, 0.0)


def ramp(t, slope, start, end=np.inf):
    """A line of ``slope`` from ``start`` to ``end``, flat before and after."""
    return slope * (np.clip(t, start, np.maximum(start, end)) - start)


def pulse(ts, start, width, dt):
    """1 from ``start`` for ``width`` (one dt when width is 0), 0 otherwise."""
    w = np.where(width > 0, width, dt)
    return np.where((ts >= start) & (ts < start + w), 1.0, 0.0)


def pulse_train(ts, start, width, interval, end, dt):
    """Pulses of ``width`` every ``interval`` from ``start`` to ``end`` (a pulse that starts at
    ``end`` is on then: ``scalar.pulse_train``)."""
    w = np.where(width > 0, width, dt)
    phase = np.where(interval > 0, np.mod(ts - start, np.where(interval > 0, interval, 1.0)), ts - start)
    return np.where((ts >= start) & (ts - end <= END_TOL * dt) & (phase < w), 1.0, 0.0)


def quantum(a, q):
    """q times the whole part of a / q; a itself where q <= 0 (Vensim's QUANTUM)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(q <= 0, a, q * np.trunc(a / np.where(q <= 0, 1.0, q)))


def clip(x, lo, hi):
    """x held between lo and hi."""
    return np.minimum(np.maximum(x, lo), hi)


def logistic(x):
    """1 / (1 + e^-x)."""
    return 1.0 / (1.0 + np.exp(-x))


def interp(x, xs, ys, extrapolate):
    """A graphical function: piecewise linear through (xs, ys), clamped or extrapolated."""
    if len(xs) == 1:
        return np.full(np.shape(x), ys[0]) if np.ndim(x) else ys[0]
    y = np.interp(x, xs, ys)
    if not extrapolate:
        return y
    lo = ys[0] + (ys[1] - ys[0]) / (xs[1] - xs[0]) * (x - xs[0])
    hi = ys[-1] + (ys[-1] - ys[-2]) / (xs[-1] - xs[-2]) * (x - xs[-1])
    return np.where(x < xs[0], lo, np.where(x > xs[-1], hi, y))


def gamma_ln(x):
    """The natural logarithm of the absolute value of the gamma function (GAMMA LN); +inf at
    0, the negative whole numbers and -inf, where the gamma function has its poles."""
    from scipy.special import gammaln
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where((x <= 0) & (np.floor(x) == x), np.inf, gammaln(x))
