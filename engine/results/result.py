"""Results stage: one array ``data[time, variable, run]`` plus a name map, converted on request."""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from ..memo import once


@dataclass
class Result:
    """Trajectories of a batch of runs: ``data[time, variable, run]``.

    ``result["name"]`` gives a (time x run) array; ``to_pandas()`` and ``to_xarray()`` convert.
    """
    times: np.ndarray
    names: list
    data: np.ndarray
    params: Mapping                     # parameter name -> value per run (array of n_runs)
    units: dict = field(default_factory=dict)         # of saved variables and parameters
    docs: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    time_units: str = ""
    arrays: dict = field(default_factory=dict)        # arrayed element -> (dims, elements per dim, cells)
    headline: list = field(default_factory=list)      # the report's summary variables (print shows them)
    labels: dict = field(default_factory=dict)        # names as the source file wrote them
    _at: dict | None = field(default=None, init=False, repr=False, compare=False)   # see _index

    @classmethod
    def from_simulation(cls, sim, values: dict) -> Result:
        """The result of a finished batch run (``values``: parameter slot -> value per run)."""
        plan = sim.plan
        meta = once(plan, "result metadata", _Metadata)
        params = ParamValues(meta.param_index, sim.inputs)
        prov = dict(plan.provenance, backend=sim.kernel.backend,
                    created=datetime.now(UTC).isoformat(timespec="seconds"))
        if sim.event_log is not None:
            prov["events_applied"] = [list(e) for e in sim.event_log]     # plain numbers and names
            prov["events_applied_by"] = sim.events_by
        data = sim.data if sim.data is not None else sim.kernel.records(sim.out)
        out = cls(times=meta.times.copy(), names=list(meta.names), data=data,
                  params=params, units=dict(meta.units), docs=dict(meta.docs), provenance=prov,
                  time_units=plan.time.units, arrays=dict(meta.arrays), headline=list(meta.headline),
                  labels=dict(meta.labels))
        out._at = meta.index
        return out

    @property
    def n_runs(self) -> int:
        """Runs in the batch."""
        return self.data.shape[2]

    def __getitem__(self, name: str) -> np.ndarray:
        """(time x run) values of a variable; an arrayed one (all its cells saved) as
        (time x its dimensions x run)."""
        if name not in self.names and name in self.saved_arrays:
            dims, elements, cells = self.arrays[name]
            index = self._index()
            idx = [index[c] for c in cells]
            return self.data[:, idx, :].reshape((len(self.times), *map(len, elements), self.n_runs))
        try:
            return self.data[:, self._index()[name], :]
        except KeyError:
            from ..errors import ModelError
            from ..model.check import suggest
            raise ModelError(f"'{name}' is not among the saved variables", element=name,
                             hint=suggest(name, self.names)) from None

    def __contains__(self, name) -> bool:
        return name in self.names or name in self.saved_arrays

    def _index(self) -> dict:
        """name -> position in ``names`` (built once; ``names`` is not changed after a run)."""
        if self._at is None or len(self._at) != len(self.names):
            self._at = {n: i for i, n in enumerate(self.names)}
        return self._at

    @property
    def saved_arrays(self) -> dict:
        """Arrayed elements every cell of which is saved: name -> (dims, elements per dim, cells)."""
        have = set(self.names)
        return {n: a for n, a in self.arrays.items() if all(c in have for c in a[2])}

    @property
    def param_arrays(self) -> dict:
        """Arrayed parameters every cell of which is among ``params``: name -> (dims, elements per
        dim, cells)."""
        return {n: a for n, a in self.arrays.items() if a[2] and all(c in self.params for c in a[2])}

    def param_values(self, name: str) -> np.ndarray:
        """An arrayed parameter's values over (its dimensions x run)."""
        dims, elements, cells = self.arrays[name]
        return np.stack([np.broadcast_to(np.asarray(self.params[c], float), (self.n_runs,)) for c in cells]
                        ).reshape((*map(len, elements), self.n_runs))

    def at(self, name: str, time) -> np.ndarray:
        """Values of ``name`` at the saved time nearest to ``time``: one per run, or for a sequence
        of times an array (time x run)."""
        series = self[name]
        if np.ndim(time) == 0:
            return series[int(np.argmin(np.abs(self.times - time)))]
        wanted = np.asarray(time, dtype=float)
        return series[np.argmin(np.abs(self.times[None, :] - wanted[:, None]), axis=1)]

    def __repr__(self) -> str:
        t = self.times
        span = f"{t[0]:g}..{t[-1]:g}" + (f" {self.time_units}" if self.time_units else "") if len(t) else "-"
        shown = ", ".join(self.visible[:4]) + (", ..." if len(self.visible) > 4 else "")
        return (f"<carbonloop result '{self.provenance.get('scenario', '?')}': {self.n_runs:,} run"
                f"{'s' if self.n_runs != 1 else ''}, {len(t):,} times {span}, {len(self.visible)} variables "
                f"({shown})>")

    def __str__(self) -> str:
        """A few lines: the runs and times, then the scenario's headline variables (its report's
        summary; else the first variables) at the start and the end (over runs: their range)."""
        lines = [repr(self)[1:-1]]
        if not len(self.times) or not self.visible:
            return "\n".join(lines)
        shown = [n for n in self.headline if n in self.names] or self.visible[:SUMMARY_ROWS]
        width = max(len(n) for n in shown) + 2
        over = "" if self.n_runs == 1 else " (min..max over runs)"
        lines.append(f"  {'variable':<{width}}{'units':<12}at start, at end{over}")
        for n in shown:
            v = self[n]
            lines.append(f"  {n:<{width}}{(self.units.get(n) or '-')[:11]:<12}{_span(v[0])}, {_span(v[-1])}")
        if len(self.visible) > len(shown):
            lines.append(f"  ... and {len(self.visible) - len(shown)} more (result.names lists them)")
        return "\n".join(lines)

    @property
    def visible(self) -> list:
        """Saved variables a modeller wrote (not the engine's hidden helpers)."""
        return [n for n in self.names if ":" not in n]

    def to_pandas(self, run: int | None = 0):
        """A DataFrame indexed by time (one run), or long form over runs when ``run`` is None."""
        import pandas as pd
        visible = [i for i, n in enumerate(self.names) if ":" not in n]
        if run is not None:
            return pd.DataFrame(self.data[:, visible, run], index=pd.Index(self.times, name="time"),
                                columns=[self.names[i] for i in visible])
        frames = []
        for r in range(self.n_runs):
            df = pd.DataFrame(self.data[:, visible, r], columns=[self.names[i] for i in visible])
            df.insert(0, "time", self.times)
            df.insert(0, "run", r)
            frames.append(df)
        return pd.concat(frames).set_index(["run", "time"])

    def to_xarray(self):
        """An xarray Dataset with dimensions (time, run); parameters over run. An arrayed variable
        is one variable over (time, its dimensions, run), its dimensions labelled by their elements
        (``ds["capacity"].sel(region="north")``)."""
        import xarray as xr
        coords = {"time": ("time", self.times, {"units": self.time_units}), "run": np.arange(self.n_runs)}
        data_vars = {}
        arrays = self.saved_arrays
        in_arrays = {c for a in arrays.values() for c in a[2]}
        for name, (dims, elements, _) in arrays.items():
            for d, e in zip(dims, elements):
                coords[d] = (d, list(e))
            data_vars[name] = (("time", *dims, "run"), self[name],
                               {"units": self.units.get(name, ""), "description": self.docs.get(name, "")})
        for i, n in enumerate(self.names):
            if n in in_arrays:
                continue
            data_vars[n] = (("time", "run"), self.data[:, i, :],
                            {"units": self.units.get(n, ""), "description": self.docs.get(n, "")})
        in_params = set()
        for name, (dims, elements, cells) in self.param_arrays.items():
            for d, e in zip(dims, elements):
                coords[d] = (d, list(e))
            in_params.update(cells)
            data_vars[name] = ((*dims, "run"), self.param_values(name),
                               {"role": "parameter", "units": self.units.get(name, ""),
                                "description": self.docs.get(name, "")})
        for k, v in self.params.items():
            if k in in_params:
                continue
            data_vars[k] = (("run",), np.broadcast_to(v, (self.n_runs,)),
                            {"role": "parameter", "units": self.units.get(k, ""), "description": self.docs.get(k, "")})
        return xr.Dataset(data_vars, coords=coords,
                          attrs={k: json.dumps(v) if not isinstance(v, str) else v
                                 for k, v in self.provenance.items()})

    def to_hdf5(self, path) -> str:
        """Write the HDF5 file (readable by xarray with engine='h5netcdf')."""
        from .hdf5 import write_result
        return write_result(self, path)

    def summary(self, names, years) -> list:
        """Rows of (name, value at each year) for run 0."""
        rows = []
        for n in names:
            if n in self.names:
                rows.append((n, [float(self.at(n, y)[0]) for y in years]))
        return rows


