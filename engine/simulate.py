"""Run stage: a simpy clock drives the compiled step and the scheduled events over a batch of runs.

The simpy environment counts in steps (integers), so that event times never suffer rounding.
The stepping loop is one process; every event is a process on the same clock. At a step where
events are due, they apply first (in the order the scenario lists them) and the step's record and
integration follow: the stepping process waits with a lower priority than any event.
"""
from __future__ import annotations

import math

import numpy as np
import simpy

from .compiler import Program, compile_model
from .errors import ModelError, SimulationError
from .events import EventRunner
from .results import Result

STEP_PRIORITY = 3       # simpy: lower runs first; events use 1 + i/(n+1) < 2


class PipelineDelay:
    """The ring buffer behind DELAY FIXED / PREVIOUS, per run (delays may differ per run)."""

    def __init__(self, initial, delay_time, dt, n_runs):
        steps = np.maximum(1, np.round(np.broadcast_to(np.asarray(delay_time, float), (n_runs,)) / dt))
        self.steps = steps.astype(np.int64)
        self.size = int(self.steps.max())
        self.buf = np.empty((self.size, n_runs))
        self.init = np.broadcast_to(np.asarray(initial, float), (n_runs,)).copy()
        self.cols = np.arange(n_runs)

    def read(self, k):
        src = k - self.steps
        vals = self.buf[src % self.size, self.cols]
        return np.where(src >= 0, vals, self.init)

    def push(self, k, x):
        self.buf[k % self.size] = x


def broadcast(value, n):
    return np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()


class Simulation:
    """The state of one batch run: parameters, stocks, records, events."""

    def __init__(self, prog: Program, params: dict, n_runs: int, events: "EventRunner | None" = None):
        self.prog = prog
        self.n = n_runs
        t = prog.model.time
        self.time = t
        self.P = [params[p] for p in prog.params]
        self.H = prog.fns["_hoist"](self.P)
        S0, D0 = prog.fns["_initial"](self.P, self.H)
        # one run: float64 scalars (same arithmetic as a one-element array, several times faster)
        self.S = [broadcast(s, n_runs) if n_runs > 1 else np.float64(np.ravel(s)[0]) for s in S0]
        self.D = [PipelineDelay(init, delay, t.dt, n_runs) for init, delay in D0]
        n_save = t.n_steps // t.save_every + 1
        self.out = np.empty((n_save, len(prog.saved), n_runs))
        self.events = events
        self.pend = events.pending if events else []

    # -- used by events
    def set_param(self, name, value, mask):
        i = self.prog.params.index(name)
        old = self.P[i]
        new = np.where(mask, value, old) if mask is not None else broadcast(value, self.n)
        self.P[i] = np.asarray(new, dtype=float)
        self.H = self.prog.fns["_hoist"](self.P)

    def set_stock(self, name, value, mask):
        i = self.prog.stocks.index(name)
        self.S[i] = np.where(mask, value, self.S[i]) if mask is not None else broadcast(value, self.n)

    def segment(self, k0, k1):
        return self.prog.fns["_segment"](k0, k1, self.S, self.P, self.H, self.out, self.D, self.pend)


def prepare_params(prog: Program, overrides: dict | None, n_runs: int | None = None):
    """Parameter values per run: scalars stay scalars, sequences become the run axis."""
    overrides = dict(overrides or {})
    model = prog.model
    sizes = {k: len(np.atleast_1d(v)) for k, v in overrides.items() if np.ndim(v) > 0}
    if n_runs is None:
        n_runs = max(sizes.values()) if sizes else 1
    for k, size in sizes.items():
        if size != n_runs:
            raise ModelError(f"{size} values given for '{k}' but the batch has {n_runs} runs", element=k)
    out = {}
    for name in prog.params:
        el = model.elements[name]
        if name in overrides:
            v = np.asarray(overrides.pop(name), dtype=float)
            if el.range:
                lo, hi = el.range
                bad = (v < lo) | (v > hi) | ~np.isfinite(v)
                if np.any(bad):
                    first = float(np.atleast_1d(v)[np.argmax(np.atleast_1d(bad))])
                    raise ModelError(f"value {first:g} is outside the declared range [{lo:g}, {hi:g}]",
                                     file=el.where.file, line=el.where.line, element=name)
            out[name] = np.float64(v) if v.ndim == 0 else v.copy()
        else:
            out[name] = np.float64(el.value)
    if overrides:
        from .loader import suggest
        k = next(iter(overrides))
        kind = model.elements[k].kind if k in model.elements else None
        what = f"is a {kind}, not a parameter" if kind else "is not a parameter of the model"
        raise ModelError(f"'{k}' {what}", element=k,
                         hint=suggest(k, prog.params) or "list parameters with 'carbonloop validate'")
    return out, n_runs


def run_program(prog: Program, params: dict | None = None, n_runs: int | None = None,
                check=True) -> Result:
    """Run a compiled model over a batch; returns the result (time x variable x run)."""
    values, n_runs = prepare_params(prog, params, n_runs)
    with np.errstate(all="ignore"):
        events = EventRunner(prog, n_runs) if prog.model.events else None
        sim = Simulation(prog, values, n_runs, events)
        _check_stage_times(prog, sim)
        env = simpy.Environment()
        if events:
            events.start(env, sim)
        env.process(_stepper(env, sim, events))
        env.run()
    result = Result.from_simulation(sim, values)
    if events:      # break the sim <-> events cycle so a batch's arrays go as soon as unused
        events.sim = events.env = sim.events = None
    if check:
        verify(result, prog, values, n_runs, sim.S)
    return result


