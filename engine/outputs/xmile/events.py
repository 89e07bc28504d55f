"""Scheduled events -> STEP / RAMP terms of the parameters they change (for export).

An event that sets parameter p to v at time T adds STEP(v - previous, T) to p's equation; a ramp
to v over D adds RAMP((v - previous) / D, T, T + D). T is the time of the step the engine applies
the change at, and D a whole number of steps, as in a run. Periodic events are unrolled up to the
stop time. Conditional ('when') events and changes of a parameter while a ramp of it is under way
have no such form: they are named in the notes. Events that set stocks: see resets.py.
"""
from __future__ import annotations

import math

from ... import lang as ex
from ...lang.parser import balanced

MAX_FIRINGS = 10000
SNAP = 1e-9             # as the run stage snaps event times to steps


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


def fire_steps(model) -> dict:
    """Event index -> the steps at which the event applies (None for a conditional event or one
    whose times are not constant)."""
    params = {n: e.value for n, e in model.elements.items() if e.kind == "parameter"}
    out: dict = {}
    for i, ev in enumerate(model.events):
        try:
            times = _times(ev, params, model.time)
        except ValueError:
            times = None
        out[i] = None if times is None else sorted(set(_steps(times, model.time)))
    return out


def parameter_equations(model) -> tuple[dict, list]:
    """{parameter: equation with its scheduled changes}, and notes on events left out."""
    params = {n: e.value for n, e in model.elements.items() if e.kind == "parameter"}
    changes: dict = {}          # parameter -> [(step, order, action, event name)]
    notes = []
    for i, ev in enumerate(model.events):
        try:
            times = _times(ev, params, model.time)
        except ValueError:
            times = None
        if times is None:
            if any(a.target in params for a in ev.actions):
                why = "a conditional ('when') event" if ev.when is not None else "its times are not constant"
                notes.append(f"event '{ev.name}' left out: {why} has no XMILE form")
            continue
        for a in ev.actions:
            target = model.elements.get(a.target)
            if target is None or target.kind != "parameter":
                continue            # a stock: see resets.py
            if not ex.names(a.expr) <= set(params) or (a.ramp_over is not None and
                                                     not ex.names(a.ramp_over) <= set(params)):
                notes.append(f"event '{ev.name}': the value of '{a.target}' depends on the state; left out")
                continue
            for k in _steps(times, model.time):
                changes.setdefault(a.target, []).append((k, i, a, ev.name))
    out = {}
    for p, todo in changes.items():
        todo.sort(key=lambda x: (x[0], x[1]))
        clash = _during_ramp(todo, params, model.time.dt)
        if clash:
            notes.append(clash)
            continue
        out[p] = _equation(p, todo, params, model.time)
    return out, notes


def _steps(times, time) -> list:
    """The steps at which the engine applies changes due at ``times`` (the next step on or after
    each time, within the run)."""
    ks = (math.ceil((t - time.start) / time.dt - SNAP) for t in times)
    return [k for k in ks if 0 <= k <= time.n_steps]


def _ramp_steps(a, params, dt) -> int:
    return max(1, round(_value(a.ramp_over, params) / dt))


def _during_ramp(todo, params, dt) -> str | None:
    """A note when a change of a parameter falls while a ramp of it is under way: the engine's
    ramp sets the value at every step of its window, which no sum of STEP and RAMP terms says."""
    for j, (k0, _, a, name) in enumerate(todo):
        if a.ramp_over is None:
            continue
        end = k0 + _ramp_steps(a, params, dt)
        for k, _, _, other_name in todo[j + 1:]:
            if k <= end:
                return (f"events '{other_name}' and '{name}' left out: '{other_name}' changes '{a.target}' while "
                        f"the ramp of '{name}' is under way, which has no XMILE form")
    return None


def _equation(p, todo, params, time) -> ex.Node:
    """The parameter's value plus one STEP or RAMP term per change, as a balanced sum. A value
    that reads the parameter itself (p: p * 1.1) is computed from its value before the change.
    Times are those of the steps the engine applies the changes at."""
    terms: list = [ex.Num(0, params[p])]
    prev = float(params[p])
    for k, _, a, _ in todo:
        t = time.start + k * time.dt
        new = _value(a.expr, dict(params, **{p: prev}))
        jump = ex.Num(0, new - prev)
        if a.ramp_over is None:
            terms.append(ex.Call(0, "step", (jump, ex.Num(0, t))))
        else:
            over = _ramp_steps(a, params, time.dt) * time.dt
            terms.append(ex.Call(0, "ramp", (ex.Bin(0, "/", jump, ex.Num(0, over)), ex.Num(0, t),
                                              ex.Num(0, t + over))))
        prev = new
    return balanced("+", terms, 0)
