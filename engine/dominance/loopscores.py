"""Loop scores (products of link scores), relative loop scores and runtime polarity.

Products are taken as sums of log magnitudes (one sparse product for all loops), so that the huge
scores near a dominance shift, where a stock's acceleration passes through zero, neither overflow
nor lose the relative scores: within a partition, each loop's magnitude is divided by the largest
before normalising. A loop's relative score is its score over the sum of the magnitudes of all
loop scores of its partition at that time, so magnitudes add up to 1 (0 where no loop is active).
"""
from __future__ import annotations

import numpy as np
from scipy import sparse


def incidence(loops, link_rows, n_links: int) -> sparse.csr_matrix:
    """(loop x link row) matrix with a 1 for each link a loop runs through; ``link_rows(loop)``
    gives the rows of its links among ``n_links``."""
    rows, cols = [], []
    for i, lp in enumerate(loops):
        r = link_rows(lp)
        rows += [i] * len(r)
        cols += r
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(loops), n_links))


def log_scores(matrix, scores: np.ndarray):
    """(log |loop score|, loop score < 0) over (loop, time, run) from link scores (link, time, run)."""
    shape = scores.shape[1:]
    flat = scores.reshape(scores.shape[0], -1)
    with np.errstate(divide="ignore"):
        logabs = np.log(np.abs(flat))
    logmag = np.asarray(matrix @ logabs)
    odd = np.asarray(matrix @ (flat < 0).astype(np.float64)) % 2 == 1
    return logmag.reshape((-1,) + shape), odd.reshape((-1,) + shape)


def loop_scores(logmag, negative) -> np.ndarray:
    """The loop scores themselves (they may be very large near dominance shifts)."""
    with np.errstate(over="ignore"):
        return np.where(negative, -1.0, 1.0) * np.exp(logmag)


def relative_scores(logmag, negative, groups) -> np.ndarray:
    """Relative loop scores, normalised within each group (partition) of loop indices."""
    rel = np.zeros(logmag.shape)
    for idx in groups:
        if not len(idx):
            continue
        lm = logmag[idx]
        top = lm.max(axis=0)
        live = np.isfinite(top)
        with np.errstate(invalid="ignore"):
            w = np.exp(lm - np.where(live, top, 0.0))
        total = w.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(live, w / np.where(live, total, 1.0), 0.0)
        rel[idx] = np.where(negative[idx], -r, r)
    return rel


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
