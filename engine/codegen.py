"""Syntax tree -> Python source over numpy arrays.

Only the closed set of node types of ``expr.py`` is translated. Element names never appear in the
output: each is resolved to a slot variable (``v12``) by the caller; numbers become named float64
constants; functions become whitelisted helpers. The text produced is therefore built entirely by
this module from a validated tree, which is what makes compiling it safe.
"""
from __future__ import annotations

import numpy as np

from . import expr as ex
from .functions import STATELESS, canonical

ARITH = {"+", "-", "*", "/"}
CMP = {"<", "<=", ">", ">=", "==", "!="}


class Emitter:
    """Translates expressions; collects the constants and helpers the code needs."""

    def __init__(self, resolve, lookup_name):
        self.resolve = resolve              # element name -> python variable text
        self.lookup_name = lookup_name      # lookup element name -> helper name, or None
        self.consts: dict = {}              # python name -> np.float64
        self._const_ids: dict = {}
        self.helpers: dict = {f"_fn_{k}": v[2] for k, v in STATELESS.items()}
        self.helpers.update(_where=np.where, _and=np.logical_and, _or=np.logical_or,
                            _not=np.logical_not, _pow=np.power, _f64=np.float64)

    def const(self, value: float) -> str:
        key = float(value).hex()
        if key not in self._const_ids:
            name = f"_k{len(self._const_ids)}"
            self._const_ids[key] = name
            self.consts[name] = np.float64(value)
        return self._const_ids[key]

    def namespace(self) -> dict:
        ns = dict(self.helpers)
        ns.update(self.consts)
        return ns

    def compile(self, source: str, name: str, extra: dict | None = None) -> dict:
        """Compile functions whose text this emitter generated (from checked trees only) in a
        namespace of its constants and helpers; the one place generated code is compiled."""
        ns = self.namespace()
        ns.update(extra or {})
        exec(compile(source, f"<carbonloop:{name}>", "exec"), ns)  # noqa: S102 - generated from checked trees
        return ns

    def num(self, node) -> str:
        """Numeric context: comparisons and logic become 0.0/1.0."""
        if isinstance(node, ex.Bin) and (node.op in CMP or node.op in ("and", "or")) or \
                isinstance(node, ex.Unary) and node.op == "not":
            return f"({self.cond(node)} * 1.0)"
        return self._num(node)

    def cond(self, node) -> str:
        """Boolean context (conditions of if-then-else, operands of and/or/not)."""
        if isinstance(node, ex.Bin) and node.op in CMP:
            return f"({self.num(node.left)} {node.op} {self.num(node.right)})"
        if isinstance(node, ex.Bin) and node.op in ("and", "or"):
            return f"_{node.op}({self.cond(node.left)}, {self.cond(node.right)})"
        if isinstance(node, ex.Unary) and node.op == "not":
            return f"_not({self.cond(node.arg)})"
        return f"({self._num(node)} != 0.0)"

    def _num(self, node) -> str:
        if isinstance(node, ex.Num):
            return self.const(node.value)
        if isinstance(node, ex.Name):
            return self.resolve(node.id)
        if isinstance(node, ex.Unary):
            return f"(-{self.num(node.arg)})"
        if isinstance(node, ex.Bin):
            if node.op in ARITH:
                return f"({self.num(node.left)} {node.op} {self.num(node.right)})"
            if node.op == "^":
                return f"_pow({self.num(node.left)}, {self.num(node.right)})"
        if isinstance(node, ex.If):
            return f"_where({self.cond(node.cond)}, {self.num(node.then)}, {self.num(node.other)})"
        if isinstance(node, ex.Call):
            return self.call(node)
        raise TypeError(f"cannot translate {node!r}")

    def call(self, node: ex.Call) -> str:
        lk = self.lookup_name(node.fn)
        if lk:
            return f"{lk}({self.num(node.args[0])})"
        fn = canonical(node.fn)
        if fn == "if_then_else":
            c, a, b = node.args
            return f"_where({self.cond(c)}, {self.num(a)}, {self.num(b)})"
        kind = STATELESS[fn][3]
        args = [self.num(a) for a in node.args]
        if fn == "zidz":
            args.append(self.const(0.0))
        if kind == "time":
            args.insert(0, "ts")
        elif kind == "time_exact":
            args.insert(0, "t")
        elif kind == "time_dt":
            if fn == "pulse" and len(args) == 1:
                args.append(self.const(0.0))
            args.insert(0, "ts")
            args.append("_dt")
        return f"_fn_{fn}({', '.join(args)})"
