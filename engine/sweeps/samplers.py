"""Samples of a sweep: positions in the unit cube (SALib, scipy.stats.qmc) mapped through each
parameter's inverse CDF. One seed gives one sample table, whatever runs it afterwards."""
from __future__ import annotations

import itertools

import numpy as np

from .spec import SweepSpec


def problem(spec: SweepSpec) -> dict:
    """The SALib problem: every parameter on [0, 1] (its quantile), so methods share one mapping."""
    return {"num_vars": len(spec.parameters), "names": spec.names,
            "bounds": [[0.0, 1.0]] * len(spec.parameters)}


def unit_samples(spec: SweepSpec) -> np.ndarray:
    """Positions in the unit cube, one row per run (grid: quantile positions of the grid values)."""
    d = len(spec.parameters)
    n = spec.samples
    if spec.method == "montecarlo":
        return np.random.default_rng(spec.seed).random((n, d))
    if spec.method == "latin":
        from scipy.stats import qmc
        return qmc.LatinHypercube(d=d, rng=np.random.default_rng(spec.seed)).random(n)
    if spec.method == "sobol":
        from SALib.sample import sobol
        return sobol.sample(problem(spec), n, calc_second_order=spec.second_order, seed=spec.seed)
    if spec.method == "morris":
        from SALib.sample import morris
        return morris.sample(problem(spec), n, num_levels=spec.levels, seed=spec.seed)
    if spec.method == "grid":
        axes = [np.arange(len(_grid_values(p, n))) for p in spec.parameters]
        idx = np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, d)
        sizes = np.array([len(a) for a in axes], dtype=float)
        return (idx + 0.5) / sizes
    raise ValueError(spec.method)


def _grid_values(p, n):
    return p.grid(n)


def values(spec: SweepSpec, unit: np.ndarray) -> np.ndarray:
    """Parameter values for each run (rows) and parameter (columns)."""
    out = np.empty_like(unit)
    for j, p in enumerate(spec.parameters):
        if spec.method == "grid":
            g = _grid_values(p, spec.samples)
            out[:, j] = g[np.minimum((unit[:, j] * len(g)).astype(np.int64), len(g) - 1)]
        else:
            out[:, j] = p.ppf(unit[:, j])
    return out


def sample(spec: SweepSpec) -> tuple[np.ndarray, np.ndarray]:
    """(unit positions, parameter values), each runs x parameters."""
    from ..calibration.posterior import tie_columns

    # parameters drawn from one posterior share one position: joint draws
    u = np.ascontiguousarray(tie_columns(spec.parameters, unit_samples(spec)), dtype=float)
    return u, values(spec, u)
