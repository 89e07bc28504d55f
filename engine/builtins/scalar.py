"""Scalar implementations of the builtins, for backends that compile one run at a time.

Plain Python over floats, written so that numba compiles them unchanged; each gives the same
value as its vectorised twin in ``vector.py`` (the backend tests compare the two).
"""
from __future__ import annotations

import math

import numpy as np


def select(c, a, b):
    """a where c holds, else b (both already computed)."""
    return a if c else b


def smin(a, b):
    """MIN of two values; NaN wins, as numpy.minimum."""
    return a if (a < b or a != a) else b


def smax(a, b):
    """MAX of two values; NaN wins, as numpy.maximum."""
    return a if (a > b or a != a) else b


def safediv(a, b, x):
    """a / b, or x where b is 0."""
    return x if b == 0.0 else a / b


def step(ts, height, start):
    """height from ``start`` on, 0 before."""
    return height if ts >= start else 0.0


def ramp(t, slope, start, end):
    """A line of ``slope`` from ``start`` to ``end``, flat before and after."""
    top = start if start > end else end
    x = t if t > start else start
    x = x if x < top else top
    return slope * (x - start)


END_TOL = 2e-6     # twice the backends' SWITCH_EPS: PULSE TRAIN's end is a time of the run, not a switch


def pulse(ts, start, width, dt):
    """1 from ``start`` for ``width`` (one dt when width is 0), 0 otherwise."""
    w = width if width > 0 else dt
    return 1.0 if (ts >= start and ts < start + w) else 0.0


def pulse_train(ts, start, width, interval, end, dt):
    """Pulses of ``width`` every ``interval`` from ``start`` to ``end``; a pulse that starts at
    ``end`` is on at that time (``ts`` lies SWITCH_EPS * dt inside the step: the end is compared
    with twice that tolerance)."""
    w = width if width > 0 else dt
    phase = (ts - start) % interval if interval > 0 else ts - start
    return 1.0 if (ts >= start and ts - end <= END_TOL * dt and phase < w) else 0.0


def clip(x, lo, hi):
    """x held between lo and hi (as numpy.minimum(numpy.maximum(x, lo), hi))."""
    y = x if (x > lo or x != x) else lo
    return y if (y < hi or y != y) else hi


def logistic(x):
    """1 / (1 + e^-x)."""
    return 1.0 / (1.0 + math.exp(-x))


def sign(x):
    """-1, 0 or 1 (NaN stays NaN)."""
    if x > 0:
        return 1.0
    if x < 0:
        return -1.0
    return x * 0.0


def floor(x):
    """The largest whole number not above x (as a float)."""
    return np.floor(x)


def trunc(x):
    """The whole part of x, toward zero (as numpy.trunc)."""
    return np.trunc(x)


def quantum(a, q):
    """q times the whole part of a / q; a itself when q <= 0 (Vensim's QUANTUM)."""
    if q <= 0.0:
        return a
    return q * np.trunc(a / q)


def round_half_even(x):
    """x rounded to the nearest whole number, halves to even (as numpy.round)."""
    if x != x or math.isinf(x):
        return x
    f = np.floor(x)
    d = x - f
    if d > 0.5:
        return f + 1.0
    if d < 0.5:
        return f
    return f if f % 2.0 == 0.0 else f + 1.0


def fmod(a, b):
    """a mod b with the sign of b (as numpy.mod)."""
    if b == 0.0:
        return np.nan
    return a % b


def interp(x, xs, ys, extrapolate):
    """A graphical function through (xs, ys), computed as numpy.interp does."""
    n = len(xs)
    if n == 1:
        return ys[0]
    if x != x:
        return x
    if x < xs[0]:
        if extrapolate:
            return ys[0] + (ys[1] - ys[0]) / (xs[1] - xs[0]) * (x - xs[0])
        return ys[0]
    if x > xs[n - 1]:
        if extrapolate:
            return ys[n - 1] + (ys[n - 1] - ys[n - 2]) / (xs[n - 1] - xs[n - 2]) * (x - xs[n - 1])
        return ys[n - 1]
    lo, hi = 0, n - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if xs[mid] <= x:
            lo = mid
        else:
            hi = mid
    j = hi if xs[hi] <= x else lo
    if j == n - 1 or xs[j] == x:
        return ys[j]
    slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
    y = slope * (x - xs[j]) + ys[j]
    if y != y:
        y = slope * (x - xs[j + 1]) + ys[j + 1]
        if y != y and ys[j] == ys[j + 1]:
            y = ys[j]
    return y


def gamma_ln(x):
    """Scalar twin of ``vector.gamma_ln``."""
    if x <= 0.0 and (x == -math.inf or math.floor(x) == x):
        return math.inf
    return math.lgamma(x)
