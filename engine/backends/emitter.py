"""Resolved syntax trees -> Python expression text, for backends to build their code from.

Only the node types of a plan are translated: numbers become named constants, slots and
reserved variables become the names the caller's code uses, builtins their implementation.
A sub-expression nested deeper than ``SPLIT`` goes to a temporary assigned before the statement,
so that generated code stays shallow however deep an equation is. ``VectorEmitter`` writes numpy
code over the run axis; ``ScalarEmitter`` writes code over one run's floats (compiled by numba).
"""
from __future__ import annotations

import math

import numpy as np

from .. import builtins
from .. import lang as ex

ARITH = {"+", "-", "*", "/"}
CMP = {"<", "<=", ">", ">=", "==", "!="}
SPLIT = 24
TIME_ARG = {"time": "ts", "time_exact": "t", "time_dt": "ts", "random": "ts"}


class Emitter:
    """The shared translation; subclasses say how each construct is written."""

    def __init__(self, ref, reserved: dict, lookup):
        self.ref = ref                  # Ref node -> code text
        self.reserved = reserved        # reserved variable -> code text
        self.lookup = lookup            # (table index, argument text) -> code text
        self.consts: dict = {}          # constant name -> value
        self._const_names: dict = {}
        self.pre: list = []             # temporaries for the statement being written
        self.temps = 0
        self.special: dict = {}         # Call.fn -> (node) -> code, for calls a backend writes itself

    def const(self, value: float) -> str:
        """The name of a constant holding ``value``."""
        key = float(value).hex() if not math.isnan(value) else "nan"
        if key not in self._const_names:
            name = f"_k{len(self._const_names)}"
            self._const_names[key] = name
            self.consts[name] = np.float64(value)
        return self._const_names[key]

    def as_number(self, c: str) -> str:
        """A condition's code as a number (1.0 or 0.0)."""
        raise NotImplementedError

    def logic(self, op: str, *args: str) -> str:
        """Code of 'and', 'or' or 'not' over conditions."""
        raise NotImplementedError

    def power(self, a: str, b: str) -> str:
        """Code of a to the power b."""
        raise NotImplementedError

    def select(self, c: str, a: str, b: str) -> str:
        """Code of 'a where c holds, else b'."""
        raise NotImplementedError

    def assign(self, target: str, node, indent: str = "") -> list:
        """Lines computing ``node`` into ``target`` (temporaries first)."""
        self.pre = []
        text = self.num(node)
        return [indent + line for line in self.pre] + [f"{indent}{target} = {text}"]

    def _temp(self, text: str) -> str:
        self.temps += 1
        name = f"_t{self.temps}"
        self.pre.append(f"{name} = {text}")
        return name

    def _guard(self, node, text: str, depth: int) -> str:
        return self._temp(text) if depth % SPLIT == SPLIT - 1 else text

    def num(self, node, depth: int = 0) -> str:
        """Numeric context: comparisons and logic become 0.0/1.0."""
        if isinstance(node, ex.Bin) and (node.op in CMP or node.op in ("and", "or")) or \
                isinstance(node, ex.Unary) and node.op == "not":
            return self._guard(node, self.as_number(self.cond(node, depth + 1)), depth)
        return self._guard(node, self._num(node, depth), depth)

    def cond(self, node, depth: int = 0) -> str:
        """Boolean context (conditions of if-then-else, operands of and/or/not)."""
        if isinstance(node, ex.Bin) and node.op in CMP:
            return f"({self.num(node.left, depth + 1)} {node.op} {self.num(node.right, depth + 1)})"
        if isinstance(node, ex.Bin) and node.op in ("and", "or"):
            return self.logic(node.op, self.cond(node.left, depth + 1), self.cond(node.right, depth + 1))
        if isinstance(node, ex.Unary) and node.op == "not":
            return self.logic("not", self.cond(node.arg, depth + 1))
        return f"({self.num(node, depth + 1)} != 0.0)"

    def _num(self, node, depth: int) -> str:
        d = depth + 1
        if isinstance(node, ex.Num):
            return self.const(node.value)
        if isinstance(node, ex.Ref):
            return self.ref(node)
        if isinstance(node, ex.Name):
            return self.reserved[node.id]
        if isinstance(node, ex.Unary):
            return f"(-{self.num(node.arg, d)})"
        if isinstance(node, ex.Bin) and node.op in ARITH:
            return f"({self.num(node.left, d)} {node.op} {self.num(node.right, d)})"
        if isinstance(node, ex.Bin) and node.op == "^":
            return self.power(self.num(node.left, d), self.num(node.right, d))
        if isinstance(node, ex.If):
            return self.select(self.cond(node.cond, d), self.num(node.then, d), self.num(node.other, d))
        if isinstance(node, ex.Lookup):
            return self.lookup(node.table, self.num(node.arg, d))
        if isinstance(node, ex.Call):
            if node.fn in self.special:
                return self.special[node.fn](node)
            return self.call(builtins.REGISTRY[node.fn], [self.num(a, d) for a in node.args])
        raise TypeError(f"cannot translate {node!r}")

    def call(self, b, args: list) -> str:
        """A builtin call with its time arguments."""
        if b.kind in TIME_ARG:
            args = [TIME_ARG[b.kind]] + args
        if b.kind == "time_dt":
            args.append(self.reserved["dt"])
        return f"{self.fn_name(b)}({', '.join(args)})"

    def fn_name(self, b) -> str:
        return f"_fn_{b.name}"


