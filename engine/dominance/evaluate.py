"""Evaluating many expressions over whole (time x run) arrays, through the backend interface.

``compile_expressions`` resolves the trees' graphical functions and builtins as the plan stage
does, and asks a backend for one function returning every expression's value (names become
arguments; numbers, functions and tables are the backend's). Everything the dominance analysis
evaluates goes through it.
"""
from __future__ import annotations

import numpy as np

from .. import backends
from ..plan.compile import resolve_trees

TIME_ARGS = ("time", "dt", "starttime", "stoptime", "pi")


def compile_expressions(trees, names, model, backend: str = "auto"):
    """A callable ``fn(arrays, time) -> list of arrays``: the value of each tree, where ``arrays``
    holds the values of ``names`` (in order, broadcastable over time x run) and ``time`` the time
    at which the time functions (STEP, RAMP, PULSE, TIME) are read, as a (time x 1) column."""
    resolved, tables = resolve_trees(trees, model)
    args = list(names) + [a for a in TIME_ARGS if a not in names]
    # elementwise over (time x run) arrays numpy is the faster (numba's loop would first copy every
    # argument into one array): 'auto' evaluates the partial changes with numpy
    chosen = backends.get("numpy" if backend == "auto" else backend)
    fn = chosen.expressions(resolved, args, tables)
    t = model.time

    def evaluate(arrays, time):
        time = np.asarray(time, dtype=float)
        with np.errstate(all="ignore"):
            return fn(*list(arrays), time, t.dt, t.start, t.stop, np.pi)
    return evaluate
