"""Run stage: a simpy clock drives a kernel's segments and the scheduled events over a batch.

Before the first step the batch's timetable is resolved (``timetable.py``): the steps at which
every timed event fires in every run, the saved steps and the slots checked for NaN or infinity.
The simpy environment counts in whole ticks (a fixed number per step), so that event times never
suffer rounding. The stepping loop is one process; every event is a process on the same clock. At
a step where events are due, they apply first (in the order the scenario lists them) and the
step's record and integration follow: the stepping process acts at the step's last tick.
"""
from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping

import numpy as np
import simpy

from ..errors import ModelError, ModelWarning, SimulationError
from ..memo import once
from ..model.check import too_large
from ..model.noise import RUN_ID
from ..results import Result
from . import timetable as tt
from .events import EventRunner, in_kernel, kernel_error, kernel_log, kernel_tables


def record_limit() -> int:
    """Bytes the records of one batch may take (a quarter of this machine's memory, at most 16 GB)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 * 2 ** 30
    return int(min(16 * 2 ** 30, total / 4))


MAX_BATCH = 2 ** 31     # runs in one batch: the state alone of more takes over 16 GB (8 bytes a value)
SINGLE_RESIDUAL = 1e-5     # a balance check's tolerance single precision can meet (float32: 6e-8 an operation)
BLAS_CHECK = 1 << 22        # records of this many values and more are checked by a dot product (_all_finite)


class Simulation:
    """The state of one batch run: the kernel, its state, the records and the events."""

    def __init__(self, kernel, values: dict, n_runs: int, carry=None):
        """``carry``: the state of a run of the same model that this one continues (a phase of a
        run whose time step changes, ``phases.py``): its values are taken as they are."""
        plan = kernel.plan
        self.kernel = kernel
        self.plan = plan
        self.n = n_runs
        need = (plan.n_save * len(plan.saved) + len(plan.names)) * n_runs * 8     # records and state
        if need > record_limit():
            raise ModelError(f"keeping {len(plan.saved)} variables of {n_runs:,} runs at {plan.n_save:,} "
                             f"saved times needs {need / 2 ** 30:.3g} GB, more than the "
                             f"{record_limit() / 2 ** 30:.3g} GB allowed",
                             hint="keep fewer variables (keep=), save less often (save_step) or run "
                                  "fewer runs at a time (a sweep chunks them)")
        self.state = kernel.new_state(values, n_runs) if carry is None else kernel.carry_state(carry)
        self.inputs = self.state.V[_params(plan).slots]     # parameter values as given (a copy)
        self.out = kernel.new_records(n_runs)     # (not touched, so not in memory, when run_all writes data)
        self.data: np.ndarray | None = None     # the records as data[time, variable, run], from run_all
        self.events: EventRunner | None = None
        self.events_by: str | None = None       # who applied the events: the kernel or the run stage
        self.event_log: list | None = None      # (time, event name, number of runs) per firing

    def segment(self, k1: int):
        """Integrate to step ``k1`` (or the first 'when' trigger)."""
        return self.kernel.segment(self.state, k1, self.out)


def batch_size(params, n_runs=None) -> int:
    """Runs in the batch ``params`` describes (or ``n_runs``); a ModelError for more than a batch
    can hold."""
    if isinstance(n_runs, (int, np.integer)) and not isinstance(n_runs, bool) and n_runs > MAX_BATCH:
        text = str(n_runs)
        raise ModelError(f"n_runs={text[:30]}{'...' if len(text) > 30 else ''} is more runs than one batch "
                         f"can hold (at most {MAX_BATCH:,}: more would need over 16 GB however small the model)",
                         hint="a sweep (engine.sweep) runs any number of runs, a chunk at a time")
    sizes = [len(v) for v in _given(params).values() if v.ndim > 0]
    return n_runs or (max(sizes) if sizes else 1)


def _given(params) -> dict:
    """``params`` (a mapping of parameter names to a number or a flat sequence of numbers) as
    arrays of floats; anything else is a ModelError naming the argument or the parameter."""
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise ModelError(f"params must map parameter names to values, not {type(params).__name__} "
                         f"{str(params)[:40]!r}", hint="e.g. params={'tau': 12} or {'tau': [8, 10, 12]}")
    out = {}
    for k, v in params.items():
        if not isinstance(k, str):
            raise ModelError(f"params must be keyed by parameter names, not {k!r}"[:120])
        try:
            if isinstance(v, (Mapping, str, bytes)):
                raise TypeError
            out[k] = np.asarray(v, dtype=float)
        except OverflowError:
            huge = next((too_large(x) for x in (v if isinstance(v, (list, tuple)) else [v]) if too_large(x)),
                        "a number is too large")
            raise ModelError(f"the values for '{k}': {huge}", element=k) from None
        except (TypeError, ValueError):
            raise ModelError(f"the values for '{k}' must be a number or a flat sequence of numbers, "
                             f"not {type(v).__name__} {str(v)[:40]!r}", element=k) from None
        if out[k].ndim > 1:
            raise ModelError(f"the values for '{k}' must be a number or a flat sequence", element=k)
    return out


class _Params:
    """A plan's parameters as the run stage fills them in (made once per plan): their slots, their
    positions by name, the slot of ``run_id`` (or None) and every parameter's declared value."""

    def __init__(self, plan):
        els = plan.model.elements
        self.slots = np.array(plan.params, dtype=np.int64)
        self.index = {plan.names[s]: i for i, s in enumerate(plan.params)}
        self.run_id = plan.params[self.index[RUN_ID]] if RUN_ID in self.index else None
        self.defaults = {s: np.float64(els[plan.names[s]].value) for s in plan.params}


