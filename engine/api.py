"""The Python API a modeller uses in a notebook: ``load(...)`` then ``.run(params=...)``."""
from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from . import backends
from .errors import ModelError
from .frontends import read
from .model import Model, check_time
from .model.check import is_finite_number, too_large
from .plan import compile_model, with_saved
from .results import Result
from .run import batch_size, run_kernel

DEFAULT_SCENARIO = Path("scenarios") / "default.yaml"
PLANS_KEPT = 32         # saved-variable variants of one model kept compiled
REPOSITORY = Path(__file__).resolve().parents[1]
TIME_SETTINGS = {"start": float, "stop": float, "dt": float, "save_step": float, "method": str, "units": str,
                 "precision": str}


def default_scenario() -> Path:
    """``scenarios/default.yaml`` here, or else the one beside the installed package."""
    if DEFAULT_SCENARIO.is_file():
        return DEFAULT_SCENARIO
    beside = REPOSITORY / DEFAULT_SCENARIO
    if beside.is_file():
        return beside
    raise ModelError("no scenario given and no scenarios/default.yaml here",
                     hint="give a scenario file, e.g. 'carbonloop run my-scenario.yaml'")


def _rescheduled(t, given: dict):
    """New time settings for a model whose time step changes during the run: a ``dt`` (or a save
    step) makes the step (and the saving) regular again; an earlier ``stop`` ends the schedule
    there; a later stop or another start is refused (the schedule was computed for its run)."""
    if "dt" in given:
        return replace(t, **given, phases=(), saves=())
    if "start" in given and given["start"] != t.start or "stop" in given and given["stop"] > t.stop:
        raise ModelError("this model's time step changes during the run on a schedule computed for its start "
                         f"and stop ({t.start:g}..{t.stop:g}): it cannot start elsewhere or run longer",
                         hint="give dt as well to run it with one time step throughout")
    if "save_step" in given:
        raise ModelError("this model saves on a schedule (its SAVEPER changes during the run)",
                         hint="give dt as well to run it with one time step and one save step throughout")
    if "stop" not in given:
        return replace(t, **given)
    stop = given["stop"]
    phases = tuple(p for p in t.phases if p[0] < stop) or t.phases[:1]
    saves = tuple(s for s in t.saves if s < stop) + (stop,)
    return replace(t, **given, phases=phases, saves=saves)


