"""Sweeps and global sensitivity: spec -> samples -> chunked batches -> executor -> one HDF5 file.

Modules, one job each: ``spec`` (the YAML sweep spec), ``samplers`` (SALib, scipy.stats.qmc),
``metrics`` (scalars from trajectories), ``store`` (the streamed, resumable file), ``executors``
(in-process, local processes, Dask), ``run`` (drives them), ``result`` (reading a sweep back),
``analyse`` and ``figures`` (indices and plots).

The package is itself callable: ``engine.sweep("scenarios/sweep-default.yaml", output=...)`` is
``engine.sweep.run.run_sweep(...)``, the same code the ``carbonloop sweep`` command runs.
"""
from __future__ import annotations

import sys
import types

__all__ = ["run_sweep", "load_spec", "SweepSpec", "SweepResult"]
_LAZY = {"run_sweep": "run", "load_spec": "spec", "SweepSpec": "spec", "SweepResult": "result"}


def __getattr__(name):
    """Import on first use, so that ``import engine`` stays quick (SALib, scipy, h5py are heavy)."""
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _CallablePackage(types.ModuleType):
    def __call__(self, spec, output=None, workers=None, scheduler=None, **options):
        """Run or resume a sweep (see ``run_sweep``); returns its ``SweepResult``."""
        from .run import run_sweep
        return run_sweep(spec, output=output, workers=workers, scheduler=scheduler, **options)


sys.modules[__name__].__class__ = _CallablePackage
