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
MAX_BATCH_FIRINGS = 50_000_000  # ... and over all the runs of a batch (their times are held at once)


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
        self.sets = {id(ev): _Sets(self.plan, ev) for ev in self.plan.events}
        n_ev = len(self.plan.events)
        # events at one step apply in the order the scenario lists them (the stepper waits at 3)
        self.prio = {id(ev): 1 + i / (n_ev + 1) for i, ev in enumerate(self.plan.events)}
        self._all = np.ones(self.n, bool)

    def start(self, env):
        """Evaluate every event's times and start its process."""
        self.env = env
        plan = self.plan
        g = plan.groups[plan.start_group]
        self.start_values = self.kernel.evaluate(self.sim.state, 0, plan.start_group)
        row = {p: self.start_values[i] for i, p in enumerate(g.probes)}
        for ev in plan.events:
            if ev.when is None:
                env.process(self._timed(ev, self._schedule(ev, row), self.prio[id(ev)]))

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
            if count.max(initial=0) > MAX_FIRINGS or count.max(initial=0) * self.n > MAX_BATCH_FIRINGS:
                raise ModelError(f"the event would fire {count.max():.3g} times in each of {self.n:,} run(s) (at most "
                                 f"{MAX_FIRINGS:,} per run, {MAX_BATCH_FIRINGS:,} over a batch)",
                                 file=ev.event.where.file, line=ev.event.where.line,
                                 element=ev.event.name, hint="use a longer period, or fewer runs at a time")
            j = np.arange(int(count.max(initial=0)))
            times = start[:, None] + every[:, None] * j[None, :]
            times = np.where(j[None, :] < count[:, None], times, -math.inf)
        k = np.ceil((times - t.start) / t.dt - SNAP_TOL)
        return np.where((k >= 0) & (k <= t.n_steps), k, -1).astype(np.int64)

    def _timed(self, ev, steps, prio):
        now = 0
        every_run = steps.shape[0] == 1 or bool((steps == steps[:1]).all())
        for k in np.unique(steps[steps >= 0]):
            k = int(k)
            yield _at(self.env, k - now, prio)
            now = k
            self.apply(ev, k, None if every_run else (steps == k).any(axis=1))

    def trigger(self, j, k, mask):
        """Called by the stepper when 'when' condition j first holds at step k in ``mask``."""
        ev = next(e for e in self.plan.events if e.when == j)
        self.sim.state.pending[j] &= ~mask
        self.env.process(self._once(ev, k, mask, self.prio[id(ev)]))

    def _once(self, ev, k, mask, prio):
        yield _at(self.env, k - self.env.now, prio)
        self.apply(ev, k, mask)

    def _t(self, k):
        t = self.plan.time
        return t.start + k * t.dt

    def apply(self, ev, k, mask):
        """Apply an event's actions to the runs in ``mask`` (all runs when None); all values are
        computed first from the same state, so a transfer (bank -= x; surrendered += x) conserves
        what it moves."""
        sim = self.sim
        sets = self.sets[id(ev)]
        self.log.append((self._t(k), ev.event.name, self.n if mask is None else int(mask.sum())))
        if not sets.ramps:          # the usual case: one call evaluates, checks and sets
            every = self._all if mask is None else mask
            bad = self.kernel.set_values(sim.state, k, ev.group, sets.rows, sets.slots, sets.lo[:, 0],
                                         sets.hi[:, 0], every, sets.params)
            if bad >= 0:
                vals = self.kernel.evaluate(sim.state, k, ev.group)
                self._check(ev, sets, vals[sets.rows][:, every])
            return
        vals = self.kernel.evaluate(sim.state, k, ev.group)
        if sets.slots.size:
            new = vals[sets.rows]
            self._check(ev, sets, new if mask is None else new[:, mask])
            V = sim.state.V
            V[sets.slots] = new if mask is None else np.where(mask, new, V[sets.slots])
        for a in sets.ramps:
            every = np.ones(self.n, bool) if mask is None else mask
            v = vals[sets.row_of[a.value]]
            self._check(ev, _Sets.one(self.plan, a), v[None, every])
            self.env.process(self._ramp(a, sim.state.V[a.slot].copy(), v, vals[sets.row_of[a.ramp]], every,
                                        self.prio[id(ev)]))
        if sets.params:
            self.kernel.hoist(sim.state)

    def _check(self, ev, sets, values):
        """Values an event sets must be finite, and a parameter's within its declared range."""
        if ((values >= sets.lo) & (values <= sets.hi)).all():     # NaN fails both
            return
        e = ev.event
        for i, name in enumerate(sets.names):
            row = values[i]
            if not np.isfinite(row).all():
                raise SimulationError(f"sets '{name}' to a value that is not a finite number at time "
                                      f"{self._t(self.env.now):g}", file=e.where.file, line=e.where.line,
                                      element=e.name)
            bad = row[(row < sets.lo[i, 0]) | (row > sets.hi[i, 0])]
            if bad.size:
                raise SimulationError(f"sets '{name}' to {bad[0]:g} at time {self._t(self.env.now):g}, outside "
                                      f"its declared range [{sets.lo[i, 0]:g}, {sets.hi[i, 0]:g}]",
                                      file=e.where.file, line=e.where.line, element=e.name)

    def _ramp(self, a, start_value, to, over, mask, prio):
        """A ramp's later steps, each at its event's own place in the listed order."""
        dt = self.plan.time.dt
        steps = np.maximum(np.round(over / dt), 1)
        last = int(steps[mask].max()) if mask.any() else 0
        for j in range(0, last + 1):
            if j:
                yield _at(self.env, 1, prio)
            frac = np.minimum(j / steps, 1.0)
            V = self.sim.state.V
            V[a.slot] = np.where(mask, start_value + (to - start_value) * frac, V[a.slot])
            self.kernel.hoist(self.sim.state)


def _at(env, delay, prio):
    ev = simpy.Event(env)
    ev._ok = True
    ev._value = None
    env.schedule(ev, prio, delay)
    return ev


class _Sets:
    """What one event's set actions write, gathered once so a firing is a few array operations:
    target slots, rows of the evaluated probes, declared ranges (stocks have none)."""

    def __init__(self, plan, ev):
        probes = plan.groups[ev.group].probes
        self.row_of = {p: i for i, p in enumerate(probes)}
        plain = [a for a in ev.actions if a.ramp is None]
        self.ramps = [a for a in ev.actions if a.ramp is not None]
        self.slots = np.array([a.slot for a in plain], dtype=np.int64)
        self.rows = np.array([self.row_of[a.value] for a in plain], dtype=np.int64)
        self.names = [a.name for a in plain]
        self.lo, self.hi = _ranges(plan, plain)
        self.params = bool(any(a.is_param for a in ev.actions))

    @staticmethod
    def one(plan, action):
        """The range of a single action (for a ramp's target value)."""
        out = _Sets.__new__(_Sets)
        out.names = [action.name]
        out.lo, out.hi = _ranges(plan, [action])
        return out


def _ranges(plan, actions):
    lo = np.full((len(actions), 1), -math.inf)
    hi = np.full((len(actions), 1), math.inf)
    for i, a in enumerate(actions):
        rng = plan.model.elements[a.name].range if a.is_param else None
        if rng:
            lo[i, 0], hi[i, 0] = rng
    return lo, hi
