"""A finished sweep file seen from Python: samples, metrics and trajectories on request."""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from ..results.hdf5 import safe_name
from . import store


class SweepResult:
    """The file a sweep wrote. Reads lazily; converts to pandas and xarray on request."""

    def __init__(self, path):
        self.path = Path(path)
        self.already_complete = False     # True when a call found the sweep finished before
        names, _, _, attrs = store.read_samples(self.path)
        self.parameters = names
        self.attrs = attrs
        self.metric_names = store.names_by_role(self.path, "metric")
        self.trajectory_names = store.names_by_role(self.path, "trajectory")

    @property
    def n_runs(self) -> int:
        """Runs in the sweep."""
        return int(self.attrs["n_runs"])

    @property
    def method(self) -> str:
        """The sampling method."""
        return str(self.attrs["method"])

    def samples(self):
        """The samples table: a DataFrame of parameter values, one row per run."""
        import pandas as pd
        names, _, vals, _ = store.read_samples(self.path)
        return pd.DataFrame(vals, columns=names, index=pd.RangeIndex(len(vals), name="run"))

    def metrics(self):
        """The metrics: a DataFrame, one row per run."""
        import pandas as pd
        with h5py.File(self.path, "r") as f:
            cols = {m: f[safe_name(m)][...] for m in self.metric_names}
        return pd.DataFrame(cols, index=pd.RangeIndex(self.n_runs, name="run"))

    def trajectory(self, name: str, runs=slice(None)) -> np.ndarray:
        """A kept trajectory as (time x run) (``runs`` selects a slice of runs)."""
        with h5py.File(self.path, "r") as f:
            return f[safe_name(name)][:, runs]

    @property
    def times(self) -> np.ndarray:
        """The times of the kept trajectories."""
        with h5py.File(self.path, "r") as f:
            return f["time"][...]

    def to_xarray(self):
        """The whole file as an xarray Dataset (lazily loaded)."""
        import xarray as xr
        return xr.open_dataset(self.path, engine="h5netcdf")

    def sensitivity(self, figures: bool = True, folder=None):
        """Indices (Sobol or Morris, else rank correlations) as a DataFrame; also CSV, HDF5, figures."""
        from .analyse import analyse
        return analyse(self.path, figures=figures, folder=folder)

    def __repr__(self):
        return (f"<carbonloop sweep '{self.attrs.get('sweep')}': {self.method}, {self.n_runs} runs, "
                f"{len(self.parameters)} parameters, metrics {self.metric_names}; {self.path}>")
