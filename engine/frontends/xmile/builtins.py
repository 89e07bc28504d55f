"""The XMILE builtin functions and constants, and how each maps onto carbonloop's table.

Most map one to one (a rename at most); PULSE changes shape (XMILE's PULSE(volume, first,
interval) spreads ``volume`` over one DT), and constants become numbers or engine names.
"""
from __future__ import annotations

import math

from ... import builtins as registry
from ... import lang as ex
from ...lang.names import RESERVED

# XMILE key -> carbonloop function (same arguments): the registry's XMILE spellings, and the
# functions other tools write in XMILE files with carbonloop's meaning
RENAME = {**{b.xmile.lower(): b.name for b in registry.REGISTRY.values() if b.xmile},
          "if then else": "if_then_else", "sign": "sign", "xidz": "xidz", "zidz": "zidz",
          # Vensim's names, as its XMILE export writes them, where the arguments are XMILE's
          "smooth": "smooth", "smoothi": "smooth", "smooth3": "smooth3", "smooth3i": "smooth3",
          "delay1i": "delay1", "delay3i": "delay3", "delay fixed": "delay_fixed",
          "pulse train": "pulse_train", "quantum": "quantum", "integer": "integer",
          # Stella's names of functions the registry has under another
          "uniform": "random", "gammaln": "gamma_ln"}
# arity as XMILE writes them, where it differs from the registry's
ARITY = {"log": (2, 2), "game": (1, 1), "mod": (2, 2), "pulse": (1, 3), "lookup": (2, 2), "pi": (0, 0), "int": (1, 1),
         "if then else": (3, 3)}
# names that are values, not variables
CONSTANTS = {k: k for k in RESERVED if k not in ("initial_time", "final_time")}
NUMBERS = {"inf": math.inf, "infinity": math.inf}
# Vensim's names of the time settings, which its XMILE export writes in equations (a variable of
# the file of that name comes first)
VENSIM_TIME = {"time step": "dt", "initial time": "starttime", "final time": "stoptime"}
# valid XMILE (or Stella) builtins carbonloop does not offer: named in the error message
UNSUPPORTED = {"gamma", "beta", "negbinomial",
               "geometric", "invnorm", "normalcdf", "size", "sum", "mean", "stddev",
               "prod", "npv", "irr", "pct", "delay_pipeline", "queue", "conveyor",
               "ttfill", "counter", "qlen", "qelem", "history", "lookupinv", "lookup_inverse", "run", "dim",
               "sinwave", "coswave", "percent", "derivn", "fact", "combinations", "permutations",
               "montecarlo", "arrayidx", "arrayrank", "cycletime", "rootn"}


def arity_message(fn: str, n: int) -> str | None:
    """The message for an XMILE call of ``fn`` with ``n`` arguments, or None when allowed."""
    return registry.arity_message(fn, n, RENAME, ARITY)


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
                shape = ex.If(pos, ex.Bin(pos, ">", interval, ex.Num(pos, 0.0)), train, single)  # type: ignore[assignment]
        else:
            shape = single
        return ex.Bin(pos, "*", height, shape)
    if fn == "pi":
        return ex.Name(pos, "pi")
    if fn == "game":                    # Vensim's GAME(x): the value a game would override; x when run
        return args[0]
    if fn == "log":                     # LOG(x, base), as Vensim's XMILE export writes it
        return ex.Bin(pos, "/", ex.Call(pos, "ln", (args[0],)), ex.Call(pos, "ln", (args[1],)))
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
    """True for an XMILE builtin carbonloop can translate."""
    return fn in RENAME or fn in ("pulse", "pi", "int", "mod", "log", "game")
