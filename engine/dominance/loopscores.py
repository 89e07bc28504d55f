"""Loop scores (products of link scores), relative loop scores and runtime polarity.

A loop's score is the product of its link scores at each time of each run, computed with one
multiplication per distinct prefix of link rows over the whole (time x run) array. Its relative score is its
score over the sum of the magnitudes of all loop scores of its partition at that time, so that
magnitudes add up to 1 (0 where no loop is active). Near a dominance shift a stock's acceleration
passes through zero and scores grow without bound; where a product overflows, the relative scores
of those times are taken from sums of log magnitudes instead (each loop's magnitude divided by
the largest before normalising), so they stay exact.
"""
from __future__ import annotations

import numpy as np


def loop_rows(loops, lg, rows: dict) -> list:
    """For each loop (a tuple of element names), the rows of its links in the link-score arrays."""
    return [[rows[i] for i in lg.link_ids(lp)] for lp in loops]


def loop_scores(row_lists, ls: np.ndarray) -> np.ndarray:
    """Loop scores (loop, time, run) from link scores ``ls`` (link, time, run).

    Loops are taken in the order of their link rows, so that a loop sharing its first links with
    the one before reuses that partial product: one multiplication per distinct prefix.
    """
    out = np.empty((len(row_lists),) + ls.shape[1:])
    depth = max((len(r) for r in row_lists), default=0)
    buf = np.empty((depth,) + ls.shape[1:])
    prev: list = []
    with np.errstate(over="ignore", invalid="ignore"):
        for i in sorted(range(len(row_lists)), key=lambda j: row_lists[j]):
            rows = row_lists[i]
            k = 0
            while k < min(len(rows), len(prev)) and rows[k] == prev[k]:
                k += 1
            if k == 0:
                buf[0] = ls[rows[0]]
                k = 1
            for j in range(k, len(rows)):
                np.multiply(buf[j - 1], ls[rows[j]], out=buf[j])
            out[i] = buf[len(rows) - 1]
            prev = rows
    return out


def _part(a: np.ndarray, idx):
    """(rows ``idx`` of ``a``, whether that is a view): a view when the rows are consecutive, as a
    partition's loops usually are."""
    if idx[-1] - idx[0] + 1 == len(idx):
        return a[idx[0]: idx[-1] + 1], True
    return a[idx], False


def relative_scores(scores: np.ndarray, groups, row_lists=None, ls=None) -> np.ndarray:
    """Relative loop scores, normalised within each group (partition) of loop indices, written
    over ``scores`` (and returned). Where a group's scores overflowed, ``row_lists`` and ``ls``
    give them again in log space."""
    done = np.zeros(len(scores), dtype=bool)
    for idx in groups:
        if not len(idx):
            continue
        s, view = _part(scores, idx)
        total = np.abs(s).sum(axis=0)
        ok = np.isfinite(total) & (total > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            np.divide(s, np.where(ok, total, 1.0), out=s)
        if not ok.all():
            s[:, ~ok] = 0.0
        bad = ~np.isfinite(total)
        if bad.any() and row_lists is not None:
            s[:, bad] = _log_relative([row_lists[i] for i in idx], ls[:, bad])
        if not view:
            scores[idx] = s
        done[idx] = True
    scores[~done] = 0.0
    return scores


def _log_relative(row_lists, ls_cols: np.ndarray) -> np.ndarray:
    """Relative scores over some columns (link, column) from sums of log magnitudes."""
    with np.errstate(divide="ignore"):
        logabs = np.log(np.abs(ls_cols))
    neg = ls_cols < 0
    lm = np.array([logabs[r].sum(axis=0) for r in row_lists])
    odd = np.array([neg[r].sum(axis=0) % 2 == 1 for r in row_lists])
    top = lm.max(axis=0)
    live = np.isfinite(top)
    with np.errstate(invalid="ignore"):
        w = np.exp(lm - np.where(live, top, 0.0))
    r = np.where(live, w / np.where(live, w.sum(axis=0), 1.0), 0.0)
    return np.where(odd, -r, r)


def polarity(positive: float, negative: float) -> tuple:
    """(label, confidence) of a loop from the sums of its positive relative scores and of the
    magnitudes of its negative ones, over times and runs.

    confidence = |P - N| / (P + N). 'R' or 'B' when the loop only ever has one sign, 'Ru' or 'Bu'
    (mostly reinforcing or balancing) when the confidence is at least 0.99, 'U' below, and ''
    when the loop is never active.
    """
    p, n = float(positive), float(negative)
    if p + n == 0:
        return "", 0.0
    conf = abs(p - n) / (p + n)
    main = "R" if p >= n else "B"
    if n == 0 or p == 0:
        return main, 1.0
    return (main + "u", conf) if conf >= 0.99 else ("U", conf)
