"""Dominance: the smallest set of loops that explains at least half the change, and its periods.

At each time (or over each bin of time), a partition's loops are ranked by the magnitude of their
relative scores; the dominant set is the shortest head of that ranking whose magnitudes add up to
at least one half. A period is a stretch of consecutive times (or bins) with the same dominant set.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HALF = 0.5 - 1e-9


def dominant(rel: np.ndarray, groups) -> np.ndarray:
    """(loop, time, run) booleans: is the loop in its partition's dominant set?"""
    out = np.zeros(rel.shape, dtype=bool)
    for idx in groups:
        if not len(idx):
            continue
        a = np.abs(rel[idx])
        order = np.argsort(-a, axis=0, kind="stable")
        cum = np.cumsum(np.take_along_axis(a, order, axis=0), axis=0)
        need = (cum < HALF).sum(axis=0) + 1
        rank = np.argsort(order, axis=0, kind="stable")
        out[idx] = (rank < need) & (a.sum(axis=0) > 0)
    return out


def bins(times: np.ndarray, every: float | None):
    """Bin number of each time for bins of ``every`` time units from the start (None: one bin per
    time), and the (start, end) of each bin."""
    if every is None or len(times) < 2:
        return np.arange(len(times)), np.stack([times, times], axis=1)
    every = max(every, times[1] - times[0])
    k = np.floor((times - times[0]) / every + 1e-9).astype(int)
    k[-1] = min(k[-1], k[-2])       # the final time alone in a bin closes the bin before
    edges = times[0] + every * np.arange(k.max() + 2)
    return k, np.stack([edges[:-1], np.minimum(edges[1:], times[-1])], axis=1)


def binned(rel: np.ndarray, index: np.ndarray, groups):
    """(mean relative score, mean magnitude) of each loop over each bin (loop, bin, run), averaged
    over the times at which the loop's partition is active, and each loop's (sum of positive, sum
    of magnitudes of negative) relative scores over all times and runs. ``index`` (non-decreasing,
    no bin skipped) gives each time's bin."""
    starts = np.flatnonzero(np.r_[True, np.diff(index) != 0])
    signed = np.zeros((rel.shape[0], len(starts), rel.shape[2]))
    mag = np.zeros_like(signed)
    pos, neg = np.zeros(rel.shape[0]), np.zeros(rel.shape[0])
    for idx in groups:
        if not len(idx):
            continue
        r = rel[idx]
        a = np.abs(r)
        count = np.add.reduceat((a.sum(axis=0) > 0).astype(float), starts, axis=0)
        s = np.add.reduceat(r, starts, axis=1)
        m = np.add.reduceat(a, starts, axis=1)
        # each sign summed on its own: (sum |r| +- sum r) / 2 would leave rounding noise where a
        # loop never has the other sign, and make its polarity 'Ru' instead of 'R' at random
        pos[idx] = np.maximum(r, 0.0).sum(axis=(1, 2))
        neg[idx] = np.maximum(-r, 0.0).sum(axis=(1, 2))
        with np.errstate(invalid="ignore", divide="ignore"):
            signed[idx] = np.where(count > 0, s / np.where(count > 0, count, 1.0), 0.0)
            mag[idx] = np.where(count > 0, m / np.where(count > 0, count, 1.0), 0.0)
    return signed, mag, pos, neg


@dataclass(frozen=True)
class Period:
    """A stretch of time over which the same loops dominate one partition (in one run)."""
    partition: int
    start: float
    end: float
    loops: tuple                # loop indices, strongest first
    scores: tuple               # their mean relative scores over the period
    share: float                # the magnitude of the change they explain together


def periods(dom: np.ndarray, signed: np.ndarray, mag: np.ndarray, spans, groups, partitions, run=0):
    """Periods of each partition for one run, from per-bin dominance ``dom`` (loop, bin, run),
    mean relative scores and magnitudes, and bin ``spans`` (bin x (start, end))."""
    out = []
    for idx, part in zip(groups, partitions):
        idx = np.asarray(idx)
        if not len(idx):
            continue
        keys = [tuple(idx[dom[idx, b, run]]) for b in range(dom.shape[1])]
        b0 = 0
        for b in range(1, len(keys) + 1):
            if b < len(keys) and keys[b] == keys[b0]:
                continue
            loops = keys[b0]
            m = mag[list(loops), b0:b, run].mean(axis=1) if loops else np.zeros(0)
            order = np.argsort(-m, kind="stable")
            s = signed[list(loops), b0:b, run].mean(axis=1) if loops else np.zeros(0)
            out.append(Period(part.number, float(spans[b0, 0]), float(spans[b - 1, 1]),
                              tuple(int(loops[i]) for i in order), tuple(float(s[i]) for i in order),
                              float(m.sum())))
            b0 = b
    return out