class _Metadata:
    """What every result of a plan carries besides its numbers (made once per plan; each result
    gets its own copies)."""

    def __init__(self, plan):
        els = plan.model.elements
        self.times = plan.save_times
        self.names = plan.saved_names
        self.params = [plan.names[s] for s in plan.params]
        self.units = dict(plan.units, **{n: els[n].units for n in self.params})
        self.docs = dict(plan.docs, **{n: els[n].doc for n in self.params})
        self.arrays = {a.name: (a.dims, a.elements, a.cells) for a in plan.model.arrays}
        for name, (_, _, cells) in self.arrays.items():
            cell = next((c for c in cells if c in self.units), None)
            if cell is not None:
                self.units.setdefault(name, self.units[cell])
                self.docs.setdefault(name, self.docs.get(cell, ""))
        self.labels = {n: els[n].label for n in (*self.names, *self.params) if n in els and els[n].label}
        self.headline = list(plan.model.report.summary)
        self.index = {n: i for i, n in enumerate(self.names)}      # shared by the results (read only)
        self.param_index = {n: i for i, n in enumerate(self.params)}     # (the same)


class ParamValues(Mapping):
    """A result's parameters: name -> values per run, each a row of the batch's inputs (parameter
    x run), made when asked for (a result of a model with hundreds of parameters is made without
    a dict of hundreds of rows; a run of the flagship spent 30 us on it)."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict, values: np.ndarray):
        self._index = index
        self._values = values

    def __getitem__(self, name: str) -> np.ndarray:
        return self._values[self._index[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return repr(dict(self))


SUMMARY_ROWS = 8        # variables ``print(result)`` shows when the scenario's report names none


def _span(values) -> str:
    lo, hi = np.min(values), np.max(values)
    return f"{lo:.6g}" if lo == hi else f"{lo:.6g}..{hi:.6g}"