def _check_stage_times(prog, sim):
    """Warn when a SMOOTH/DELAY stage is shorter than dt: Euler then overshoots or oscillates."""
    if not prog.model.stage_times:
        return
    import warnings
    from .errors import ModelWarning
    from .events import ExprFn, snapshot
    from . import expr as ex
    values = snapshot(sim, 0, set().union(*(ex.names(node) for _, _, node in prog.model.stage_times)))
    dt = prog.model.time.dt
    for owner, fn, node in prog.model.stage_times:
        stage = np.min(ExprFn(node, prog)(values, prog.model.time.start))
        if stage < dt:
            el = prog.model.elements.get(owner)
            where = f"{el.where.file}:{el.where.line}: " if el and el.where.file else ""
            warnings.warn(f"{where}in '{owner}': a {fn.upper()} stage lasts {stage:g}, less than "
                          f"dt={dt:g}; Euler will overshoot or oscillate (use a smaller dt or a "
                          "longer delay)", ModelWarning, stacklevel=2)


def _stepper(env, sim, events):
    """The stepping process: runs whole segments between the times events are due."""
    n = sim.time.n_steps
    k = 0
    while k <= n:
        nxt = env.peek()
        k1 = n + 1 if math.isinf(nxt) else min(n + 1, int(nxt))
        if k1 <= k:         # an event is due now and has not run yet: let it
            yield _wake(env, 0)
            continue
        k_stop, cond = sim.segment(k, k1)
        if cond >= 0:
            events.trigger(cond, k_stop)
        yield _wake(env, k_stop - k)
        k = k_stop


def _wake(env, delay):
    ev = simpy.Event(env)
    ev._ok = True
    ev._value = None
    env.schedule(ev, STEP_PRIORITY, delay)
    return ev


def verify(result: Result, prog: Program, values, n_runs, final_stocks=None):
    """Raise if a value went NaN or infinite, or a balance check failed.

    Everything upstream of a stock reaches it, so non-finite values are looked for in the final
    stocks and in the saved variables that feed no stock; the whole record is searched only to
    name the first element and time that went wrong.
    """
    data = result.data
    suspects = [i for i, n in enumerate(result.names) if n in sinks(prog)]
    bad = final_stocks is not None and not all(_all_finite(np.asarray(s)) for s in final_stocks)
    bad = bad or not all(_all_finite(data[:, i, :]) for i in suspects)
    if bad and not np.isfinite(data).all():
        finite = np.isfinite(data)
        bad_t, bad_v, bad_r = np.nonzero(~finite)
        first_t = bad_t.min()
        at_t = bad_t == first_t
        order = {n: i for i, n in enumerate(prog.stocks + prog.params + prog.hoisted + prog.dynamic)}
        cands = sorted({result.names[v] for v in bad_v[at_t]}, key=lambda n: order.get(n, 1 << 30))
        name = cands[0]
        run = int(bad_r[at_t][0])
        val = data[first_t, result.names.index(name), run]
        el = prog.model.elements.get(name)
        raise SimulationError(
            f"value became {'NaN' if np.isnan(val) else 'infinite'} at time {result.times[first_t]:g}"
            + (f" in run {run}" if n_runs > 1 else ""),
            file=el.where.file if el else None, line=el.where.line if el else None, element=name,
            hint="look for a division by zero, a log of a non-positive number or overflow")
    if bad:
        raise SimulationError("a stock became NaN or infinite during the run; keep all variables "
                              "(no keep=) to find which element and when")
    for c in prog.checks:
        tol = next(x.tolerance for x in prog.model.checks if f"check:{x.name}" == c)
        worst = np.max(result[c]) if result[c].size else 0.0     # finite: checks feed no stock
        if worst > tol:
            ti, ri = np.unravel_index(np.argmax(result[c]), result[c].shape)
            chk = next(x for x in prog.model.checks if f"check:{x.name}" == c)
            raise SimulationError(f"balance check '{chk.name}' ({chk.text}) fails at time "
                                  f"{result.times[ti]:g}: relative residual {worst:.3g} > {tol:g}",
                                  file=chk.where.file, line=chk.where.line, element=chk.name)


def _all_finite(x) -> bool:
    """True when no value is NaN or infinite (one summing pass; a full check only if it overflows)."""
    total = np.add.reduce(x, axis=None)
    return bool(np.isfinite(total)) or bool(np.isfinite(x).all())


def sinks(prog: Program) -> set:
    """Variables from which no stock can be reached (their values are checked directly)."""
    if "_sinks" not in prog.fns:
        import networkx as nx
        from .graph import feedback_graph
        g = feedback_graph(prog.model)
        feeding = set()
        for s in prog.stocks:
            feeding |= nx.ancestors(g, s)
        prog.fns["_sinks"] = {n for n in prog.saved if n not in feeding and n not in prog.stocks}
    return prog.fns["_sinks"]


def simulate(model, params=None, keep=None, n_runs=None, check=True) -> Result:
    """Compile and run a model in one call."""
    conditions = tuple(ev.when for ev in model.events if ev.when is not None)
    return run_program(compile_model(model, keep, conditions), params, n_runs, check)
