"""What an analysis of one model needs, prepared once for any number of runs: the link graph, the
cycle partitions, the links inside them, their partial-change expressions (compiled), and the
variables the runs must save."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ModelError
from .evaluate import compile_expressions
from .links import link_graph
from .linkscores import link_scores
from .partials import PREV, input_arrays, partial_trees
from .partitions import cycle_partitions
from .trajectories import TrajectorySource


@dataclass
class Plan:
    """The prepared analysis of one model (see ``make_plan``)."""
    lg: Any
    partitions: list
    link_ids: list                  # links with both ends in one partition, in row order
    partials: Any
    evaluate: Any
    source: TrajectorySource

    @property
    def rows(self) -> dict:
        """link number -> row of the link-score arrays."""
        return {i: r for r, i in enumerate(self.link_ids)}

    def run(self, params=None, n_runs=None):
        """Run a batch: (times, {name: time x run}, {parameter: value per run}, Result)."""
        return self.source.run(params, n_runs)

    def link_scores(self, batch, cols) -> np.ndarray:
        """Link scores (row, time, run) of the runs ``cols`` (a slice or index array) of a batch
        (with numpy: the compiled scoring computes them on its way, ``compiled.score_block``)."""
        times, traj, values, _ = batch
        sub = {n: np.ascontiguousarray(a[:, cols]) for n, a in traj.items()}
        vals = runs_of(values, cols)
        arrays = input_arrays(self.partials.names, sub, vals)
        partial = dict(zip(self.partials.link_ids, self.evaluate(arrays, times[:-1, None])))
        return link_scores(self.lg, self.link_ids, sub, partial)


def runs_of(values, cols) -> dict:
    """Parameter values (name -> one value, or one per run) of the runs ``cols`` (a slice or
    index array): per-run arrays indexed, single values kept."""
    return {k: (np.asarray(v)[cols] if np.ndim(v) > 0 else v) for k, v in (values or {}).items()}


def event_parameters(model) -> set:
    """Parameters that events set or ramp: they change along a run."""
    return {a.target for ev in model.events for a in ev.actions
            if a.target in model.elements and model.elements[a.target].kind == "parameter"}


def make_plan(model, backend: str = "auto") -> Plan:
    """Prepare the analysis of ``model`` on a backend; a model with no feedback loop is an error."""
    lg = link_graph(model)
    parts = cycle_partitions(lg)
    if not parts:
        raise ModelError(f"the model '{model.name}' has no feedback loops: there is no loop "
                         "dominance to analyse", file=model.where.file,
                         hint="'carbonloop loops' lists the loops a model has")
    inside = {n: p.number for p in parts for n in p.nodes}
    link_ids = [i for i, lk in enumerate(lg.links)
                if inside.get(lk.source) is not None and inside.get(lk.source) == inside.get(lk.target)]
    varying = set(lg.graph.nodes) | event_parameters(lg.model)
    uses = [i for i in link_ids if lg.links[i].kind == "uses"]
    partials = partial_trees(lg, uses, varying)
    keep = _keep(lg, link_ids, partials, varying)
    fn = compile_expressions(partials.trees, partials.names, lg.model, backend)
    return Plan(lg, parts, link_ids, partials, fn, TrajectorySource(model, keep, backend))


def _keep(lg, link_ids, partials, varying) -> list:
    keep = []
    for i in link_ids:
        lk = lg.links[i]
        keep += [lk.source, lk.target]
        if lk.kind in ("inflow", "outflow"):
            el = lg.model.elements[lk.target]
            keep += list(el.inflows) + list(el.outflows)
    for n in partials.names:
        base = n.removeprefix(PREV)
        if base in varying:
            keep.append(base)
    return list(dict.fromkeys(keep))
