"""Calibration and validation against data: spec -> series -> batched search -> profiles -> MCMC
-> fit report.

Modules, one job each: ``data`` (the catalogue and its CSV series), ``spec`` (the YAML calibration
spec) with ``settings`` (optimiser, intervals, MCMC) and ``check`` (against the model), ``readouts``
(reading a variable against an observation), ``likelihood`` (error models and
priors), ``objective`` (a batch of candidates -> one batch of runs -> objective), ``optimise``
(differential evolution and a polish), ``lm`` (batched Levenberg-Marquardt), ``uncertainty``
(curvature, profile likelihood, identifiability), ``mcmc`` (emcee, vectorised), ``fitstats``,
``report`` and ``figures`` (the fit report), ``checkpoint`` (resume), ``estimates`` (the
``--params`` file), ``posterior`` (sweeps that draw from a posterior), ``overlay`` (data points on
run figures), ``run`` (drives them). Forecasts: ``discrepancy`` (the AR(1) model error),
``predictive`` (predictive draws and projections), ``scores`` (coverage, interval score, CRPS),
``benchmarks`` (last value, trend) and ``hindcast`` (rolling-origin refits, scored).

``engine.calibrate(spec, ...)`` is ``engine.calibration.run.calibrate``, the code behind
``carbonloop calibrate``.
"""
from __future__ import annotations

__all__ = ["calibrate", "load_spec", "load_catalog", "params_from_file", "fit_statistics"]
_LAZY = {"calibrate": "run", "load_spec": "spec", "load_catalog": "data",
         "params_from_file": "estimates", "fit_statistics": "fitstats"}


def __getattr__(name):
    """Import on first use, so that ``import engine`` stays quick."""
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
