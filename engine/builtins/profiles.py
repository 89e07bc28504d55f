"""Kernels of Vensim's priority-profile functions: ALLOCATE AVAILABLE (and ALLOCATE BY PRIORITY,
its rectangular case), FIND MARKET PRICE, DEMAND AT PRICE and SUPPLY AT PRICE.

A priority profile is (kind, priority, width, extra): the share of a request served at a priority
level, 1 well below the priority and 0 well above (``served``; kinds 1 rectangular, 2 triangular,
3 normal, 4 exponential, and for the market functions 0, a fixed quantity). Like the other cell
kernels (``cells.py``), each comes as a vectorised form (``np_*``) and a scalar one compiled by
numba; the JavaScript twins are in ``javascript.py``.
"""
from __future__ import annotations

import math

import numpy as np

from .cells import stack

ITERATIONS = 120        # bisection steps of an allocation: the bracket reaches one ulp well before
SPREAD = 50.0           # normal and exponential profiles: fully served below p - 50 w, not at all above p + 50 w
# the price range FIND MARKET PRICE searches, in widths either side of each profile's priority
# (rectangular and triangular profiles bend over priority -/+ width / 2): the range Vensim's prices
# show (a market with nothing demanded gets the lowest price of that range, as in Vensim's output)
MARKET_NORMAL = 5.0
MARKET_EXPONENTIAL = 10.0


# ---------------------------------------------------------------------- ALLOCATE AVAILABLE
# the normal profile's tail, as Vensim computes it: the rational approximation of Abramowitz and
# Stegun 26.2.16 (within 1e-5 of the normal distribution), which reproduces Vensim's allocations
# 40 times closer than the exact distribution does (docs/vensim.md)
TAIL_P, TAIL_A = 0.33267, (0.4361836, -0.1201676, 0.9372980)


def normal_tail(z):
    """The share of a normal distribution above z standard deviations (Vensim's approximation)."""
    x = z if z >= 0.0 else -z
    t = 1.0 / (1.0 + TAIL_P * x)
    q = math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi) * t * (TAIL_A[0] + t * (TAIL_A[1] + t * TAIL_A[2]))
    return q if z >= 0.0 else 1.0 - q


def served(kind, priority, width, level):
    """The fraction of a request served at priority ``level`` by its priority profile: 1 well
    below ``priority``, 0 well above; ``kind`` 1 rectangular, 2 triangular, 3 normal, 4 exponential
    (NaN for any other kind)."""
    if kind == 1:
        f = (priority + 0.5 * width - level) / width
        return 1.0 if f > 1.0 else (0.0 if f < 0.0 else f)
    if kind == 2:
        u = (level - priority + 0.5 * width) / width
        if u <= 0.0:
            return 1.0
        if u >= 1.0:
            return 0.0
        return 1.0 - 2.0 * u * u if u < 0.5 else 2.0 * (1.0 - u) * (1.0 - u)
    if kind == 3:
        return normal_tail((level - priority) / width)
    if kind == 4:
        if level < priority:
            return 1.0 - 0.5 * math.exp((level - priority) / width)
        return 0.5 * math.exp((priority - level) / width)
    return math.nan


def _reach(kind, priority, width):
    """(lowest, highest) level at which a profile's fraction changes."""
    spread = 0.5 * width if kind == 1 or kind == 2 else SPREAD * width
    return priority - spread, priority + spread


def allocation(k, avail, *g):
    """Vensim's ALLOCATE AVAILABLE, the share of target k (1-based): ``g`` holds per target its
    request, profile kind, priority, width and extra. Every request is served in full when
    ``avail`` covers them all, none when it is 0 or less; otherwise each gets its request times
    its profile's fraction at the one priority level where the shares add up to ``avail``
    (found by bisection)."""
    n = len(g) // 5
    total = 0.0
    for j in range(n):
        total += g[5 * j]
    kq = g[5 * (int(k) - 1)]
    if avail >= total:
        return kq
    if avail <= 0.0:
        return 0.0
    lo = math.inf
    hi = -math.inf
    for j in range(n):
        if g[5 * j] > 0.0:
            a, b = _reach(g[5 * j + 1], g[5 * j + 2], g[5 * j + 3])
            lo = a if a < lo else lo
            hi = b if b > hi else hi
    for _ in range(ITERATIONS):
        mid = 0.5 * (lo + hi)
        s = 0.0
        for j in range(n):
            q = g[5 * j]
            if q > 0.0:
                s += q * served(g[5 * j + 1], g[5 * j + 2], g[5 * j + 3], mid)
        if s != s:
            return math.nan
        if s > avail:
            lo = mid
        else:
            hi = mid
    kk = 5 * (int(k) - 1)
    if kq <= 0.0:
        return 0.0
    return kq * served(g[kk + 1], g[kk + 2], g[kk + 3], 0.5 * (lo + hi))


