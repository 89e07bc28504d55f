"""Scheduled, periodic and conditional events as simpy processes on the run's clock.

Times are turned into step indices per run (an event at a time between two steps applies at the
next step), so an event whose time or value is swept applies exactly in every run of a batch.
At one step, events apply in the order the scenario lists them; the step's record follows.
"""
from __future__ import annotations

import numpy as np
import simpy

from . import expr as ex
from .errors import ModelError

SNAP_TOL = 1e-9


class ExprFn:
    """An event expression compiled to a function of a name -> value mapping."""

    def __init__(self, node, prog):
        from .compiler import SPECIAL, _emitter, build
        self.names = sorted(ex.names(node))
        index = {n: i for i, n in enumerate(self.names)}
        em = _emitter(prog, lambda n: f"env[{index[n]}]" if n in prog.slot else SPECIAL[n.lower()])
        src = f"def _f(env, t, ts):\n    return {em.num(node)}\n"
        self.fn = build(src, em, prog.model.time, "event")["_f"]

    def __call__(self, values: dict, t):
        return self.fn([values[n] for n in self.names], np.float64(t), np.float64(t))


def snapshot(sim, k, needed=None) -> dict:
    """Element values at step k of the current state; the auxiliaries that change over time are
    recomputed only when ``needed`` (a set of names, or None for all) asks for one of them."""
    prog = sim.prog
    values = dict(zip(prog.params, sim.P))
    values.update(zip(prog.hoisted, sim.H))
    values.update(zip(prog.stocks, sim.S))
    if needed is None or not needed.isdisjoint(prog.dynamic):
        out = np.empty((1, len(prog.dynamic) + len(prog.stocks), sim.n))
        _record_fn(prog)(k, sim.S, sim.P, sim.H, out, sim.D)
        values.update(zip(prog.dynamic, out[0]))
    for fd, d in zip(prog.pipelines, sim.D):
        values[fd.name] = d.read(k)
    return values


def _record_fn(prog):
    """A compiled function that evaluates every auxiliary and stock at one step."""
    if "_record" not in prog.fns:
        from .compiler import _emitter, _unpack, _var, build
        em = _emitter(prog)
        els = prog.model.elements
        L = ["def _record(k, S, P, H, out, D):"]
        L += _unpack(prog.stocks, prog, "S")
        L += _unpack(prog.params, prog, "P")
        L += _unpack(prog.hoisted, prog, "H")
        L.append("    t = _t0 + k * _dt; ts = t + _eps")
        for i, fd in enumerate(prog.pipelines):
            L.append(f"    {_var(prog, fd.name)} = D[{i}].read(k)")
        L += [f"    {_var(prog, n)} = {em.num(els[n].equation)}" for n in prog.dynamic]
        for j, n in enumerate(prog.dynamic + prog.stocks):
            L.append(f"    out[0, {j}] = {_var(prog, n)}")
        prog.fns["_record"] = build("\n".join(L) + "\n", em, prog.model.time, "record")["_record"]
    return prog.fns["_record"]


