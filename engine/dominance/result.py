"""The outcome of an analysis: loops with labels and polarity, scores over (loop, time, run),
dominance per bin of time, and how the loops were found; tables, files and figures on request."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..graph import Loop, name_declared
from ..graph.labels import LoopLabels, letter
from .links import hidden
from .loopscores import polarity


@dataclass(frozen=True)
class LoopInfo:
    """One loop of the analysis."""
    index: int
    label: str                      # the loop's one label: its declared name, else R1, B2, U1, ...
    name: str                       # the name the model declares for it, if any
    elements: tuple                 # in causal order, hidden SMOOTH/DELAY stages included
    partition: int
    polarity: str                   # R, B, Ru, Bu, U ('' never active: then the structure's)
    confidence: float
    importance: float               # mean magnitude of its relative score over bins and runs
    structural: str                 # '+', '-' or '?' per link from the structure ('' unread)

    @property
    def visible(self) -> tuple:
        """The loop's elements a modeller wrote (hidden helpers left out)."""
        return tuple(e for e in self.elements if not hidden(e)) or self.elements

    @property
    def title(self) -> str:
        """The loop's label, as figures title it (a declared name is the label)."""
        return self.label

    def path(self) -> str:
        """The loop as text: 'a -> b -> a'."""
        v = list(self.visible)
        return " -> ".join(v + v[:1])


@dataclass
class Dominance:
    """Loop dominance of a batch of runs (see ``engine.dominance.analyse``).

    Arrays are over (loop, time, run) at every dt (``relative``, ``scores``; kept when small
    enough, else None), over (link, time, run) for ``link_scores``, and over (loop, bin, run) for
    the bins of ``every`` time units (``signed``: mean relative score, ``magnitude``: mean of its
    magnitude, ``dominant``: in the smallest set explaining at least half the change).
    """
    model_name: str
    time_units: str
    times: np.ndarray
    every: float | None
    spans: np.ndarray               # (bin, (start, end))
    partitions: list
    loops: list                     # LoopInfo, in analysis order (index = position)
    groups: list                    # loop indices of each partition
    found: list                     # how each partition's loops were found (found.Found)
    signed: np.ndarray
    magnitude: np.ndarray
    dominant: np.ndarray
    params: dict                    # parameter values per run
    links: list                     # the scored links (links.Link), rows of link_scores
    result: object = None           # the analysis run's trajectories (single-chunk batches)
    relative: np.ndarray | None = None
    scores: np.ndarray | None = None
    link_scores: np.ndarray | None = None
    options: object = None

    @property
    def n_runs(self) -> int:
        """Runs analysed."""
        return self.dominant.shape[2]

    def loop(self, key) -> LoopInfo:
        """A loop by label, declared name or index."""
        for lp in self.loops:
            if key in (lp.label, lp.name, lp.index):
                return lp
        from ..errors import ModelError
        from ..model.check import suggest
        names = [lp.label for lp in self.loops] + [lp.name for lp in self.loops if lp.name]
        raise ModelError(f"no loop '{key}' in this analysis", hint=suggest(str(key), names))

    def through(self, name: str) -> Dominance:
        """Only the loops through ``name``, their relative scores renormalised among themselves."""
        from .focus import through
        return through(self, name)

    def periods(self, run: int = 0):
        """Dominant periods of each partition in one run (a DataFrame)."""
        from .tables import periods_table
        return periods_table(self, run)

    def table(self):
        """The loops: label, name, polarity, confidence, partition, importance, path."""
        from .tables import loops_table
        return loops_table(self)

    def shares(self):
        """Share of runs in which each loop is dominant, per bin of time (loop x bin)."""
        from .tables import shares_table
        return shares_table(self)

    def bands(self, quantiles=(0.05, 0.5, 0.95)):
        """Quantiles over runs of each loop's relative score per bin (xarray)."""
        from .tables import bands
        return bands(self, quantiles)

    def to_xarray(self):
        """Everything as an xarray Dataset over (loop, time or bin, run)."""
        from .tables import to_xarray
        return to_xarray(self)

    def to_hdf5(self, path, result=None) -> str:
        """Write the scores (group 'dominance') and, if given, the run's trajectories."""
        from .store import write_dominance
        return write_dominance(self, path, result)

    def __repr__(self):
        return (f"<loop dominance of '{self.model_name}': {len(self.loops)} loops in "
                f"{len(self.partitions)} partitions, {self.n_runs} runs>")


def _structural(lg, loop, cache) -> str:
    from ..graph.polarity import structural_sign
    out = []
    for i in lg.link_ids(loop):
        if i not in cache:
            lk = lg.links[i]
            cache[i] = lk.sign or structural_sign(lg.model.elements[lk.target].equation, lk.source, lg.model)
        out.append(cache[i])
    return "".join(out)


def assemble(plan, loops, report, state, opts, labels=None) -> Dominance:
    """The ``Dominance`` of a finished scoring; ``labels`` (``LoopLabels``) names its loops as the
    model's listing of loops does (loops beyond it continue the numbering)."""
    lg = plan.lg
    importance = state.mag.mean(axis=(1, 2)) if state.mag.size else np.zeros(len(loops))
    pols = [polarity(p, n) for p, n in zip(state.pos, state.neg)]
    cache: dict = {}
    kinds: list = []
    struct: list = []
    labels = labels or LoopLabels(spec.label for spec in lg.model.loops)
    for (pol, _), (_, lp) in zip(pols, loops):
        st = _structural(lg, lp, cache)
        kinds.append(letter(st))
        struct.append(st if not pol else "")
    named, _ = name_declared([Loop(lp, tuple(st)) for (_, lp), st in zip(loops, struct)],
                             lg.model.loops)
    names = labels.assign([(lp, kind, named[i].name) for i, ((_, lp), kind) in enumerate(zip(loops, kinds))])
    infos = [LoopInfo(i, names[i], named[i].name, lp, p, pols[i][0], pols[i][1], float(importance[i]),
                      struct[i]) for i, (p, lp) in enumerate(loops)]
    full = state.full
    return Dominance(model_name=lg.model.name, time_units=lg.model.time.units, times=state.times,
                     every=state.every, spans=state.spans, partitions=plan.partitions, loops=infos,
                     groups=state.groups, found=report, signed=state.signed, magnitude=state.mag,
                     dominant=state.dominant, params=state.params,
                     links=[lg.links[i] for i in plan.link_ids], result=state.result,
                     relative=state.relative if full else None, scores=state.scores if full else None,
                     link_scores=state.links if full else None, options=opts)
