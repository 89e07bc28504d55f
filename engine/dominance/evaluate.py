"""Evaluating many expressions over whole (time x run) arrays: the one place that generates code.

``compile_expressions`` turns checked syntax trees into one function returning every expression's
value, through the engine's ``Emitter`` (names become argument slots, numbers named constants,
functions whitelisted helpers). Everything the dominance analysis evaluates goes through it, so a
faster backend replaces this one function.
"""
from __future__ import annotations

import numpy as np

from ..codegen import Emitter
from ..compiler import SPECIAL, time_constants
from ..functions import lookup_function


def compile_expressions(trees, names, model):
    """A callable ``fn(arrays, time) -> list of arrays``: the value of each tree, where ``arrays``
    holds the values of ``names`` (in order, broadcastable over time x run) and ``time`` the time
    at which the time functions (STEP, RAMP, PULSE, TIME) are read, as a (time x 1) column."""
    slot = {n: f"_a{i}" for i, n in enumerate(names)}
    lookups = {n: f"_lk{i}" for i, (n, e) in enumerate(model.elements.items()) if e.kind == "lookup"}
    lower = {n.lower(): h for n, h in lookups.items()}

    def resolve(name):
        return slot[name] if name in slot else SPECIAL[name.lower()]

    em = Emitter(resolve, lambda fn: lookups.get(fn) or lower.get(fn))
    for n, h in lookups.items():
        xs, ys = zip(*model.elements[n].points)
        em.helpers[h] = lookup_function(xs, ys, model.elements[n].extrapolate)
    body = [em.num(tree) for tree in trees]
    lines = ["def _exprs(A, t):"]
    if names:
        lines.append(f"    {', '.join(slot[n] for n in names)}, = A")
    lines.append("    ts = t + _eps")
    lines.append("    return [" + ", ".join(body) + "]")
    fn = em.compile("\n".join(lines) + "\n", f"{model.name} link scores",
                    time_constants(model.time))["_exprs"]

    def evaluate(arrays, time):
        with np.errstate(all="ignore"):
            return fn(list(arrays), np.asarray(time, dtype=float))
    return evaluate