def _params(plan) -> _Params:
    return once(plan, "parameters", _Params)


def prepare_params(plan, overrides: dict | None, n_runs: int | None = None):
    """Parameter values by slot: scalars stay scalars, sequences become the run axis. A model
    with random functions numbers the runs of a batch 0..n-1 (its ``run_id``) unless told."""
    overrides = _given(overrides)
    els = plan.model.elements
    sizes = {}
    for k, v in overrides.items():
        if v.ndim == 1:
            sizes[k] = len(v)
    if n_runs is None:
        n_runs = max(sizes.values()) if sizes else 1
    if not isinstance(n_runs, (int, np.integer)) or n_runs < 1:
        raise ModelError(f"a batch needs at least one run, not {n_runs!r}")
    for k, size in sizes.items():
        if size != n_runs:
            raise ModelError(f"{size} values given for '{k}' but the batch has {n_runs} runs", element=k)
    known = _params(plan)
    out = dict(known.defaults)
    if known.run_id is not None and n_runs > 1:     # the runs of a plain batch are runs 0..n-1
        out[known.run_id] = np.arange(n_runs, dtype=float)
    for _, name in sorted((known.index[k], k) for k in overrides if k in known.index):
        out[int(known.slots[known.index[name]])] = _checked(overrides.pop(name), els[name], name)
    if overrides:
        from ..model.check import suggest
        k = next(iter(overrides))
        kind = els[k].kind if k in els else None
        what = f"is a {kind}, not a parameter" if kind else "is not a parameter of the model"
        raise ModelError(f"'{k}' {what}", element=k,
                         hint=suggest(k, [plan.names[s] for s in plan.params]) or
                         "list parameters with 'carbonloop validate'")
    return out, int(n_runs)


def _checked(v, el, name):
    lo, hi = el.range if el.range else (-math.inf, math.inf)
    bad = (v < lo) | (v > hi) | ~np.isfinite(v)
    if np.any(bad):
        first = float(np.atleast_1d(v)[np.argmax(np.atleast_1d(bad))])
        what = "is not a finite number" if not math.isfinite(first) else \
            f"is outside the declared range [{lo:g}, {hi:g}]"
        declared = f"{el.where.file}:{el.where.line}" if el.where.line else el.where.file
        raise ModelError(f"the value {first:g} given for the parameter {what}", element=name,
                         hint=f"the parameter is declared at {declared}" if declared else None)
    return np.float64(v) if v.ndim == 0 else v.copy()


