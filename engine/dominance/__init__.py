"""Loop dominance by the Loops That Matter method: link, loop and relative loop scores of every
run of a batch, the loops that matter, dominant periods and their shares over an ensemble.

Stages (one module each): ``links`` (link graph of the expanded model) -> ``partitions`` (cycle
partitions) -> ``partials`` + ``evaluate`` (partial-change expressions, compiled) ->
``trajectories`` (the analysis run) -> ``linkscores`` -> ``discovery`` (exhaustive or
strongest-path) -> ``loopscores`` -> ``periods`` -> ``result`` / ``tables`` / ``store`` / ``figures``.
``trace`` draws the causes and uses of one variable.
"""
from __future__ import annotations


def analyse(model, params=None, n_runs=None, **options):
    """Loop dominance of a model (an ``engine.Loaded`` or ``engine.model.Model``) over a batch of
    runs; see ``engine.dominance.analysis.analyse`` for the options."""
    from .analysis import analyse as _analyse
    return _analyse(getattr(model, "model", model), params, n_runs, **options)


__all__ = ["analyse"]
