"""The backend interface: what turns a plan into a kernel, and what a kernel does.

A backend builds a ``Kernel`` for a plan and compiles free-standing expressions over arrays. A
kernel works on a ``State`` (every slot's value for every run of a batch, the pipeline buffers,
the pending 'when' conditions) and offers these operations, which are all the run stage, events,
sweep metrics, link polarity and loop scores use:

- ``hoist(state)``: recompute the auxiliaries of parameters only (after a parameter changed);
- ``initial(state)``: start values of stocks and pipelines (and their delay times);
- ``segment(state, k1, out)``: integrate up to step ``k1``, writing records to ``out`` at the
  saved steps (``TimeSpec.save_steps``); stops early at the first step where a pending 'when'
  condition holds for some run; at each saved step it also looks for NaN or infinity in the
  stocks that are not saved (``unsaved_stocks``), noting the first in ``state.bad``; a kernel
  that ``compiles_events`` applies the events of ``state.events`` itself instead (and never stops);
- ``run_all(state)``: the whole run in one call where a kernel has one (the numba kernel's
  writes the records of blocks of runs straight into their final layout);
- ``evaluate(state, k, group)``: the values of a group of probes at step ``k``;
- ``Backend.expressions(trees, args, tables)``: a function of arrays evaluating trees elementwise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ModelError

SWITCH_EPS = 1e-6       # time switches are evaluated this fraction of dt inside the step
MAX_DELAY_BYTES = 2 ** 31   # all pipeline buffers of one batch together


@dataclass
class EventTables:
    """A batch's events as a kernel applies them itself (``Kernel.compiles_events``).

    Timed firings per run, in the order they apply: ``steps`` and ``event`` (run x firing; a step
    beyond the run for none), ``next`` the first not yet applied. Per event: ``groups[e]`` its
    probe group and whether it sets parameters (re-hoist), its actions ``first[e]:first[e + 1]``
    into ``rows`` (of the group's probes), ``slots`` (targets), ``lo`` and ``hi`` (ranges).
    ``cond_event[i]``: the event of 'when' condition i. Written by the kernel: ``fired[i, r]`` the
    step at which condition i's event fired in run r, ``error[:, r]`` the step and event whose
    value failed its check (the run stops there), -1 for none; ``scratch`` holds probe values."""
    steps: np.ndarray
    event: np.ndarray
    next: np.ndarray
    groups: np.ndarray
    first: np.ndarray
    rows: np.ndarray
    slots: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    cond_event: np.ndarray
    fired: np.ndarray
    error: np.ndarray
    scratch: np.ndarray


def no_events(plan, n: int) -> EventTables:
    """Event tables with nothing in them (the run stage applies the events)."""
    i0, f0 = np.zeros(0, np.int64), np.zeros(0)
    nc = len(plan.conditions)
    return EventTables(np.zeros((n, 0), np.int64), np.zeros((n, 0), np.int64), np.zeros(n, np.int64),
                       np.zeros((0, 2), np.int64), np.zeros(1, np.int64), i0, i0, f0, f0,
                       np.full(nc, -1, np.int64), np.full((nc, n), -1, np.int64), np.full((2, n), -1, np.int64),
                       np.zeros((0, n)))


@dataclass
class State:
    """The running state of a batch: ``V[slot, run]`` holds parameters, hoisted values, stocks
    (and scratch values of the rest); pipelines keep their history in ``dbuf`` (one block of
    ``dsize[d]`` rows per pipeline, from row ``doff[d]``); ``pending[i, run]`` says whether 'when'
    condition i may still fire; ``kpos[run]`` is the step each run has reached."""
    V: np.ndarray
    dbuf: np.ndarray
    doff: np.ndarray
    dsize: np.ndarray
    dsteps: np.ndarray
    dinit: np.ndarray
    pending: np.ndarray
    kpos: np.ndarray
    hit: np.ndarray         # per run: the 'when' condition that stopped it (-1: none)
    bad: np.ndarray         # per run: record index and slot of the first non-finite stock not saved (-1: none)
    events: EventTables | None = None   # events applied inside the kernel (None: by the run stage)

    @property
    def n(self) -> int:
        """Runs in the batch."""
        return self.V.shape[1]


def new_state(plan, values: dict, n: int, run_major: bool = False) -> State:
    """A state with every parameter set (``values``: parameter slot -> scalar or array of n).

    ``V`` is indexed [slot, run] either way; ``run_major`` stores it run by run (``V.T`` is then
    C-contiguous), so that a kernel working one run at a time reads one contiguous row."""
    same = np.zeros(len(plan.names))        # the values the same in every run, set at once
    per_run: dict = {}
    if not _all_scalars(same, values):
        per_run = {s: v for s, v in values.items() if isinstance(v, np.ndarray) and v.ndim}
        for s, v in values.items():
            if s not in per_run:
                same[s] = v
    V = np.tile(same, (n, 1)).T if run_major else np.tile(same[:, None], (1, n))
    for s, v in per_run.items():
        V[s] = v
    if plan.time.precision == "single":
        V = V.astype(np.float32, order="F" if run_major else "C")
    nd = len(plan.delays)
    return State(V, np.zeros((0, n)), np.zeros(nd, np.int64), np.ones(nd, np.int64),
                 np.ones((nd, n), np.int64), np.zeros((nd, n)), np.ones((len(plan.conditions), n), bool),
                 np.zeros(n, np.int64), np.full(n, -1, np.int64), np.full((2, n), -1, np.int64))


def _all_scalars(same: np.ndarray, values: dict) -> bool:
    """Set ``same`` from ``values`` in one step and say so, when every value is one number (the
    usual single run: no loop over the values in Python); False, and ``same`` untouched, else."""
    if not values:
        return True
    try:
        row = np.array(list(values.values()), dtype=float)
    except (ValueError, TypeError):         # arrays of several lengths, or numbers and arrays
        return False
    if row.ndim != 1:
        return False
    same[np.fromiter(values, np.int64, len(values))] = row
    return True


def set_delays(plan, state: State, times: np.ndarray, initials: np.ndarray) -> None:
    """Size the pipeline buffers from each pipeline's delay time (per run) and start values."""
    dt = plan.time.dt
    n = state.n
    if not len(plan.delays):
        return
    with np.errstate(invalid="ignore", over="ignore"):
        steps = np.round(np.asarray(times, float) / dt)
    if not np.all(np.isfinite(steps)):
        d = plan.delays[int(np.argmax(~np.isfinite(steps).all(axis=1)))]
        raise ModelError("a pipeline delay's time is not a finite number", element=plan.names[d.slot])
    # a delay longer than the run gives its start value throughout: n_steps + 1 steps of history is
    # that already (and keeps a huge delay time from overflowing the integer count)
    steps = np.clip(steps, 1, plan.time.n_steps + 1).astype(np.int64)
    sizes = steps.max(axis=1)
    need = int(sizes.sum()) * n * 8
    if need > MAX_DELAY_BYTES:
        d = plan.delays[int(np.argmax(sizes))]
        where = plan.model.elements[plan.names[d.slot]].where
        raise ModelError(f"the pipeline delays need {need / 2 ** 30:.3g} GB of history for {n:,} run(s) "
                         f"(the limit is {MAX_DELAY_BYTES / 2 ** 30:g} GB)", file=where.file, line=where.line,
                         element=plan.names[d.slot].split(":")[0],
                         hint="a DELAY FIXED or PREVIOUS of a very long time for its dt")
    state.dsize = sizes.astype(np.int64)
    state.doff = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    state.dsteps = steps
    kind = np.float32 if plan.time.precision == "single" else np.float64
    state.dinit = np.broadcast_to(np.asarray(initials, kind), (len(plan.delays), n)).copy()
    state.dbuf = np.zeros((int(sizes.sum()), n), kind)


def first_of(keys) -> list:
    """For each key, the position of its first appearance among the distinct keys: a pipeline's
    delay-time tree among the distinct ones (which kernels compute once each)."""
    seen: dict = {}
    return [seen.setdefault(k, len(seen)) for k in keys]


def unsaved_stocks(plan) -> tuple:
    """The stock slots a kernel checks for NaN or infinity at each saved step itself (the saved
    slots are checked in the records)."""
    saved = set(plan.saved)
    return tuple(s for s in plan.stocks if s not in saved)


class Kernel:
    """A plan made executable by one backend (see the module docstring)."""

    backend = "abstract"
    run_major = False       # how the kernel wants V stored (see ``new_state``)
    compiles_events = False  # applies the events of ``state.events`` inside ``segment``

    def __init__(self, plan):
        self.plan = plan

    def new_state(self, values: dict, n: int) -> State:
        """A state with parameters set, hoisted and initial values computed."""
        state = new_state(self.plan, values, n, self.run_major)
        self.hoist(state)
        self.initial(state)
        return state

    def carry_state(self, state: State) -> State:
        """A state at this kernel's step 0 holding every value of ``state`` (a state of another
        kernel of the same model, at its end): only what depends on parameters and time settings
        alone is computed again (a reading of the time step changes with the phase)."""
        out = new_state(self.plan, {}, state.n, self.run_major)
        if out.V.shape != state.V.shape:
            raise ValueError("carry_state: the states of two different models")
        out.V[...] = state.V
        out.bad[...] = state.bad
        self.hoist(out)
        return out

    def new_records(self, n: int) -> np.ndarray:
        """An array for the records of n runs, in the layout ``segment`` writes."""
        return np.empty((self.plan.n_save, len(self.plan.saved), n))

    def records(self, out: np.ndarray) -> np.ndarray:
        """The records as data[time, variable, run]."""
        return out

    def run_all(self, state: State) -> np.ndarray | None:
        """Every run of the batch from its start to the end in one call, when no 'when' condition
        needs to stop it (no events, or ``compiles_events``): returns the records as
        data[time, variable, run], or None when this kernel has no such call (the run stage then
        calls ``segment`` and ``records``). The numbers are those ``segment`` gives."""
        return None

    def hoist(self, state: State) -> None:
        """Recompute the auxiliaries that depend on parameters only (after a parameter changed)."""
        raise NotImplementedError

    def initial(self, state: State) -> None:
        """Set the start values of stocks and pipelines (and their delay times)."""
        raise NotImplementedError

    def segment(self, state: State, k1: int, out: np.ndarray) -> tuple[int, int, np.ndarray | None]:
        """Integrate up to step ``k1`` writing records to ``out``; stop early at the first step where a
        pending 'when' condition holds: returns (step reached, condition or -1, runs it holds for)."""
        raise NotImplementedError

    def evaluate(self, state: State, k: int, group: int) -> np.ndarray:
        """The values of a group of probes at step ``k`` (probe x run)."""
        raise NotImplementedError

    def set_values(self, state: State, k: int, group: int, rows, slots, lo, hi, mask, rehoist: bool) -> int:
        """An event's actions: evaluate probe ``group`` at step k, and when every value in
        ``rows`` lies within [lo, hi] (NaN never does) for the runs in ``mask``, set ``slots`` to
        them there (and re-hoist when parameters changed); returns -1, or the index of a value
        that failed (nothing is changed then)."""
        vals = self.evaluate(state, k, group)
        new = vals[rows]
        ok = (new >= lo[:, None]) & (new <= hi[:, None])
        bad = ~ok[:, mask].all(axis=1)
        if bad.any():
            return int(np.argmax(bad))
        V = state.V
        V[slots] = np.where(mask, new, V[slots])
        if rehoist:
            self.hoist(state)
        return -1


class Backend:
    """Turns plans into kernels; ``supports`` says why it cannot run a plan (None: it can)."""

    name = "abstract"

    def supports(self, plan) -> str | None:
        """Why this backend cannot run ``plan`` (None when it can)."""
        return None

    def kernel(self, plan) -> Kernel:
        """The plan made executable by this backend."""
        raise NotImplementedError

    def expressions(self, trees, args, tables=()):
        """A function of arrays (one per name in ``args``, broadcastable) -> one array per tree."""
        raise NotImplementedError


def trigger(state: State, k_stop: np.ndarray, hit: np.ndarray, k1: int) -> tuple[int, int, np.ndarray | None]:
    """From per-run stops (``k_stop``) and triggered conditions (``hit``, -1 for none): the
    earliest step where a condition triggered, which condition, and the runs it triggered in."""
    if hit.max(initial=-1) < 0:
        return k1, -1, None
    k = int(k_stop[hit >= 0].min())
    at = (k_stop == k) & (hit >= 0)
    j = int(hit[at].min())
    return k, j, at & (hit == j)
