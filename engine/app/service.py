"""The app's run service: the scenarios of one folder, each loaded once with its baseline run cached;
runs go through one function (``RunService.simulate``) on a thread pool."""
from __future__ import annotations

import asyncio
import functools
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..api import Loaded, load
from ..errors import ModelError
from ..frontends.yaml.yamlio import load_file
from ..outputs.paths import OUTPUTS
from . import extras
from .bands import bands_for

SPEC_KEYS = {"sweep", "calibration"}        # top-level keys of the specs that are not scenarios
SOURCE_HEADER = re.compile(r"^# ---- (.+)$", re.MULTILINE)


def scan(folder: Path) -> dict:
    """The scenario files of a folder by name (file stem); sweep and calibration specifications
    (files with a top-level ``sweep:`` or ``calibration:``) are left out: they are not scenarios."""
    found: dict = {}
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        if path.stem in found or not path.is_file():
            continue
        try:
            data, _ = load_file(path)
        except ModelError as exc:           # listed all the same: opening it shows the error
            found[path.stem] = {"path": path, "description": f"cannot be read: {exc.message}"}
            continue
        if isinstance(data, dict) and not SPEC_KEYS & set(data):
            found[path.stem] = {"path": path, "description": " ".join(str(data.get("description")
                                                                          or "").split())}
    return found


def _stamp(paths) -> tuple:
    """Modification times of a scenario's files, to notice an edit."""
    out: list = []
    for p in paths:
        try:
            out.append((p, os.stat(p).st_mtime_ns))
        except OSError:
            out.append((p, None))
    return tuple(out)


@dataclass
class Scenario:
    """One loaded scenario and what the page needs of it: levers, variables, baseline, data."""
    name: str
    path: Path
    loaded: Loaded
    baseline: Any                       # engine.results.Result of the scenario as written
    levers: dict                            # parameter -> engine.levers.Lever
    variables: dict                         # saved variable -> element
    data: dict = field(default_factory=dict)
    data_error: str = ""
    stamp: tuple = ()
    model_js: str | None = None             # the model as JavaScript, made when the page first asks

    def changed(self, params: dict) -> dict:
        """The lever settings that differ from the scenario as written."""
        return {k: v for k, v in params.items() if v != self.levers[k].value}


