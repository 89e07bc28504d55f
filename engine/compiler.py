"""Compile stage: a model -> one ordered, vectorised step program over a batch of runs.

The program has three generated functions:
- ``_hoist(P)``: auxiliaries that depend only on parameters (invariant over time), computed once
  per run and again after an event changes a parameter;
- ``_initial(P, H)``: initial values of stocks and pipeline delays, in initial-value order;
- ``_segment(k0, k1, S, P, H, out, D, pend)``: steps k0..k1-1 (Euler inlined, or RK4 through a
  nested rates function), saving records and stopping early when a 'when' event's condition
  first holds for some run.
Every variable is a numpy array over the run axis (or a float64 scalar when it is the same for
all runs), so one run is a batch of one.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from . import expr as ex
from .codegen import Emitter
from .expand import expand
from .functions import lookup_function
from .graph import dependencies, initial_order, instant_order
from .model import Element, Model

SWITCH_EPS = 1e-6       # time switches are evaluated this fraction of dt inside the step


def _with_checks(model: Model) -> Model:
    """Balance checks become hidden auxiliaries holding the relative residual."""
    if not model.checks:
        return model
    elements = dict(model.elements)
    for c in model.checks:
        diff = ex.Call(0, "abs", (ex.Bin(0, "-", c.lhs, c.rhs),))
        scale = ex.Call(0, "max", (ex.Call(0, "abs", (c.lhs,)), ex.Call(0, "abs", (c.rhs,)),
                                   ex.Num(0, 1e-300)))
        node = ex.Bin(0, "/", diff, scale)
        elements[f"check:{c.name}"] = Element(name=f"check:{c.name}", kind="auxiliary", equation=node,
                                              text=c.text, doc=f"relative residual of {c.text}",
                                              units="1", hidden=True, where=c.where)
    return replace(model, elements=elements)


@dataclass
class Program:
    """A compiled model: slots, runlists and the generated functions."""
    model: Model
    stocks: list
    params: list
    hoisted: list
    dynamic: list
    pipelines: list
    saved: list
    slot: dict
    fns: dict = field(default_factory=dict)
    source: str = ""

    @property
    def checks(self) -> list:
        return [n for n in self.saved if n.startswith("check:")]


def default_keep(model: Model) -> list:
    """Every visible stock, flow and auxiliary, plus the check residuals."""
    return [e.name for e in model.elements.values()
            if e.kind in ("stock", "flow", "auxiliary") and (not e.hidden or e.name.startswith("check:"))]


def compile_model(model: Model, keep=None, conditions=()) -> Program:
    """Compile ``model`` (expanding stateful builtins first); ``keep`` names the saved variables."""
    model = _with_checks(expand(model))
    order = instant_order(model)
    initial_order(model)        # raises on circular initial values before any code is generated
    els = model.elements
    stocks = [n for n in els if els[n].kind == "stock"]
    params = [n for n in els if els[n].kind == "parameter"]
    pipelines = [fd for fd in model.fixed_delays]
    # hoist what depends only on parameters (not time, not state)
    varying = set(stocks) | {fd.name for fd in pipelines}
    hoisted, dynamic = [], []
    for n in order:
        el = els[n]
        deps = dependencies(model, el)
        uses_time = any(x.lower() in ("time",) for x in ex.names(el.equation)) or \
            any(c.lower() in ("step", "ramp", "pulse", "pulse_train") for c in ex.calls(el.equation))
        if uses_time or deps & varying:
            dynamic.append(n)
            varying.add(n)
        else:
            hoisted.append(n)
    keep = list(default_keep(model) if keep is None else keep)
    for c in (n for n in els if n.startswith("check:")):
        if c not in keep:
            keep.append(c)
    names = list(els)
    slot = {n: i for i, n in enumerate(names)}
    prog = Program(model, stocks, params, hoisted, dynamic, pipelines, keep, slot)
    _generate(prog, conditions)
    return prog


def _var(prog, name):
    return f"v{prog.slot[name]}"


SPECIAL = {"time": "t", "dt": "_dt", "starttime": "_t0", "initial_time": "_t0",
           "stoptime": "_t1", "final_time": "_t1", "pi": "_pi"}


def _emitter(prog, resolve=None):
    """An emitter for this program's names; ``resolve`` maps element names to other code."""
    lookups = {n: f"_lk{prog.slot[n]}" for n, e in prog.model.elements.items() if e.kind == "lookup"}
    lower = {n.lower(): h for n, h in lookups.items()}

    def slots(name):
        return _var(prog, name) if name in prog.slot else SPECIAL[name.lower()]

    em = Emitter(resolve or slots, lambda fn: lookups.get(fn) or lower.get(fn))
    for n, e in prog.model.elements.items():
        if e.kind == "lookup":
            xs, ys = zip(*e.points)
            em.helpers[lookups[n]] = lookup_function(xs, ys, e.extrapolate)
    return em


