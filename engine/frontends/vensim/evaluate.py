"""The value at the start of a run of a small expression (a DELAY N order, a time setting)."""
from __future__ import annotations

import math

from ... import lang as ex


def evaluate(node, start: float):
    """The value at time ``start`` of a tree of numbers, operators, math builtins, STEP and RAMP,
    or None when it holds anything else."""
    import numpy as np

    from ... import builtins as registry
    ops = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power,
           "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
           "==": np.equal, "!=": np.not_equal}

    def ev(n):
        if isinstance(n, ex.Num):
            return n.value
        if isinstance(n, ex.Unary):
            a = ev(n.arg)
            return None if a is None else (-a if n.op == "-" else float(not a))
        if isinstance(n, ex.Bin):
            a, b = ev(n.left), ev(n.right)
            if a is None or b is None:
                return None
            if n.op in ("and", "or"):
                return float(bool(a) and bool(b)) if n.op == "and" else float(bool(a) or bool(b))
            return float(ops[n.op](a, b)) if n.op in ops else None
        if isinstance(n, ex.If):
            c = ev(n.cond)
            return None if c is None else ev(n.then if c else n.other)
        if isinstance(n, ex.Call):
            args = [ev(a) for a in n.args]
            b = registry.get(n.fn)
            if b is None or any(a is None for a in args) or \
                    (b.kind not in ("math", "select") and b.name not in ("step", "ramp")):
                return None
            if b.kind == "select":
                return args[1] if args[0] else args[2]
            if b.name == "step":
                return args[0] if start >= args[1] else 0.0
            if b.name == "ramp":
                end = args[2] if len(args) > 2 else math.inf
                return args[0] * (min(max(start, args[1]), max(args[1], end)) - args[1])
            return float(b.numpy(*args)) if b.numpy is not None else None
        return None
    with np.errstate(all="ignore"):
        return ev(node)

