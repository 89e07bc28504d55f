"""Backends: turn a plan into a kernel. ``numpy`` is the reference and the fallback; ``numba``
compiles one run's step to machine code. ``auto`` takes numba when it is installed and supports
the plan and the batch has at most ``LARGE_BATCH`` runs, otherwise numpy: numba's scalar code
wins by far on single runs and small batches (optimiser populations, MCMC walkers, the app), while
numpy's operations over the run axis keep up with it from about a thousand runs on and win beyond
(see docs/engine.md). The environment variable CARBONLOOP_BACKEND (numpy or numba) changes what
``auto`` means. The run's provenance says which backend ran."""
from __future__ import annotations

import importlib
import os

from ..errors import ModelError
from .base import Backend, Kernel, State

# name -> (module, class)
BACKENDS = {"numpy": ("engine.backends.numpy_backend", "NumpyBackend"),
            "numba": ("engine.backends.numba_backend", "NumbaBackend")}
CHOICES = ("auto", *BACKENDS)
LARGE_BATCH = 1024      # 'auto' computes batches (sweep chunks) of more runs than this with numpy
_cache: dict = {}


def get(name: str) -> Backend:
    """The backend of that name (ModelError when unknown or not installed)."""
    if name not in BACKENDS:
        raise ModelError(f"unknown backend '{name}'", hint="choose " + ", ".join(CHOICES))
    if name not in _cache:
        module, cls = BACKENDS[name]
        try:
            _cache[name] = getattr(importlib.import_module(module), cls)()
        except ImportError as exc:
            raise ModelError(f"the {name} backend is not available here ({exc})",
                             hint="install it (pip install numba) or use --backend numpy") from None
    return _cache[name]


def available(name: str) -> bool:
    """True when the backend can be loaded here."""
    try:
        get(name)
        return True
    except ModelError:
        return False


def choose(plan, requested: str = "auto", n_runs: int | None = None) -> Backend:
    """The backend to run ``plan`` on: the one requested, or for 'auto' the fastest that can
    for batches of ``n_runs`` runs (None: a small batch)."""
    if requested == "auto" and os.environ.get("CARBONLOOP_BACKEND", "auto") != "auto":
        requested = os.environ["CARBONLOOP_BACKEND"]
    if requested != "auto":
        b = get(requested)
        why = b.supports(plan)
        if why:
            raise ModelError(f"the {requested} backend cannot run this model: {why}",
                             hint="use --backend numpy")
        return b
    if (n_runs is None or n_runs <= LARGE_BATCH) and available("numba") and \
            (plan is None or get("numba").supports(plan) is None):
        return get("numba")
    return get("numpy")


__all__ = ["Backend", "Kernel", "State", "BACKENDS", "CHOICES", "LARGE_BATCH", "get", "available", "choose"]
