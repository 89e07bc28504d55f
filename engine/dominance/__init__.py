"""Loop dominance by the Loops That Matter method: link, loop and relative loop scores of every
run of a batch, the loops that matter, dominant periods and their shares over an ensemble.

Stages (one module each): ``links`` (link graph of the expanded model) -> ``partitions`` (cycle
partitions) -> ``partials`` + ``evaluate`` (partial-change expressions, compiled) ->
``trajectories`` (the analysis run) -> ``linkscores`` -> ``discovery`` (exhaustive or
strongest-path) -> ``loopscores`` -> ``periods`` -> ``result`` / ``tables`` / ``store`` / ``figures``.
``trace`` draws the causes and uses of one variable.
"""
from __future__ import annotations

import weakref

_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LABELS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def plan_for(model, backend: str = "auto"):
    """The prepared analysis of a model on a backend; kept with an ``engine.Loaded`` so it is
    made once per backend."""
    from .plan import make_plan
    inner = getattr(model, "model", model)
    if inner is model:
        return make_plan(inner, backend)
    plans = _PLANS.setdefault(model, {})
    cached = plans.get(backend)
    if cached is None or cached.source.model is not inner:
        cached = plans[backend] = make_plan(inner, backend)
    return cached


def labels_for(model, backend: str = "auto"):
    """The loop labels of a model (``engine.graph.labels``), from its listing of loops; kept with an
    ``engine.Loaded`` so that every analysis of it (a lever moved in the app) labels a loop alike."""
    from ..graph.polarity import loops_of

    def listing():
        # the numbering comes from the loops of the default listing (up to 16 elements); a
        # declared loop longer than that is named by the analysis itself, so the longer search
        # 'carbonloop loops' makes for it is not needed here
        return loops_of(inner, backend=backend, search_limit=16).labels
    inner = getattr(model, "model", model)
    if inner is model:
        return listing()
    cached = _LABELS.get(model)
    if cached is None or cached[0] is not inner:
        cached = _LABELS[model] = (inner, listing())
    return cached[1]


def analyse(model, params=None, n_runs=None, **options):
    """Loop dominance of a model (an ``engine.Loaded`` or ``engine.model.Model``) over a batch of
    runs; see ``engine.dominance.analysis.analyse`` for the options."""
    from .analysis import analyse as _analyse
    plan = plan_for(model, options.get("backend", "auto"))
    labels = labels_for(model, options.get("backend", "auto"))
    return _analyse(getattr(model, "model", model), params, n_runs, plan=plan, labels=labels, **options)


def analyse_spec(spec, loaded, runs=None, **options):
    """Dominance over the samples of a sweep spec checked against ``loaded``, the scenario it
    varies (an ensemble; ``engine.sweeps.run.prepare`` gives both)."""
    from .ensemble import analyse_spec as _analyse_spec
    return _analyse_spec(spec, loaded, runs, **options)


__all__ = ["analyse", "analyse_spec", "plan_for"]
