"""Sweeps and global sensitivity: spec -> samples -> chunked batches -> executor -> one HDF5 file.

Modules, one job each: ``spec`` (the YAML sweep spec), ``check`` (the spec against its model),
``mainguard`` (worker processes and the script that started them), ``samplers`` (SALib, scipy.stats.qmc),
``metrics`` (scalars from trajectories), ``store`` (the streamed, resumable file), ``executors``
(in-process, local processes, Dask), ``run`` (drives them), ``result`` (reading a sweep back),
``analyse`` and ``figures`` (indices and plots). ``engine.sweep(...)`` is ``run.run_sweep``.
"""
from __future__ import annotations

__all__ = ["run_sweep", "load_spec", "SweepSpec", "SweepResult"]
_LAZY = {"run_sweep": "run", "load_spec": "spec", "SweepSpec": "spec", "SweepResult": "result"}


def __getattr__(name):
    """Import on first use, so that ``import engine`` stays quick (SALib, scipy, h5py are heavy)."""
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
