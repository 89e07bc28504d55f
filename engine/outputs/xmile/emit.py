"""carbonloop syntax trees -> XMILE equation text that Stella and PySD both read.

Every IF and every unary minus is parenthesised (PySD reads IF only at the top of an expression
and binds unary minus tighter than ``^``); functions without an XMILE form are rewritten with
ones that have it (CLIP -> MIN/MAX, LOGISTIC -> EXP, PULSE -> STEP - STEP, ...).
"""
from __future__ import annotations

from ... import lang as ex
from ...builtins import REGISTRY, canonical
from ...lang.names import RESERVED, reserved_key

RENAME = {b.name: b.xmile for b in REGISTRY.values() if b.xmile}
SPECIAL = {k: reserved_key(k).upper() for k in RESERVED}
_PREC = {"or": 1, "and": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5,
         "*": 6, "/": 6, "^": 8}
_OPS = {"or": "OR", "and": "AND", "==": "=", "!=": "<>"}


class CannotExport(Exception):
    """An expression with no XMILE form (the exporter names it and leaves the element out)."""


class Emitter:
    """Turns trees into XMILE text; ``name`` maps element names to XMILE names."""

    def __init__(self, name, lookups, time=None):
        self.name = name
        self.lookups = lookups          # element names of graphical functions
        # the run's constants as numbers: PySD does not read DT, STARTTIME, STOPTIME
        self.fixed = {} if time is None else {
            "dt": time.dt, "starttime": time.start, "initial_time": time.start,
            "stoptime": time.stop, "final_time": time.stop}

    def text(self, node, parent=0) -> str:
        """An expression as XMILE equation text (parenthesised as its parent needs)."""
        if isinstance(node, ex.Num):
            v = node.value
            if v != v or v in (float("inf"), float("-inf")):
                raise CannotExport(f"the number {v}")
            return repr(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
        if isinstance(node, ex.Name):
            if node.id in SPECIAL and not self.name(node.id, strict=False):
                if node.id in self.fixed:
                    return self.text(ex.Num(node.pos, float(self.fixed[node.id])))
                return SPECIAL[node.id]
            return self.name(node.id)
        if isinstance(node, ex.Unary):
            if node.op == "-":      # as a subtraction: PySD misreads unary minus after '^'
                return f"(0 - {self.text(node.arg, 6)})"
            return f"(NOT {self.text(node.arg, 9)})"
        if isinstance(node, ex.Bin):
            pulse = self.xmile_pulse(node)
            if pulse:
                return pulse
            p = _PREC[node.op]
            left = self.text(node.left, p + (node.op == "^"))
            right = self.text(node.right, p + 1)
            s = f"{left} {_OPS.get(node.op, node.op)} {right}"
            return f"({s})" if p <= parent or p in (3, 4) else s
        if isinstance(node, ex.If):
            return f"(IF {self.text(node.cond)} THEN {self.text(node.then)} ELSE {self.text(node.other)})"
        if isinstance(node, ex.Call):
            return self.call(node)
        raise CannotExport(type(node).__name__)

    def xmile_pulse(self, node):
        """volume / DT * pulse(first, 0) (as the importer writes XMILE's PULSE) -> PULSE(...)."""
        if not (node.op == "*" and isinstance(node.left, ex.Bin) and node.left.op == "/"
                and isinstance(node.left.right, ex.Name) and node.left.right.id == "dt"
                and isinstance(node.right, ex.Call) and node.right.args
                and canonical(node.right.fn) in ("pulse", "pulse_train")):
            return None
        shape, volume = node.right, self.text(node.left.left)
        args = shape.args
        if not (len(args) > 1 and isinstance(args[1], ex.Num) and args[1].value == 0):
            return None
        if canonical(shape.fn) == "pulse":
            return f"PULSE({volume}, {self.text(args[0])})"
        if isinstance(args[3], ex.Name) and args[3].id == "stoptime":
            return f"PULSE({volume}, {self.text(args[0])}, {self.text(args[2])})"
        return None

    def call(self, node) -> str:
        """A function call as XMILE text."""
        if node.fn in self.lookups:
            return f"{self.name(node.fn)}({self.text(node.args[0])})"
        fn = canonical(node.fn)
        a = node.args
        t = [self.text(x) for x in a]
        if fn in ("min", "max"):
            out = t[0]
            for x in t[1:]:
                out = f"{fn.upper()}({out}, {x})"
            return out
        if fn == "if_then_else":
            return f"(IF {t[0]} THEN {t[1]} ELSE {t[2]})"
        if fn == "clip":
            return f"MIN(MAX({t[0]}, {t[1]}), {t[2]})"
        if fn == "int":         # carbonloop's INT is floor; XMILE tools truncate toward zero
            return _floor(t[0])
        if fn == "mod":         # carbonloop's MOD takes the divisor's sign
            return f"({t[0]} - ({t[1]}) * {_floor(f'({t[0]}) / ({t[1]})')})"
        if fn == "zidz":
            return f"SAFEDIV({t[0]}, {t[1]})"
        if fn == "xidz":
            return f"SAFEDIV({t[0]}, {t[1]}, {t[2]})"
        if fn == "power":
            return f"(({t[0]}) ^ ({t[1]}))"
        if fn == "expm1":       # XMILE has no EXPM1: the same value, with exp's rounding
            return f"(EXP({t[0]}) - 1)"
        if fn == "log1p":
            return f"LN(1 + {t[0]})"
        if fn == "logistic":
            return f"(1 / (1 + EXP(-({t[0]}))))"
        if fn == "sign":
            return f"(IF {t[0]} > 0 THEN 1 ELSE (IF {t[0]} < 0 THEN -1 ELSE 0))"
        if fn == "pulse":       # 1 from start for width (or one DT)
            if len(a) > 1 and isinstance(a[1], ex.Num) and a[1].value > 0:
                return f"(STEP(1, {t[0]}) - STEP(1, {t[0]} + {t[1]}))"      # no DT: PySD lacks it
            width = t[1] if len(t) > 1 else "0"
            dt = self.text(ex.Name(0, "dt"))
            return (f"(STEP(1, {t[0]}) - STEP(1, {t[0]} + (IF {width} > 0 THEN {width} ELSE {dt})))")
        if fn == "pulse_train":
            start, width, interval, end = t
            w = f"(IF {width} > 0 THEN {width} ELSE {self.text(ex.Name(0, 'dt'))})"
            return (f"(IF TIME >= {start} AND TIME <= {end} AND (TIME - {start}) MOD {interval} < {w} "
                    "THEN 1 ELSE 0)")
        if fn in ("delay", "delay_fixed") and len(t) == 2:
            return f"DELAY({t[0]}, {t[1]})"
        if fn in RENAME:
            return f"{RENAME[fn]}({', '.join(t)})"
        raise CannotExport(f"function {node.fn.upper()}")


def _floor(x: str) -> str:
    """floor(x) written with INT only where INT's reading (floor or truncation) agrees."""
    return (f"(IF {x} >= 0 THEN INT({x}) ELSE (-(INT(-({x})) + (IF INT(-({x})) = -({x}) THEN 0 "
            "ELSE 1))))")
