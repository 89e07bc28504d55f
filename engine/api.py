"""The Python API a modeller uses in a notebook: ``load(...)`` then ``.run(params=...)``."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .compiler import compile_model
from .errors import ModelError
from .loader import check_time
from .model import Model
from .results import Result
from .scenario import load_scenario
from .simulate import run_program

DEFAULT_SCENARIO = Path("scenarios") / "default.yaml"


class Loaded:
    """A loaded, validated model; compile once, run many times."""

    def __init__(self, model: Model):
        self.model = model
        self._programs = {}

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def parameters(self) -> dict:
        """Parameter elements by name (value, units, range, source)."""
        return self.model.parameters

    def with_time(self, **changes) -> "Loaded":
        """A copy with other time settings (start, stop, dt, method, save_step)."""
        t = replace(self.model.time, **changes)
        check_time(t)
        return Loaded(replace(self.model, time=t))

    def program(self, keep=None):
        key = None if keep is None else tuple(keep)
        if key not in self._programs:
            conditions = tuple(ev.when for ev in self.model.events if ev.when is not None)
            self._programs[key] = compile_model(self.model, keep, conditions)
        return self._programs[key]

    def run(self, params: dict | None = None, keep=None, n_runs: int | None = None,
            check: bool = True) -> Result:
        """Run the model. ``params`` maps parameter names to a value or a sequence of values
        (one per run: the batch). ``keep`` limits the saved variables."""
        if keep is not None:
            unknown = [k for k in keep if k not in self.model.elements]
            if unknown:
                from .loader import suggest
                raise ModelError(f"cannot keep '{unknown[0]}': no such element", element=unknown[0],
                                 hint=suggest(unknown[0], self.model.elements))
        return run_program(self.program(keep), params, n_runs, check)

    def check_units(self) -> list:
        """Unit inconsistencies (see engine/units.py); an empty list when the model agrees."""
        from .units import check_units
        return check_units(self.model)

    def loops(self, max_length: int = 16):
        """Feedback loops with their polarity (reinforcing / balancing)."""
        from .polarity import loops_of
        return loops_of(self.model, max_length)

    def dominance(self, params: dict | None = None, n_runs: int | None = None, **options):
        """Loop dominance (Loops That Matter) of a batch of runs: see ``engine.dominance``."""
        from .dominance import analyse
        return analyse(self, params=params, n_runs=n_runs, **options)

    def __repr__(self):
        m = self.model
        kinds = {}
        for e in m.elements.values():
            kinds[e.kind] = kinds.get(e.kind, 0) + 1
        plural = {"auxiliary": "auxiliaries"}
        return (f"<carbonloop model '{m.name}': "
                + ", ".join(f"{v} {plural.get(k, k + 's') if v != 1 else k}" for k, v in kinds.items())
                + f"; {m.time.start:g}..{m.time.stop:g} dt={m.time.dt:g} {m.time.method}>")


def load(path=None) -> Loaded:
    """Load a scenario file (default: scenarios/default.yaml), or an XMILE / Stella .stmx model."""
    if path is not None and Path(path).suffix.lower() in (".xmile", ".stmx"):
        from .xmile import read
        return Loaded(read(path))
    return Loaded(load_scenario(path or DEFAULT_SCENARIO))


def run(path=None, params=None, keep=None) -> Result:
    """Load and run a scenario in one call."""
    return load(path).run(params=params, keep=keep)
