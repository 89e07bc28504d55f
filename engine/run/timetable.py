"""The timetable of a batch: every step at which something is due, resolved before the first step.

From the plan and the start values of the probes (times, periods, starts and ends may be
constants or depend on parameters; either way they are read from the start values, so one rule
serves both) the run computes, once, into read-only arrays:

- ``firings[i]``: the steps at which timed event i fires, per run (run x firing, in time order;
  ``-1`` for a firing outside the run, or none). A time between two steps fires at the next step.
- ``save_steps``: the steps whose values are saved (``TimeSpec.save_steps``: every
  ``save_every``-th and the final step always).
- ``checked``: the slots looked at for NaN or infinity at every saved step: the saved slots (in
  the records) and the stocks that are not saved (by the kernel, see ``Kernel.segment``).

The rules (docs/engine.md, "The timetable"):

- *Two firings of one event within one step* (``at: [1.2, 1.5]`` with dt 1): both fire, one after
  the other at that step, in time order; each sees what the one before it set.
- *A period shorter than dt* (``every: 0.25`` with dt 1): the same rule, so the event fires as
  often as its period says (17 times over 0..4 from start 0), several times within a step.
- *A period that is not a positive finite number*, or a time that is not finite: an error.
- *A save step that is not a whole multiple of dt*: an error (``model.check.check_time``).
- Too many firings (over a run or over a batch, whose times are all held at once): an error.

Conditional events ('when') are not in the timetable: a condition is found to hold during the
run. A ramp's later steps follow from its firing and its duration, evaluated when it fires.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

from ..errors import ModelError
from ..memo import once

SNAP_TOL = 1e-9
MAX_FIRINGS = 1_000_000     # firings of one periodic event over a run
MAX_BATCH_FIRINGS = 50_000_000  # ... and over all the runs of a batch (their times are held at once)
KEPT_RUNS = 64          # timetables of batches of up to this many runs are kept ...
KEPT = 16               # ... this many per plan (the latest start values)
_kept_lock = threading.Lock()


@dataclass(frozen=True)
class Timetable:
    """A batch's firing steps, save steps and checked slots (see the module docstring)."""
    firings: tuple          # per event of the plan: (run x firing) steps (-1: none), or None for 'when'
    save_steps: np.ndarray
    checked: tuple

    def due(self, i: int) -> list:
        """Event i's firings grouped by step: ``(step, counts)``, in step order, where ``counts``
        says how often it fires at that step in each run (None: once in every run)."""
        steps = self.firings[i]
        if steps is None or not steps.size:
            return []
        n = steps.shape[0]
        same = n == 1 or bool((steps == steps[:1]).all())
        valid = steps[:1] if same else steps
        runs, _ = np.nonzero(valid >= 0)
        ks = valid[valid >= 0]
        order = np.argsort(ks, kind="stable")
        ks, runs = ks[order], runs[order]
        uniq, first = np.unique(ks, return_index=True)
        bounds = list(first[1:]) + [len(ks)]
        out = []
        for k, a, b in zip(uniq, first, bounds):
            if same:
                out.append((int(k), None if b - a == 1 else np.full(n, b - a)))
            else:
                out.append((int(k), np.bincount(runs[a:b], minlength=n)))
        return out


def of_batch(plan, start: np.ndarray | None, n: int) -> Timetable:
    """``resolve`` for a batch of ``n`` runs whose start group has the values ``start`` (probe x
    run; None when the plan has no probes). A timetable depends on nothing else, so those of
    small batches are kept per plan and start values: a model run again and again with the same
    event times (an optimiser, the app) resolves them once."""
    row = {} if start is None else {p: start[i] for i, p in enumerate(plan.groups[plan.start_group].probes)}
    if n > KEPT_RUNS:
        return resolve(plan, row, n)
    kept = once(plan, "timetables", lambda p: {})
    key = (n, b"" if start is None else np.ascontiguousarray(start).tobytes())
    table = kept.get(key)
    if table is None:
        table = resolve(plan, row, n)
        with _kept_lock:
            while len(kept) >= KEPT:
                del kept[next(iter(kept))]
            kept[key] = table
    return table


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def resolve(plan, row: dict, n: int) -> Timetable:
    """The timetable of a batch of ``n`` runs; ``row`` maps each probe of the start group to its
    start values (one per run)."""
    firings = tuple(None if ev.when is not None else _readonly(_steps(plan, ev, row, n)) for ev in plan.events)
    saved = set(plan.saved)
    checked = tuple(plan.saved) + tuple(s for s in plan.stocks if s not in saved)
    return Timetable(firings, _readonly(plan.save_steps), checked)


def _error(ev, message: str, hint: str | None = None) -> ModelError:
    e = ev.event
    return ModelError(message, file=e.where.file, line=e.where.line, element=e.name, hint=hint)


def _finite(v, ev, what) -> np.ndarray:
    v = np.broadcast_to(np.asarray(v, float), np.shape(v))
    if not np.all(np.isfinite(v)):
        raise _error(ev, f"the {what} is not a finite number")
    return v


def _steps(plan, ev, row, n) -> np.ndarray:
    """Step indices at which a timed event fires: an array (run x firing), -1 for none."""
    t = plan.time
    if ev.at:
        times = np.stack([np.broadcast_to(_finite(row[p], ev, "event time"), (n,)) for p in ev.at], axis=1)
    else:
        every = np.broadcast_to(_finite(row[ev.every], ev, "period"), (n,))
        if np.any(every <= 0):
            bad = float(every[np.argmax(every <= 0)])
            raise _error(ev, f"an event's period ('every') must be positive, not {bad:g}")
        start = _finite(row[ev.start], ev, "start") if ev.start is not None else t.start + every
        end = _finite(row[ev.end], ev, "end") if ev.end is not None else t.stop
        start = np.broadcast_to(start, (n,))
        end = np.minimum(np.broadcast_to(end, (n,)), t.stop)
        count = np.maximum(np.floor((end - start) / every + SNAP_TOL) + 1, 0)
        most = count.max(initial=0)
        if most > MAX_FIRINGS or most * n > MAX_BATCH_FIRINGS:
            raise _error(ev, f"the event would fire {most:.3g} times in each of {n:,} run(s) (at most "
                         f"{MAX_FIRINGS:,} per run, {MAX_BATCH_FIRINGS:,} over a batch)",
                         "use a longer period, or fewer runs at a time")
        j = np.arange(int(most))
        times = start[:, None] + every[:, None] * j[None, :]
        times = np.where(j[None, :] < count[:, None], times, -math.inf)
    k = np.ceil((times - t.start) / t.dt - SNAP_TOL)
    k = np.where((k >= 0) & (k <= t.n_steps), k, -1).astype(np.int64)
    k.sort(axis=1)          # in time order; the -1 of firings outside the run first
    return k
