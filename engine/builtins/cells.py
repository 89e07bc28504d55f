"""Kernels of the vector and matrix functions: each computes ONE cell of its result from the cells of
the arrays it reads, which the model stage passes as trailing arguments (``model/vectors.py``
turns ``VECTOR RANK(x[company], 1)`` in the equation of cell ``k`` into ``rank_of(k, 1, x[c1], ...,
x[cn])``). So the plan, both Python backends and the JavaScript backend see plain calls.

Every kernel comes twice, as every builtin: a vectorised one (``np_*``, each argument an array over
runs or a number) and a scalar one (plain Python over floats, the trailing cells a tuple, compiled
by numba unchanged); the JavaScript twins are in ``javascript.py``. Positions are 1-based where
they count cells (``k``) and 0-based where Vensim's are (the index ``pick`` reads, the one
``sorted_index`` gives).
"""
from __future__ import annotations

import math

import numpy as np

ITERATIONS = 120        # bisection steps of an allocation: the bracket reaches one ulp well before
SPREAD = 50.0           # normal and exponential profiles: fully served below p - 50 w, not at all above p + 50 w


def _stack(x) -> np.ndarray:
    """The cells as one array: axis 0 the cells, then the run axis (if any)."""
    try:
        return np.array(x, dtype=float)        # all numbers, or all arrays of one shape
    except ValueError:
        return np.stack(np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in x]))


# ---------------------------------------------------------------------- rank and sort order
def np_rank_of(k, direction, *x):
    """The rank (1 = first) of the k-th cell: ascending when direction > 0, else descending; ties
    keep the cells' order ascending and the reverse descending."""
    X = _stack(x)
    i = int(k) - 1
    v = X[i]
    up = 1.0 + (X < v).sum(axis=0) + (X[:i] == v).sum(axis=0)
    return np.where(np.asarray(direction) > 0, up, X.shape[0] + 1.0 - up)


def rank_of(k, direction, *x):
    """Scalar twin of ``np_rank_of``."""
    i = int(k) - 1
    v = x[i]
    up = 1.0
    for j in range(len(x)):
        if x[j] < v or (j < i and x[j] == v):
            up += 1.0
    return up if direction > 0 else len(x) + 1.0 - up


def np_sorted_index(k, direction, *x):
    """The 0-based index of the cell at place k of the sorted cells (ascending when direction > 0,
    else descending; a negative k counts from the end, -1 the last); NaN when k is outside."""
    X = _stack(x + (direction, k))
    kk, direction, X = np.trunc(X[-1]), X[-2], X[:-2]
    n = X.shape[0]
    up = 1.0 + (X[None, :] < X[:, None]).sum(axis=1)     # ascending ranks, ties in the cells' order
    for j in range(1, n):
        up[j] += (X[:j] == X[j]).sum(axis=0)
    kk = np.where(kk < 0, n + 1.0 + kk, kk)
    want = np.where(direction > 0, kk, n + 1.0 - kk)
    hit = up == want
    return np.where((kk >= 1) & (kk <= n), np.argmax(hit, axis=0).astype(float), np.nan)


def sorted_index(k, direction, *x):
    """Scalar twin of ``np_sorted_index``."""
    n = len(x)
    if not (k == k) or k >= n + 1 or k <= -n - 1:
        return math.nan
    kk = int(k)
    if kk < 0:
        kk = n + 1 + kk
    if kk < 1:
        return math.nan
    want = kk if direction > 0 else n + 1 - kk
    for j in range(n):
        up = 1
        for m in range(n):
            if x[m] < x[j] or (m < j and x[m] == x[j]):
                up += 1
        if up == want:
            return float(j)
    return math.nan


# ---------------------------------------------------------------------- one cell by position
def np_pick(i, *x):
    """The cell at 0-based position i (truncated toward zero); NaN outside the cells."""
    X = _stack(x)
    n = X.shape[0]
    j = np.trunc(np.asarray(i, dtype=float))
    inside = (j >= 0) & (j < n)
    jj = np.where(inside, j, 0).astype(np.int64)
    if X.ndim == 1:
        got = X[jj]
    else:
        got = np.take_along_axis(X, np.broadcast_to(jj, X.shape[1:])[None, :], axis=0)[0]
    return np.where(inside, got, np.nan)


