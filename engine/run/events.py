"""Scheduled, periodic and conditional events as simpy processes on the run's clock.

The firing steps of timed events come from the batch's timetable (``timetable.py``), resolved
before the first step, so an event whose time or value is swept applies exactly in every run.
The simpy clock counts ``phases`` whole ticks per step (one per event, plus two): event i acts at
tick ``1 + i`` of its step and the stepping process at the last tick, so at one step the events
apply in the order the scenario lists them and the step's record follows. Only simpy's public API
is used (timeouts, processes). Every value an event needs is a probe of the plan, evaluated by the
kernel. A kernel that applies events itself gets them as tables instead (``kernel_tables``).
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import SimulationError
from ..memo import once


class EventRunner:
    """Turns the plan's events into simpy processes for one batch."""

    def __init__(self, sim, timetable):
        self.sim = sim
        self.plan = sim.plan
        self.kernel = sim.kernel
        self.n = sim.n
        self.timetable = timetable
        self.log = []       # (time, event name, number of runs) for provenance
        self.env = None
        self.sets = {id(ev): st for ev, st in zip(self.plan.events, event_sets(self.plan))}
        self.phases = len(self.plan.events) + 2      # simpy ticks per step
        self.index = {id(ev): i for i, ev in enumerate(self.plan.events)}
        self._all = np.ones(self.n, bool)

    def tick(self, k: int, ev=None) -> int:
        """The simpy time of step k: the tick of event ``ev`` or (None) of the stepping process."""
        return k * self.phases + (self.phases - 1 if ev is None else 1 + self.index[id(ev)])

    def step_of(self, when: float) -> int:
        """The step a simpy time belongs to."""
        return int(when // self.phases)

    def _until(self, tick: int):
        return self.env.timeout(max(0, tick - self.env.now))

    def start(self, env):
        """Start the process of every timed event."""
        self.env = env
        for i, ev in enumerate(self.plan.events):
            due = self.timetable.due(i)
            if due:
                env.process(self._timed(ev, due))

    def _timed(self, ev, due):
        """Fire at each due step: as often as the most firings any run has there (a run with
        fewer takes part in the first ones only)."""
        for k, counts in due:
            yield self._until(self.tick(k, ev))
            times = 1 if counts is None else int(counts.max())
            for j in range(times):
                every_run = counts is None or bool((counts > j).all())
                self.apply(ev, k, None if every_run else counts > j)

    def trigger(self, j, k, mask):
        """Called by the stepper when 'when' condition j first holds at step k in ``mask``: the
        process applying it, which the stepper waits for."""
        ev = next(e for e in self.plan.events if e.when == j)
        self.sim.state.pending[j] &= ~mask
        return self.env.process(self._once(ev, k, mask))

    def _once(self, ev, k, mask):
        yield self._until(self.tick(k, ev))
        self.apply(ev, k, mask)

    def _t(self, k) -> float:
        t = self.plan.time
        return float(t.start + k * t.dt)

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
            self.env.process(self._ramp(ev, k, a, sim.state.V[a.slot].copy(), v, vals[sets.row_of[a.ramp]],
                                        every))
        if sets.params:
            self.kernel.hoist(sim.state)

    def _check(self, ev, sets, values):
        """Values an event sets must be finite, and a parameter's within its declared range."""
        check_values(ev, sets, values, self._t(self.step_of(self.env.now)))

    def _ramp(self, ev, k0, a, start_value, to, over, mask):
        """A ramp's later steps, each at its event's own place in the listed order."""
        dt = self.plan.time.dt
        steps = np.maximum(np.round(over / dt), 1)
        last = int(steps[mask].max()) if mask.any() else 0
        for j in range(0, last + 1):
            if j:
                yield self._until(self.tick(k0 + j, ev))
            frac = np.minimum(j / steps, 1.0)
            V = self.sim.state.V
            V[a.slot] = np.where(mask, start_value + (to - start_value) * frac, V[a.slot])
            self.kernel.hoist(self.sim.state)


def check_values(ev, sets, values, time: float) -> None:
    """Raise unless every value an event sets (action x run) is finite and a parameter's within
    its declared range."""
    if ((values >= sets.lo) & (values <= sets.hi)).all():     # NaN fails both
        return
    e = ev.event
    for i, name in enumerate(sets.names):
        row = values[i]
        if not np.isfinite(row).all():
            raise SimulationError(f"sets '{name}' to a value that is not a finite number at time {time:g}",
                                  file=e.where.file, line=e.where.line, element=e.name)
        bad = row[(row < sets.lo[i, 0]) | (row > sets.hi[i, 0])]
        if bad.size:
            raise SimulationError(f"sets '{name}' to {bad[0]:g} at time {time:g}, outside its declared range "
                                  f"[{sets.lo[i, 0]:g}, {sets.hi[i, 0]:g}]",
                                  file=e.where.file, line=e.where.line, element=e.name)


MAX_KERNEL_FIRINGS = 8_000_000  # timed firings over a batch a kernel applies itself (16 bytes each)


def event_sets(plan) -> tuple:
    """``_Sets`` of every event of the plan, in order (made once per plan)."""
    return once(plan, "event sets", lambda p: tuple(_Sets(p, ev) for ev in p.events))


def in_kernel(plan, kernel, table) -> str | None:
    """Why the run stage, not the kernel, applies this batch's events (None: the kernel can)."""
    if not kernel.compiles_events:
        return f"the {kernel.backend} kernel applies no events itself"
    ramp = _static(plan)[-1]
    if ramp is not None:
        return f"the event '{ramp}' ramps a value"
    total = sum(f.size for f in table.firings if f is not None)
    if total > MAX_KERNEL_FIRINGS:
        return f"{total:,} timed firings"
    return None


def _static(plan) -> tuple:
    """What the kernel's event tables hold for any batch of the plan (see ``EventTables``), the
    number of rows of its probe scratch, and the first event that ramps a value (or None); made
    once per plan (the kernel only reads these arrays)."""
    def build(plan):
        evs = plan.events
        sets = event_sets(plan)
        groups = np.array([[ev.group, int(st.params)] for ev, st in zip(evs, sets)], np.int64).reshape(-1, 2)
        first = np.concatenate([[0], np.cumsum([len(st.slots) for st in sets])]).astype(np.int64)
        cat = lambda xs, dtype: np.concatenate(xs).astype(dtype) if xs else np.zeros(0, dtype)  # noqa: E731
        cond_event = np.full(len(plan.conditions), -1, np.int64)
        for e, ev in enumerate(evs):
            if ev.when is not None:
                cond_event[ev.when] = e
        probes = max((len(g.probes) for g in plan.groups), default=0)
        ramp = next((ev.event.name for ev in evs if any(a.ramp is not None for a in ev.actions)), None)
        return (groups, first, cat([st.rows for st in sets], np.int64), cat([st.slots for st in sets], np.int64),
                cat([st.lo[:, 0] for st in sets], float), cat([st.hi[:, 0] for st in sets], float),
                cond_event, max(probes, 1), ramp)
    return once(plan, "kernel event tables", build)


def _timed(plan, table, n: int) -> tuple:
    """A batch's timed firings as the kernel applies them (``EventTables.steps`` and ``event``),
    made once per timetable (the kernel only reads them)."""
    def build(table):
        evs = plan.events
        timed = [(e, f) for e, f in enumerate(table.firings) if f is not None and f.size]
        if not timed:
            return np.zeros((n, 0), np.int64), np.zeros((n, 0), np.int64)
        steps = np.concatenate([np.broadcast_to(f, (n, f.shape[1])) for _, f in timed], axis=1)
        event = np.concatenate([np.full((n, f.shape[1]), e, np.int64) for e, f in timed], axis=1)
        beyond = plan.time.n_steps + 1
        steps = np.where(steps >= 0, steps, beyond)
        # in step order, and at one step in the order the scenario lists the events
        order = np.argsort(steps * (len(evs) + 1) + event, axis=1, kind="stable")
        return (np.ascontiguousarray(np.take_along_axis(steps, order, axis=1)),
                np.ascontiguousarray(np.take_along_axis(event, order, axis=1)))
    return once(table, f"kernel firings {n}", build)


def kernel_tables(plan, table, n: int):
    """The batch's events as the kernel applies them (``backends.base.EventTables``): what does
    not change during the run is shared between the runs of a plan and a timetable, what the
    kernel writes is new."""
    from ..backends.base import EventTables
    groups, first, rows, slots, lo, hi, cond_event, probes, _ = _static(plan)
    steps, event = _timed(plan, table, n)
    return EventTables(steps, event, np.zeros(n, np.int64), groups, first, rows, slots, lo, hi, cond_event,
                       np.full((len(plan.conditions), n), -1, np.int64), np.full((2, n), -1, np.int64),
                       np.zeros((probes, n)))


def _timed_log(plan, table) -> list:
    """(order key, (time, event name, number of runs)) of every timed firing (once per timetable)."""
    def build(table):
        t = plan.time
        entries = []
        for i, ev in enumerate(plan.events):
            if ev.when is None and table.firings[i] is not None:
                n = table.firings[i].shape[0]
                for k, counts in table.due(i):
                    for j in range(1 if counts is None else int(counts.max())):
                        runs = n if counts is None else int((counts > j).sum())
                        entries.append(((k, 0, i, j), (float(t.start + k * t.dt), ev.event.name, runs)))
        return sorted(entries, key=lambda x: x[0])
    return once(table, "timed log", build)


def kernel_log(plan, table, tables) -> list:
    """(time, event name, number of runs) of every firing the kernel applied, in the order the run
    stage would have applied them: by step, timed events first in listed order, then 'when'
    events in listed order."""
    t = plan.time
    entries = list(_timed_log(plan, table))
    for i, ev in enumerate(plan.events):
        if ev.when is not None:
            fired = tables.fired[ev.when]
            ks, runs = np.unique(fired[fired >= 0], return_counts=True)
            entries += [((int(k), 1, i, 0), (float(t.start + int(k) * t.dt), ev.event.name, int(c)))
                        for k, c in zip(ks, runs)]
    if len(plan.conditions):
        entries.sort(key=lambda x: x[0])
    return [e for _, e in entries]


def kernel_error(plan, kernel, state, tables) -> None:
    """Raise the error of the first value that failed its check inside the kernel, if any."""
    err = tables.error
    runs = np.nonzero(err[0] >= 0)[0]
    if not len(runs):
        return
    r = int(runs[np.argmin(err[0, runs])])
    k, e = int(err[0, r]), int(err[1, r])
    ev = plan.events[e]
    sets = event_sets(plan)[e]
    vals = kernel.evaluate(state, k, ev.group)[:, r:r + 1]
    check_values(ev, sets, vals[sets.rows], plan.time.start + k * plan.time.dt)
    raise SimulationError(f"an event's value failed its check at time {plan.time.start + k * plan.time.dt:g}",
                          element=ev.event.name)


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
