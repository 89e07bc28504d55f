"""Scheduled events -> STEP / RAMP terms of the parameters they change (for export).

An event that sets parameter p to v at time T adds STEP(v - previous, T) to p's equation; a ramp
to v over D adds RAMP((v - previous) / D, T, T + D). Periodic events are unrolled up to the stop
time. Conditional ('when') events and events that set stocks have no such form: they are named
in the notes and left out.
"""
from __future__ import annotations

from .. import expr as ex
from ..loader import _const_value

MAX_FIRINGS = 10000


def _value(node, params) -> float:
    """A number from an expression over numbers and parameters."""
    return _const_value(ex.substitute(node, {n: ex.Num(0, params[n]) for n in ex.names(node)
                                             if n in params}))


def _times(ev, params, stop):
    if ev.at:
        return [_value(n, params) for n in ev.at]
    if ev.every is not None:
        period = _value(ev.every, params)
        t = _value(ev.start, params) if ev.start is not None else _value(ev.every, params)
        end = _value(ev.end, params) if ev.end is not None else stop
        out = []
        while t <= min(end, stop) + 1e-12 and len(out) < MAX_FIRINGS and period > 0:
            out.append(t)
            t += period
        return out
    return None


def parameter_equations(model) -> tuple[dict, list]:
    """{parameter: equation with its scheduled changes}, and notes on events left out."""
    params = {n: e.value for n, e in model.elements.items() if e.kind == "parameter"}
    changes: dict = {}          # parameter -> [(time, order, action)]
    notes = []
    for i, ev in enumerate(model.events):
        try:
            times = _times(ev, params, model.time.stop)
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
    out = {}
    for p, todo in changes.items():
        todo.sort(key=lambda x: (x[0], x[1]))
        node = ex.Num(0, params[p])
        prev = ex.Num(0, params[p])
        for t, _, a in todo:
            jump = ex.Bin(0, "-", a.expr, prev)
            if a.ramp_over is None:
                node = ex.Bin(0, "+", node, ex.Call(0, "step", (jump, ex.Num(0, t))))
            else:
                end = ex.Bin(0, "+", ex.Num(0, t), a.ramp_over)
                node = ex.Bin(0, "+", node, ex.Call(0, "ramp", (ex.Bin(0, "/", jump, a.ramp_over),
                                                               ex.Num(0, t), end)))
            prev = a.expr
        out[p] = node
    return out, notes