def run_kernel(kernel, params: dict | None = None, n_runs: int | None = None, check: bool = True,
               progress=None) -> Result:
    """Run a kernel's plan over a batch; returns the result (time x variable x run)."""
    plan = kernel.plan
    values, n_runs = prepare_params(plan, params, n_runs)
    sim = Simulation(kernel, values, n_runs)
    start = kernel.evaluate(sim.state, 0, plan.start_group) if plan.events or plan.stage_times else None
    table = tt.of_batch(plan, start, n_runs)
    why = in_kernel(plan, kernel, table) if plan.events else None
    if plan.events and why is None:        # the whole run in the kernel: events are its data
        sim.state.events = kernel_tables(plan, table, n_runs)
        sim.events_by = "kernel"
    elif plan.events:
        sim.events = EventRunner(sim, table)
        sim.events_by = f"run stage ({why})"
    events = sim.events
    if start is not None and plan.stage_times:
        _warn_stage_times(sim, {p: start[i] for i, p in enumerate(plan.groups[plan.start_group].probes)})
    if events:                  # the simpy clock orders the events and the segments between them
        env = simpy.Environment()
        events.start(env)
        env.process(_stepper(env, sim, events, progress))
        env.run()
    else:                       # nothing to order: the segments one after the other
        _segments(sim, progress)
    if sim.state.events is not None:
        kernel_error(plan, kernel, sim.state, sim.state.events)
        sim.event_log = kernel_log(plan, table, sim.state.events)
    elif events:
        sim.event_log = events.log
        events.sim = events.env = sim.events = None     # break the cycle: a batch's arrays go when unused
    result = Result.from_simulation(sim, values)
    if check:
        verify(result, plan, n_runs, sim.state.V[_stocks(plan)], sim.state.bad)
    return result


def _stocks(plan) -> np.ndarray:
    return once(plan, "stock slots", lambda p: np.array(p.stocks, dtype=np.int64))


def _segments(sim, progress) -> None:
    """Run to the end without events applied by the run stage: the kernel's whole run in one
    call, or segments (chunks of steps between progress reports when there is a progress bar)."""
    n = sim.plan.time.n_steps
    if progress is None:
        sim.data = sim.kernel.run_all(sim.state)
        if sim.data is not None:
            return
    k = 0
    while k <= n:
        k1 = n + 1 if progress is None else min(n + 1, k + progress.chunk)
        k, _, _ = sim.segment(k1)
        if progress is not None:
            progress(k)


def _warn_stage_times(sim, row):
    """Warn when a SMOOTH/DELAY stage is shorter than dt: Euler then overshoots or oscillates."""
    plan = sim.plan
    if not plan.stage_times:
        return
    dt = plan.time.dt
    owners: dict = {}           # (probe, builtin) -> the elements whose stages it times
    for owner, fn, probe in plan.stage_times:
        owners.setdefault((probe, fn), []).append(owner)
    for (probe, fn), names in owners.items():
        stage = float(np.min(row[probe]))
        if stage < dt:
            owner = names[0]
            el = plan.model.elements.get(owner)
            where = f"{el.where.file}:{el.where.line}: " if el and el.where.file else ""
            more = f" (and {len(names) - 1} more with the same stage time)" if len(names) > 1 else ""
            warnings.warn(f"{where}in '{owner}'{more}: a {fn.upper()} stage lasts {stage:g}, less than "
                          f"dt={dt:g}; Euler will overshoot or oscillate (use a smaller dt or a "
                          "longer delay)", ModelWarning, stacklevel=3)


