"""Backends: turn a plan into a kernel. ``numpy`` is the reference and the fallback; ``numba``
compiles one run's step to machine code. ``auto`` takes numba when it is installed and supports
the plan and the batch has at most ``LARGE_BATCH`` runs, otherwise numpy: numba's scalar code
wins by far on single runs and small batches (optimiser populations, MCMC walkers, the app), while
numpy's operations over the run axis keep up with it from about a thousand runs on and win beyond
(see docs/engine.md). A plan without events, pipelines or RK4 (``numba_codegen.soa_ready``) is
the exception: numba steps its batches as lanes of a structure of arrays, faster than numpy at
any size, so ``auto`` takes numba for those at every batch size. ``auto`` also leaves to numpy a
plan of more than ``MAX_NUMBA_TERMS`` terms (the nodes of all its equations): numba's compile time
grows faster than the plan, so a model of a 10,000-term sum would spend minutes compiling what
numpy runs in seconds. The environment variable
CARBONLOOP_BACKEND (numpy or numba) changes what ``auto`` means. The run's provenance says which
backend ran and why (``backend_choice``)."""
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
MAX_NUMBA_TERMS = 5_000     # 'auto' computes larger plans with numpy (the flagship's has about 1,600)
_cache: dict = {}
_terms: dict = {}           # plan digest -> terms


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
    return get(_auto(plan, n_runs)[0])


def _auto(plan, n_runs: int | None) -> tuple[str, str]:
    """What 'auto' takes for ``plan`` and a batch of ``n_runs``, and why."""
    if n_runs is not None and n_runs > LARGE_BATCH and not _lanes(plan):
        return "numpy", f"a batch of {n_runs:,} runs (more than {LARGE_BATCH:,})"
    if not available("numba"):
        return "numpy", "numba is not installed"
    if plan is not None:
        why = get("numba").supports(plan)
        if why:
            return "numpy", f"numba cannot run this model: {why}"
        terms = plan_terms(plan)
        if terms > MAX_NUMBA_TERMS:
            return "numpy", (f"a plan of {terms:,} terms (more than {MAX_NUMBA_TERMS:,}: compiling it with numba "
                             "would take far longer than running it)")
    return "numba", f"a batch of {n_runs or 1:,} runs of a plan of {plan_terms(plan) if plan else 0:,} terms"


def _lanes(plan) -> bool:
    """Whether numba steps this plan's batches as a structure of arrays (no events, pipelines or
    RK4, one chunk of statements: ``numba_codegen.soa_ready``), which outruns numpy at any size."""
    from .numba_codegen import soa_ready
    return plan is not None and soa_ready(plan)


def plan_terms(plan) -> int:
    """The size of a plan as the backends compile it: the nodes of all its equations, a block of
    cells (``plan/group.py``) counted once, by its template."""
    from ..lang import walk
    from ..plan.group import Block
    if plan.digest not in _terms:
        if len(_terms) > 256:
            _terms.clear()
        blocks = {id(b): b for items in plan.grouped.values() for b in items if isinstance(b, Block)}
        covered = {int(s) for b in blocks.values() for s in b.out}
        _terms[plan.digest] = sum(sum(1 for _ in walk(e)) for s, e in enumerate(plan.equations)
                                  if e is not None and s not in covered) + \
            sum(sum(1 for _ in walk(b.template)) for b in blocks.values())
    return _terms[plan.digest]


def choice(plan, requested: str = "auto", n_runs: int | None = None) -> str:
    """Why ``choose`` takes the backend it takes (for a run's provenance)."""
    if requested == "auto" and os.environ.get("CARBONLOOP_BACKEND", "auto") != "auto":
        return f"{os.environ['CARBONLOOP_BACKEND']}, set by CARBONLOOP_BACKEND"
    if requested != "auto":
        return f"{requested}, as asked"
    name, why = _auto(plan, n_runs)
    return f"auto: {name} for {why}"


__all__ = ["Backend", "Kernel", "State", "BACKENDS", "CHOICES", "LARGE_BATCH", "MAX_NUMBA_TERMS", "get", "available",
           "choose", "choice", "plan_terms"]