def _np_served(kind, priority, width, level):
    """``served`` over arrays; only the profile kinds present are computed."""
    out = np.full(np.broadcast_shapes(np.shape(kind), np.shape(level)), np.nan)
    with np.errstate(all="ignore"):
        if (kind == 1).any():
            out = np.where(kind == 1, np.clip((priority + 0.5 * width - level) / width, 0.0, 1.0), out)
        if (kind == 2).any():
            u = (level - priority + 0.5 * width) / width
            tri = np.where(u <= 0.0, 1.0, np.where(u >= 1.0, 0.0, np.where(u < 0.5, 1.0 - 2.0 * u * u,
                                                                             2.0 * (1.0 - u) * (1.0 - u))))
            out = np.where(kind == 2, tri, out)
        if (kind == 3).any():
            z = (level - priority) / width
            x = np.abs(z)
            t = 1.0 / (1.0 + TAIL_P * x)
            q = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi) * t * (TAIL_A[0] + t * (TAIL_A[1] + t * TAIL_A[2]))
            out = np.where(kind == 3, np.where(z >= 0.0, q, 1.0 - q), out)
        if (kind == 4).any():
            out = np.where(kind == 4, np.where(level < priority, 1.0 - 0.5 * np.exp((level - priority) / width),
                                               0.5 * np.exp((priority - level) / width)), out)
    return out


GRID = np.linspace(0.0, 1.0, 65)
ROUNDS = 12             # 64 ** 12 > 2 ** 53: the bracket is down to an ulp
_last: list = [None]    # the last level found (the cells of one vector ask for the same one in turn)


def _np_shares(G, n):
    """Every target's share (targets first, then runs), the cells as in ``np_allocation``: the
    level found first where the total of the rectangular and triangular profiles bends (between two
    such levels the total is a straight line when every profile is rectangular: then exact), then
    narrowed on a grid of 64 intervals at a time."""
    key = (G.shape, G.tobytes())
    last = _last[0]
    if last is not None and last[0] == key:
        return last[1]
    avail = G[-1]
    q, kind, prio, width = G[0:5 * n:5], G[1:5 * n:5], G[2:5 * n:5], G[3:5 * n:5]
    total = q.sum(axis=0)
    on = q > 0.0
    if ((avail >= total) | (avail <= 0.0)).all():
        out = np.where(avail >= total, q, 0.0)
        _last[0] = (key, out)
        return out
    spread = np.where((kind == 1) | (kind == 2), 0.5 * width, SPREAD * width)
    lo = np.where(on, prio - spread, np.inf).min(axis=0)
    hi = np.where(on, prio + spread, -np.inf).max(axis=0)
    bad = np.zeros(np.shape(avail), dtype=bool)

    def shares(xs):             # the total share at each level of xs (levels first, then runs)
        f = _np_served(kind[None], prio[None], width[None], xs[:, None])
        return np.where(on[None], q[None] * f, 0.0).sum(axis=1)

    def narrow(xs):             # the bracket among the levels xs (sorted) where the total passes avail
        s = shares(xs)
        i = np.clip((s > avail).sum(axis=0) - 1, 0, xs.shape[0] - 2)
        return (np.take_along_axis(xs, i[None], 0)[0], np.take_along_axis(xs, i[None] + 1, 0)[0],
                np.take_along_axis(s, i[None], 0)[0], np.take_along_axis(s, i[None] + 1, 0)[0], s)
    bends = np.concatenate([prio - 0.5 * width, prio, prio + 0.5 * width, lo[None], hi[None]])
    bends = np.sort(np.where(np.isfinite(bends), np.clip(bends, lo, hi), lo), axis=0)
    lo, hi, s_lo, s_hi, s = narrow(bends)
    bad |= np.isnan(s).any(axis=0)
    if (kind[on] == 1).all():
        with np.errstate(all="ignore"):
            t = np.where(s_lo > s_hi, (s_lo - avail) / (s_lo - s_hi), 0.5)
        level = lo + t * (hi - lo)
    else:
        grid = GRID.reshape((-1,) + (1,) * np.ndim(avail))
        for _ in range(ROUNDS):
            lo, hi, _, _, s = narrow(lo + (hi - lo) * grid)
            bad |= np.isnan(s).any(axis=0)
        level = 0.5 * (lo + hi)
    share = np.where(on, q * _np_served(kind, prio, width, level), 0.0)
    out = np.where(avail >= total, q, np.where(avail <= 0.0, 0.0, np.where(bad, np.nan, share)))
    _last[0] = (key, out)
    return out