def pick(i, *x):
    """Scalar twin of ``np_pick``."""
    if not (i == i) or i <= -1.0 or i >= len(x):
        return math.nan
    return x[int(i)]


# ---------------------------------------------------------------------- VECTOR LOOKUP
def np_lookup_cells(x, xmin, xmax, extrapolate, *y):
    """The cells y as a lookup's values at n points evenly spaced from xmin to xmax, read at x:
    held at the ends, or extrapolated along the end segments where ``extrapolate`` is not 0."""
    Z = _stack((x, xmin, xmax, extrapolate) + y)
    x, xmin, xmax, extrapolate, Y = Z[0], Z[1], Z[2], Z[3], Z[4:]
    n = Y.shape[0]
    if n == 1:
        return Y[0]
    with np.errstate(all="ignore"):
        dx = (xmax - xmin) / (n - 1)
        j = np.clip(np.floor((x - xmin) / dx), 0, n - 2)
        j = np.where(np.isnan(j), 0, j).astype(np.int64)
        y0 = np.take_along_axis(Y, j[None], 0)[0] if Y.ndim > 1 else Y[j]
        y1 = np.take_along_axis(Y, j[None] + 1, 0)[0] if Y.ndim > 1 else Y[j + 1]
        x0 = xmin + j * dx
        inner = y0 + (x - x0) * (y1 - y0) / dx
    held = np.where(x <= xmin, Y[0], np.where(x >= xmax, Y[-1], inner))
    return np.where(extrapolate != 0, inner, held)


def lookup_cells(x, xmin, xmax, extrapolate, *y):
    """Scalar twin of ``np_lookup_cells``."""
    n = len(y)
    if n == 1:
        return y[0]
    dx = (xmax - xmin) / (n - 1)
    if extrapolate == 0:
        if x <= xmin:
            return y[0]
        if x >= xmax:
            return y[n - 1]
    u = math.floor((x - xmin) / dx) if x == x else 0.0
    j = int(0 if u < 0 else (n - 2 if u > n - 2 else u))
    return y[j] + (x - (xmin + j * dx)) * (y[j + 1] - y[j]) / dx


# ---------------------------------------------------------------------- a lookup as steps, its area
def np_lookup_step(x, direction, *p):
    """A lookup through the n points (x1..xn, then y1..yn) read as a step function at x: the y of
    the last point at or before x when direction < 0 (LOOKUP BACKWARD), of the first point at or
    after x otherwise (LOOKUP FORWARD); the end values held outside the points; NaN at NaN."""
    n = len(p) // 2
    Z = _stack(p + (x,))
    X, Y, x = Z[:n], Z[n:2 * n], Z[-1]
    back = np.clip((X <= x).sum(axis=0) - 1, 0, n - 1)
    ahead = np.clip((X < x).sum(axis=0), 0, n - 1)
    j = np.where(np.asarray(direction) < 0, back, ahead).astype(np.int64)
    got = np.take_along_axis(Y, np.broadcast_to(j, Y.shape[1:])[None], axis=0)[0] if Y.ndim > 1 else Y[j]
    return np.where(np.isnan(x), np.nan, got)


def lookup_step(x, direction, *p):
    """Scalar twin of ``np_lookup_step``."""
    n = len(p) // 2
    if x != x:
        return x
    back = -1
    ahead = 0
    for i in range(n):
        if p[i] <= x:
            back += 1
        if p[i] < x:
            ahead += 1
    if direction < 0:
        return p[n + (back if back > 0 else 0)]
    return p[n + (ahead if ahead < n - 1 else n - 1)]


