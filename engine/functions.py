"""The whitelisted builtin functions: their arity and their vectorised numpy implementations.

Stateless functions map straight to code; time functions (STEP, RAMP, PULSE, PULSE TRAIN) also
receive the switch time of the current integration stage; stateful functions (SMOOTH, DELAY, ...)
are expanded into stocks by ``expand.py`` before compilation and never reach this table's code.
"""
from __future__ import annotations

import numpy as np

_EPS = 1e-300


def _min(*a):
    out = a[0]
    for x in a[1:]:
        out = np.minimum(out, x)
    return out


def _max(*a):
    out = a[0]
    for x in a[1:]:
        out = np.maximum(out, x)
    return out


def _safediv(a, b, x=0.0):
    """a / b, or x where b is 0 (XIDZ / ZIDZ / SAFEDIV)."""
    b = np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, x, a / np.where(b == 0, 1.0, b))


def _step(ts, height, start):
    return np.where(ts >= start, height, 0.0)


def _ramp(ts, slope, start, end=np.inf):
    return slope * (np.clip(ts, start, np.maximum(start, end)) - start)


def _pulse(ts, start, width, dt):
    w = np.where(width > 0, width, dt)
    return np.where((ts >= start) & (ts < start + w), 1.0, 0.0)


def _pulse_train(ts, start, width, interval, end, dt):
    w = np.where(width > 0, width, dt)
    phase = np.where(interval > 0, np.mod(ts - start, np.where(interval > 0, interval, 1.0)), ts - start)
    return np.where((ts >= start) & (ts <= end) & (phase < w), 1.0, 0.0)


def _ln(x):
    return np.log(x)


def _int(x):
    return np.floor(x)


def _round(x):
    return np.round(x)


def _clip(x, lo, hi):
    return np.minimum(np.maximum(x, lo), hi)


def _logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


# name -> (min args, max args, implementation, kind); kind: 'plain'; 'time' (gets the switch
# time, just inside the step, so a jump at a step boundary acts from that step on); 'time_exact'
# (continuous in time: gets the exact time); 'time_dt' (switch time and dt)
STATELESS: dict = {
    "abs": (1, 1, np.abs, "plain"),
    "exp": (1, 1, np.exp, "plain"),
    "ln": (1, 1, _ln, "plain"),
    "log10": (1, 1, np.log10, "plain"),
    "sqrt": (1, 1, np.sqrt, "plain"),
    "sin": (1, 1, np.sin, "plain"),
    "cos": (1, 1, np.cos, "plain"),
    "tan": (1, 1, np.tan, "plain"),
    "arcsin": (1, 1, np.arcsin, "plain"),
    "arccos": (1, 1, np.arccos, "plain"),
    "arctan": (1, 1, np.arctan, "plain"),
    "int": (1, 1, _int, "plain"),
    "round": (1, 1, _round, "plain"),
    "sign": (1, 1, np.sign, "plain"),
    "logistic": (1, 1, _logistic, "plain"),
    "mod": (2, 2, np.mod, "plain"),
    "power": (2, 2, np.power, "plain"),
    "min": (1, 64, _min, "plain"),
    "max": (1, 64, _max, "plain"),
    "clip": (3, 3, _clip, "plain"),
    "safediv": (2, 3, _safediv, "plain"),
    "xidz": (3, 3, _safediv, "plain"),
    "zidz": (2, 2, _safediv, "plain"),
    "if_then_else": (3, 3, np.where, "plain"),
    "step": (2, 2, _step, "time"),
    "ramp": (2, 3, _ramp, "time_exact"),
    "pulse": (1, 2, _pulse, "time_dt"),
    "pulse_train": (4, 4, _pulse_train, "time_dt"),
}

ALIASES = {"log": "ln", "arctan2": None, "exponential": "exp", "if": None,
           "smth1": "smooth", "smooth1": "smooth", "smth3": "smooth3", "smthn": "smoothn",
           "delay_fixed": "delay_fixed", "forcst": "forecast", "atan": "arctan", "asin": "arcsin",
           "acos": "arccos"}

# stateful builtins (expanded into stocks); name -> (min args, max args, description)
STATEFUL: dict = {
    "smooth": (2, 3, "first-order exponential smooth: SMOOTH(input, time, [initial])"),
    "smooth3": (2, 3, "third-order smooth: SMOOTH3(input, time, [initial])"),
    "smoothn": (3, 4, "n-th order smooth: SMOOTHN(input, time, n, [initial])"),
    "delay1": (2, 3, "first-order material delay: DELAY1(input, time, [initial])"),
    "delay3": (2, 3, "third-order material delay: DELAY3(input, time, [initial])"),
    "delayn": (3, 4, "n-th order material delay: DELAYN(input, time, n, [initial])"),
    "delay_fixed": (2, 3, "pipeline delay: DELAY FIXED(input, time, [initial])"),
    "delay": (2, 3, "pipeline delay: DELAY(input, time, [initial])"),
    "trend": (2, 3, "fractional trend: TREND(input, averaging time, [initial trend])"),
    "forecast": (3, 4, "forecast: FORECAST(input, averaging time, horizon, [initial trend])"),
    "init": (1, 1, "value at the start of the run: INIT(x)"),
    "previous": (1, 2, "value one step earlier: PREVIOUS(x, [initial])"),
}


def canonical(fn: str) -> str:
    """The table name of a function as written (case and spaces already normalised)."""
    return ALIASES.get(fn, fn) or fn


def known(fn: str) -> bool:
    f = canonical(fn)
    return f in STATELESS or f in STATEFUL


def arity_ok(fn: str, n: int) -> tuple[bool, str]:
    f = canonical(fn)
    lo, hi = (STATELESS[f][:2] if f in STATELESS else STATEFUL[f][:2])
    if lo <= n <= hi:
        return True, ""
    want = f"{lo}" if lo == hi else f"{lo} to {hi}"
    return False, f"{fn.upper()} takes {want} arguments, got {n}"


def lookup_function(xs: np.ndarray, ys: np.ndarray, extrapolate: bool):
    """A vectorised piecewise-linear graphical function (clamped, or extrapolated linearly)."""
    xs = np.asarray(xs, dtype=float)
    ys = np.asarray(ys, dtype=float)
    if len(xs) == 1:
        return lambda x: np.full(np.shape(x), ys[0]) if np.ndim(x) else ys[0]
    if not extrapolate:
        return lambda x: np.interp(x, xs, ys)
    lo_slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
    hi_slope = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])

    def f(x):
        y = np.interp(x, xs, ys)
        return np.where(x < xs[0], ys[0] + lo_slope * (x - xs[0]),
                        np.where(x > xs[-1], ys[-1] + hi_slope * (x - xs[-1]), y))
    return f
