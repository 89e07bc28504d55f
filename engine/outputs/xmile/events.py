"""Scheduled events -> STEP / RAMP terms of the parameters they change (for export).

An event that sets parameter p to v at time T adds STEP(v - previous, T) to p's equation; a ramp
to v over D adds RAMP((v - previous) / D, T, T + D). Periodic events are unrolled up to the stop
time. Conditional ('when') events and events that set stocks have no such form: they are named
in the notes and left out.
"""
from __future__ import annotations

from ... import lang as ex
from ...lang.parser import balanced

MAX_FIRINGS = 10000


def _value(node, params) -> float:
    """A number from an expression over numbers and parameters."""
    return ex.constant(ex.substitute(node, {n: ex.Num(0, params[n]) for n in ex.names(node)
                                            if n in params}))


def _times(ev, params, time):
    """The times a scheduled event fires within the run (a periodic event without 'start' first
    fires one period after the run starts, as the engine does)."""
    if ev.at:
        return [_value(n, params) for n in ev.at]
    if ev.every is not None:
        period = _value(ev.every, params)
        start = _value(ev.start, params) if ev.start is not None else time.start + period
        end = min(_value(ev.end, params) if ev.end is not None else time.stop, time.stop)
        if not period > 0:
            return []
        count = min(MAX_FIRINGS, max(0, int((end - start) / period + 1e-9) + 1))
        return [start + j * period for j in range(count)]
    return None


def parameter_equations(model) -> tuple[dict, list]:
    """{parameter: equation with its scheduled changes}, and notes on events left out."""
    params = {n: e.value for n, e in model.elements.items() if e.kind == "parameter"}
    changes: dict = {}          # parameter -> [(time, order, action)]
    notes = []
    for i, ev in enumerate(model.events):
        try:
            times = _times(ev, params, model.time)
        except ValueError:
            times = None
        if times is None:
            why = "a conditional ('when') event" if ev.when is not None else "its times are not constant"
            notes.append(f"event '{ev.name}' left out: {why} has no XMILE form")
            continue
        for a in ev.actions:
            target = model.elements.get(a.target)
            if target is None or target.kind != "parameter":
                notes.append(f"event '{ev.name}': setting stock '{a.target}' left out (XMILE has no "
                             "event that resets a stock)")
                continue
            if not ex.names(a.expr) <= set(params) or (a.ramp_over is not None and
                                                     not ex.names(a.ramp_over) <= set(params)):
                notes.append(f"event '{ev.name}': the value of '{a.target}' depends on the state; left out")
                continue
            for t in times:
                changes.setdefault(a.target, []).append((t, i, a))
    return {p: _equation(p, todo, params) for p, todo in changes.items()}, notes


def _equation(p, todo, params) -> ex.Node:
    """The parameter's value plus one STEP or RAMP term per change, as a balanced sum. A value
    that reads the parameter itself (p: p * 1.1) is computed from its value before the change."""
    todo.sort(key=lambda x: (x[0], x[1]))
    terms = [ex.Num(0, params[p])]
    prev = float(params[p])
    for t, _, a in todo:
        new = _value(a.expr, dict(params, **{p: prev}))
        jump = ex.Num(0, new - prev)
        if a.ramp_over is None:
            terms.append(ex.Call(0, "step", (jump, ex.Num(0, t))))
        else:
            over = ex.Num(0, _value(a.ramp_over, params))
            terms.append(ex.Call(0, "ramp", (ex.Bin(0, "/", jump, over), ex.Num(0, t),
                                              ex.Num(0, t + over.value))))
        prev = new
    return balanced("+", terms, 0)
