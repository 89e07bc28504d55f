"""The analysis of a batch of runs: link scores -> loops found -> loop and relative scores ->
dominance. Runs are simulated a chunk at a time (every run of a chunk at once) and scored a block
of runs at a time (every run of a block at once, each array a few megabytes)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..errors import ModelError
from ..memo import once
from ..run import batch_size
from ..run.simulate import record_limit
from .found import discover
from .loopscores import loop_rows, loop_scores, relative_scores
from .periods import binned, bins, dominant
from .plan import make_plan, runs_of

DEFAULT_CAP = 1000              # loops per partition enumerated exhaustively
SEARCH_TIMES = 60               # (time, run) pairs the strongest-path search looks at
DISCOVERY_RUNS = 4              # runs of a batch the search looks at
MIN_SHARE = 0.001               # loops found that never reach this relative score are not scored
FULL_LIMIT = 20_000_000         # keep full-resolution scores up to loops x times x runs values
BLOCK_BYTES = 16 * 2 ** 20      # largest working array when scoring a block of runs
COMPILED_BLOCK = 128            # runs scored at once in compiled code (its working arrays are
                                # (link or loop) x run: a few hundred kilobytes, in the core's cache)


@dataclass
class Options:
    """Settings of an analysis (see ``analyse``)."""
    cap: int = DEFAULT_CAP
    every: object = "auto"
    verify: bool = True
    search_times: int = SEARCH_TIMES
    discovery_runs: int = DISCOVERY_RUNS
    min_share: float = MIN_SHARE
    memory_mb: float = 1024.0
    backend: str = "auto"
    scoring: str = "auto"

    @property
    def compiled(self) -> bool:
        """Whether scores are computed by the compiled kernels (``scoring`` 'compiled'; 'auto':
        when numba is installed and the backend is not numpy) rather than with numpy."""
        from .. import backends
        if self.scoring == "auto":
            return self.backend != "numpy" and backends.available("numba")
        if self.scoring not in ("compiled", "numpy"):
            raise ModelError(f"unknown scoring '{self.scoring}'", hint="use 'auto', 'compiled' or 'numpy'")
        if self.scoring == "compiled" and not backends.available("numba"):
            raise ModelError("compiled scoring needs numba, which is not installed", hint="use scoring='numpy'")
        return self.scoring == "compiled"


def sub_params(params, a, b) -> dict:
    """The parameter values of runs ``a`` to ``b`` of a batch."""
    return runs_of(params, slice(a, b))


def chunk_size(plan, n_times, memory_mb) -> int:
    """Runs per analysis run: their saved trajectories fit in ``memory_mb``."""
    per_run = 8 * n_times * (len(plan.source.keep) + 8)
    return max(1, int(memory_mb * 2 ** 20 // per_run))


def block_size(plan, n_loops, n_times, compiled: bool = False) -> int:
    """Runs scored at once: with numpy, each (link or loop, time, run) array stays under
    ``BLOCK_BYTES``, so the working arrays are reused from one block to the next rather than
    allocated afresh; in compiled code, ``COMPILED_BLOCK`` runs."""
    if compiled:
        return COMPILED_BLOCK
    widest = max(len(plan.link_ids), n_loops, len(plan.source.keep), 1)
    return max(1, int(BLOCK_BYTES // (8 * n_times * widest)))


def sample_runs(n, k) -> np.ndarray:
    """``k`` of ``n`` runs spread evenly (all of them when k >= n)."""
    return np.unique(np.linspace(0, n - 1, min(n, k)).round().astype(int))


def default_every(times) -> float | None:
    """Bins for dominance: every step up to 120 steps, else a round span giving about 60 bins."""
    if len(times) <= 121:
        return None
    span = (times[-1] - times[0]) / 60
    k = 10.0 ** np.floor(np.log10(span))
    return float(next(m * k for m in (1, 2, 2.5, 5, 10) if m * k >= span - 1e-12))


def analyse(model, params=None, n_runs=None, plan=None, labels=None, **options):
    """Loop dominance of ``model`` over a batch of runs (``params`` as for ``Loaded.run``).

    Options: ``cap`` (loops per partition enumerated exhaustively), ``every`` (time units per
    dominance bin; None for every step, 'auto' by default), ``verify`` (measure the share of
    behaviour the loops found explain when a partition needs the strongest-path search),
    ``discovery_runs`` (runs searched, spread over the batch) and ``search_times`` (searches in
    all, spread over the steps of those runs where links are active), ``min_share`` (loops
    found whose relative score never reaches it in the runs searched are not scored),
    ``memory_mb``, ``scoring`` ('compiled' or 'numpy': how the scores are computed; 'auto' by
    default, see ``Options.compiled``). ``plan`` is a prepared plan to reuse; ``labels`` the model's loop labels
    (``engine.graph.labels.LoopLabels``; default: a numbering of this analysis's loops alone).
    """
    from .result import assemble
    opts = Options(**options)
    plan = plan or make_plan(model, opts.backend)
    n = batch_size(params, n_runs)
    chunk = min(n, chunk_size(plan, model.time.n_steps + 1, opts.memory_mb))
    first = plan.run(sub_params(params, 0, chunk), chunk) if chunk >= n else None
    cache = {}

    def sample():
        if "ls" not in cache:
            idx = sample_runs(n, opts.discovery_runs)
            if first is not None:
                cache["ls"] = plan.link_scores(first, idx)
            else:
                cache["ls"] = plan.link_scores(plan.run(runs_of(params, idx), len(idx)), slice(None))
        return cache["ls"]
    loops, report = discover(plan, sample, opts, model.loops)
    state = _Scoring(plan, loops, opts, n)
    block = block_size(plan, len(loops), model.time.n_steps + 1, state.tables is not None)
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        batch = first if first is not None else plan.run(sub_params(params, a, b), b - a)
        state.start(batch, a, b)
        spans = [(c, min(b - a, c + block)) for c in range(0, b - a, block)]
        if state.tables is not None:
            state.score_all(batch, spans, a)
        else:
            for c, d in spans:
                state.add(plan.link_scores(batch, slice(c, d)), a + c, a + d)
    return assemble(plan, loops, report, state, opts, labels)


class _Scoring:
    """Scores block after block of runs into arrays over the whole batch."""

    def __init__(self, plan, loops, opts, n):
        self.plan, self.opts, self.n = plan, opts, n
        self.rows = loop_rows([lp for _, lp in loops], plan.lg, plan.rows)
        self.groups = [np.array([i for i, (p, _) in enumerate(loops) if p == part.number], dtype=int)
                       for part in plan.partitions]
        self.n_loops = len(loops)
        self.tables = None
        if opts.compiled:
            from .compiled import loop_tables
            self.tables = loop_tables(self.rows, self.groups)
        self.times = self.result = None
        self.params = {}

    def start(self, batch, a, b):
        """Take note of a chunk's times, parameter values and (for a one-chunk batch) its run."""
        times, _, values, result = batch
        if self.times is None:
            self._allocate(times)
            self.result = result if b - a == self.n else None
        for k, v in values.items():
            self.params.setdefault(k, np.zeros(self.n))[a:b] = v

    def _allocate(self, times):
        self.times = times
        every = default_every(times) if self.opts.every == "auto" else self.opts.every
        self.every = every
        self.index, self.spans = bins(times, every)
        shape = (self.n_loops, len(self.spans), self.n)
        need = 17 * self.n_loops * len(self.spans) * self.n      # two float arrays and one of flags
        if need > record_limit():
            loops = f"{self.n_loops} loop" + ("s" if self.n_loops != 1 else "")
            raise ModelError(f"the loop scores of {self.n:,} runs ({loops}, {len(self.spans)} periods) need "
                             f"{need / 2 ** 30:.3g} GB, more than the {record_limit() / 2 ** 30:.3g} GB allowed",
                             hint="analyse fewer runs at a time, or longer periods (every=)")
        self.signed, self.mag = np.zeros(shape), np.zeros(shape)
        self.dominant = np.zeros(shape, dtype=bool)
        self.pos, self.neg = np.zeros(self.n_loops), np.zeros(self.n_loops)
        self.full = self.n_loops * len(times) * self.n <= FULL_LIMIT
        if self.full:
            self.relative = np.zeros((self.n_loops, len(times), self.n))
            self.scores = np.zeros_like(self.relative)
            self.links = np.zeros((len(self.plan.link_ids), len(times), self.n))

    def link_tables(self, batch):
        """The link kernel's tables for the records of ``batch`` (made once per plan)."""
        from .compiled import link_tables
        names = tuple(batch[3].names)
        return once(self.plan, ("link tables", names), lambda plan: link_tables(plan, names))

    def score(self, batch, cols, a) -> tuple:
        """Score the runs ``cols`` (a slice) of a chunk's batch, runs a.. of the whole batch, in
        compiled code (``compiled.score_runs``); returns their sums for the loops' polarity."""
        from .compiled import score_runs
        return score_runs(self.plan, batch, cols, a, self.link_tables(batch), self.tables, self)

    def score_all(self, batch, spans, a):
        """Score the blocks ``spans`` ((first, end) runs of a chunk's batch, runs a.. of the whole
        batch) in compiled code, on as many threads as numba runs batches on (each block writes
        its own runs; the polarity sums are added in block order, so the result does not depend
        on the threads)."""
        from numba import get_num_threads
        self.link_tables(batch)                     # made once, before the threads

        def one(span):
            return self.score(batch, slice(*span), a + span[0])
        workers = min(len(spans), get_num_threads())
        if workers > 1:
            with ThreadPoolExecutor(workers) as ex:
                sums = list(ex.map(one, spans))
        else:
            sums = [one(sp) for sp in spans]
        for pos, neg in sums:
            self.pos += pos
            self.neg += neg

    def add(self, ls, a, b):
        """Score the runs a..b-1 from their link scores (link, time, run)."""
        rel = loop_scores(self.rows, ls)
        if self.full:
            self.scores[:, :, a:b], self.links[:, :, a:b] = rel, ls
        relative_scores(rel, self.groups, self.rows, ls)
        if self.full:
            self.relative[:, :, a:b] = rel
        s, m, pos, neg = binned(rel, self.index, self.groups)
        self.signed[:, :, a:b], self.mag[:, :, a:b] = s, m
        self.dominant[:, :, a:b] = dominant(m, self.groups)
        self.pos += pos
        self.neg += neg
