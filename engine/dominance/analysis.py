"""The analysis of a batch of runs: link scores -> loops found -> loop and relative scores ->
dominance, one chunk of runs at a time (every run of a chunk at once)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .found import discover
from .loopscores import incidence, log_scores, loop_scores, relative_scores
from .periods import binned, bins, dominant
from .plan import make_plan

DEFAULT_CAP = 1000              # loops per partition enumerated exhaustively
SEARCH_TIMES = 50               # time steps searched per run by the strongest-path search
DISCOVERY_RUNS = 4              # runs of a batch the search looks at
FULL_LIMIT = 20_000_000         # keep full-resolution scores up to loops x times x runs values


@dataclass
class Options:
    """Settings of an analysis (see ``analyse``)."""
    cap: int = DEFAULT_CAP
    every: object = "auto"
    verify: bool = True
    search_times: int = SEARCH_TIMES
    discovery_runs: int = DISCOVERY_RUNS
    memory_mb: float = 1024.0


def batch_size(params, n_runs) -> int:
    sizes = [len(np.atleast_1d(v)) for v in (params or {}).values() if np.ndim(v) > 0]
    return n_runs or (max(sizes) if sizes else 1)


def sub_params(params, a, b) -> dict:
    return {k: (np.asarray(v)[a:b] if np.ndim(v) > 0 else v) for k, v in (params or {}).items()}


def chunk_size(plan, n_times, memory_mb) -> int:
    per_run = 8 * n_times * (len(plan.source.keep) + 4 * len(plan.link_ids) + 64)
    return max(1, int(memory_mb * 2 ** 20 // per_run))


def sample_runs(n, k) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, min(n, k)).round().astype(int))


def default_every(times) -> float | None:
    """Bins for dominance: every step up to 120 steps, else a round span giving about 60 bins."""
    if len(times) <= 121:
        return None
    span = (times[-1] - times[0]) / 60
    k = 10.0 ** np.floor(np.log10(span))
    return float(next(m * k for m in (1, 2, 2.5, 5, 10) if m * k >= span - 1e-12))


def analyse(model, params=None, n_runs=None, plan=None, **options):
    """Loop dominance of ``model`` over a batch of runs (``params`` as for ``Loaded.run``).

    Options: ``cap`` (loops per partition enumerated exhaustively), ``every`` (time units per
    dominance bin; None for every step, 'auto' by default), ``verify`` (measure the share of
    behaviour the loops found explain when a partition needs the strongest-path search),
    ``search_times``, ``discovery_runs``, ``memory_mb``. ``plan`` is a prepared plan to reuse.
    """
    from .result import assemble
    opts = Options(**options)
    plan = plan or make_plan(model)
    n = batch_size(params, n_runs)
    n_times = model.time.n_steps + 1
    chunk = min(n, chunk_size(plan, n_times, opts.memory_mb))
    first = plan.scores(sub_params(params, 0, chunk), chunk) if chunk >= n else None
    cache = {}

    def sample():
        if "ls" not in cache:
            idx = sample_runs(n, opts.discovery_runs)
            if first is not None:
                cache["ls"] = (first[0], first[1][:, :, idx])
            else:
                p = {k: (np.asarray(v)[idx] if np.ndim(v) > 0 else v) for k, v in (params or {}).items()}
                cache["ls"] = plan.scores(p, len(idx))[:2]
        return cache["ls"]
    loops, report = discover(plan, lambda: sample()[1], opts, model.loops)
    state = _Scoring(plan, loops, opts, n)
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        state.add(first if first is not None else plan.scores(sub_params(params, a, b), b - a), a, b)
    return assemble(plan, loops, report, state, opts)


class _Scoring:
    """Scores chunk after chunk into arrays over the whole batch."""

    def __init__(self, plan, loops, opts, n):
        self.plan, self.opts, self.n = plan, opts, n
        rows = plan.rows
        self.matrix = incidence([lp for _, lp in loops],
                                lambda lp: [rows[i] for i in plan.lg.link_ids(lp)], len(plan.link_ids))
        self.groups = [np.array([i for i, (p, _) in enumerate(loops) if p == part.number], dtype=int)
                       for part in plan.partitions]
        self.n_loops = len(loops)
        self.times = self.result = None
        self.params = {}

    def _start(self, times):
        self.times = times
        every = default_every(times) if self.opts.every == "auto" else self.opts.every
        self.every = every
        self.index, self.spans = bins(times, every)
        shape = (self.n_loops, len(self.spans), self.n)
        self.signed, self.mag = np.zeros(shape), np.zeros(shape)
        self.dominant = np.zeros(shape, dtype=bool)
        self.pos, self.neg = np.zeros(self.n_loops), np.zeros(self.n_loops)
        self.full = self.n_loops * len(times) * self.n <= FULL_LIMIT
        if self.full:
            self.relative = np.zeros((self.n_loops, len(times), self.n))
            self.scores = np.zeros_like(self.relative)
            self.links = np.zeros((len(self.plan.link_ids), len(times), self.n))

    def add(self, batch, a, b):
        times, ls, result = batch
        if self.times is None:
            self._start(times)
            self.result = result if b - a == self.n else None
        lm, neg = log_scores(self.matrix, ls)
        rel = relative_scores(lm, neg, self.groups)
        if self.full:
            self.relative[:, :, a:b], self.scores[:, :, a:b], self.links[:, :, a:b] = rel, loop_scores(lm, neg), ls
        s, m = binned(rel, self.index, self.groups)
        self.signed[:, :, a:b], self.mag[:, :, a:b] = s, m
        self.dominant[:, :, a:b] = dominant(m, self.groups)
        self.pos += np.where(rel > 0, rel, 0).sum(axis=(1, 2))
        self.neg -= np.where(rel < 0, rel, 0).sum(axis=(1, 2))
        for k, v in result.params.items():
            self.params.setdefault(k, np.zeros(self.n))[a:b] = v
