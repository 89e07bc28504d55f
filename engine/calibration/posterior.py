"""Sweeps that draw parameters from a calibration's posterior: ``{posterior: FILE}`` in a sweep spec.

All parameters drawn from the same file share one unit-interval position per run, which picks one
row of the stored draws: so they come as joint draws, with their correlations kept.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import ModelError


def file_digest(path) -> str:
    """SHA-256 of the posterior file (so a sweep over another posterior never resumes this one)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as exc:
        raise ModelError(f"cannot read the posterior: {exc.strerror}", file=str(path)) from None


@lru_cache(maxsize=4)
def _draws(path: str, digest: str):
    from .mcmc import read_draws
    names, draws = read_draws(path)
    if not len(draws):
        raise ModelError("the file holds no posterior draws (run the calibration with mcmc: steps > 0)",
                         file=path)
    return names, draws


def posterior_values(path: str, digest: str, name: str, u: np.ndarray) -> np.ndarray:
    """Values of ``name`` in the draws at unit-interval positions ``u`` (row = floor(u x draws))."""
    names, draws = _draws(path, digest)
    if name not in names:
        from ..model.check import suggest
        raise ModelError(f"the posterior holds no draws of '{name}'", file=path, element=name,
                         hint=suggest(name, names) or "it holds " + ", ".join(names))
    rows = np.minimum((np.asarray(u, float) * len(draws)).astype(np.int64), len(draws) - 1)
    return draws[rows, names.index(name)]


def tie_columns(parameters, u: np.ndarray) -> np.ndarray:
    """Give all parameters drawn from one posterior file the unit position of the first of them."""
    u = np.array(u, float)
    first: dict = {}
    for j, p in enumerate(parameters):
        if p.distribution == "posterior":
            key = p.a["file"]
            if key in first:
                u[:, j] = u[:, first[key]]
            else:
                first[key] = j
    return u
