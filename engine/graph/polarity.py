"""Link polarity: the sign of dy/dx for each causal link x -> y, and so each loop's polarity.

A link's sign is measured, not guessed: y's equation is evaluated along a reference run of the
model with x nudged up, and the sign of the change is read at every saved time. A link whose sign
changes along the run is reported as '?'; one the run never moves takes its sign from the form
of the equation (``structural_sign``); a modeller may declare the sign with ``polarity:``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import backends, builtins
from .. import lang as ex
from ..plan import compile_model
from ..run import run_kernel
from .labels import LoopLabels, letter
from .structure import Loop, Loops, feedback_graph, feedback_loops, name_declared


def reference_values(model, backend: str = "auto") -> tuple[dict, Any]:
    """Every element's trajectory along a default run (name -> array over saved times), and
    the plan that ran."""
    full = compile_model(model, keep=[])
    keep = [full.names[s] for s in full.stocks + full.dynamic + full.hoisted] + \
        [full.names[d.slot] for d in full.delays]
    keep = [n for n in keep if not n.startswith("check:")]
    plan = compile_model(model, keep=keep)
    res = run_kernel(backends.choose(plan, backend).kernel(plan), check=False)
    values = {n: res[n][:, 0] for n in keep}
    for s in plan.params:
        values[plan.names[s]] = np.full(len(res.times), plan.model.elements[plan.names[s]].value)
    t = plan.time
    values.update(time=res.times, dt=np.full(len(res.times), t.dt), starttime=np.full(len(res.times), t.start),
                  stoptime=np.full(len(res.times), t.stop), pi=np.full(len(res.times), np.pi))
    return values, plan


class LinkSigns:
    """Callable ``(u, v) -> '+' | '-' | '?'`` over a reference run."""

    def __init__(self, model, backend: str = "auto"):
        self.values, self.plan = reference_values(model, backend)
        self.backend = backends.choose(self.plan, backend)
        self.graph = feedback_graph(self.plan.model)
        self.cache: dict = {}

    def __call__(self, u, v) -> str:
        """The sign of the link u -> v: '+', '-' or '?'."""
        if (u, v) not in self.cache:
            self.cache[(u, v)] = self._sign(u, v)
        return self.cache[(u, v)]

    def _sign(self, u, v) -> str:
        data = self.graph.get_edge_data(u, v) or {}
        if "sign" in data:
            return data["sign"]
        el = self.plan.model.elements[v]
        declared = dict(el.polarity)
        if u in declared:
            return declared[u]
        tree = self.plan.equations[self.plan.slot[v]]
        args = sorted({n.name for n in ex.walk(tree) if isinstance(n, ex.Ref)} |
                      {n.id for n in ex.walk(tree) if isinstance(n, ex.Name)} | {"time"})
        fn = self.backend.expressions([tree], args, self.plan.tables)
        base = [self.values[a] for a in args]
        x = self.values[u]
        h = 1e-6 * np.maximum(np.abs(x), 1e-6)
        y0 = np.broadcast_to(np.asarray(fn(*base)[0], float), x.shape)
        y1 = np.broadcast_to(np.asarray(fn(*[x + h if a == u else b for a, b in zip(args, base)])[0], float),
                             x.shape)
        with np.errstate(all="ignore"):
            d = y1 - y0
            moved = np.isfinite(d) & (np.abs(d) > 1e-12 * np.maximum(np.abs(y0), 1e-300))
        if not moved.any():     # never active along the run (a min/max or if branch): read the form
            return structural_sign(el.equation, u, self.plan.model)
        pos, neg = np.any(d[moved] > 0), np.any(d[moved] < 0)
        return "+" if pos and not neg else "-" if neg and not pos else "?"


_FLIP = {"+": "-", "-": "+", "0": "0", "?": "?"}


def _join(a, b):
    """Sign of a sum of two effects ('0' = no effect)."""
    if a == "0":
        return b
    if b == "0" or a == b:
        return a
    return "?"


def _times(a, b):
    """Sign of a product of two signs ('0' absorbs)."""
    if "0" in (a, b):
        return "0"
    if "?" in (a, b):
        return "?"
    return "+" if a == b else "-"


def _constant(n):
    """The value of a constant expression ((0 - 2), -1/4), or None."""
    try:
        return ex.constant(n)
    except ValueError:
        return None


def _sign(v: float) -> str:
    return "+" if v > 0 else "-" if v < 0 else "0" if v == 0 else "?"


def value_sign(n) -> str:
    """Sign of an expression's value, taking every quantity as positive: '+', '-', '0' or '?'."""
    if isinstance(n, ex.Num):
        return _sign(n.value)
    if isinstance(n, (ex.Unary, ex.Bin)) and not ex.names(n) and not ex.calls(n):
        v = _constant(n)
        if v is not None:
            return _sign(v)
    if isinstance(n, ex.Name):
        return "+"
    if isinstance(n, ex.Unary) and n.op == "-":
        return _FLIP[value_sign(n.arg)]
    if isinstance(n, ex.Bin) and n.op in ("*", "/"):
        return _times(value_sign(n.left), value_sign(n.right))
    if isinstance(n, ex.Bin) and n.op == "+":
        return _join(value_sign(n.left), value_sign(n.right))
    return "?"