class EventRunner:
    """Turns the model's events into simpy processes for one batch."""

    def __init__(self, prog, n_runs):
        self.prog = prog
        self.n = n_runs
        self.events = list(prog.model.events)
        self.when = [ev for ev in self.events if ev.when is not None]
        self.pending = [np.ones(n_runs, dtype=bool) for _ in self.when]
        self.fns = {}
        self.log = []       # (time, event name, number of runs) for provenance
        self.env = None
        self.triggers = {}

    def needed(self, ev) -> set:
        """Names an event's actions read."""
        names = {a.target for a in ev.actions}
        for a in ev.actions:
            names |= ex.names(a.expr) | (ex.names(a.ramp_over) if a.ramp_over is not None else set())
        return names

    def fn(self, node):
        key = id(node)
        if key not in self.fns:
            self.fns[key] = ExprFn(node, self.prog)
        return self.fns[key]

    def start(self, env, sim):
        self.env = env
        self.sim = sim
        n_ev = len(self.events)
        t = self.prog.model.time
        timing = set()
        for ev in self.events:
            for node in (*ev.at, ev.every, ev.start, ev.end):
                timing |= ex.names(node) if node is not None else set()
        init = snapshot(sim, 0, timing)
        for i, ev in enumerate(self.events):
            prio = 1 + i / (n_ev + 1)
            if ev.when is not None:
                j = self.when.index(ev)
                self.triggers[j] = (ev, prio)
                continue
            steps = self._schedule(ev, init, t)
            env.process(self._timed(ev, steps, prio))

    def _to_step(self, times, t):
        k = np.ceil((np.asarray(times, float) - t.start) / t.dt - SNAP_TOL)
        return k

    def _value(self, node, values, ev, what):
        v = np.broadcast_to(np.asarray(self.fn(node)(values, self.prog.model.time.start), float), (self.n,))
        if not np.all(np.isfinite(v)):
            raise ModelError(f"the {what} is not a finite number", file=ev.where.file,
                             line=ev.where.line, element=ev.name)
        return v

    def _schedule(self, ev, values, t):
        """Step indices at which a timed event fires: an array (run x firing), -1 for none."""
        if ev.at:
            steps = np.stack([self._to_step(self._value(node, values, ev, "event time"), t)
                              for node in ev.at], axis=1)
        else:
            every = self._value(ev.every, values, ev, "period")
            if np.any(every <= 0):
                raise ModelError("an event's period ('every') must be positive", file=ev.where.file,
                                 line=ev.where.line, element=ev.name)
            start = self._value(ev.start, values, ev, "start") if ev.start is not None else t.start + every
            end = self._value(ev.end, values, ev, "end") if ev.end is not None else np.full(self.n, t.stop)
            count = np.maximum(np.floor((end - start) / every + SNAP_TOL) + 1, 0).astype(np.int64)
            j = np.arange(int(count.max()) if count.size else 0)
            times = start[:, None] + every[:, None] * j[None, :]
            steps = np.where(j[None, :] < count[:, None], self._to_step(times, t), -1)
        return np.where((steps >= 0) & (steps <= t.n_steps), steps, -1).astype(np.int64)

    def _timed(self, ev, steps, prio):
        now = 0
        for k in np.unique(steps[steps >= 0]):
            k = int(k)
            yield _at(self.env, k - now, prio)
            now = k
            self.apply(ev, k, (steps == k).any(axis=1))

    def trigger(self, j, k):
        """Called by the stepper when 'when' event j's condition first holds at step k."""
        ev, prio = self.triggers[j]
        values = snapshot(self.sim, k, ex.names(ev.when))
        cond = np.broadcast_to(self.fn(ev.when)(values, self._t(k)) != 0, (self.n,))
        mask = cond & self.pending[j]
        self.pending[j] = self.pending[j] & ~mask
        self.env.process(self._once(ev, k, mask, prio))

    def _once(self, ev, k, mask, prio):
        yield _at(self.env, k - self.env.now, prio)
        self.apply(ev, k, mask)

    def _t(self, k):
        t = self.prog.model.time
        return t.start + k * t.dt

    def apply(self, ev, k, mask):
        """Apply an event's actions to the runs in ``mask``; all values are computed first from
        the same state, so a transfer (bank -= x; surrendered += x) conserves what it moves."""
        values = snapshot(self.sim, k, self.needed(ev))
        self.log.append((self._t(k), ev.name, int(mask.sum())))
        tk = self._t(k)
        new = [np.broadcast_to(np.asarray(self.fn(a.expr)(values, tk), float), (self.n,)) for a in ev.actions]
        for a, v in zip(ev.actions, new):
            if a.ramp_over is not None:
                over = np.broadcast_to(np.asarray(self.fn(a.ramp_over)(values, tk), float), (self.n,))
                self.env.process(self._ramp(a.target, values[a.target], v, over, k, mask))
            elif a.target in self.prog.params:
                self.sim.set_param(a.target, v, mask)
            else:
                self.sim.set_stock(a.target, v, mask)

    def _ramp(self, target, start_value, to, over, k0, mask):
        dt = self.prog.model.time.dt
        steps = np.maximum(np.round(over / dt), 1)
        start_value = np.broadcast_to(np.asarray(start_value, float), (self.n,))
        last = int(steps[mask].max()) if mask.any() else 0
        for j in range(0, last + 1):
            if j:
                yield _at(self.env, 1, 1.5)
            frac = np.minimum(j / steps, 1.0)
            self.sim.set_param(target, start_value + (to - start_value) * frac, mask)


def _at(env, delay, prio):
    ev = simpy.Event(env)
    ev._ok = True
    ev._value = None
    env.schedule(ev, prio, delay)
    return ev
