"""A run whose time step changes during the run (a Vensim TIME STEP of Time): phase by phase.

``TimeSpec.phases`` lists the stretches of the run with one time step each, ``(from time, dt)``,
and ``TimeSpec.saves`` the times to keep (the model's time settings give both, before the run;
``frontends/vensim/timing.py``). Each phase is an ordinary run of the same model with its own
start, stop and dt: the first starts as any run does; each later one starts from the state the
one before ended in (stocks, initial values and every other slot as they are, nothing computed
again), so that its first step is the last step of the one before. The records of the phases are
joined (a time where two phases meet is recorded once, by the later phase: there the time step
and whatever reads it are the new phase's) and the saved times kept.

The model's reads of its start and stop time are its run's, not a phase's: they are made numbers
before the phases run. With more than one phase, what keeps state counted in steps (a pipeline
delay: DELAY FIXED, PREVIOUS over several steps), events and RK4 are refused by name; sweeps,
calibration, loop dominance and the exports, which expect one time step and one save step, are
refused for any such model (``api.Loaded.plan`` says so).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .. import lang as ex
from ..errors import ModelError
from ..results import Result
from .simulate import Simulation, _segments, batch_size, prepare_params, verify

WHAT = "a time step that changes during the run"


class Unsupported(ModelError):
    """What a phased run does not carry (refused by name, never approximated)."""

    def __init__(self, construct: str, element: str | None = None, hint: str | None = None):
        self.construct = construct
        super().__init__(f"not supported: {construct}", element=element, hint=hint)


def sub_models(loaded) -> list:
    """The models of the phases: the model with each phase's start, stop and dt, its reads of
    the start and stop times made the run's."""
    t = loaded.model.time
    fixed = {"starttime": ex.Num(0, t.start), "stoptime": ex.Num(0, t.stop)}
    elements = {n: (e.with_(equation=ex.substitute(e.equation, fixed)) if e.equation is not None else e)
                for n, e in loaded.model.elements.items()}
    base = replace(loaded.model, elements=elements, cell_parts=None)     # (its templates name the old trees)
    ends = [p[0] for p in t.phases[1:]] + [t.stop]
    return [type(loaded)(replace(base, time=replace(t, start=t0, stop=t1, dt=dt, save_step=None, phases=(),
                                                    saves=())))
            for (t0, dt), t1 in zip(t.phases, ends)]


def refuse(plan, phases: int) -> None:
    """Raise for what a phased run cannot carry from one time step to another (with one phase,
    a SAVEPER that changes, the run is one ordinary run: only its saved times are chosen)."""
    if phases == 1:
        return
    if plan.delays:
        raise Unsupported(f"{WHAT} with a pipeline delay (DELAY FIXED, a PREVIOUS of several steps: its "
                          "history is counted in steps)", element=plan.names[plan.delays[0].slot].split(":")[0])
    if plan.events:
        raise Unsupported(f"{WHAT} with events")
    if plan.time.method != "euler":
        raise Unsupported(f"{WHAT} with RK4")


def run_phases(loaded, subs, params=None, keep=None, n_runs=None, check=True, backend="auto") -> Result:
    """Run the phases one after the other (see the module docstring) and join their records."""
    size = batch_size(params, n_runs)
    kernels = [sub.kernel(keep, backend, size) for sub in subs]
    for kernel in kernels:
        refuse(kernel.plan, len(kernels))
    values, n = prepare_params(kernels[0].plan, params, n_runs)
    pieces: list = []
    state = None
    for kernel in kernels:
        sim = Simulation(kernel, values, n, carry=state)
        _segments(sim, None)
        pieces.append(Result.from_simulation(sim, values))
        state = sim.state
    times = np.concatenate([p.times[:-1] for p in pieces[:-1]] + [pieces[-1].times])
    data = np.concatenate([p.data[:-1] for p in pieces[:-1]] + [pieces[-1].data], axis=0)
    saves = loaded.model.time.saves
    if saves:
        idx = np.searchsorted(times, np.asarray(saves) - 1e-9 * np.maximum(1.0, np.abs(saves)))
        times, data = times[idx], data[idx]
    head = pieces[0]
    result = replace(head, times=times, data=data,
                     provenance=dict(head.provenance, time_phases=[list(p) for p in loaded.model.time.phases]))
    if check:
        plan = kernels[-1].plan
        verify(result, plan, n, state.V[list(plan.stocks)] if state is not None else None)
    return result


def unsupported() -> ModelError:
    """The error for a part of carbonloop that needs one time step over the run (anything that
    compiles the model's plan: sweeps, calibration, loop dominance, the exports)."""
    return Unsupported(f"this use of a model with {WHAT} (only a run steps phase by phase)",
                       hint="run it with 'carbonloop run' or Loaded.run()")