def np_lookup_area(start, end, *p):
    """The area under a lookup through the n points (x1..xn, then y1..yn), linear between them and
    held at the end values outside, from start to end (negative when end < start): LOOKUP AREA."""
    n = len(p) // 2
    Z = _stack(p + (start, end))
    X, Y, v = Z[:n], Z[n:2 * n], Z[2 * n:]
    with np.errstate(all="ignore"):
        area = np.minimum(v - X[0], 0.0) * Y[0] + np.maximum(v - X[n - 1], 0.0) * Y[n - 1]
        for i in range(n - 1):
            u = np.clip(v, X[i], X[i + 1])
            yu = Y[i] + (Y[i + 1] - Y[i]) * (u - X[i]) / (X[i + 1] - X[i])
            area = area + (u - X[i]) * (Y[i] + np.where(u > X[i], yu, Y[i])) / 2.0
    return area[1] - area[0]


def _area_to(v, n, p):
    """The area under the lookup of ``lookup_area`` from its first point to v."""
    area = (v - p[0]) * p[n] if v < p[0] else 0.0
    if v > p[n - 1]:
        area += (v - p[n - 1]) * p[2 * n - 1]
    for i in range(n - 1):
        x0, x1, y0, y1 = p[i], p[i + 1], p[n + i], p[n + i + 1]
        if v > x0:
            u = v if v < x1 else x1
            area += (u - x0) * (y0 + y0 + (y1 - y0) * (u - x0) / (x1 - x0)) / 2.0
    return area


def lookup_area(start, end, *p):
    """Scalar twin of ``np_lookup_area``."""
    n = len(p) // 2
    if start != start or end != end:
        return math.nan
    return _area_to(end, n, p) - _area_to(start, n, p)


# ---------------------------------------------------------------------- VECTOR SELECT
def np_select_cells(action, missing, *sx):
    """Vensim's VECTOR SELECT over n selection cells then n value cells: among the cells whose
    selection is not 0, action 0 sums s*x, 1 multiplies s*x, 2 and 3 take the least and largest
    s*x, 4 their mean, 5 multiplies x^s, 6 to 10 sum, multiply, take the least, the largest and the
    mean of x; ``missing`` where every selection is 0; NaN for any other action."""
    n = len(sx) // 2
    Z = _stack(sx)                      # selections and values together: one run axis
    S, X = Z[:n], Z[n:]
    on = S != 0
    count = on.sum(axis=0)
    with np.errstate(all="ignore"):
        w = S * X
        pw = np.where(on, X, 1.0) ** np.where(on, S, 1.0)

        def agg(v, how):
            if how == "sum":
                return np.where(on, v, 0.0).sum(axis=0)
            if how == "prod":
                return np.where(on, v, 1.0).prod(axis=0)
            if how == "min":
                return np.where(on, v, np.inf).min(axis=0)
            if how == "max":
                return np.where(on, v, -np.inf).max(axis=0)
            return np.where(on, v, 0.0).sum(axis=0) / np.maximum(count, 1)
        a = np.asarray(action, dtype=float)
        out = np.select([a == 0, a == 1, a == 2, a == 3, a == 4, a == 5, a == 6, a == 7, a == 8, a == 9,
                         a == 10],
                        [agg(w, "sum"), agg(w, "prod"), agg(w, "min"), agg(w, "max"), agg(w, "mean"),
                         agg(pw, "prod"), agg(X, "sum"), agg(X, "prod"), agg(X, "min"), agg(X, "max"),
                         agg(X, "mean")], np.nan)
    return np.where(count > 0, out, missing)


def select_cells(action, missing, *sx):
    """Scalar twin of ``np_select_cells``."""
    n = len(sx) // 2
    a = action
    if not (a == 0 or a == 1 or a == 2 or a == 3 or a == 4 or a == 5 or a == 6 or a == 7 or a == 8
            or a == 9 or a == 10):
        return math.nan
    count = 0
    acc = 0.0
    if a == 1 or a == 5 or a == 7:
        acc = 1.0
    elif a == 2 or a == 8:
        acc = math.inf
    elif a == 3 or a == 9:
        acc = -math.inf
    for j in range(n):
        s = sx[j]
        if s == 0:
            continue
        x = sx[n + j]
        count += 1
        if a <= 4:
            v = s * x
        elif a == 5:
            v = x ** s
        else:
            v = x
        if a == 0 or a == 4 or a == 6 or a == 10:
            acc += v
        elif a == 1 or a == 5 or a == 7:
            acc *= v
        elif a == 2 or a == 8:
            acc = v if (v < acc or v != v) else acc
        else:
            acc = v if (v > acc or v != v) else acc
    if count == 0:
        return missing
    if a == 4 or a == 10:
        return acc / count
    return acc


