"""Scheduled, periodic and conditional events as simpy processes on the run's clock.

Times are turned into step indices per run (an event at a time between two steps applies at the
next step), so an event whose time or value is swept applies exactly in every run of a batch.
At one step, events apply in the order the scenario lists them; the step's record follows.
Every value an event needs is a probe of the plan, evaluated by the kernel.
"""
from __future__ import annotations

import math

import numpy as np
import simpy

from ..errors import ModelError, SimulationError

SNAP_TOL = 1e-9
MAX_FIRINGS = 1_000_000     # firings of one periodic event over a run


class EventRunner:
    """Turns the plan's events into simpy processes for one batch."""

    def __init__(self, sim):
        self.sim = sim
        self.plan = sim.plan
        self.kernel = sim.kernel
        self.n = sim.n
        self.log = []       # (time, event name, number of runs) for provenance
        self.env = None
        self.start_values = None

    def start(self, env):
        """Evaluate every event's times and start its process."""
        self.env = env
        plan = self.plan
        g = plan.groups[plan.start_group]
        self.start_values = self.kernel.evaluate(self.sim.state, 0, plan.start_group)
        row = {p: self.start_values[i] for i, p in enumerate(g.probes)}
        n_ev = len(plan.events)
        for i, ev in enumerate(plan.events):
            if ev.when is None:
                env.process(self._timed(ev, self._schedule(ev, row), 1 + i / (n_ev + 1)))

    def _finite(self, v, ev, what):
        if not np.all(np.isfinite(v)):
            e = ev.event
            raise ModelError(f"the {what} is not a finite number", file=e.where.file, line=e.where.line,
                             element=e.name)
        return v

    def _schedule(self, ev, row) -> np.ndarray:
        """Step indices at which a timed event fires: an array (run x firing), -1 for none."""
        t = self.plan.time
        if ev.at:
            times = np.stack([self._finite(row[p], ev, "event time") for p in ev.at], axis=1)
        else:
            every = self._finite(row[ev.every], ev, "period")
            if np.any(every <= 0):
                raise ModelError("an event's period ('every') must be positive", file=ev.event.where.file,
                                 line=ev.event.where.line, element=ev.event.name)
            start = self._finite(row[ev.start], ev, "start") if ev.start is not None else t.start + every
            end = self._finite(row[ev.end], ev, "end") if ev.end is not None else np.full(self.n, t.stop)
            end = np.minimum(end, t.stop)
            count = np.maximum(np.floor((end - start) / every + SNAP_TOL) + 1, 0)
            if count.max(initial=0) > MAX_FIRINGS:
                raise ModelError(f"the event would fire {count.max():.3g} times in one run (at most "
                                 f"{MAX_FIRINGS:,})", file=ev.event.where.file, line=ev.event.where.line,
                                 element=ev.event.name, hint="use a longer period")
            j = np.arange(int(count.max(initial=0)))
            times = start[:, None] + every[:, None] * j[None, :]
            times = np.where(j[None, :] < count[:, None], times, -math.inf)
        k = np.ceil((times - t.start) / t.dt - SNAP_TOL)
        return np.where((k >= 0) & (k <= t.n_steps), k, -1).astype(np.int64)

    def _timed(self, ev, steps, prio):
        now = 0
        for k in np.unique(steps[steps >= 0]):
            k = int(k)
            yield _at(self.env, k - now, prio)
            now = k
            self.apply(ev, k, (steps == k).any(axis=1))

    def trigger(self, j, k, mask):
        """Called by the stepper when 'when' condition j first holds at step k in ``mask``."""
        ev = next(e for e in self.plan.events if e.when == j)
        i = self.plan.events.index(ev)
        self.sim.state.pending[j] &= ~mask
        self.env.process(self._once(ev, k, mask, 1 + i / (len(self.plan.events) + 1)))

    def _once(self, ev, k, mask, prio):
        yield _at(self.env, k - self.env.now, prio)
        self.apply(ev, k, mask)

    def _t(self, k):
        t = self.plan.time
        return t.start + k * t.dt

    def apply(self, ev, k, mask):
        """Apply an event's actions to the runs in ``mask``; all values are computed first from
        the same state, so a transfer (bank -= x; surrendered += x) conserves what it moves."""
        sim = self.sim
        vals = self.kernel.evaluate(sim.state, k, ev.group)
        row = {p: vals[i] for i, p in enumerate(self.plan.groups[ev.group].probes)}
        self.log.append((self._t(k), ev.event.name, int(mask.sum())))
        params = False
        for a in ev.actions:
            v = self._value(ev, a, row[a.value], mask)
            if a.ramp is not None:
                over = row[a.ramp]
                start = sim.state.V[a.slot].copy()
                self.env.process(self._ramp(a, start, v, over, mask))
            else:
                sim.assign(a.slot, v, mask, a.is_param)
                params |= a.is_param
        if params:
            self.kernel.hoist(sim.state)

    def _value(self, ev, a, v, mask):
        """An action's values, checked: finite, and within a parameter's declared range."""
        chosen = v[mask]
        e = ev.event
        if not np.all(np.isfinite(chosen)):
            raise SimulationError(f"sets '{a.name}' to a value that is not a finite number at time "
                                  f"{self._t(self.env.now):g}", file=e.where.file, line=e.where.line,
                                  element=e.name)
        el = self.plan.model.elements[a.name]
        if a.is_param and el.range and chosen.size and \
                (chosen.min() < el.range[0] or chosen.max() > el.range[1]):
            bad = chosen[(chosen < el.range[0]) | (chosen > el.range[1])][0]
            raise SimulationError(f"sets '{a.name}' to {bad:g} at time {self._t(self.env.now):g}, outside "
                                  f"its declared range [{el.range[0]:g}, {el.range[1]:g}]",
                                  file=e.where.file, line=e.where.line, element=e.name)
        return v

    def _ramp(self, a, start_value, to, over, mask):
        dt = self.plan.time.dt
        steps = np.maximum(np.round(over / dt), 1)
        last = int(steps[mask].max()) if mask.any() else 0
        for j in range(0, last + 1):
            if j:
                yield _at(self.env, 1, 1.5)
            frac = np.minimum(j / steps, 1.0)
            self.sim.assign(a.slot, start_value + (to - start_value) * frac, mask, True)
            self.kernel.hoist(self.sim.state)


def _at(env, delay, prio):
    ev = simpy.Event(env)
    ev._ok = True
    ev._value = None
    env.schedule(ev, prio, delay)
    return ev
