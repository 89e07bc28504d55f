"""The compiled helpers numba kernels call: the builtins' scalar implementations, lookups and
pipeline buffers. Importing this module imports numba."""
from __future__ import annotations

import math
import types

import numpy as np
from numba import njit, prange

from .. import builtins
from ..builtins import cells, profiles, rng, scalar

OPTIONS = dict(cache=True, error_model="numpy", nogil=True)
NATIVE = {abs, math.exp, math.log, math.log10, math.sqrt, math.sin, math.cos, math.tan, math.asin,
          math.acos, math.atan, math.expm1, math.log1p, math.sinh, math.cosh, math.tanh}


def _jit(fn):
    return fn if fn in NATIVE else njit(**OPTIONS)(fn)


def _compiled(module, names) -> dict:
    """Functions of ``module`` compiled, with the helpers they call compiled too: each function is
    rebuilt over a copy of the module's globals in which every one of ``names`` is compiled."""
    ns = dict(vars(module))
    for name in names:
        f = getattr(module, name)
        ns[name] = njit(**OPTIONS)(types.FunctionType(f.__code__, ns, name, f.__defaults__))
    return {name: ns[name] for name in names}


_RNG = _compiled(rng, rng.HELPERS + tuple(rng.SCALAR))
_CELLS = {**_compiled(cells, ("lookup_cells", "rank_of", "sorted_index", "pick", "select_cells", "inverse_cell",
                              "lookup_step", "_area_to", "lookup_area")),
          **_compiled(profiles, ("normal_tail", "served", "_reach", "allocation", "at_price", "_market_range",
                                 "_excess", "market_price"))}
# _fn_<name>: what scalar code calls for each builtin
HELPERS = {f"_fn_{b.name}": _RNG[b.name] if b.kind == "random" else
           _CELLS[b.name] if b.name in _CELLS else _jit(b.scalar)
           for b in builtins.REGISTRY.values() if b.scalar is not None}
_interp = njit(**OPTIONS)(scalar.interp)
_sel = njit(**OPTIONS)(scalar.select)


@njit(**OPTIONS)
def _dread(DB, off, size, steps, init, k, r):
    """A pipeline's value at step k for run r (its start value before the delay has passed)."""
    src = k - steps
    if src < 0:
        return init
    return DB[off + src % size, r]


@njit(**OPTIONS)
def _nruns(V):
    """Runs of a batch (the rows of the run-major V)."""
    return V.shape[0]


@njit(**OPTIONS)
def _ncols(A):
    """Columns of a 2-D array."""
    return A.shape[1]


@njit(**OPTIONS)
def transpose(a, out):
    """out = a.T for 2-D arrays, in blocks that stay in cache (records run by run -> by time)."""
    n, m = a.shape
    b = 32
    for i0 in range(0, n, b):
        i1 = min(n, i0 + b)
        for j0 in range(0, m, b):
            j1 = min(m, j0 + b)
            for j in range(j0, j1):
                for i in range(i0, i1):
                    out[j, i] = a[i, j]
    return 0


@njit(**OPTIONS)
def _copy(a):
    """A copy of a 1-D array (a run's row, to compute in without changing it)."""
    return a.copy()


_empty = np.empty
_prange = prange
globals().update(HELPERS)
__all__ = ["HELPERS", "_interp", "_sel", "_dread", "_copy", "_empty", "_prange", "_nruns", "_ncols", *HELPERS]
