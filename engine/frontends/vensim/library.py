"""Vensim's function library, and how each function maps onto the one builtin registry.

Most functions are a registry builtin under another name or argument order (SMOOTH N's order
comes last in Vensim, first-but-one in the registry). A few are rewritten (LOG with a base,
GAME, the ``I`` variants that take an initial value). INTEG, ACTIVE INITIAL, WITH LOOKUP,
LOOKUP EXTRAPOLATE / INVERT / FORWARD / BACKWARD / AREA and the GET functions are structure, not
calls: ``build.py`` handles them. Everything else Vensim offers is refused by name (``REFUSED`` says why).
"""
from __future__ import annotations

from ... import builtins as registry
from ... import lang as ex

# Vensim key -> registry name, for functions with the same arguments and meaning
RENAME = {
    "abs": "abs", "exp": "exp", "sqrt": "sqrt", "sin": "sin", "cos": "cos", "tan": "tan",
    "arcsin": "arcsin", "arccos": "arccos", "arctan": "arctan", "ln": "ln", "min": "min",
    "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "max": "max", "xidz": "xidz", "zidz": "zidz", "step": "step", "ramp": "ramp",
    "pulse": "pulse", "pulse train": "pulse_train", "if then else": "if_then_else",
    "power": "power", "integer": "integer", "quantum": "quantum",
    "smooth": "smooth", "smooth3": "smooth3", "delay1": "delay1", "delay3": "delay3",
    "delay fixed": "delay_fixed", "trend": "trend", "forecast": "forecast", "initial": "init",
    "sample if true": "sample_if_true", "smoothi": "smooth", "smooth3i": "smooth3",
    "delay1i": "delay1", "delay3i": "delay3", "gamma ln": "gamma_ln", "npv": "npv",
    "depreciate straightline": "depreciate_straightline",
}
# the random functions, by the Vensim names the registry gives them (arguments in Vensim's order)
RENAME.update({b.vensim.lower(): b.name for b in registry.REGISTRY.values() if b.kind == "random" and b.vensim})

# Vensim's own arity where it differs from the registry's
ARITY = {"modulo": (2, 2), "min": (2, 2), "max": (2, 2), "smooth": (2, 2), "smooth3": (2, 2), "delay1": (2, 2),
         "delay3": (2, 2), "smoothi": (3, 3), "smooth3i": (3, 3), "delay1i": (3, 3),
         "delay3i": (3, 3), "smooth n": (4, 4), "delay n": (4, 4), "delay fixed": (3, 3),
         "trend": (3, 3), "forecast": (3, 3), "log": (2, 2), "game": (1, 1), "pulse": (2, 2),
         "ramp": (3, 3), "initial": (1, 1), "active initial": (2, 2), "integ": (2, 2),
         "lookup extrapolate": (2, 2), "lookup invert": (2, 2), "vector select": (5, 5),
         "vector elm map": (2, 2), "vector sort order": (2, 2), "vector rank": (2, 2), "vector reorder": (2, 2),
         "allocate available": (3, 3), "allocate by priority": (5, 5), "invert matrix": (2, 2),
         "find market price": (4, 4), "demand at price": (3, 3), "supply at price": (3, 3),
         "vector lookup": (5, 5), "npv": (4, 4), "depreciate straightline": (4, 4), "lookup forward": (2, 2),
         "lookup backward": (2, 2), "lookup area": (3, 3)}
# functions that are structure, handled by build.py
STRUCTURE = {"integ", "active initial", "with lookup", "lookup extrapolate", "lookup invert", "lookup forward",
             "lookup backward", "lookup area"}
# the lookup functions that read a lookup named by their first argument (build.py)
LOOKUP_VARIANTS = {"lookup extrapolate", "lookup invert", "lookup forward", "lookup backward", "lookup area"}
GET_DATA = {"get xls data", "get direct data"}
GET_CONSTANTS = {"get xls constants", "get direct constants"}
GET_LOOKUPS = {"get xls lookups", "get direct lookups"}
GET_SUBSCRIPT = {"get xls subscript", "get direct subscript"}
ARRAYS = "this array function is not supported yet"
# the vector and matrix functions: written over arrays, expanded over cells by the model stage
# (engine/model/vectors.py)
VECTOR = {"vector select": "vector_select", "vector elm map": "vector_elm_map",
          "vector sort order": "vector_sort_order", "vector rank": "vector_rank",
          "vector reorder": "vector_reorder", "allocate available": "allocate_available",
          "allocate by priority": "allocate_by_priority", "invert matrix": "invert_matrix",
          "vector lookup": "vector_lookup", "find market price": "find_market_price",
          "demand at price": "demand_at_price", "supply at price": "supply_at_price"}
# array reductions over a range written r!, expanded by the model stage (engine/model/arrays.py)
REDUCTIONS = {"sum": "sum", "prod": "prod", "vmin": "min", "vmax": "max"}
RANDOM = "this random distribution is not supported (RANDOM UNIFORM, NORMAL, EXPONENTIAL, POISSON, " \
    "TRIANGULAR, LOGNORMAL and 0 1 are)"
