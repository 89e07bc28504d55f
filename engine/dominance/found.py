"""Which loops an analysis scores, per partition, and how they were found.

Under the cap, every loop. Over it, the loops the strongest-path search finds in a few runs whose
relative score reaches ``min_share`` (0.1 %) at some time of those runs, plus the loops the model
names under ``loops:`` (always scored, whether found or not). When the
partition's loops can be counted (up to ``VERIFY_LIMIT``), the share of the behaviour the scored
loops explain is measured against all of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from ..memo import once
from . import discovery as dsc
from .loopscores import loop_rows, loop_scores, relative_scores

VERIFY_LIMIT = 100_000          # enumerate up to this many loops to measure the share found


@dataclass
class Found:
    """How the loops of one partition were found."""
    partition: int
    method: str                     # 'exhaustive' or 'strongest path'
    found: int
    total: int | None = None        # loops the partition has, when counted
    kept: int | None = None         # of those found, the loops reaching ``min_share`` (scored)
    searches: int = 0               # (time, run) pairs searched
    share_mean: float | None = None  # mean share of the behaviour the loops scored explain
    share_min: float | None = None  # the least share at any time of the runs searched
    declared: list = field(default_factory=list)     # named loops added to those found


def discover(plan, sample, opts, declared) -> tuple:
    """[(partition number, loop)] and a ``Found`` per partition; ``sample()`` gives the link
    scores of the runs searched (computed only when some partition has more loops than the cap)."""
    loops, report = [], []
    for part in plan.partitions:
        every = _enumerated(plan, part, opts.cap)
        if every is not None:
            found, rec = every, Found(part.number, "exhaustive", len(every), total=len(every))
        else:
            every = _enumerated(plan, part, VERIFY_LIMIT) if opts.verify else None
            runs = sample().shape[2]
            per_run = max(1, -(-opts.search_times // runs))
            found, searches = dsc.strongest_loops(plan.lg, part, plan.link_ids, sample(),
                                                  range(runs), per_run, opts.compiled)
            rec = Found(part.number, "strongest path", len(found),
                        total=None if every is None else len(every), searches=searches)
            found = strong_enough(plan, found, sample(), opts.min_share)
            rec.kept = len(found)
        have = set(found)
        rec.declared = [lp for lp in declared_loops(plan.lg, part, declared, every) if lp not in have]
        found = list(found) + rec.declared
        if rec.method != "exhaustive" and every is not None:
            measure_share(plan, every, set(found), sample(), rec, opts.compiled)
        loops += [(part.number, lp) for lp in found]
        report.append(rec)
    return loops, report


def _enumerated(plan, part, cap: int):
    """``discovery.enumerate_loops`` of a partition, kept with the plan: the loops are the model's
    structure's, the same in every analysis of it (a copy, so that callers may change it)."""
    found = once(plan, ("loops", part.number, cap), lambda p: dsc.enumerate_loops(p.lg, part, cap))
    return None if found is None else list(found)


def strong_enough(plan, loops, ls, min_share: float) -> list:
    """The loops whose relative score (among ``loops``) reaches ``min_share`` at some time of the
    runs of ``ls`` (link, time, run)."""
    if not loops or min_share <= 0:
        return list(loops)
    rows = loop_rows(loops, plan.lg, plan.rows)
    rel = relative_scores(loop_scores(rows, ls), [np.arange(len(loops))], rows, ls)
    peak = np.abs(rel).max(axis=(1, 2))
    return [lp for lp, p in zip(loops, peak) if p >= min_share]


def declared_loops(lg, part, declared, every=None) -> list:
    """For each loop the model names: the shortest loop of the partition through all its elements
    (from ``every`` loop when known), else the loop through them in the order written, joined by
    shortest paths."""
    out = []
    for spec in declared or ():
        want = list(spec.elements)
        if not want or not set(want) <= part.nodes:
            continue
        if every is not None:
            cands = [lp for lp in every if set(want) <= set(lp)]
            best = min(cands, key=len) if cands else None
        else:
            best = _chained(lg.graph.subgraph(part.nodes), want)
        if best is not None:
            out.append(dsc.canonical(best, lg))
    return list(dict.fromkeys(out))


def _chained(g, want):
    path = []
    for a, b in zip(want, want[1:] + want[:1]):
        try:
            path += nx.shortest_path(g, a, b)[:-1]
        except nx.NetworkXNoPath:
            return None
    return path if len(set(path)) == len(path) else None


def measure_share(plan, every, scored: set, ls, rec: Found, compiled: bool = False):
    """The magnitudes of the scored loops' relative scores among all loops of the partition,
    averaged over the active times of the runs of ``ls`` (link, time, run), and the least;
    ``compiled``: the scores in compiled code (``compiled.loop_shares``). The link rows of the
    partition's loops (and their compiled tables) are kept with the plan."""
    key = (rec.partition, len(every))
    row_lists = once(plan, ("loop rows",) + key, lambda p: loop_rows(every, p.lg, p.rows))
    mine = np.array([lp in scored for lp in every])
    group = [np.arange(len(every))]
    if compiled:
        from .compiled import loop_shares, loop_tables

        def share_tables(_):
            tables = loop_tables(row_lists, group)
            assert tables is not None       # one partition, every loop with its links
            return tables[:4]
        out = np.empty(ls.shape[1:])
        loop_shares(np.ascontiguousarray(ls), *once(plan, ("share tables",) + key, share_tables), mine, out)
        share = out.T.ravel()
        share = share[~np.isnan(share)]
        if share.size:
            rec.share_mean, rec.share_min = float(share.mean()), float(share.min())
        return
    shares = []
    for run in range(ls.shape[2]):
        one = ls[:, :, run:run + 1]
        rel = relative_scores(loop_scores(row_lists, one), group, row_lists, one)
        active = np.abs(rel).sum(axis=0) > 0
        shares.append(np.abs(rel[mine]).sum(axis=0)[active])
    share = np.concatenate(shares)
    if share.size:
        rec.share_mean, rec.share_min = float(share.mean()), float(share.min())