def np_allocation(k, avail, *g):
    """Vectorised twin of ``allocation`` (the level found as ``_np_shares`` says: the same to an
    ulp; exact for rectangular profiles)."""
    G = stack(g + (avail,))
    return _np_shares(G, (G.shape[0] - 1) // 5)[int(k) - 1]


# ---------------------------------------------------------------------- FIND MARKET PRICE


def at_price(side, q, kind, priority, width, price):
    """The quantity a demander (``side`` 1: DEMAND AT PRICE) or a supplier (0: SUPPLY AT PRICE)
    takes at ``price``: its quantity times its profile's share (a demander's falls as the price
    rises, a supplier's rises); a fixed quantity (kind 0) whatever the price; 0 for a quantity of
    0 or less."""
    if kind == 0.0:
        return q if q > 0.0 else 0.0
    f = served(kind, priority, width, price)
    if f != f:
        return math.nan
    if q <= 0.0:
        return 0.0
    return q * f if side == 1.0 else q * (1.0 - f)


def np_at_price(side, q, kind, priority, width, price):
    """Vectorised twin of ``at_price`` (``side`` too may vary: per demander and supplier)."""
    side, q, kind, priority, width, price = np.broadcast_arrays(*(np.asarray(x, float) for x in
                                                                   (side, q, kind, priority, width, price)))
    f = _np_served(kind, priority, width, price)
    share = np.where(side == 1.0, f, 1.0 - f)
    out = np.where(kind == 0.0, np.maximum(q, 0.0), np.where(np.isnan(f), np.nan, np.where(q > 0.0, q * share, 0.0)))
    return out if out.ndim else float(out)


def _market_range(g):
    """(lowest, highest) price searched over the profiles of ``g`` (not the fixed ones); NaN for an
    unknown kind, (inf, -inf) when every profile is fixed."""
    lo = math.inf
    hi = -math.inf
    for j in range(len(g) // 5):
        kind = g[5 * j + 1]
        if kind == 0.0:
            continue
        if kind == 1.0 or kind == 2.0:
            s = 0.5
        elif kind == 3.0:
            s = MARKET_NORMAL
        elif kind == 4.0:
            s = MARKET_EXPONENTIAL
        else:
            return math.nan, math.nan
        a = g[5 * j + 2] - s * g[5 * j + 3]
        b = g[5 * j + 2] + s * g[5 * j + 3]
        lo = a if a < lo else lo
        hi = b if b > hi else hi
    return lo, hi


def _excess(nd, g, price):
    """What the demanders take at ``price`` less what the suppliers give (falls as the price rises)."""
    total = 0.0
    for j in range(len(g) // 5):
        side = 1.0 if j < nd else 0.0
        x = at_price(side, g[5 * j], g[5 * j + 1], g[5 * j + 2], g[5 * j + 3], price)
        total = total + x if j < nd else total - x
    return total


def market_price(nd, *g):
    """Vensim's FIND MARKET PRICE: the price where what the demanders take (their quantities
    times their profiles' shares, which fall with the price) equals what the suppliers give
    (which rises), found by bisection within the searched range (its end when the market does
    not clear inside it); ``g`` holds per demander, then per supplier, the quantity, profile
    kind, priority, width and extra. :NA: when every profile is a fixed quantity (no price
    balances them) or a kind is unknown."""
    n = int(nd)
    lo, hi = _market_range(g)
    if not lo <= hi:
        return math.nan
    if _excess(n, g, lo) <= 0.0:
        return lo
    if _excess(n, g, hi) >= 0.0:
        return hi
    for _ in range(ITERATIONS):
        mid = 0.5 * (lo + hi)
        e = _excess(n, g, mid)
        if e != e:
            return math.nan
        if e > 0.0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def np_market_price(nd, *g):
    """Vectorised twin of ``market_price``: the same bisection over every run at once (the same
    number of halvings, so the same prices)."""
    n = int(nd)
    G = stack(g)
    q, kind, prio, width = G[0::5], G[1::5], G[2::5], G[3::5]
    side = np.array([1.0 if j < n else 0.0 for j in range(G.shape[0] // 5)]).reshape((-1,) + (1,) * (G.ndim - 1))
    fixed = kind == 0.0
    spread = np.select([(kind == 1.0) | (kind == 2.0), kind == 3.0, kind == 4.0],
                       [0.5, MARKET_NORMAL, MARKET_EXPONENTIAL], np.nan)
    known = fixed | ~np.isnan(spread)
    with np.errstate(invalid="ignore"):
        lo = np.where(fixed, np.inf, prio - spread * width).min(axis=0)
        hi = np.where(fixed, -np.inf, prio + spread * width).max(axis=0)
    sign = np.where(side == 1.0, 1.0, -1.0)

    def excess(price):
        return (sign * np_at_price(side, q, kind, prio, width, price[None])).sum(axis=0)
    ok = known.all(axis=0) & (lo <= hi)
    lo, hi = np.where(ok, lo, 0.0), np.where(ok, hi, 0.0)
    at_lo, at_hi = excess(lo), excess(hi)
    a, b, bad = lo.copy(), hi.copy(), ~ok
    for _ in range(ITERATIONS):
        mid = 0.5 * (a + b)
        e = excess(mid)
        bad |= np.isnan(e)
        a, b = np.where(e > 0.0, mid, a), np.where(e > 0.0, b, mid)
    out = np.where(at_lo <= 0.0, lo, np.where(at_hi >= 0.0, hi, 0.5 * (a + b)))
    out = np.where(bad | np.isnan(at_lo) | np.isnan(at_hi), np.nan, out)
    return out if out.ndim else float(out)
