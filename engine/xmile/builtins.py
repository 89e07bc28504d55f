"""The XMILE builtin functions and constants, and how each maps onto carbonloop's table.

Most map one to one (a rename at most); PULSE changes shape (XMILE's PULSE(volume, first,
interval) spreads ``volume`` over one DT), and constants become numbers or engine names.
"""
from __future__ import annotations

import math

from .. import expr as ex

# XMILE key -> carbonloop function (same arguments)
RENAME = {
    "abs": "abs", "exp": "exp", "ln": "ln", "log10": "log10", "sqrt": "sqrt",
    "sin": "sin", "cos": "cos", "tan": "tan", "arcsin": "arcsin", "arccos": "arccos",
    "arctan": "arctan", "round": "round", "sign": "sign",
    "min": "min", "max": "max", "if then else": "if_then_else",
    "safediv": "safediv", "xidz": "xidz", "zidz": "zidz",
    "smth1": "smooth", "smth3": "smooth3", "smthn": "smoothn",
    "delay": "delay", "delay1": "delay1", "delay3": "delay3", "delayn": "delayn",
    "trend": "trend", "forcst": "forecast", "init": "init", "previous": "previous",
    "step": "step", "ramp": "ramp",
}
# arity (min, max) as XMILE writes them
ARITY = {
    "min": (1, 64), "max": (1, 64), "safediv": (2, 3), "xidz": (3, 3), "zidz": (2, 2),
    "mod": (2, 2), "if then else": (3, 3), "smth1": (2, 3), "smth3": (2, 3), "smthn": (3, 4),
    "delay": (2, 3), "delay1": (2, 3), "delay3": (2, 3), "delayn": (3, 4), "trend": (2, 3),
    "forcst": (3, 4), "init": (1, 1), "previous": (1, 2), "step": (2, 2), "ramp": (2, 3),
    "pulse": (1, 3), "lookup": (2, 2), "pi": (0, 0), "int": (1, 1),
}
# names that are values, not variables
CONSTANTS = {"time": "time", "dt": "dt", "starttime": "starttime", "stoptime": "stoptime",
             "pi": "pi"}
NUMBERS = {"inf": math.inf, "infinity": math.inf}
# valid XMILE (or Stella) builtins carbonloop does not offer: named in the error message
UNSUPPORTED = {"random", "normal", "lognormal", "poisson", "exprnd", "uniform", "binomial",
               "gamma", "beta", "triangular", "weibull", "pareto", "logistic", "negbinomial",
               "geometric", "invnorm", "normalcdf", "size", "sum", "mean", "stddev", "rank",
               "prod", "self", "npv", "irr", "pct", "delay_pipeline", "queue", "conveyor",
               "ttfill", "counter", "history", "lookupinv", "lookup_inverse", "run", "dim"}


def arity_message(fn: str, n: int) -> str | None:
    lo, hi = ARITY.get(fn, (1, 1))
    if lo <= n <= hi:
        return None
    want = str(lo) if lo == hi else f"{lo} to {hi}"
    return f"{fn.upper()} takes {want} arguments, got {n}"


def translate(fn: str, args: tuple, pos: int) -> ex.Node:
    """A carbonloop tree for the XMILE builtin ``fn`` applied to already translated ``args``."""
    if fn == "pulse":                   # PULSE(volume, [first], [interval])
        volume = args[0]
        first = args[1] if len(args) > 1 else ex.Name(pos, "starttime")
        height = ex.Bin(pos, "/", volume, ex.Name(pos, "dt"))
        single = ex.Call(pos, "pulse", (first, ex.Num(pos, 0.0)))
        if len(args) > 2:
            interval = args[2]
            train = ex.Call(pos, "pulse_train", (first, ex.Num(pos, 0.0), interval,
                                                 ex.Name(pos, "stoptime")))
            if isinstance(interval, ex.Num):
                shape = train if interval.value > 0 else single
            else:
                shape = ex.If(pos, ex.Bin(pos, ">", interval, ex.Num(pos, 0.0)), train, single)
        else:
            shape = single
        return ex.Bin(pos, "*", height, shape)
    if fn == "pi":
        return ex.Name(pos, "pi")
    if fn == "int":                     # the integer part (toward zero), as Stella and Vensim
        return _trunc(args[0], pos)
    if fn == "mod":                     # the remainder with the sign of the dividend
        a, b = args
        return ex.Bin(pos, "-", a, ex.Bin(pos, "*", b, _trunc(ex.Bin(pos, "/", a, b), pos)))
    if fn in ("min", "max") and len(args) == 1:
        return args[0]
    return ex.Call(pos, RENAME[fn], tuple(args))


def _trunc(x, pos):
    neg = ex.Bin(pos, "<", x, ex.Num(pos, 0.0))
    return ex.If(pos, neg, ex.Unary(pos, "-", ex.Call(pos, "int", (ex.Unary(pos, "-", x),))),
                 ex.Call(pos, "int", (x,)))


def known(fn: str) -> bool:
    return fn in RENAME or fn in ("pulse", "pi", "int", "mod")