# ---------------------------------------------------------------------- INVERT MATRIX
def np_inverse_cell(i, j, *a):
    """Cell (i, j) (1-based) of the inverse of the n x n matrix a (row-major); NaN where the
    matrix is singular."""
    A = _stack(a)
    n = int(round(math.sqrt(A.shape[0])))
    M = np.moveaxis(A.reshape((n, n) + A.shape[1:]), (0, 1), (-2, -1))
    try:
        inv = np.linalg.inv(M)
    except np.linalg.LinAlgError:
        flat = M.reshape((-1, n, n))
        inv = np.full_like(flat, np.nan)
        for r in range(flat.shape[0]):
            try:
                inv[r] = np.linalg.inv(flat[r])
            except np.linalg.LinAlgError:
                pass
        inv = inv.reshape(M.shape)
    return inv[..., int(i) - 1, int(j) - 1]


def inverse_cell(i, j, *a):
    """Scalar twin of ``np_inverse_cell`` (Gauss-Jordan elimination with partial pivoting)."""
    n = int(round(math.sqrt(len(a))))
    m = np.empty((n, 2 * n))
    for r in range(n):
        for c in range(n):
            m[r, c] = a[r * n + c]
            m[r, n + c] = 1.0 if r == c else 0.0
    for c in range(n):
        p = c
        for r in range(c + 1, n):
            if abs(m[r, c]) > abs(m[p, c]):
                p = r
        if m[p, c] == 0.0:
            return math.nan
        if p != c:
            for q in range(2 * n):
                t = m[c, q]
                m[c, q] = m[p, q]
                m[p, q] = t
        d = m[c, c]
        for q in range(2 * n):
            m[c, q] /= d
        for r in range(n):
            if r != c and m[r, c] != 0.0:
                f = m[r, c]
                for q in range(2 * n):
                    m[r, q] -= f * m[c, q]
    return m[int(i) - 1, n + int(j) - 1]


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
    G = _stack(g + (avail,))
    return _np_shares(G, (G.shape[0] - 1) // 5)[int(k) - 1]


# ---------------------------------------------------------------------- FIND MARKET PRICE
# the price range searched (``_market_range``): a profile bends over priority -/+ width / 2
# (rectangular, triangular), and is searched over priority -/+ 5 widths (normal) or 10
# (exponential), the range Vensim's prices show (a market with nothing demanded gets the lowest
# price of that range, as in Vensim's output)


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
    """Vectorised twin of ``at_price``."""
    q, kind, priority, width, price = np.broadcast_arrays(*(np.asarray(x, float) for x in
                                                             (q, kind, priority, width, price)))
    f = _np_served(kind, priority, width, price)
    share = f if side == 1.0 else 1.0 - f
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
            s = 5.0
        elif kind == 4.0:
            s = 10.0
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
    G = _stack(g)
    q, kind, prio, width = G[0::5], G[1::5], G[2::5], G[3::5]
    side = np.array([1.0 if j < n else 0.0 for j in range(G.shape[0] // 5)]).reshape((-1,) + (1,) * (G.ndim - 1))
    fixed = kind == 0.0
    spread = np.select([(kind == 1.0) | (kind == 2.0), kind == 3.0, kind == 4.0], [0.5, 5.0, 10.0], np.nan)
    known = fixed | ~np.isnan(spread)
    with np.errstate(invalid="ignore"):
        lo = np.where(fixed, np.inf, prio - spread * width).min(axis=0)
        hi = np.where(fixed, -np.inf, prio + spread * width).max(axis=0)
    sign = np.where(side == 1.0, 1.0, -1.0)

    def excess(price):
        f = _np_served(kind, prio, width, price[None])
        share = np.where(side == 1.0, f, 1.0 - f)
        x = np.where(fixed, np.maximum(q, 0.0), np.where(np.isnan(f), np.nan, np.where(q > 0.0, q * share, 0.0)))
        return (sign * x).sum(axis=0)
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