class Loaded:
    """A loaded, validated model; compile once, run many times."""

    def __init__(self, model: Model):
        self.model = model
        self._plans: dict = {}
        self._phases: list | None = None     # the models of the phases of a changing time step
        self._kernels: dict = {}

    @property
    def name(self) -> str:
        """The model's (scenario's) name."""
        return self.model.name

    @property
    def parameters(self) -> dict:
        """Parameter elements by name (value, units, range, source)."""
        return self.model.parameters

    def with_time(self, **changes) -> Loaded:
        """A copy with other time settings (start, stop, dt, method, save_step, units)."""
        for key, value in changes.items():
            if key not in TIME_SETTINGS:
                raise ModelError(f"with_time() has no setting '{key}'",
                                 hint="settings: " + ", ".join(TIME_SETTINGS))
            if TIME_SETTINGS[key] is str and not isinstance(value, str):
                raise ModelError(f"with_time({key}=...) must be text, not {type(value).__name__} {value!r}"[:160])
            if TIME_SETTINGS[key] is float and not (is_finite_number(value) or key == "save_step" and value is None):
                raise ModelError(f"with_time({key}=...) must be a finite number, "
                                 + (too_large(value) or f"not {type(value).__name__} {value!r}"[:80]),
                                 hint="e.g. with_time(dt=0.25) or with_time(dt=1/12), without quotes")
        given: dict = {k: float(v) if TIME_SETTINGS[k] is float and v is not None else v for k, v in changes.items()}
        t = _rescheduled(self.model.time, given) if self.model.time.phases else replace(self.model.time, **given)
        check_time(t)
        return Loaded(replace(self.model, time=t))

    def plan(self, keep=None):
        """The compiled plan saving ``keep`` (default: every visible stock, flow and auxiliary).
        The model is compiled once; other saved variables derive from that plan."""
        if self.model.time.phases:
            from .run.phases import unsupported
            raise unsupported()
        key = None if keep is None else tuple(keep)
        if key not in self._plans:
            if None not in self._plans:
                self._plans[None] = compile_model(self.model)
            self._plans[key] = self._plans[None] if key is None else with_saved(self._plans[None], keep)
            while len(self._plans) > PLANS_KEPT:       # the oldest variants go (never the base plan)
                del self._plans[next(k for k in self._plans if k is not None)]
                self._kernels = {k: v for k, v in self._kernels.items() if k[0] in self._plans}
        return self._plans[key]

    def kernel(self, keep=None, backend: str = "auto", n_runs: int | None = None):
        """The plan for ``keep`` made executable by a backend ('auto', 'numpy' or 'numba'; 'auto'
        chooses by the batch size ``n_runs`` too, see ``engine.backends``). For a model whose
        time step changes during the run: the kernel of its first phase."""
        if self.model.time.phases:
            return self._phase_models()[0].kernel(keep, backend, n_runs)
        plan = self.plan(keep)
        chosen = backends.choose(plan, backend, n_runs)
        key = (None if keep is None else tuple(keep), chosen.name)
        if key not in self._kernels:
            self._kernels[key] = chosen.kernel(plan)
        return self._kernels[key]

    def _phase_models(self) -> list:
        """The models of the phases of a time step that changes during the run (run/phases.py)."""
        if self._phases is None:
            from .run.phases import sub_models
            self._phases = sub_models(self)
        return self._phases

    def run(self, params: dict | None = None, keep=None, n_runs: int | None = None,
            check: bool = True, backend: str = "auto", progress: bool = False) -> Result:
        """Run the model. ``params`` maps parameter names to a value or a sequence of values
        (one per run: the batch). ``keep`` limits the saved variables; ``backend`` chooses how
        the step is computed; ``progress`` shows a progress bar on long runs."""
        if isinstance(keep, str):       # one name
            keep = [keep]
        if keep is not None and not (isinstance(keep, (list, tuple)) and all(isinstance(k, str) for k in keep)):
            raise ModelError(f"keep must be a variable name or a list of names, not {type(keep).__name__} "
                             f"{keep!r}"[:160])
        if n_runs is not None and (isinstance(n_runs, bool) or not isinstance(n_runs, (int, np.integer))
                                   or n_runs < 1):
            raise ModelError(f"n_runs must be a whole number of runs (at least 1), not {n_runs!r}"[:120])
        if self.model.time.phases:       # a time step that changes during the run
            from .run.phases import run_phases
            return run_phases(self, self._phase_models(), params, keep, n_runs, check, backend)
        size = batch_size(params, n_runs)
        kernel = self.kernel(keep, backend, size)
        bar = _Progress(kernel.plan.time.n_steps) if progress else None
        try:
            result = run_kernel(kernel, params, n_runs, check, bar)
        finally:
            if bar is not None:
                bar.close()
        result.provenance["backend_choice"] = backends.choice(kernel.plan, backend, size)
        return result

    def check_units(self, strict: bool = False) -> list:
        """Unit inconsistencies (see engine/model/units.py); an empty list when the model agrees.
        ``strict`` also lists elements that declare no units."""
        from .model.units import check_units
        return check_units(self.model, strict)

    def loops(self, max_length: int = 16, backend: str = "auto"):
        """Feedback loops with their polarity (reinforcing / balancing), link signs measured along
        a reference run on ``backend``."""
        from .graph.polarity import loops_of
        return loops_of(self.model, max_length, backend=backend)

    def dominance(self, params: dict | None = None, n_runs: int | None = None, **options):
        """Loop dominance (Loops That Matter) of a batch of runs: see ``engine.dominance``."""
        from .dominance import analyse
        return analyse(self, params=params, n_runs=n_runs, **options)

    def __repr__(self):
        m = self.model
        kinds: dict = {}
        for e in m.elements.values():
            kinds[e.kind] = kinds.get(e.kind, 0) + 1
        plural = {"auxiliary": "auxiliaries"}
        return (f"<carbonloop model '{m.name}': "
                + ", ".join(f"{v} {plural.get(k, k + 's') if v != 1 else k}" for k, v in kinds.items())
                + f"; {m.time.start:g}..{m.time.stop:g} dt={m.time.dt:g} {m.time.method}>")


class _Progress:
    """A progress bar over the steps of a long run (shown only after a second)."""

    def __init__(self, n_steps: int):
        from tqdm import tqdm
        self.chunk = max(1, n_steps // 100)
        self.done = 0
        self.bar = tqdm(total=n_steps + 1, unit="step", unit_scale=True, file=sys.stderr, delay=1.0,
                        desc="run", leave=False)

    def __call__(self, k: int) -> None:
        self.bar.update(k - self.done)
        self.done = k

    def close(self) -> None:
        self.bar.close()


def load(path=None, data=None) -> Loaded:
    """Load a model file (default: scenarios/default.yaml): a YAML scenario, an XMILE / Stella
    .stmx model or a Vensim .mdl model (``data``: its external data file, as Vensim allows)."""
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise ModelError(f"load() takes the path of a model file (text or a pathlib.Path), not "
                         f"{type(path).__name__} {str(path)[:40]!r}", hint="e.g. load('scenarios/teacup.yaml')")
    return Loaded(read(path or default_scenario(), data=data))


def run(path=None, params=None, keep=None, backend: str = "auto") -> Result:
    """Load and run a scenario in one call."""
    return load(path).run(params=params, keep=keep, backend=backend)