class VectorEmitter(Emitter):
    """numpy code: every value is an array over the run axis (or a float64 scalar)."""

    def as_number(self, c: str) -> str:
        return f"({c} * 1.0)"

    def logic(self, op: str, *args: str) -> str:
        return f"_{op}({', '.join(args)})"

    def power(self, a: str, b: str) -> str:
        return f"_pow({a}, {b})"

    def select(self, c: str, a: str, b: str) -> str:
        return f"_where({c}, {a}, {b})"

    @staticmethod
    def helpers() -> dict:
        """The functions vector code calls."""
        out = {f"_fn_{b.name}": b.numpy for b in builtins.REGISTRY.values() if b.numpy is not None}
        out.update(_where=np.where, _and=np.logical_and, _or=np.logical_or, _not=np.logical_not,
                   _pow=np.power)
        return out


class SingleEmitter(VectorEmitter):
    """numpy code in single precision (``time: {precision: single}``): constants are float32,
    so that numpy keeps every operation of float32 values in float32, and what may come back
    wider (a builtin's or a lookup's value, a condition as a number) is rounded to float32 where
    it is produced, as is every assigned value."""

    def const(self, value: float) -> str:
        name = super().const(value)
        self.consts[name] = np.float32(self.consts[name])
        return name

    def as_number(self, c: str) -> str:
        return f"_f32({super().as_number(c)})"

    def assign(self, target: str, node, indent: str = "") -> list:
        lines = super().assign(target, node, indent)
        head, _, text = lines[-1].partition(" = ")
        return lines[:-1] + [f"{head} = _f32({text})"]

    def call(self, b, args: list) -> str:
        return f"_f32({super().call(b, args)})"

    def _num(self, node, depth: int) -> str:
        text = super()._num(node, depth)
        return f"_f32({text})" if isinstance(node, ex.Lookup) else text

    @staticmethod
    def helpers() -> dict:
        return dict(VectorEmitter.helpers(), _f32=np.float32)


class ScalarEmitter(Emitter):
    """Code over one run's floats, written for numba (no numpy calls on arrays). It has no
    branches: a condition selects between two values that are both computed (as numpy.where
    does), and logic works on booleans without short-circuits, which keeps numba's compile time
    in proportion to the number of operations."""

    def as_number(self, c: str) -> str:
        return f"_sel({c}, 1.0, 0.0)"

    def logic(self, op: str, *args: str) -> str:
        if op == "not":
            return f"(not {args[0]})"
        return f"({args[0]} {'&' if op == 'and' else '|'} {args[1]})"

    def power(self, a: str, b: str) -> str:
        return f"({a} ** {b})"

    def select(self, c: str, a: str, b: str) -> str:
        return f"_sel({c}, {a}, {b})"

    def call(self, b, args: list) -> str:
        if b.name in ("min", "max"):
            out = args[0]
            for x in args[1:]:
                out = f"_fn_{b.name}({out}, {x})"
            return out
        return super().call(b, args)

    @staticmethod
    def helpers() -> dict:
        """The scalar functions scalar code calls (plain Python; the numba backend jits them)."""
        return {f"_fn_{b.name}": b.scalar for b in builtins.REGISTRY.values() if b.scalar is not None}


def net_flow(ins, outs, name) -> str:
    """A stock's net flow, inflows minus outflows (``name`` writes a slot)."""
    i = " + ".join(name(f) for f in ins)
    o = " + ".join(name(f) for f in outs)
    if i and o:
        return f"({i}) - ({o})"
    return i or (f"-({o})" if o else "0.0")


def euler_updates(plan, name, indent: str) -> list:
    """The Euler step of every stock, with no more operations than it needs."""
    out = []
    for s, (ins, outs) in zip(plan.stocks, plan.rates):
        line = euler_line(name(s), " + ".join(name(f) for f in ins), " + ".join(name(f) for f in outs))
        if line:
            out.append(indent + line)
    return out


def euler_line(x: str, inflow: str, outflow: str) -> str:
    """The Euler update of stock ``x`` from the sums of its inflows and outflows (either may be
    ''), with no more operations than it needs; '' for a stock with no flows."""
    if inflow and outflow:
        return f"{x} = {x} + _dt * (({inflow}) - ({outflow}))"
    if inflow:
        return f"{x} = {x} + _dt * ({inflow})"
    if outflow:
        return f"{x} = {x} - _dt * ({outflow})"
    return ""
