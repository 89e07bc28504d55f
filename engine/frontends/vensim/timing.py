"""Vensim's control variables (INITIAL TIME, FINAL TIME, TIME STEP, SAVEPER) as the run's time
settings, including those that are not constants.

Vensim evaluates the control variables as the run goes (its outputs show them changing). A
constant expression is the time setting. A FINAL TIME that is an expression of Time and constants
(through auxiliaries) ends the run at the first step where Time has reached it (within the engine's
time-switch tolerance); it is computed before the run, from the expression alone, and the variable
FINAL TIME is an auxiliary with that expression. A TIME STEP or SAVEPER of Time that keeps one
value over the run is that value. Anything else is refused by name: a TIME STEP or SAVEPER that
changes during the run (the engine's step and save step are fixed), an INITIAL TIME that depends on
Time, and a FINAL TIME that depends on the model's state (a stock, data, a random function).

The settings are computed from the file's values, so the constants they read are made auxiliaries
of those values (``constants_read``): a sweep that tried to change one is refused (it is not a
parameter) rather than leaving the run's end or step where the file put it.
"""
from __future__ import annotations

import math

import numpy as np

from ... import lang as ex
from ...backends.base import SWITCH_EPS
from ...model.check import MAX_STEPS
from .errors import Unsupported, VensimError
from .scope import Scope

FIRST_CHUNK = 1024      # steps evaluated at once when looking for the end of a run


def of_time(b, k: str, seen: tuple = ()):
    """A control variable's equation as a tree of numbers and ``time`` (auxiliaries and constants
    substituted), or None when it depends on anything else."""
    d = b.control[k]
    tree, extras = b._parse(d)
    if not b._pure(tree):
        return None
    return _inline(b, b.resolve(tree, d, extras, Scope(local={})), seen + (k,))


def _inline(b, node, seen: tuple):
    from . import library as lib
    sub = {}
    reserved = {v: c for c, v in lib.CONTROL.items()}
    for name in ex.names(node):
        if name == "time":
            continue
        if name in reserved:
            c = reserved[name]
            if c in seen or c not in b.control:
                return None
            try:
                sub[name] = ex.Num(0, b.time_value(c))
            except Unsupported:         # another control variable of Time
                inner = of_time(b, c, seen + (c,))
                if inner is None:
                    return None
                sub[name] = inner
            continue
        d = b._def_of_ident(name)
        if d is None or d.kind != "eq" or name in seen or d.subs:
            return None
        tree, extras = b._parse(d)
        if not b._pure(tree):
            return None
        inner = _inline(b, b.resolve(tree, d, extras, Scope()), seen + (name,))
        if inner is None:
            return None
        sub[name] = inner
    return ex.substitute(node, sub) if sub else node


def values_over(node, times: np.ndarray):
    """The values of a tree of numbers and ``time`` at each of ``times`` (None when it holds a
    function that is not a math function, IF THEN ELSE, STEP or RAMP)."""
    from ... import builtins as registry
    ops = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power,
           "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
           "==": np.equal, "!=": np.not_equal}
    n_t = len(times)

    def ev(n):
        if isinstance(n, ex.Num):
            return np.full(n_t, n.value)
        if isinstance(n, ex.Name):
            return times if n.id == "time" else None
        if isinstance(n, ex.Unary):
            a = ev(n.arg)
            return None if a is None else (-a if n.op == "-" else (a == 0).astype(float))
        if isinstance(n, ex.Bin):
            a, c = ev(n.left), ev(n.right)
            if a is None or c is None:
                return None
            if n.op in ("and", "or"):
                f = np.logical_and if n.op == "and" else np.logical_or
                return f(a != 0, c != 0).astype(float)
            return ops[n.op](a, c).astype(float) if n.op in ops else None
        if isinstance(n, ex.If):
            parts = [ev(n.cond), ev(n.then), ev(n.other)]
            return None if any(p is None for p in parts) else np.where(parts[0] != 0, parts[1], parts[2])
        if isinstance(n, ex.Call):
            args = [ev(a) for a in n.args]
            fn = registry.get(n.fn)
            if fn is None or any(a is None for a in args):
                return None
            if fn.kind == "select":
                return np.where(args[0] != 0, args[1], args[2])
            if fn.name == "step":
                return np.where(times >= args[1], args[0], 0.0)
            if fn.name == "ramp":
                end = args[2] if len(args) > 2 else np.inf
                return args[0] * (np.minimum(np.maximum(times, args[1]), np.maximum(args[1], end)) - args[1])
            if fn.kind == "math" and fn.numpy is not None:
                return np.asarray(fn.numpy(*args), dtype=float) * np.ones(n_t)
        return None
    with np.errstate(all="ignore"):
        return ev(node)