def time_constants(t) -> dict:
    """The names generated code uses for time settings."""
    return dict(_t0=np.float64(t.start), _t1=np.float64(t.stop), _dt=np.float64(t.dt),
                _h2=np.float64(t.dt / 2), _dt6=np.float64(t.dt / 6),
                _eps=np.float64(t.dt * SWITCH_EPS), _n=t.n_steps, _se=t.save_every,
                _pi=np.float64(np.pi), _max0=_max0)


def build(source: str, em: Emitter, t, name: str) -> dict:
    """Compile generated source with the time settings it reads."""
    return em.compile(source, name, time_constants(t))


def _unpack(names_, prog, source):
    if not names_:
        return []
    return [f"    {', '.join(_var(prog, n) for n in names_)}, = {source}"]


def _generate(prog: Program, conditions):
    m, t = prog.model, prog.model.time
    em = _emitter(prog)
    els = m.elements
    lines = []
    # ---- hoisted
    lines.append("def _hoist(P):")
    lines += _unpack(prog.params, prog, "P")
    lines.append("    t = _t0; ts = _t0")
    for n in prog.hoisted:
        lines.append(f"    {_var(prog, n)} = {em.num(els[n].equation)}")
    lines.append(f"    return [{', '.join(_var(prog, n) for n in prog.hoisted)}]")
    # ---- initial values
    lines.append("def _initial(P, H):")
    lines += _unpack(prog.params, prog, "P")
    lines += _unpack(prog.hoisted, prog, "H")
    lines.append("    t = _t0; ts = _t0 + _eps")
    hoisted = set(prog.hoisted)
    fd_by_name = {fd.name: fd for fd in prog.pipelines}
    for n in _initial_list(prog):
        el = els[n]
        if n in hoisted or el.kind in ("parameter", "lookup"):
            continue
        lines.append(f"    {_var(prog, n)} = {em.num(el.equation)}")
        if n in fd_by_name:
            lines.append(f"    {_var(prog, n)}_delay = {em.num(fd_by_name[n].delay)}")
    lines.append("    return [" + ", ".join(_var(prog, n) for n in prog.stocks) + "], [" +
                 ", ".join(f"({_var(prog, fd.name)}, {_var(prog, fd.name)}_delay)" for fd in prog.pipelines)
                 + "]")
    # ---- segment
    lines += _segment_source(prog, em, conditions)
    src = "\n".join(lines) + "\n"
    ns = build(src, em, t, m.name)
    prog.fns = {k: ns[k] for k in ("_hoist", "_initial", "_segment")}
    prog.source = src


def _initial_list(prog):
    order = initial_order(prog.model)
    return [n for n in order if prog.model.elements[n].kind != "lookup"]


def _max0(x):
    return np.maximum(x, 0.0)


def _flow_sums(prog, em, stock):
    el = prog.model.elements[stock]
    ins = " + ".join(em.num(ex.Name(0, f)) for f in el.inflows)
    outs = " + ".join(em.num(ex.Name(0, f)) for f in el.outflows)
    return ins, outs


def _derivative(prog, em, stock):
    """Net flow of a stock: inflows - outflows."""
    ins, outs = _flow_sums(prog, em, stock)
    if ins and outs:
        return f"({ins}) - ({outs})"
    return ins or (f"-({outs})" if outs else "0.0")