def structural_sign(node, x, model) -> str:
    """Sign of d(node)/dx from the form of the equation alone, taking quantities as positive:
    '+', '-' or '?'. Used where a reference run never moves the link."""
    out = _d(node, x, model)
    return "?" if out == "0" else out


def _d(n, x, model) -> str:
    """Sign of d(n)/dx: '+', '-', '0' (x does not appear) or '?'."""
    if isinstance(n, ex.Num):
        return "0"
    if isinstance(n, ex.Name):
        return "+" if n.id == x else "0"
    if isinstance(n, ex.Unary):
        a = _d(n.arg, x, model)
        return _FLIP[a] if n.op == "-" else ("0" if a == "0" else "?")
    if isinstance(n, ex.Bin):
        return _d_bin(n, x, model)
    if isinstance(n, ex.If):
        return _join(_d(n.then, x, model), _d(n.other, x, model)) if _d(n.cond, x, model) == "0" else "?"
    if isinstance(n, ex.Call):
        return _d_call(n, x, model)
    return "?"


def _d_bin(n, x, model) -> str:
    a, b = _d(n.left, x, model), _d(n.right, x, model)
    if n.op == "+":
        return _join(a, b)
    if n.op == "-":
        return _join(a, _FLIP[b])
    if n.op == "*":         # (uv)' = u'v + uv'
        return _join(_times(a, value_sign(n.right)), _times(value_sign(n.left), b))
    if n.op == "/":         # (u/v)' = u'/v - u v'/v^2
        return _join(_times(a, value_sign(n.right)), _FLIP[_times(value_sign(n.left), b)])
    if n.op == "^":
        if b != "0":
            return "?"
        power = _constant(n.right)
        if a == "0" or power == 0:
            return "0"
        if power is None or power != power:
            return "?"
        # d(u^p) = p u^(p-1) du: u^(p-1) is positive for a positive base, and for a negative base
        # its sign alternates with whole p (a fractional power of a negative number has none)
        base = value_sign(n.left)
        if base == "-" and float(power).is_integer():
            base = "+" if (power - 1) % 2 == 0 else "-"
        elif base != "+":
            return "?"
        return _times(_times(a, base), "+" if power > 0 else "-")
    return "0" if a == b == "0" else "?"          # comparisons and logic


def _d_call(n, x, model) -> str:
    args = [_d(a, x, model) for a in n.args]
    lk = model.elements.get(n.fn)
    if lk is not None and lk.kind == "lookup":
        ys = [y for _, y in lk.points]
        if all(b >= a for a, b in zip(ys, ys[1:])):
            return args[0]
        if all(b <= a for a, b in zip(ys, ys[1:])):
            return _FLIP[args[0]]
        return "0" if args[0] == "0" else "?"
    b = builtins.get(n.fn)
    mono = b.monotone if b else None
    if mono == "increasing":
        return args[0] if all(a == "0" for a in args[1:]) else "?"
    if mono == "all":
        out = "0"
        for a in args:
            out = _join(out, a)
        return out
    if mono == "ratio":
        return _join(args[0], _FLIP[args[1]]) if all(a == "0" for a in args[2:]) else "?"
    return "0" if all(a == "0" for a in args) else "?"


def loops_of(model, max_length=16, search_limit=40, backend: str = "auto"):
    """The model's feedback loops with measured polarity; loops the model names are named,
    searching longer loops (up to ``search_limit`` elements) when one is longer than ``max_length``."""
    signs = LinkSigns(model, backend)
    loops = feedback_loops(signs.plan.model, signs, max_length=max_length)
    loops, missing = name_declared(loops, model.loops)
    if missing and max_length < search_limit:
        longer = feedback_loops(signs.plan.model, signs, max_length=search_limit)
        longer, _ = name_declared(longer, [lp for lp in model.loops if lp.label in missing])
        loops += [lp for lp in longer if lp.name]
    return label_loops(loops, model)


def label_loops(loops, model):
    """The loops with their one label each (``engine.graph.labels``): declared names first, codes
    for the others; ``loops.labels`` keeps the numbering for analyses that meet more loops."""
    labels = LoopLabels(spec.label for spec in model.loops)
    names = labels.assign([(lp.elements, letter(lp.signs), lp.name) for lp in loops])
    out = Loops(Loop(lp.elements, lp.signs, lab, lp.name) for lp, lab in zip(loops, names))
    out.complete_to = getattr(loops, "complete_to", 0)
    out.labels = labels
    return out

