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

from .result import SweepResult
from .run import run_sweep
from .spec import SweepSpec, load_spec

__all__ = ["run_sweep", "load_spec", "SweepSpec", "SweepResult"]


class _CallablePackage(types.ModuleType):
    def __call__(self, spec, output=None, workers=None, scheduler=None, **options) -> SweepResult:
        """Run or resume a sweep (see ``run_sweep``); returns its ``SweepResult``."""
        return run_sweep(spec, output=output, workers=workers, scheduler=scheduler, **options)


sys.modules[__name__].__class__ = _CallablePackage