def _stepper(env, sim, events, progress):
    """The stepping process: runs whole segments between the steps events are due at."""
    n = sim.plan.time.n_steps
    phases = events.phases if events else 1
    k = 0
    while k <= n:
        yield env.timeout(max(0, (k + 1) * phases - 1 - env.now))     # after the events due at step k
        nxt = env.peek()
        k1 = n + 1 if math.isinf(nxt) else min(n + 1, int(nxt // phases))
        if progress is not None:
            k1 = min(k1, k + progress.chunk)
        k_stop, cond, mask = sim.segment(k1)
        if cond >= 0:
            yield events.trigger(cond, k_stop, mask)
        if progress is not None:
            progress(k_stop)
        k = k_stop


def verify(result: Result, plan, n_runs, final_stocks=None, stock_bad=None):
    """Raise if a value went NaN or infinite, or a balance check failed.

    Every saved variable is looked at at every saved step (one summing pass over the records,
    the full search only when it finds something), and so is every stock: those not saved by the
    kernel, which notes the first one per run in ``stock_bad`` (record index and slot, -1: none).
    The error names the first element and time that went bad.
    """
    data = result.data
    bad_stock = stock_bad is not None and bool((np.asarray(stock_bad)[0] >= 0).any())
    bad_record = not _all_finite(data)
    if bad_record or bad_stock:
        _name_non_finite(result, plan, n_runs, stock_bad if bad_stock else None)
    if final_stocks is not None and not _all_finite(np.asarray(final_stocks)):
        raise SimulationError("a stock became NaN or infinite during the run")
    for c, col in zip(plan.checks, _check_columns(plan)):
        name = f"check:{c.name}"        # its column of the plan's records (always saved), else by name
        res = data[:, col] if col < len(result.names) and result.names[col] == name else result[name]
        worst = res.max() if res.size else 0.0     # finite: checked above
        if worst > c.tolerance:
            ti, _ = np.unravel_index(np.argmax(res), res.shape)
            single = plan.time.precision == "single" and c.tolerance < SINGLE_RESIDUAL
            raise SimulationError(f"balance check '{c.name}' ({c.text}) fails at time "
                                  f"{result.times[ti]:g}: relative residual {worst:.3g} > {c.tolerance:g}",
                                  file=c.check.where.file, line=c.check.where.line, element=c.name,
                                  hint=f"in single precision a sum is rounded to about 1 part in 10^7: give the "
                                       f"check a tolerance of at least {SINGLE_RESIDUAL:g}, or run in double "
                                       "precision" if single else None)


def _check_columns(plan) -> tuple:
    """The columns of the balance checks' residuals among a plan's saved variables."""
    def columns(p):
        where = {slot: i for i, slot in enumerate(p.saved)}
        return tuple(where.get(c.slot, len(p.saved)) for c in p.checks)
    return once(plan, "check columns", columns)


def _name_non_finite(result, plan, n_runs, stock_bad):
    """Raise naming the first saved time, element and run where a value went NaN or infinite."""
    data = result.data
    found = []          # (record index, name, run, value)
    if not _all_finite(data):
        bad_t, bad_v, bad_r = np.nonzero(~np.isfinite(data))
        first_t = bad_t.min()
        at_t = bad_t == first_t
        for v, r in zip(bad_v[at_t], bad_r[at_t]):
            found.append((int(first_t), result.names[v], int(r), data[first_t, v, r]))
    if stock_bad is not None:
        rec, slot = np.asarray(stock_bad)
        runs = np.nonzero(rec >= 0)[0]
        first = rec[runs].min()
        for r in runs[rec[runs] == first]:
            found.append((int(first), plan.names[slot[r]], int(r), math.nan))
    first_t = min(f[0] for f in found)
    rank = {plan.names[s]: i for i, s in enumerate(plan.stocks + plan.params + plan.hoisted + plan.dynamic)}
    ti, name, run, val = min((f for f in found if f[0] == first_t), key=lambda f: (rank.get(f[1], 1 << 30), f[2]))
    el = plan.model.elements.get(name)
    what = "NaN or infinite" if stock_bad is not None and name not in result.names else \
        ("NaN" if np.isnan(val) else "infinite")
    raise SimulationError(
        f"value became {what} at time {result.times[ti]:g}" + (f" in run {run}" if n_runs > 1 else ""),
        file=el.where.file if el else None, line=el.where.line if el else None, element=name,
        hint="look for a division by zero, a log of a non-positive number or overflow")


def _all_finite(x) -> bool:
    """True when no value is NaN or infinite. Up to ``BLAS_CHECK`` values: the least and the
    greatest value are finite (a NaN makes both NaN), two reductions in this thread. BLAS spreads
    a dot product over threads, and on a busy machine waiting for the second one cost a single
    flagship run 8 ms instead of 0.5. Beyond that the wait is small beside the work, and the sum of
    squares (a dot product over both cores) is finite when every value is (then a full check only
    when it is not: a NaN, an infinity, or values beyond 1e154 whose squares overflow): 19 ms for
    48 million values against 53 ms for the two reductions."""
    flat = np.asarray(x, dtype=float).reshape(-1)
    if not flat.size:
        return True
    if flat.size >= BLAS_CHECK:
        with np.errstate(all="ignore"):
            total = np.dot(flat, flat)
        return bool(np.isfinite(total)) or bool(np.isfinite(flat).all())
    return bool(np.isfinite(flat.min())) and bool(np.isfinite(flat.max()))
