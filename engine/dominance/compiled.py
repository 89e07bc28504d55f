"""Scoring a block of runs in compiled code (numba), in one pass over its times.

``score_block`` takes each step of the block's runs from the analysis run's records (time,
variable, run) and the partial changes to link scores, loop scores (each distinct prefix of
links multiplied once), relative scores, their means over bins, dominance and the polarity
sums, the runs of the block innermost (contiguous, so that the arithmetic vectorises) and every
working array a (link or loop, run) slice of a few kilobytes, where numpy makes many
temporaries over (link or loop, time, run). ``strongest_paths`` is the loop search's
depth-first search over arrays.

The numpy functions of ``linkscores``, ``loopscores`` and ``periods`` are the reference: these do
the same floating-point operations in the same order (sums over a bin's times pairwise, as numpy
adds them up), so their scores, bins and dominance are identical, with two exceptions that agree
to rounding: the polarity sums (each loop's positive and negative relative scores over all times
and runs, added in another order), and relative scores where loop scores
overflow, taken from sums of log magnitudes that numpy adds pairwise or one by one depending on
how many times of the block overflowed (``tests/test_dominance_compiled.py``). Importing this
module imports numba; only the analysis does, when it scores (never ``carbonloop run``). The
functions are compiled once and kept by numba's disk cache (__pycache__ beside the module, or
numba's user cache directory where that cannot be written).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from .linkscores import REL_TOL
from .partials import input_arrays
from .periods import HALF
from .plan import runs_of

JIT: Any = njit(cache=True, error_model="numpy", nogil=True)      # numba has no types mypy can check
USES, INFLOW, OUTFLOW, DELAY = 0, 1, 2, 3
KINDS = {"uses": USES, "inflow": INFLOW, "outflow": OUTFLOW, "delay": DELAY}


@JIT
def _links_at(y, c0, t, partial, pt, kind, src, tgt, part, fstart, fvar, sgn, inv, out):  # noqa: PLR0913
    """Scores ``out`` (link, run) of every link over the step t -> t+1 of the runs c0..c0+R-1 of
    the records ``y`` (time, variable, run); R is ``out.shape[1]``.

    Per link row: ``kind`` (USES, INFLOW, OUTFLOW, DELAY), the record columns of its source and
    target, and ``part``: for a 'uses' link its row of the partial changes ``partial`` (row,
    step, run; this step at ``pt``), for a flow link the stock's row of ``fstart``: its flows are ``fvar`` (record
    columns; -1 - column for an outflow) from fstart[k] to fstart[k + 1]. ``sgn`` and ``inv``
    (variable, run) are scratch: the sign of each variable's change and one over its magnitude
    (0 where it does not change).
    """
    n_r = out.shape[1]
    for v in range(y.shape[1]):
        for r in range(n_r):
            a0, a1 = y[t, v, c0 + r], y[t + 1, v, c0 + r]
            d = a1 - a0
            moving = abs(d) > REL_TOL * max(abs(a1), abs(a0))
            sgn[v, r] = (1.0 if d > 0 else -1.0) if moving else 0.0
            inv[v, r] = 1.0 / abs(d) if moving else 0.0
    for row in range(kind.shape[0]):
        k, x, z = kind[row], src[row], tgt[row]
        if k == USES:
            p = part[row]
            for r in range(n_r):
                v = partial[p, pt, r] - y[t, z, c0 + r]
                v *= sgn[x, r]
                v *= inv[z, r]
                out[row, r] = v if math.isfinite(v) else 0.0
        elif k == DELAY:
            for r in range(n_r):
                out[row, r] = abs(sgn[x, r] * sgn[z, r])
        else:
            sign = 1.0 if k == INFLOW else -1.0
            j0, j1 = fstart[part[row]], fstart[part[row] + 1]
            for r in range(n_r):
                c = c0 + r
                net0 = net1 = size0 = size1 = 0.0
                for j in range(j0, j1):
                    f = fvar[j]
                    if f >= 0:
                        net0 += y[t, f, c]
                        net1 += y[t + 1, f, c]
                    else:
                        f = -1 - f
                        net0 += -y[t, f, c]
                        net1 += -y[t + 1, f, c]
                    size0 += abs(y[t, f, c])
                    size1 += abs(y[t + 1, f, c])
                f0, f1 = y[t, x, c], y[t + 1, x, c]
                dn = net1 - net0
                df = abs(f1 - f0)
                v = sign * df / abs(dn)
                ok = (abs(dn) > REL_TOL * max(size1, size0) and df > REL_TOL * max(abs(f1), abs(f0))
                      and math.isfinite(v))
                out[row, r] = v if ok else 0.0


@JIT
def _log_relative(ls, r, lstart, lrows, first, last, rel):
    """Relative scores of loops first..last-1 (one partition) of run r from sums of log
    magnitudes of the link scores ``ls`` (link, run), written into rel[:, r]: where their
    products overflowed."""
    top = -math.inf
    for i in range(first, last):
        lm = 0.0
        for j in range(lstart[i], lstart[i + 1]):
            lm += math.log(abs(ls[lrows[j], r]))
        rel[i, r] = lm
        if lm > top:
            top = lm
    if not math.isfinite(top):
        for i in range(first, last):
            rel[i, r] = 0.0
        return
    w = 0.0
    for i in range(first, last):
        rel[i, r] = math.exp(rel[i, r] - top)
        w += rel[i, r]
    for i in range(first, last):
        odd = 0
        for j in range(lstart[i], lstart[i + 1]):
            if ls[lrows[j], r] < 0:
                odd += 1
        rel[i, r] = -(rel[i, r] / w) if odd % 2 == 1 else rel[i, r] / w


@JIT
def _dominant(mag, b, c, first, last, dom):
    """The dominant set of loops first..last-1 in bin b of run c: the shortest head of their
    ranking by mean magnitude (ties: the lower index first) reaching one half."""
    total = 0.0
    for i in range(first, last):
        dom[i, b, c] = False
        total += mag[i, b, c]
    if not total > 0:
        return
    cum = 0.0
    for _ in range(first, last):
        best, pick = -1.0, -1
        for i in range(first, last):
            if not dom[i, b, c] and mag[i, b, c] > best:
                best, pick = mag[i, b, c], i
        dom[pick, b, c] = True
        cum += best
        if cum >= HALF:
            return


@JIT
def _loops_at(ls, lstart, lrows, order, shared, buf, rel):
    """Loop scores ``rel`` (loop, run) from link scores ``ls`` (link, run): each distinct prefix
    of link rows multiplied once (see ``score_block``)."""
    n_r = ls.shape[1]
    for q in range(order.shape[0]):
        i = order[q]
        a, n = lstart[i], lstart[i + 1] - lstart[i]
        k = shared[q]
        if k == 0:
            for r in range(n_r):
                buf[0, r] = ls[lrows[a], r]
            k = 1
        for j in range(k, n):
            row = lrows[a + j]
            for r in range(n_r):
                buf[j, r] = buf[j - 1, r] * ls[row, r]
        for r in range(n_r):
            rel[i, r] = buf[n - 1, r]


@JIT
def _relative_at(ls, lstart, lrows, gstart, rel, total, count):
    """Relative scores within each partition, over the loop scores ``rel`` (loop, run); where a
    partition has some loop active, its ``count`` of active times (partition, run) goes up.
    ``total`` is scratch (run)."""
    n_r = rel.shape[1]
    for g in range(gstart.shape[0] - 1):
        first, last = gstart[g], gstart[g + 1]
        if first == last:
            continue
        for r in range(n_r):
            total[r] = 0.0
        for i in range(first, last):
            for r in range(n_r):
                total[r] += abs(rel[i, r])
        overflow = False
        for r in range(n_r):
            if not math.isfinite(total[r]):  # overflowed: -inf marks it, its scores come after
                total[r] = -math.inf
                overflow = True
            elif not total[r] > 0:           # no loop active: every score 0
                total[r] = math.inf
        for i in range(first, last):
            for r in range(n_r):
                rel[i, r] = rel[i, r] / total[r]
        if overflow:
            for r in range(n_r):
                if total[r] == -math.inf:
                    _log_relative(ls, r, lstart, lrows, first, last, rel)
        for r in range(n_r):
            total[r] = 0.0
        for i in range(first, last):
            for r in range(n_r):
                total[r] = max(total[r], abs(rel[i, r]))
        for r in range(n_r):
            if total[r] > 0:
                count[g, r] += 1.0


@JIT
def _pairwise_leaf(a, lo, n, out):
    """``_pairwise`` of at most 128 rows."""
    n_r = out.shape[0]
    if n < 8:
        for r in range(n_r):
            out[r] = 0.0
        for k in range(lo, lo + n):
            for r in range(n_r):
                out[r] += a[k, r]
        return
    acc = a[lo:lo + 8].copy()
    k = 8
    while k < n - n % 8:
        for j in range(8):
            for r in range(n_r):
                acc[j, r] += a[lo + k + j, r]
        k += 8
    for r in range(n_r):
        out[r] = ((acc[0, r] + acc[1, r]) + (acc[2, r] + acc[3, r])) + \
                 ((acc[4, r] + acc[5, r]) + (acc[6, r] + acc[7, r]))
    for j in range(lo + k, lo + n):
        for r in range(n_r):
            out[r] += a[j, r]


@JIT
def _pairwise(a, lo, n, out):
    """out[r] = the sum of rows lo..lo+n-1 of ``a`` (row, run) as numpy adds them up (pairwise:
    below 8 terms one by one, up to 128 in 8 interleaved sums, beyond that the sum of two
    halves, each a multiple of 8 terms long where it can be). The halving is walked with a stack
    of its own (numba's disk cache does not keep recursive functions safely)."""
    if n <= 128:
        _pairwise_leaf(a, lo, n, out)
        return
    n_r = out.shape[0]
    starts, sizes, phase = np.empty(64, np.int64), np.empty(64, np.int64), np.empty(64, np.int64)
    vals = np.empty((65, n_r))
    top, nv = 0, 0
    starts[0], sizes[0], phase[0] = lo, n, 0
    while top >= 0:
        fa, fn = starts[top], sizes[top]
        half = fn // 2 - (fn // 2) % 8
        if fn <= 128:
            _pairwise_leaf(a, fa, fn, vals[nv])
            nv += 1
            top -= 1
        elif phase[top] == 0:                # the first half
            phase[top] = 1
            top += 1
            starts[top], sizes[top], phase[top] = fa, half, 0
        elif phase[top] == 1:                # the second half
            phase[top] = 2
            top += 1
            starts[top], sizes[top], phase[top] = fa + half, fn - half, 0
        else:                                # both done: their sum
            nv -= 1
            for r in range(n_r):
                vals[nv - 1, r] = vals[nv - 1, r] + vals[nv, r]
            top -= 1
    for r in range(n_r):
        out[r] = vals[0, r]


@JIT
def score_block(y, c0, partial, p0, ta, tb, kind, src, tgt, part, fstart, fvar,  # noqa: PLR0913, PLR0912
                lstart, lrows, order, shared, gstart, bin_of, o0,
                full, links, scores, relative, signed, mag, dom, pos, neg, kept, count, t_bin):
    """Score the times ta..tb-1 of the runs c0..c0+R-1 of the records ``y`` (time, variable,
    run) in one pass: link scores (see ``_links_at``; ``partial`` holds the partial changes of
    steps p0.., (row, step, run)), loop scores, relative scores, their means over bins,
    dominance, written at runs o0..o0+R-1 of the batch's arrays. A block is scored window of
    times after window, in order; ``kept`` (loop, longest bin, run: the relative scores of the
    open bin), ``count`` (partition, run: its active times) and ``t_bin`` (its first time, one
    value) carry the open bin from one window to the next.

    Loops are numbered by partition (partition k holds loops gstart[k]..gstart[k+1]-1); loop i's
    link rows are lrows[lstart[i]:lstart[i+1]]. ``order`` lists the loops with their rows sorted,
    ``shared[q]`` how many first rows loop order[q] shares with the one before, so that each
    distinct prefix of rows is multiplied once. ``bin_of`` gives each time's bin (non-decreasing).
    When ``full``, link, loop and relative scores go to ``links``, ``scores`` and ``relative``
    (link or loop, time, run of the batch); always, mean relative scores and magnitudes per bin
    to ``signed`` and ``mag``, the dominant sets to ``dom`` (loop, bin, run of the batch); each
    loop's positive relative scores, and the magnitudes of its negative ones, are added up per
    run in ``pos`` and ``neg`` (loop, run). R is the last dimension of ``partial``.
    """
    n_t, n_r = y.shape[0], partial.shape[2]
    n_l, n_g = lstart.shape[0] - 1, gstart.shape[0] - 1
    depth = 1
    for i in range(n_l):
        depth = max(depth, lstart[i + 1] - lstart[i])
    ls = np.zeros((kind.shape[0], n_r))
    sgn, inv = np.empty((y.shape[1], n_r)), np.empty((y.shape[1], n_r))
    buf = np.empty((depth, n_r))
    rel = np.empty((n_l, n_r))
    total = np.empty(n_r)
    s_bin, m_bin = np.empty(n_r), np.empty(n_r)
    mags = np.empty((kept.shape[1], n_r))
    one = np.int64(1)                                   # (not a literal: one compiled _pairwise)
    for t in range(ta, tb):
        if t > 0:
            _links_at(y, c0, t - 1, partial, t - 1 - p0, kind, src, tgt, part, fstart, fvar, sgn, inv, ls)
        _loops_at(ls, lstart, lrows, order, shared, buf, rel)
        if full:
            for i in range(ls.shape[0]):
                for r in range(n_r):
                    links[i, t, o0 + r] = ls[i, r]
            for i in range(n_l):
                for r in range(n_r):
                    scores[i, t, o0 + r] = rel[i, r]
        _relative_at(ls, lstart, lrows, gstart, rel, total, count)
        for i in range(n_l):
            for r in range(n_r):
                kept[i, t - t_bin[0], r] = rel[i, r]
                pos[i, r] += max(rel[i, r], 0.0)
                neg[i, r] += max(-rel[i, r], 0.0)
        if full:
            for i in range(n_l):
                for r in range(n_r):
                    relative[i, t, o0 + r] = rel[i, r]
        if t == n_t - 1 or bin_of[t + 1] != bin_of[t]:   # the bin closes: means and dominance
            b, n_b = bin_of[t], t + 1 - t_bin[0]
            for g in range(n_g):
                for i in range(gstart[g], gstart[g + 1]):
                    for k in range(n_b):
                        for r in range(n_r):
                            mags[k, r] = abs(kept[i, k, r])
                    _pairwise(kept[i], one, n_b - 1, s_bin)   # numpy's reduceat: the first term
                    _pairwise(mags, one, n_b - 1, m_bin)      # plus the sum of the others
                    for r in range(n_r):
                        cnt = count[g, r]
                        sv, mv = kept[i, 0, r] + s_bin[r], mags[0, r] + m_bin[r]
                        signed[i, b, o0 + r] = sv / cnt if cnt > 0 else 0.0
                        mag[i, b, o0 + r] = mv / cnt if cnt > 0 else 0.0
                for r in range(n_r):
                    _dominant(mag, b, o0 + r, gstart[g], gstart[g + 1], dom)
                    count[g, r] = 0.0
            t_bin[0] = t + 1
    return 0


@JIT
def loop_shares(ls, lstart, lrows, order, shared, mine, out):
    """For each time and run of the link scores ``ls`` (link, time, run) of one partition's
    loops (tables as for ``score_block``, one partition): the sum of the magnitudes of the
    relative scores of the loops ``mine`` (booleans) among them all, written to ``out`` (time,
    run); NaN where no loop is active (``found.measure_share``)."""
    n_l, n_t, n_r = lstart.shape[0] - 1, ls.shape[1], ls.shape[2]
    depth = 1
    for i in range(n_l):
        depth = max(depth, lstart[i + 1] - lstart[i])
    lt, buf = np.empty((ls.shape[0], n_r)), np.empty((depth, n_r))
    rel, total, count = np.empty((n_l, n_r)), np.empty(n_r), np.zeros((1, n_r))
    gstart = np.array([0, n_l], dtype=np.int64)
    for t in range(n_t):
        for i in range(ls.shape[0]):
            for r in range(n_r):
                lt[i, r] = ls[i, t, r]
        _loops_at(lt, lstart, lrows, order, shared, buf, rel)
        _relative_at(lt, lstart, lrows, gstart, rel, total, count)
        for r in range(n_r):
            active, s = False, 0.0
            for i in range(n_l):
                if rel[i, r] != 0:
                    active = True
                if mine[i]:
                    s += abs(rel[i, r])
            out[t, r] = s if active else math.nan
    return 0


def link_tables(plan, names) -> tuple:
    """The link kernel's tables (kind, source, target, part, fstart, fvar; see ``link_scores``)
    for records whose columns are ``names``."""
    lg = plan.lg
    col = {n: i for i, n in enumerate(names)}
    prow = {i: k for k, i in enumerate(plan.partials.link_ids)}
    stocks: dict = {}
    fstart, fvar = [0], []
    kind, src, tgt, part = [], [], [], []
    for i in plan.link_ids:
        lk = lg.links[i]
        kind.append(KINDS.get(lk.kind, DELAY))
        src.append(col[lk.source])
        tgt.append(col[lk.target])
        if lk.kind == "uses":
            part.append(prow[i])
        elif lk.kind in ("inflow", "outflow"):
            if lk.target not in stocks:
                el = lg.model.elements[lk.target]
                fvar += [col[f] for f in el.inflows] + [-1 - col[f] for f in el.outflows]
                stocks[lk.target] = len(fstart) - 1
                fstart.append(len(fvar))
            part.append(stocks[lk.target])
        else:
            part.append(0)
    return tuple(np.array(a, dtype=np.int64) for a in (kind, src, tgt, part, fstart, fvar))


def _records(batch, cols):
    """(records (time, variable, run), first column, end column) of the runs ``cols`` (a slice)
    of a batch."""
    data = np.ascontiguousarray(batch[3].data, dtype=float)
    c0, c1, _ = cols.indices(data.shape[2])
    return data, c0, c1


def _partials(plan, batch, y, c0, c1, vals, s0, s1) -> np.ndarray:
    """The partial changes (row, step, run) of the steps s0..s1-1 (step s: from time s to s + 1)
    of the runs c0..c1-1 of the records ``y``, by the plan's expressions; ``vals`` holds the
    parameters' values of those runs."""
    times, result = batch[0], batch[3]
    sub = {name: y[s0:s1 + 1, i, c0:c1] for i, name in enumerate(result.names)}
    partial = plan.evaluate(input_arrays(plan.partials.names, sub, vals), times[s0:s1, None])
    p = np.empty((len(partial), s1 - s0, c1 - c0))
    for k, v in enumerate(partial):
        p[k] = v
    return p


def loop_tables(row_lists, groups) -> tuple | None:
    """The loop tables of ``score_block`` (lstart, lrows, order, shared, gstart), or None when
    the partitions' loops are not numbered one partition after the other."""
    gstart = [0]
    for idx in groups:
        idx = np.asarray(idx, dtype=np.int64)
        if not np.array_equal(idx, np.arange(gstart[-1], gstart[-1] + len(idx))):
            return None
        gstart.append(gstart[-1] + len(idx))
    if gstart[-1] != len(row_lists) or any(not r for r in row_lists):
        return None
    lstart = np.cumsum([0] + [len(r) for r in row_lists])
    lrows = [x for r in row_lists for x in r]
    order = sorted(range(len(row_lists)), key=lambda j: row_lists[j])
    shared: list = []
    prev: list = []
    for i in order:
        rows, k = row_lists[i], 0
        while k < min(len(rows), len(prev)) and rows[k] == prev[k]:
            k += 1
        shared.append(k)
        prev = rows
    return tuple(np.array(a, dtype=np.int64) for a in (lstart, lrows, order, shared, gstart))


_NONE = np.zeros((0, 0, 0))
WINDOW_CELLS = 8192         # (time x run) cells of the arrays numpy evaluates the partial changes over


def score_runs(plan, batch, cols, o0, link_tab, loop_tab, state) -> tuple:
    """Score the runs ``cols`` (a slice) of a batch into ``state`` (the analysis's arrays over
    the whole batch, these runs from o0 on): see ``score_block``, called window of times after
    window so that the partial changes numpy evaluates (and every array it makes) stay a few
    hundred kilobytes. Returns each loop's sums of its positive and of the magnitudes of its
    negative relative scores over these runs."""
    y, c0, c1 = _records(batch, cols)
    vals = runs_of(batch[2], cols)
    n_t, n_r = y.shape[0], c1 - c0
    index = np.asarray(state.index, dtype=np.int64)
    n_l = len(loop_tab[0]) - 1
    longest = int(np.diff(np.flatnonzero(np.r_[True, np.diff(index) != 0, True])).max())
    pos, neg = np.zeros((n_l, n_r)), np.zeros((n_l, n_r))
    kept, count = np.empty((n_l, longest, n_r)), np.zeros((len(loop_tab[4]) - 1, n_r))
    t_bin = np.zeros(1, dtype=np.int64)
    full = bool(state.full)
    arrays = (state.links, state.scores, state.relative) if full else (_NONE, _NONE, _NONE)
    width = max(2, WINDOW_CELLS // n_r)
    for ta in range(0, n_t, width):
        tb = min(n_t, ta + width)
        s0 = max(ta - 1, 0)
        p = _partials(plan, batch, y, c0, c1, vals, s0, tb - 1)
        score_block(y, c0, p, s0, ta, tb, *link_tab, *loop_tab, index, o0, full, *arrays,
                    state.signed, state.mag, state.dominant, pos, neg, kept, count, t_bin)
    return pos.sum(axis=1), neg.sum(axis=1)


@JIT
def strongest_paths(n_states, start, dest, weight, out, ends):  # noqa: PLR0912
    """The strongest-path search of ``discovery.StrongestPaths`` from each of the first
    ``n_states`` elements, over links given per element (``start``: CSR offsets) as destinations
    ``dest`` and log-magnitude weights ``weight``, in the order the search follows them
    (decreasing weight, ties by decreasing destination). Each path that closes on its first
    element is written to ``out`` (its elements) and its end to ``ends``; returns the number of
    paths, or -1 when ``out`` or ``ends`` is too small to hold them."""
    n = start.shape[0] - 1
    best = np.empty(n)
    on_path = np.zeros(n, dtype=np.bool_)
    path = np.empty(n, dtype=np.int64)
    pos = np.empty(n, dtype=np.int64)
    score = np.empty(n)
    n_out, used = 0, 0
    for target in range(n_states):
        best[:] = -math.inf
        path[0], pos[0], score[0] = target, start[target], 0.0
        on_path[target] = True
        top = 0
        while top >= 0:
            u = path[top]
            pushed = False
            while pos[top] < start[u + 1]:
                k = pos[top]
                pos[top] = k + 1
                v = dest[k]
                if on_path[v]:
                    if v == target:
                        if n_out >= ends.shape[0] or used + top + 1 > out.shape[0]:
                            return -1
                        for j in range(top + 1):
                            out[used + j] = path[j]
                        used += top + 1
                        ends[n_out] = used
                        n_out += 1
                    continue
                s = score[top] + weight[k]
                if s < best[v]:
                    continue
                best[v] = s
                on_path[v] = True
                top += 1
                path[top], pos[top], score[top] = v, start[v], s
                pushed = True
                break
            if not pushed:
                on_path[path[top]] = False
                top -= 1
    return n_out