# Vensim functions carbonloop refuses, and why (named in the message; never approximated)
REFUSED = {
    "delay conveyor": "conveyors are not supported", "time shift": "TIME SHIFT is not supported",
    "shift if true": "SHIFT IF TRUE is not supported", "find zero": "FIND ZERO is not supported",
    "get vdf data": "reading Vensim's binary .vdf data files is not supported",
    "get vdf constants": "reading Vensim's binary .vdf data files is not supported",
    "get vdf lookups": "reading Vensim's binary .vdf data files is not supported",
    "get data": "GET DATA functions (data at other times) are not supported",
    "get data at time": "GET DATA AT TIME is not supported",
    "get data between times": "GET DATA BETWEEN TIMES is not supported",
    "get data last time": "GET DATA LAST TIME is not supported",
    "get data first time": "GET DATA FIRST TIME is not supported",
    "get data max": "GET DATA MAX is not supported", "get data min": "GET DATA MIN is not supported",
    "get data mean": "GET DATA MEAN is not supported",
    "get data total points": "GET DATA TOTAL POINTS is not supported",
    "get xls subscript": "GET ... SUBSCRIPT defines a subscript range, not a value",
    "get direct subscript": "GET ... SUBSCRIPT defines a subscript range, not a value",
    "tabbed array": "TABBED ARRAY is read as the whole equation of an arrayed constant, not inside an expression",
    "matrix multiply": ARRAYS, "random beta": RANDOM, "random binomial": RANDOM,
    "random gamma": RANDOM, "random weibull": RANDOM, "random pink noise": RANDOM,
    "random negative binomial": RANDOM,
    "queue fifo": "queues are not supported", "queue attrib": "queues are not supported",
    "sim time": "SIM TIME is not supported", "message": "MESSAGE is not supported",
    "delay batch": "DELAY BATCH is not supported", "delay material": "DELAY MATERIAL is not supported",
    "delay profile": "DELAY PROFILE is not supported",
    "depreciate by schedule": "DEPRECIATE BY SCHEDULE is not supported",
    "get 123 data": "reading Lotus 1-2-3 files is not supported",
    "get 123 constants": "reading Lotus 1-2-3 files is not supported",
    "get 123 lookups": "reading Lotus 1-2-3 files is not supported",
    "get 123 subscript": "reading Lotus 1-2-3 files is not supported",
    "lookup slope": "LOOKUP SLOPE is not supported", "npve": "NPVE is not supported",
    "npv vector": "NPV VECTOR is not supported", "queue age average": "queues are not supported",
    "queue cta": "queues are not supported", "queue fifo attrib": "queues are not supported",
    "ramp from to": "RAMP FROM TO is not supported", "random lookup": RANDOM,
    "simultaneous": "SIMULTANEOUS (equations solved together) is not supported",
    "time base": "TIME BASE is not supported",
}


def known(fn: str) -> bool:
    """True for a Vensim function carbonloop translates (structure included)."""
    return fn in RENAME or fn in STRUCTURE or fn in REDUCTIONS or fn in VECTOR or \
        fn in ("smooth n", "delay n", "log", "game", "modulo", "elmcount")


def arity_message(fn: str, n: int) -> str | None:
    """The message for a call of ``fn`` with ``n`` arguments, or None when Vensim allows it."""
    return registry.arity_message(fn, n, RENAME, ARITY)


def translate(fn: str, args: tuple, pos: int) -> ex.Node:
    """A carbonloop tree for the Vensim function ``fn`` applied to already translated ``args``."""
    if fn == "smooth n":                # SMOOTH N(input, time, initial, order)
        return ex.Call(pos, "smoothn", (args[0], args[1], args[3], args[2]))
    if fn == "delay n":                 # DELAY N(input, time, initial, order)
        return ex.Call(pos, "vensim_delay_n", tuple(args))
    if fn == "log":                     # LOG(x, base)
        return ex.Bin(pos, "/", ex.Call(pos, "ln", (args[0],)), ex.Call(pos, "ln", (args[1],)))
    if fn == "game":                    # GAME(x): the value a game would override; x when run
        return args[0]
    if fn == "modulo":                  # the remainder with the sign of the dividend
        a, b = args
        whole = ex.Call(pos, "integer", (ex.Bin(pos, "/", a, b),))
        return ex.Bin(pos, "-", a, ex.Bin(pos, "*", b, whole))
    if fn == "delay fixed":             # a pipeline of a whole number of steps, fixed at the start
        x, t, init = args
        dt = ex.Name(pos, "dt")
        steps = ex.Call(pos, "round", (ex.Bin(pos, "+", ex.Bin(pos, "/", t, dt), ex.Num(pos, 1e-6)),))
        held = ex.Bin(pos, "*", dt, ex.Call(pos, "max", (steps, ex.Num(pos, 1.0))))
        return ex.Call(pos, "delay_fixed", (x, held, init))
    if fn == "initial":
        return ex.Call(pos, "init", args)
    if fn == "depreciate straightline":     # (stream, life, fiscal period, initial): the period is
        return ex.Call(pos, "depreciate_straightline", (args[0], args[1], args[3]))  # TIME STEP (build.py)
    if fn in VECTOR:
        return ex.Call(pos, VECTOR[fn], tuple(args))
    return ex.Call(pos, RENAME[fn], tuple(args))


# GET TIME VALUE's measures (its third argument)
TIME_MEASURES = {0: "the model's time units", 1: "the year", 2: "the quarter of the year", 3: "the month of the year",
                 4: "the day of the month", 5: "the day of the week", 6: "days since 1 January of year 0",
                 7: "the hour of the day", 8: "the minute of the hour", 9: "the second of the minute",
                 10: "elapsed seconds modulo 500,000"}

# Vensim's control variables and the engine's reserved names they are
CONTROL = {"initial time": "starttime", "final time": "stoptime", "time step": "dt",
           "saveper": "saveper"}