def held(dt: float) -> float:
    """TIME STEP (and SAVEPER, which must stay a whole number of them) as Vensim holds it: in
    single precision, even in its double-precision build. The
    suite's ``simple_harmonic_oscillator`` (exported by Vensim DSS 9.3.1 double precision) shows it:
    with TIME STEP float32(0.01) = 0.0099999998 every printed digit of its output is reproduced,
    with 0.01 its phase drifts by 1.3e-5 over the run. A step that single precision holds exactly
    (1, 0.5, 0.25, 0.0625, ...) is unchanged."""
    if not (math.isfinite(dt) and 0.0 < abs(dt) < 3.0e38):
        return dt                       # check_time names what is wrong with it
    return float(np.float32(dt))


class Changing(Unsupported):
    """A TIME STEP or SAVEPER of Time whose value changes during the run."""


def held_all(values: np.ndarray) -> np.ndarray:
    """``held`` of each value."""
    with np.errstate(over="ignore", invalid="ignore"):
        single = values.astype(np.float32).astype(float)
    return np.where(np.isfinite(values) & (np.abs(values) < 3.0e38) & (values != 0.0), single, values)


def settings(b) -> tuple:
    """(start, stop, dt, save step or None, (phases, saved times) or None) of the run: the last
    is given when TIME STEP or SAVEPER changes during the run (``schedule``)."""
    start = _start(b)
    try:
        dt = _steady(b, "time step", start, None)
        stop = _stop(b, start, dt)
        _steady(b, "time step", start, (stop, dt))
        save = _steady(b, "saveper", start, (stop, dt)) if "saveper" in b.control else None
    except Changing:
        return schedule(b, start)
    return start, stop, dt, save, None


def _start(b) -> float:
    """INITIAL TIME: a number or an expression of constants (the run starts there); an expression
    of Time is read at Time 0, before the run has a time (the auxiliary INITIAL TIME shows it
    over the run), and must give the same start at that start."""
    try:
        return b.time_value("initial time")
    except Unsupported:
        node = of_time(b, "initial time")
        if node is None or values_over(node, np.array([0.0])) is None:
            raise
    start = float(values_over(node, np.array([0.0]))[0])
    again = float(values_over(node, np.array([start]))[0]) if math.isfinite(start) else math.nan
    if again != start:
        raise Unsupported(f"INITIAL TIME that depends on Time and gives another start at its own start ({start:g} "
                          f"at Time 0, {again:g} at Time {start:g})", **b.where(b.control["initial time"]))
    return start


def varying(b, k: str) -> bool:
    """True when control variable ``k`` is an expression of Time (and constants): it is then an
    auxiliary of the model, whose values over the run the output shows."""
    if k not in b.control or k == "final time":
        return False
    try:
        b.time_value(k)
        return False
    except Unsupported:
        pass
    node = of_time(b, k)
    return node is not None and values_over(node, np.array([0.0])) is not None


def schedule(b, start: float) -> tuple:
    """The run of a TIME STEP or SAVEPER that changes with Time, as Vensim runs it: each step is
    the TIME STEP of the time it starts at; the run ends at the first time that reaches FINAL TIME
    (of that time); Time 's values are saved from the start, each next one SAVEPER (of the time
    saved) later, and the final time always. Returns (start, stop, first dt, None, (phases, saved
    times)), a phase being a stretch of steps of one TIME STEP: ``(from time, dt)``."""
    def at(k, times):
        if k not in b.control:
            return None
        try:
            return np.full(len(times), b.time_value(k))
        except Unsupported:
            node = of_time(b, k)
            values = None if node is None else values_over(node, times)
            if values is None:
                raise Unsupported(f"{k.upper()} that depends on the model's state (it must be a number or an "
                                  "expression of Time and constants)", **b.where(b.control[k])) from None
            return values
    phases: list = []
    t0, k_total = start, 0
    dt = held(float(at("time step", np.array([start]))[0]))
    stop = math.nan
    while math.isnan(stop):
        if not (math.isfinite(dt) and dt > 0):
            raise VensimError(f"TIME STEP must be a positive number, got {dt:g} at time {t0:g}",
                              **b.where(b.control["time step"]))
        phases.append((t0, dt))
        j0, chunk = 0, FIRST_CHUNK
        while True:
            js = np.arange(j0, j0 + chunk)
            times = t0 + js * dt
            reached = np.nonzero(times + dt * SWITCH_EPS >= at("final time", times))[0]
            steps = held_all(at("time step", times))
            changed = np.nonzero((steps != dt) & (js > 0))[0]
            end = min(reached[0] if reached.size else len(js), changed[0] if changed.size else len(js))
            if k_total + j0 + end > MAX_STEPS:
                raise VensimError(f"the run takes more than {MAX_STEPS:,} steps", **b.where(b.control["final time"]),
                                  hint="check FINAL TIME and TIME STEP")
            if end < len(js):
                if reached.size and reached[0] == end:
                    stop = float(times[end])
                else:
                    t0, dt = float(times[end]), float(steps[end])
                k_total += j0 + end
                break
            j0, chunk = j0 + chunk, chunk * 2
    ends = [t for t, _ in phases[1:]] + [stop]
    grid = np.concatenate([t + np.arange(int(round((e - t) / h))) * h for (t, h), e in zip(phases, ends)] + [[stop]])
    every = at("saveper", grid)
    if every is None:                   # no SAVEPER: every step
        saves = grid
    else:
        kept, due = [], grid[0]
        for i, t in enumerate(grid):
            if t >= due - 1e-9 * max(1.0, abs(t)):
                kept.append(t)
                due = t + held(float(every[i]))
        if kept[-1] != stop:
            kept.append(stop)
        saves = np.array(kept)
    return start, stop, phases[0][1], None, (tuple(phases), tuple(float(t) for t in saves))


