"""Link polarity: the sign of dy/dx for each causal link x -> y, and so each loop's polarity.

A link's sign is measured, not guessed: y's equation is evaluated along a reference run of the
model with x nudged up, and the sign of the change is read at every saved time. A link whose sign
changes along the run (or that never moves y) is reported as '?'; a modeller may declare the sign
with ``polarity:`` on the element.
"""
from __future__ import annotations

import numpy as np

from . import expr as ex
from .functions import canonical

from .compiler import compile_model
from .events import ExprFn
from .graph import feedback_graph, feedback_loops, name_declared
from .simulate import run_program


def reference_values(model) -> tuple[dict, object]:
    """Every element's trajectory along a default run: name -> array over saved times."""
    prog = compile_model(model, keep=[])
    keep = [n for n, e in prog.model.elements.items() if e.kind in ("stock", "flow", "auxiliary", "pipeline")
            and not n.startswith("check:")]
    keep = [n for n in keep if n in prog.stocks or n in prog.dynamic or n in prog.hoisted]
    prog = compile_model(model, keep=keep)
    res = run_program(prog, check=False)
    values = {n: res[n][:, 0] for n in keep}
    for p in prog.params:
        values[p] = np.full(len(res.times), prog.model.elements[p].value)
    for fd in prog.pipelines:       # pipeline outputs: read from the input's history
        values[fd.name] = values.get(fd.input, np.zeros(len(res.times)))
    values["__times"] = res.times
    for b in ("time", "dt", "starttime", "stoptime", "initial_time", "final_time", "pi"):
        values.setdefault(b, res.times)     # builtins: ExprFn reads them from its own arguments
    return values, prog


class LinkSigns:
    """Callable ``(u, v) -> '+' | '-' | '?'`` over a reference run."""

    def __init__(self, model):
        self.values, self.prog = reference_values(model)
        self.graph = feedback_graph(self.prog.model)
        self.cache = {}

    def __call__(self, u, v) -> str:
        if (u, v) in self.cache:
            return self.cache[(u, v)]
        s = self._sign(u, v)
        self.cache[(u, v)] = s
        return s

    def _sign(self, u, v) -> str:
        data = self.graph.get_edge_data(u, v) or {}
        if "sign" in data:
            return data["sign"]
        el = self.prog.model.elements[v]
        declared = dict(el.polarity)
        if u in declared:
            return declared[u]
        f = ExprFn(el.equation, self.prog)
        vals = {n: self.values[n] for n in f.names}
        t = self.values["__times"]
        base = vals[u]
        h = 1e-6 * np.maximum(np.abs(base), 1e-6)
        with np.errstate(all="ignore"):
            y0 = np.asarray(f.fn([vals[n] for n in f.names], t, t), float)
            vals_up = dict(vals, **{u: base + h})
            y1 = np.asarray(f.fn([vals_up[n] for n in f.names], t, t), float)
        d = np.broadcast_to(y1 - y0, np.shape(t))
        scale = np.maximum(np.abs(np.broadcast_to(y0, np.shape(t))), 1e-300)
        moved = np.isfinite(d) & (np.abs(d) > 1e-12 * scale)
        if not moved.any():     # never active along the run (a min/max or if branch): read the form
            return structural_sign(el.equation, u, self.prog.model)
        pos, neg = np.any(d[moved] > 0), np.any(d[moved] < 0)
        return "+" if pos and not neg else "-" if neg and not pos else "?"


def _join(a, b):
    """Sign of a sum of two effects ('0' = no effect)."""
    if a == "0":
        return b
    if b == "0" or a == b:
        return a
    return "?"


_FLIP = {"+": "-", "-": "+", "0": "0", "?": "?"}
_INCREASING = {"exp", "ln", "log10", "sqrt", "logistic", "arctan", "int", "round", "sign"}
_MONOTONE_ALL = {"min", "max", "clip"}      # non-decreasing in every argument


def structural_sign(node, x, model) -> str:
    """Sign of d(node)/dx from the form of the equation alone, taking quantities as positive:
    '+', '-', '0' (x does not appear) or '?'. Used where a reference run never moves the link."""
    def sign(n):
        if isinstance(n, ex.Num):
            return "0"
        if isinstance(n, ex.Name):
            return "+" if n.id == x else "0"
        if isinstance(n, ex.Unary):
            return _FLIP[sign(n.arg)] if n.op == "-" else ("0" if sign(n.arg) == "0" else "?")
        if isinstance(n, ex.Bin):
            a, b = sign(n.left), sign(n.right)
            if n.op == "+" or n.op == "*":
                return _join(a, b)
            if n.op == "-" or n.op == "/":
                return _join(a, _FLIP[b])
            if n.op == "^":
                if b != "0":
                    return "?"
                if isinstance(n.right, ex.Num):
                    return a if n.right.value > 0 else _FLIP[a]
                return "?" if a != "0" else "0"
            return "0" if a == b == "0" else "?"          # comparisons and logic
        if isinstance(n, ex.If):
            return _join(sign(n.then), sign(n.other)) if sign(n.cond) == "0" else "?"
        if isinstance(n, ex.Call):
            args = [sign(a) for a in n.args]
            lk = model.elements.get(n.fn)
            if lk is not None and lk.kind == "lookup":
                ys = [y for _, y in lk.points]
                if all(b >= a for a, b in zip(ys, ys[1:])):
                    return args[0]
                if all(b <= a for a, b in zip(ys, ys[1:])):
                    return _FLIP[args[0]]
                return "0" if args[0] == "0" else "?"
            fn = canonical(n.fn)
            if fn in _INCREASING:
                return args[0]
            if fn in _MONOTONE_ALL:
                out = "0"
                for a in args:
                    out = _join(out, a)
                return out
            if fn in ("zidz", "xidz", "safediv"):
                return _join(args[0], _FLIP[args[1]])
            return "0" if all(a == "0" for a in args) else "?"
        return "?"
    out = sign(node)
    return "?" if out == "0" else out


def loops_of(model, max_length=16, search_limit=40):
    """The model's feedback loops with measured polarity; loops the model declares are named,
    searching longer loops (up to ``search_limit`` elements) when one is longer than ``max_length``."""
    signs = LinkSigns(model)
    loops = feedback_loops(signs.prog.model, signs, max_length=max_length)
    loops, missing = name_declared(loops, model.loops or {})
    if missing and max_length < search_limit:
        longer = feedback_loops(signs.prog.model, signs, max_length=search_limit)
        longer, _ = name_declared(longer, {k: model.loops[k] for k in missing})
        loops += [lp for lp in longer if lp.name]
    return loops
