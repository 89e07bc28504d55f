"""Kernels of the vector and matrix functions: each computes ONE cell of its result from the cells of
the arrays it reads, which the model stage passes as trailing arguments (``model/vectors.py``
turns ``VECTOR RANK(x[company], 1)`` in the equation of cell ``k`` into ``rank_of(k, 1, x[c1], ...,
x[cn])``). So the plan, both Python backends and the JavaScript backend see plain calls.

Every kernel comes twice, as every builtin: a vectorised one (``np_*``, each argument an array over
runs or a number) and a scalar one (plain Python over floats, the trailing cells a tuple, compiled
by numba unchanged); the JavaScript twins are in ``javascript.py``. Positions are 1-based where
they count cells (``k``) and 0-based where Vensim's are (the index ``pick`` reads, the one
``sorted_index`` gives). The functions of priority profiles (ALLOCATE AVAILABLE, FIND MARKET PRICE)
are in ``profiles.py``.
"""
from __future__ import annotations

import math

import numpy as np


def stack(x) -> np.ndarray:
    """The cells as one array: axis 0 the cells, then the run axis (if any)."""
    try:
        return np.array(x, dtype=float)        # all numbers, or all arrays of one shape
    except ValueError:
        return np.stack(np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in x]))


# ---------------------------------------------------------------------- rank and sort order
def np_rank_of(k, direction, *x):
    """The rank (1 = first) of the k-th cell: ascending when direction > 0, else descending; ties
    keep the cells' order ascending and the reverse descending."""
    X = stack(x)
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
    X = stack(x + (direction, k))
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
    X = stack(x)
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
    Z = stack((x, xmin, xmax, extrapolate) + y)
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
    Z = stack(p + (x,))
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
    Z = stack(p + (start, end))
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
    Z = stack(sx)                      # selections and values together: one run axis
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
    A = stack(a)
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
