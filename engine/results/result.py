"""Results stage: one array ``data[time, variable, run]`` plus a name map, converted on request."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np


@dataclass
class Result:
    """Trajectories of a batch of runs: ``data[time, variable, run]``.

    ``result["name"]`` gives a (time x run) array; ``to_pandas()`` and ``to_xarray()`` convert.
    """
    times: np.ndarray
    names: list
    data: np.ndarray
    params: dict                        # parameter name -> value per run (array of n_runs)
    units: dict = field(default_factory=dict)
    docs: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)

    @classmethod
    def from_simulation(cls, sim, values: dict) -> "Result":
        """The result of a finished batch run (``values``: parameter slot -> value per run)."""
        plan = sim.plan
        t = plan.time
        times = t.start + np.arange(plan.n_save) * t.dt * t.save_every
        params = {plan.names[s]: np.broadcast_to(np.asarray(v, float), (sim.n,)).copy()
                  for s, v in values.items()}
        prov = dict(plan.provenance, backend=sim.kernel.backend,
                    created=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        if sim.events:
            prov["events_applied"] = [list(map(_plain, e)) for e in sim.events.log]
        return cls(times=times, names=plan.saved_names, data=sim.out, params=params,
                   units=dict(plan.units), docs=dict(plan.docs), provenance=prov)

    @property
    def n_runs(self) -> int:
        return self.data.shape[2]

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.data[:, self.names.index(name), :]
        except ValueError:
            from ..errors import ModelError
            from ..model.check import suggest
            raise ModelError(f"'{name}' is not among the saved variables", element=name,
                             hint=suggest(name, self.names)) from None

    def __contains__(self, name) -> bool:
        return name in self.names

    def at(self, name: str, time: float) -> np.ndarray:
        """Values of ``name`` at the saved time nearest to ``time`` (one per run)."""
        return self[name][int(np.argmin(np.abs(self.times - time)))]

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
        """An xarray Dataset with dimensions (time, run); parameters over run."""
        import xarray as xr
        coords = {"time": self.times, "run": np.arange(self.n_runs)}
        data_vars = {}
        for i, n in enumerate(self.names):
            data_vars[n] = (("time", "run"), self.data[:, i, :],
                            {"units": self.units.get(n, ""), "description": self.docs.get(n, "")})
        for k, v in self.params.items():
            data_vars[k] = (("run",), v, {"role": "parameter"})
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


def _plain(x):
    return x.item() if isinstance(x, np.generic) else x