def _euler_update(prog, em, stock):
    """The Euler step of one stock, with no more array operations than it needs."""
    s = _var(prog, stock)
    ins, outs = _flow_sums(prog, em, stock)
    if ins and outs:
        return f"{s} = {s} + _dt * (({ins}) - ({outs}))"
    if ins:
        return f"{s} = {s} + _dt * ({ins})"
    if outs:
        return f"{s} = {s} - _dt * ({outs})"
    return None


def _segment_source(prog, em, conditions):
    m = prog.model
    els = m.elements
    S = [_var(prog, n) for n in prog.stocks]
    pipes = prog.pipelines
    rk4 = m.time.method == "rk4"
    L = ["def _segment(k0, k1, S, P, H, out, D, pend):"]
    L += _unpack(prog.stocks, prog, "S")
    L += _unpack(prog.params, prog, "P")
    L += _unpack(prog.hoisted, prog, "H")
    body_aux = [f"{_var(prog, n)} = {em.num(els[n].equation)}" for n in prog.dynamic]
    derivs = [_derivative(prog, em, s) for s in prog.stocks]
    pipe_vars = [_var(prog, fd.name) for fd in pipes]
    if rk4:
        args = ", ".join(["t", "ts"] + S + pipe_vars)
        L.append(f"    def _rates({args}):")
        L += [f"        {x}" for x in body_aux]
        dyn = [_var(prog, n) for n in prog.dynamic]
        L.append(f"        return [{', '.join(derivs)}], [{', '.join(dyn)}]")
    import re
    cond_text = " ".join(em.cond(c) for c in conditions)
    uses_time = rk4 or re.search(r"\bts?\b", " ".join(body_aux) + " " + cond_text)
    L.append("    k = k0")
    L.append("    for k in range(k0, k1):")
    if uses_time:
        L.append("        t = _t0 + k * _dt")
    for i, fd in enumerate(pipes):
        L.append(f"        {_var(prog, fd.name)} = D[{i}].read(k)")
    if rk4:
        dyn = [_var(prog, n) for n in prog.dynamic]
        L.append(f"        K1, A = _rates(t, t + _eps, {', '.join(S + pipe_vars)})")
        if dyn:
            L.append(f"        {', '.join(dyn)}, = A")
    else:
        if uses_time:
            L.append("        ts = t + _eps")
        L += [f"        {x}" for x in body_aux]
    for i, c in enumerate(conditions):
        L.append(f"        if _and({em.cond(c)}, pend[{i}]).any():")
        L.append(f"            S[:] = [{', '.join(S)}]")
        L.append(f"            return k, {i}")
    for i, fd in enumerate(pipes):
        L.append(f"        D[{i}].push(k, {_var(prog, fd.input)})")
    if prog.saved:
        pad = "        "
        if m.time.save_every == 1:
            L.append(f"{pad}r = out[k]")
        else:
            L.append(f"{pad}if k % _se == 0:")
            pad += "    "
            L.append(f"{pad}r = out[k // _se]")
        for j, n in enumerate(prog.saved):
            L.append(f"{pad}r[{j}] = {_var(prog, n)}")
    L.append("        if k >= _n:")
    L.append("            break")
    if rk4 and S:
        P_ = pipe_vars
        L.append("        K2, _ = _rates(t + _h2, t + _h2, "
                 + ", ".join([f"{s} + _h2 * K1[{i}]" for i, s in enumerate(S)] + P_) + ")")
        L.append("        K3, _ = _rates(t + _h2, t + _h2, "
                 + ", ".join([f"{s} + _h2 * K2[{i}]" for i, s in enumerate(S)] + P_) + ")")
        L.append("        K4, _ = _rates(t + _dt, t + _dt - _eps, "
                 + ", ".join([f"{s} + _dt * K3[{i}]" for i, s in enumerate(S)] + P_) + ")")
        for i, s in enumerate(S):
            L.append(f"        {s} = {s} + _dt6 * (K1[{i}] + 2.0 * (K2[{i}] + K3[{i}]) + K4[{i}])")
    else:
        L += [f"        {u}" for u in (_euler_update(prog, em, n) for n in prog.stocks) if u]
    for n in prog.stocks:
        if els[n].non_negative:
            L.append(f"        {_var(prog, n)} = _max0({_var(prog, n)})")
    L.append(f"    S[:] = [{', '.join(S)}]")
    L.append("    return min(k + 1, k1), -1")
    return L