class RunService:
    """Loads the scenarios of ``folder`` on demand and runs them with lever settings."""

    def __init__(self, folder, *, workers: int = 4, backend: str = "auto",
                 data_source=extras.data_series, dominance_source=extras.dominance,
                 has_dominance=extras.has_dominance, in_page: bool = False, outputs=OUTPUTS):
        self.folder = Path(folder)
        self.outputs = Path(outputs).resolve()     # where calibrations wrote their results (bands.py)
        self.backend = backend              # the engine's choice: the fastest it has
        self.in_page = in_page              # offer pages the model as JavaScript, to run it themselves
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="carbonloop-app")
        self.data_source = data_source
        self.dominance_source = dominance_source
        self.has_dominance = has_dominance
        self._files = scan(self.folder)
        self._scenarios: dict[str, Scenario] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    async def call(self, fn, *args):
        """Run ``fn(*args)`` on the thread pool, so that a slow run blocks no other request."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args))

    def close(self):
        """Stop the thread pool (runs under way finish)."""
        self.executor.shutdown(wait=False, cancel_futures=True)

    def names(self) -> list:
        """Names of the scenarios of the folder (as last listed)."""
        return list(self._files)

    def listing(self) -> list:
        """The folder's scenarios, listed afresh: name, file and description."""
        files = scan(self.folder)
        with self._lock:
            self._files = files
        return [{"name": n, "file": f["path"].name, "description": f["description"]}
                for n, f in files.items()]

    def scenario(self, name: str, fresh: bool = False) -> Scenario:
        """The loaded scenario (loaded on first use; with ``fresh``, reloaded if a file changed)."""
        with self._lock:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            sc = self._scenarios.get(name)
            if sc is None or (fresh and _stamp(p for p, _ in sc.stamp) != sc.stamp):
                sc = self._load(name)
                self._scenarios[name] = sc
            return sc

    def preload(self) -> None:
        """Load (and so compile) every scenario of the folder, one after another, so that a
        switch of scenario answers at once; a scenario that does not load is left for the page
        to report when it is picked."""
        for name in self.names():
            try:
                self.scenario(name)
            except ModelError:
                continue

    def cache_state(self) -> dict:
        """What the service holds: each loaded scenario's baseline and compiled variable sets."""
        return {n: (id(sc.baseline), tuple(sc.loaded._plans)) for n, sc in sorted(self._scenarios.items())}

    def _load(self, name: str) -> Scenario:
        if name not in self._files:
            raise ModelError(f"no scenario '{name}' in {self.folder}")
        path = self._files[name]["path"]
        loaded = load(path)
        baseline = loaded.run(backend=self.backend)
        files = [Path(p) for p in SOURCE_HEADER.findall(loaded.model.source_text)] or [path]
        variables = {n: loaded.model.elements[n] for n in baseline.names if n in loaded.model.elements}
        sc = Scenario(name=name, path=path, loaded=loaded, baseline=baseline,
                      levers={lv.parameter: lv for lv in loaded.model.levers}, variables=variables,
                      stamp=_stamp(files))
        try:
            sc.data = {k: v for k, v in self.data_source(loaded, path).items() if k in variables}
        except (ModelError, ValueError) as exc:
            sc.data_error = f"the data series could not be read: {exc}"
        return sc

    def simulate(self, sc: Scenario, params: dict, keep: tuple):
        """The one place the app runs a model: ``params`` differ from the scenario, ``keep`` is shown."""
        return sc.loaded.run(params=params, keep=list(keep), backend=self.backend)

    def run(self, name: str, params: dict, variables: list, baseline: list) -> tuple[dict, float]:
        """Trajectories of ``variables`` under ``params`` (and the baseline of ``baseline``), as numpy
        arrays, and the run's time in ms (0 when the settings are the scenario's own: its cached
        baseline is the answer)."""
        sc = self.scenario(name)
        changed = sc.changed(params)
        t0 = time.perf_counter()
        result = self.simulate(sc, changed, tuple(sorted(variables))) if changed and variables \
            else sc.baseline
        run_ms = (time.perf_counter() - t0) * 1000 if result is not sc.baseline else 0.0
        return {"scenario": name, "params": changed, "is_baseline": not changed,
                "times": sc.baseline.times,
                "values": {n: result[n][:, 0] for n in variables},
                "baseline": {n: sc.baseline[n][:, 0] for n in baseline}}, run_ms

    def model_source(self, name: str) -> str | None:
        """The scenario's model as JavaScript for the page to run (every variable the app shows), or
        None when the service does not offer it or the JavaScript backend cannot write the model."""
        sc = self.scenario(name)
        if not self.in_page:
            return None
        if sc.model_js is None:
            from ..backends.javascript import JavascriptBackend
            plan = sc.loaded.plan(keep=list(sc.variables))
            backend = JavascriptBackend()
            sc.model_js = "" if backend.supports(plan) else backend.module_source(plan)
        return sc.model_js or None

    def data(self, name: str, variable: str):
        """The measured series of ``variable`` (``extras.series_payload``), or None."""
        return self.scenario(name).data.get(variable)

    def bands(self, name: str) -> tuple[dict, str]:
        """The predictive bands of the scenario's variables from the folder's calibrations of it,
        read afresh (``bands.bands_for``), and a note of those that could not be read."""
        sc = self.scenario(name)
        return bands_for(sc.path, self.folder, sc.variables, self.outputs)

    def dominance(self, name: str, params: dict, variable: str):
        """Loop shares of ``variable`` under ``params`` (``extras.dominance_payload``), or None."""
        sc = self.scenario(name)
        return self.dominance_source(sc.loaded, sc.changed(params), variable)