def _steady(b, k: str, start: float, grid):
    """A TIME STEP or SAVEPER: a constant, or an expression of Time that keeps one value over the
    run's steps (``grid``: (stop, dt); None: its value at the start)."""
    try:
        return b.time_value(k)
    except Unsupported:
        pass
    node = of_time(b, k)
    what = k.upper()
    if node is None or values_over(node, np.array([start])) is None:
        raise Unsupported(f"{what} that depends on the model's state (it must be a number or an expression "
                          "of Time and constants that keeps one value over the run)", **b.where(b.control[k]))
    if grid is None:
        return float(values_over(node, np.array([start]))[0])
    stop, dt = grid
    n = (stop - start) / dt
    if not 0 <= n <= MAX_STEPS:         # not a run (check_time says why): its value at the start
        return float(values_over(node, np.array([start]))[0])
    times = start + np.arange(int(round(n)) + 1) * dt
    values = values_over(node, times)
    changed = np.nonzero(values != values[0])[0]
    if changed.size:
        i = int(changed[0])
        raise Changing(f"{what} that changes during the run (from {values[0]:g} to {values[i]:g} at time "
                       f"{times[i]:g})", **b.where(b.control[k]))
    return float(values[0])


def dynamic_final(b) -> bool:
    """True when FINAL TIME is not a constant but an expression of Time and constants (the run
    ends when Time reaches it; the variable FINAL TIME is an auxiliary)."""
    if "final time" not in b.control:
        return False
    try:
        b.time_value("final time")
        return False
    except Unsupported:
        pass
    node = of_time(b, "final time")
    if node is None or values_over(node, np.array([0.0])) is None:
        raise Unsupported("FINAL TIME that depends on the model's state (it must be a number or an expression "
                          "of Time and constants)", **b.where(b.control["final time"]))
    return True


def _stop(b, start: float, dt: float) -> float:
    """FINAL TIME, or the first time of the run at which Time reaches its expression."""
    if not dynamic_final(b):
        return b.time_value("final time")
    node = of_time(b, "final time")
    if not math.isfinite(start):
        return math.nan                 # check_time names it
    if not (math.isfinite(dt) and dt > 0):
        raise VensimError(f"TIME STEP must be a positive number, got {dt:g}", **b.where(b.control["time step"]))
    k0, chunk = 0, FIRST_CHUNK
    while k0 <= MAX_STEPS:
        ks = np.arange(k0, min(k0 + chunk, MAX_STEPS + 1))
        times = start + ks * dt
        reached = np.nonzero(times + dt * SWITCH_EPS >= values_over(node, times))[0]
        if reached.size:
            return float(times[reached[0]])
        k0, chunk = k0 + len(ks), chunk * 2
    raise VensimError(f"Time never reaches FINAL TIME within {MAX_STEPS:,} steps of {dt:g}",
                      **b.where(b.control["final time"]), hint="check the condition that ends the run")


def constants_read(b) -> set:
    """Identifiers of the constants the time settings read (directly or through auxiliaries):
    the run's settings are computed from their values in the file, so they are made auxiliaries
    of that value, which a sweep cannot change (it would not move the run's end or step)."""
    out: set = set()
    stack = list(b.control.values())
    seen: set = set()
    while stack:
        d = stack.pop()
        if id(d) in seen or d.kind != "eq":
            continue
        seen.add(id(d))
        for k in ex.names(b._parse(d)[0]):
            if k in b.control:
                stack.append(b.control[k])
            elif k in b.defs and k not in b.arrays:
                out.add(b.names.ids[k])
                stack.append(b.defs[k])
    return out
