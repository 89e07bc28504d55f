"""Random draws from a counter-based stream, the same numbers in numpy (over runs) and numba.

A draw is a pure function of its key: (seed, run, call site, element, step, draw index). The key
is hashed with SplitMix64's mixing function into 64 random bits (``key`` chains the first four
parts, ``uniform`` adds the step and the draw index as SplitMix64's counter), and the top 52 bits
give a uniform number strictly inside (0, 1). Nothing is carried from one step or run to the
next, so a run's numbers do not depend on the batch, chunk, process or backend that computes it.

Distributions are transforms of one uniform by inversion of their (truncated) distribution
function: the truncation to [min, max] costs nothing and never loops. The inversions are exact
except the normal's, Acklam's rational approximation (relative error below 1.2e-9). The
logarithm, exponential and normal distribution function are written here from +, -, *, /, sqrt,
floor, frexp and ldexp only (all exact or correctly rounded in IEEE arithmetic), so that numpy
and numba compute the same bits: their own ``log`` and ``exp`` may differ in the last bit.

Each function exists twice: a scalar form (plain Python that numba compiles; the numba backend
re-binds the helpers to compiled versions) and a vector form (``v_*``, numpy over the run axis).
Both do the same operations in the same order; the tests compare their bits. ``EITHER`` is what
the numpy backend calls: the vector form, or the scalar form for a single run's scalars.
"""
from __future__ import annotations

import math

import numpy as np

U64 = np.uint64
GOLDEN = U64(0x9E3779B97F4A7C15)
MIX1 = U64(0xBF58476D1CE4E5B9)
MIX2 = U64(0x94D049BB133111EB)
S12, S20, S27, S30, S31 = U64(12), U64(20), U64(27), U64(30), U64(31)
SCALE = 2.0 ** -52
LN2_HI = 6.93147180369123816490e-01     # ln 2 split so that k * LN2_HI is exact
LN2_LO = 1.90821492927058770002e-10
INV_LN2 = 1.44269504088896338700e+00
SQRT_HALF = 0.70710678118654752440
INV_SQRT_2PI = 0.39894228040143267794
EXP_MAX = 709.78
EXP_MIN = -745.2
SERIES = 60.0           # at most this many terms of the normal distribution's series (|x| < 3)
TINY = 1e-17            # a term this small relative to the sum no longer counts
POISSON_MAX_MEAN = 1e6
POISSON_START = 1e-250       # the weight a search far from 0 starts from
# Acklam's rational approximation of the inverse normal distribution function (then refined)
A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
     -3.066479806614716e+01, 2.506628277459239e+00)
B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
     -1.328068155288572e+01)
C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
     4.374664141464968e+00, 2.938163982698783e+00)
D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00)
P_LOW = 0.02425
A1, A2, A3, A4, A5, A6 = A
B1, B2, B3, B4, B5 = B
C1, C2, C3, C4, C5, C6 = C
D1, D2, D3, D4 = D
LOG_TERMS = tuple(1.0 / (2 * n + 1) for n in range(13))
L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, L11, L12 = LOG_TERMS[1:]
EXP_TERMS = tuple(1.0 / math.factorial(n) for n in range(15))
E2, E3, E4, E5, E6, E7, E8, E9, E10, E11, E12, E13, E14 = EXP_TERMS[2:]


# ---------------------------------------------------------------------------- scalar forms
def s_mix(z):
    """SplitMix64's mixing function of a 64-bit word."""
    z = (z ^ (z >> S30)) * MIX1
    z = (z ^ (z >> S27)) * MIX2
    return z ^ (z >> S31)


def s_word(x):
    """A whole number held as a float -> its 64-bit two's complement word."""
    return U64(np.int64(x))


def s_key(seed, run, site, elem):
    """The stream of one call site and element in one run, under one seed."""
    h = s_mix(s_word(seed) + GOLDEN)
    h = s_mix((h ^ s_word(run)) + GOLDEN)
    h = s_mix((h ^ s_word(site)) + GOLDEN)
    return s_mix((h ^ s_word(elem)) + GOLDEN)


def s_step(ts, t0, dt):
    """The step a (switch) time lies in: every evaluation within a step, RK4's stages
    included, gets the same step."""
    return s_word(np.floor((ts - t0) / dt))


def s_uniform(key, step, j):
    """The ``j``-th uniform number in (0, 1) of a stream at a step (52 random bits)."""
    z = s_mix(key + GOLDEN * ((step << S20) + U64(j) + U64(1)))
    return (float(z >> S12) + 0.5) * SCALE


def s_exp(x):
    """e to the power x (Cody-Waite reduction, Taylor series to the 14th power)."""
    if x != x:
        return x
    if x > EXP_MAX:
        return math.inf
    if x < EXP_MIN:
        return 0.0
    k = np.floor(x * INV_LN2 + 0.5)
    r = (x - k * LN2_HI) - k * LN2_LO
    p = E14
    p = p * r + E13
    p = p * r + E12
    p = p * r + E11
    p = p * r + E10
    p = p * r + E9
    p = p * r + E8
    p = p * r + E7
    p = p * r + E6
    p = p * r + E5
    p = p * r + E4
    p = p * r + E3
    p = p * r + E2
    p = p * r + 1.0
    p = p * r + 1.0
    return math.ldexp(p, int(k))


def s_log(x):
    """The natural logarithm (x = m 2^e with m near 1; 2 atanh series of (m-1)/(m+1))."""
    if x != x or x < 0.0:
        return math.nan
    if x == 0.0:
        return -math.inf
    if x == math.inf:
        return x
    m, e = math.frexp(x)
    if m < SQRT_HALF:
        m = m * 2.0
        e = e - 1
    s = (m - 1.0) / (m + 1.0)
    s2 = s * s
    p = L12
    p = p * s2 + L11
    p = p * s2 + L10
    p = p * s2 + L9
    p = p * s2 + L8
    p = p * s2 + L7
    p = p * s2 + L6
    p = p * s2 + L5
    p = p * s2 + L4
    p = p * s2 + L3
    p = p * s2 + L2
    p = p * s2 + L1
    p = p * s2 + 1.0
    fe = float(e)
    return fe * LN2_HI + (2.0 * s * p + fe * LN2_LO)


def s_depth(ax):
    """Levels of the tail's continued fraction that give full precision at ``ax`` >= 3."""
    if ax < 4.0:
        return 40.0
    if ax < 6.0:
        return 24.0
    if ax < 10.0:
        return 16.0
    return 8.0


def s_phi(x):
    """The standard normal distribution function (its lower tail): a series below |x| = 3
    (summed until its terms no longer count), a continued fraction of the tail beyond."""
    if x != x:
        return x
    if x == -math.inf:
        return 0.0
    if x == math.inf:
        return 1.0
    ax = abs(x)
    if ax < 3.0:
        x2 = x * x
        term = x
        total = x
        n = 1.0
        while abs(term) > TINY * abs(total) and n < SERIES:
            term = term * x2 / (2.0 * n + 1.0)
            total = total + term
            n = n + 1.0
        return 0.5 + total * s_exp(-0.5 * x2) * INV_SQRT_2PI
    t = ax
    n = s_depth(ax)
    while n > 0.0:
        t = ax + n / t
        n = n - 1.0
    q = s_exp(-0.5 * ax * ax) * INV_SQRT_2PI / t
    return q if x < 0.0 else 1.0 - q


def s_ndtri(p):
    """The inverse of the standard normal distribution function by Acklam's rational
    approximation (relative error below 1.2e-9 everywhere, the tails included), on the lower
    half (an upper p is mirrored: 1 - p is exact there)."""
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    flip = p > 0.5
    w = 1.0 - p if flip else p
    if w < P_LOW:
        q = math.sqrt(-2.0 * s_log(w))
        x = (((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / \
            ((((D1 * q + D2) * q + D3) * q + D4) * q + 1.0)
    else:
        q = w - 0.5
        r = q * q
        x = (((((A1 * r + A2) * r + A3) * r + A4) * r + A5) * r + A6) * q / \
            (((((B1 * r + B2) * r + B3) * r + B4) * r + B5) * r + 1.0)
    return -x if flip else x


def s_clip(x, lo, hi):
    """x held within [lo, hi]."""
    y = x if x > lo else lo
    return y if y < hi else hi


def s_tnorm(u, a, b):
    """A standard normal number truncated to [a, b], by inversion (an interval above 0 is
    mirrored below it, where the distribution function keeps its precision)."""
    flip = a >= 0.0
    lo = -b if flip else a
    hi = -a if flip else b
    pa = s_phi(lo)
    pb = s_phi(hi)
    z = s_clip(s_ndtri(pa + u * (pb - pa)), lo, hi)
    return -z if flip else z


def s_bounds(m, x, h, r):
    """[m, x] in the units of the distribution before it is stretched by r and shifted by h."""
    lo = (m - h) / r
    hi = (x - h) / r
    if r < 0.0:
        return hi, lo
    return lo, hi


def s_draw(ts, t0, dt, seed, run, site, elem, j):
    """The ``j``-th uniform number of a call at the step of ``ts``."""
    return s_uniform(s_key(seed, run, site, elem), s_step(ts, t0, dt), j)


def random_uniform(ts, m, x, t0, dt, seed, run, site, elem):
    """Uniform on [m, x]."""
    u = s_draw(ts, t0, dt, seed, run, site, elem, 0)
    return m + (x - m) * u


def random_normal(ts, m, x, h, r, t0, dt, seed, run, site, elem):
    """Normal of mean h and standard deviation r, truncated to [m, x]."""
    u = s_draw(ts, t0, dt, seed, run, site, elem, 0)
    if not m <= x:
        return math.nan
    if r == 0.0:
        return s_clip(h, m, x)
    a, b = s_bounds(m, x, h, r)
    return s_clip(h + r * s_tnorm(u, a, b), m, x)


def random_exponential(ts, m, x, h, r, t0, dt, seed, run, site, elem):
    """Exponential of mean 1, stretched by r and shifted by h, truncated to [m, x]."""
    u = s_draw(ts, t0, dt, seed, run, site, elem, 0)
    if r == 0.0:
        return s_clip(h, m, x) if m <= x else math.nan
    a, b = s_bounds(m, x, h, r)
    a = a if a > 0.0 else 0.0
    if not a <= b:
        return math.nan
    e = a - s_log(1.0 - u * (1.0 - s_exp(a - b)))
    return s_clip(h + r * s_clip(e, a, b), m, x)


def random_lognormal(ts, m, x, mean, sd, h, r, t0, dt, seed, run, site, elem):
    """Lognormal of the given mean and standard deviation, stretched by r and shifted by h,
    truncated to [m, x]."""
    u = s_draw(ts, t0, dt, seed, run, site, elem, 0)
    if not (mean > 0.0 and sd >= 0.0):
        return math.nan
    if r == 0.0:
        return s_clip(h, m, x) if m <= x else math.nan
    c = sd / mean
    v = s_log(1.0 + c * c)
    sigma = math.sqrt(v)
    mu = s_log(mean) - 0.5 * v
    a, b = s_bounds(m, x, h, r)
    a = a if a > 0.0 else 0.0
    if not a <= b:
        return math.nan
    if sigma == 0.0:
        return s_clip(h + r * mean, m, x)
    z = s_tnorm(u, (s_log(a) - mu) / sigma, (s_log(b) - mu) / sigma)
    return s_clip(h + r * s_clip(s_exp(mu + sigma * z), a, b), m, x)


def s_tri_cdf(y, lo, peak, hi):
    """The triangular distribution function on [lo, hi] with its mode at ``peak``."""
    if y <= lo:
        return 0.0
    if y >= hi:
        return 1.0
    if y <= peak:
        return (y - lo) * (y - lo) / ((hi - lo) * (peak - lo))
    return 1.0 - (hi - y) * (hi - y) / ((hi - lo) * (hi - peak))


def random_triangular(ts, m, x, lo, peak, hi, t0, dt, seed, run, site, elem):
    """Triangular on [lo, hi] with its mode at ``peak``, truncated to [m, x]."""
    u = s_draw(ts, t0, dt, seed, run, site, elem, 0)
    if not (lo <= peak and peak <= hi and lo < hi and m <= x):
        return math.nan
    fa = s_tri_cdf(m, lo, peak, hi)
    fb = s_tri_cdf(x, lo, peak, hi)
    if not fa < fb:
        return math.nan
    p = fa + u * (fb - fa)
    w = hi - lo
    if p * w < peak - lo:
        y = lo + math.sqrt(p * w * (peak - lo))
    else:
        y = hi - math.sqrt((1.0 - p) * w * (hi - peak))
    return s_clip(y, m, x)


def s_poisson_window(mean):
    """Where a Poisson search starts (``lo``, 0 for a small mean) and its weight there: the exact
    probability of 0 from 0, else a small number (the inversion uses ratios only). The mass below
    ``lo`` and above ``hi`` (12 standard deviations and 40 away from the mean) is left out."""
    spread = 12.0 * math.sqrt(mean) + 40.0
    lo = np.floor(mean - spread) if mean > spread else 0.0
    start = s_exp(-mean) if lo == 0.0 else POISSON_START
    return lo, np.floor(mean + spread), start


def random_poisson(ts, m, x, mean, h, r, t0, dt, seed, run, site, elem):
    """Poisson of the given mean (at most ``POISSON_MAX_MEAN``), stretched by r and shifted by h,
    truncated to [m, x]: a whole number n drawn by inversion, returned as h + r n."""
    u = s_draw(ts, t0, dt, seed, run, site, elem, 0)
    if not (mean >= 0.0 and mean <= POISSON_MAX_MEAN and m <= x):
        return math.nan
    if r == 0.0:
        return s_clip(h, m, x)
    a, b = s_bounds(m, x, h, r)
    first, top, start = s_poisson_window(mean)
    nlo = np.ceil(a) if a > first else first
    nhi = np.floor(b) if b < top else top
    if not nlo <= nhi:
        return math.nan
    pmf = start
    cdf = 0.0
    below = 0.0
    n = first
    while n <= nhi:
        if n == nlo:
            below = cdf
        cdf = cdf + pmf
        n = n + 1.0
        pmf = pmf * mean / n
    p = below + u * (cdf - below)
    pmf = start
    cdf = 0.0
    n = first
    while n < nhi:
        cdf = cdf + pmf
        if n >= nlo and cdf >= p:
            break
        n = n + 1.0
        pmf = pmf * mean / n
    return s_clip(h + r * n, m, x)


def random_weibull(ts, shape, scale, t0, dt, seed, run, site, elem):
    """Weibull of that shape and scale (Stella's WEIBULL), by inversion: scale (-ln(1 - u))^(1/shape)."""
    u = s_draw(ts, t0, dt, seed, run, site, elem, 0)
    if not (shape > 0.0 and scale > 0.0):
        return math.nan
    return scale * s_exp(s_log(-s_log(1.0 - u)) / shape)


def random_logistic(ts, mean, scale, t0, dt, seed, run, site, elem):
    """Logistic of that mean and scale (Stella's LOGISTIC): mean + scale ln(u / (1 - u))."""
    u = s_draw(ts, t0, dt, seed, run, site, elem, 0)
    if not scale > 0.0:
        return math.nan
    return mean + scale * (s_log(u) - s_log(1.0 - u))


def random_pareto(ts, shape, scale, t0, dt, seed, run, site, elem):
    """Pareto of that shape and scale, its least value (Stella's PARETO): scale (1 - u)^(-1/shape)."""
    u = s_draw(ts, t0, dt, seed, run, site, elem, 0)
    if not (shape > 0.0 and scale > 0.0):
        return math.nan
    return scale * s_exp(-s_log(1.0 - u) / shape)


def s_binomial_window(trials, p):
    """Where a binomial search starts (``lo``, 0 near the low end) and ends, and the weight at
    ``lo``: the exact probability of 0 from 0, else a small number (the inversion uses ratios
    only); as ``s_poisson_window``, 12 standard deviations and 40 either side of the mean."""
    mean = trials * p
    spread = 12.0 * math.sqrt(mean * (1.0 - p)) + 40.0
    lo = np.floor(mean - spread) if mean > spread else 0.0
    hi = np.floor(mean + spread)
    hi = hi if hi < trials else trials
    start = s_exp(trials * s_log(1.0 - p)) if lo == 0.0 else POISSON_START
    return lo, hi, start


def random_binomial(ts, trials, p, t0, dt, seed, run, site, elem):
    """Binomial: successes in ``trials`` (a whole number, at most ``POISSON_MAX_MEAN``) of
    probability ``p`` (Stella's BINOMIAL), a whole number drawn by inversion."""
    u = s_draw(ts, t0, dt, seed, run, site, elem, 0)
    if not (trials >= 0.0 and trials <= POISSON_MAX_MEAN and np.floor(trials) == trials and p >= 0.0 and p <= 1.0):
        return math.nan
    if p == 0.0 or trials == 0.0:
        return 0.0
    if p == 1.0:
        return trials
    first, top, start = s_binomial_window(trials, p)
    odds = p / (1.0 - p)
    pmf = start
    cdf = 0.0
    n = first
    while n <= top:
        cdf = cdf + pmf
        pmf = pmf * (trials - n) / (n + 1.0) * odds
        n = n + 1.0
    target = u * cdf
    pmf = start
    cdf = 0.0
    n = first
    while n < top:
        cdf = cdf + pmf
        if cdf >= target:
            break
        pmf = pmf * (trials - n) / (n + 1.0) * odds
        n = n + 1.0
    return n


SCALAR = {"random_uniform": random_uniform, "random_normal": random_normal,
          "random_exponential": random_exponential, "random_lognormal": random_lognormal,
          "random_triangular": random_triangular, "random_poisson": random_poisson,
          "random_weibull": random_weibull, "random_logistic": random_logistic, "random_pareto": random_pareto,
          "random_binomial": random_binomial}
# the helpers the scalar forms call, in the order they must be compiled (callees first)
HELPERS = ("s_mix", "s_word", "s_key", "s_step", "s_uniform", "s_exp", "s_log", "s_depth", "s_phi", "s_ndtri",
           "s_clip", "s_tnorm", "s_bounds", "s_draw", "s_tri_cdf", "s_poisson_window", "s_binomial_window")


# ---------------------------------------------------------------------------- vector forms
def _words(x, shape):
    return np.broadcast_to(np.asarray(x, np.float64), shape).astype(np.int64).astype(np.uint64)


def v_mix(z):
    """``s_mix`` over an array of words."""
    z = (z ^ (z >> S30)) * MIX1
    z = (z ^ (z >> S27)) * MIX2
    return z ^ (z >> S31)


def v_draw(shape, ts, t0, dt, seed, run, site, elem, j):
    """``s_draw`` over arrays (broadcast to ``shape``)."""
    h = v_mix(_words(seed, shape) + GOLDEN)
    h = v_mix((h ^ _words(run, shape)) + GOLDEN)
    h = v_mix((h ^ _words(site, shape)) + GOLDEN)
    h = v_mix((h ^ _words(elem, shape)) + GOLDEN)
    step = _words(np.floor((np.asarray(ts, np.float64) - t0) / dt), shape)
    z = v_mix(h + GOLDEN * ((step << S20) + U64(j) + U64(1)))
    return ((z >> S12).astype(np.float64) + 0.5) * SCALE


def v_exp(x):
    """``s_exp`` over an array."""
    x = np.asarray(x, np.float64)
    xc = np.clip(x, EXP_MIN, EXP_MAX)
    k = np.floor(xc * INV_LN2 + 0.5)
    r = (xc - k * LN2_HI) - k * LN2_LO
    p = np.full(x.shape, E14)
    for c in (E13, E12, E11, E10, E9, E8, E7, E6, E5, E4, E3, E2, 1.0, 1.0):
        p = p * r + c
    y = np.ldexp(p, k.astype(np.int32))
    y = np.where(x > EXP_MAX, np.inf, np.where(x < EXP_MIN, 0.0, y))
    return np.where(x != x, x, y)


def v_log(x):
    """``s_log`` over an array."""
    x = np.asarray(x, np.float64)
    m, e = np.frexp(x)
    low = m < SQRT_HALF
    m = np.where(low, m * 2.0, m)
    fe = np.where(low, e - 1, e).astype(np.float64)
    s = (m - 1.0) / (m + 1.0)
    s2 = s * s
    p = np.full(x.shape, L12)
    for c in (L11, L10, L9, L8, L7, L6, L5, L4, L3, L2, L1, 1.0):
        p = p * s2 + c
    y = fe * LN2_HI + (2.0 * s * p + fe * LN2_LO)
    y = np.where(x == np.inf, x, y)
    y = np.where(x == 0.0, -np.inf, y)
    return np.where((x != x) | (x < 0.0), np.nan, y)


def v_phi(x):
    """``s_phi`` over an array (each element takes the steps its scalar form takes; an array of
    one value, such as a constant bound over the runs, is computed once)."""
    x = np.asarray(x, np.float64)
    if x.size and np.all(x == x.flat[0]):
        return np.full(x.shape, s_phi(float(x.flat[0])))
    ax = np.abs(x)
    x2 = x * x
    term = x
    total = x
    n = 1.0
    while n < SERIES:
        live = np.abs(term) > TINY * np.abs(total)
        if not live.any():
            break
        term = np.where(live, term * x2 / (2.0 * n + 1.0), term)
        total = np.where(live, total + term, total)
        n = n + 1.0
    near = 0.5 + total * v_exp(-0.5 * x2) * INV_SQRT_2PI
    depth = np.where(ax < 4.0, 40.0, np.where(ax < 6.0, 24.0, np.where(ax < 10.0, 16.0, 8.0)))
    t = ax
    for k in range(40, 0, -1):
        t = np.where(k <= depth, ax + k / t, t)
    q = v_exp(-0.5 * ax * ax) * INV_SQRT_2PI / t
    far = np.where(x < 0.0, q, 1.0 - q)
    y = np.where(ax < 3.0, near, far)
    y = np.where(x == -np.inf, 0.0, np.where(x == np.inf, 1.0, y))
    return np.where(x != x, x, y)


def v_ndtri(p):
    """``s_ndtri`` over an array."""
    p = np.asarray(p, np.float64)
    flip = p > 0.5
    w = np.where(flip, 1.0 - p, p)
    q = np.sqrt(-2.0 * v_log(w))
    tail = (((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / \
        ((((D1 * q + D2) * q + D3) * q + D4) * q + 1.0)
    q = w - 0.5
    r = q * q
    central = (((((A1 * r + A2) * r + A3) * r + A4) * r + A5) * r + A6) * q / \
        (((((B1 * r + B2) * r + B3) * r + B4) * r + B5) * r + 1.0)
    x = np.where(w < P_LOW, tail, central)
    x = np.where(flip, -x, x)
    return np.where(p <= 0.0, -np.inf, np.where(p >= 1.0, np.inf, x))


def v_clip(x, lo, hi):
    """``s_clip`` over arrays."""
    y = np.where(x > lo, x, lo)
    return np.where(y < hi, y, hi)


def v_tnorm(u, a, b):
    """``s_tnorm`` over arrays."""
    flip = a >= 0.0
    lo = np.where(flip, -b, a)
    hi = np.where(flip, -a, b)
    pa = v_phi(lo)
    pb = v_phi(hi)
    z = v_clip(v_ndtri(pa + u * (pb - pa)), lo, hi)
    return np.where(flip, -z, z)


def v_bounds(m, x, h, r):
    """``s_bounds`` over arrays."""
    lo = (m - h) / r
    hi = (x - h) / r
    return np.where(r < 0.0, hi, lo), np.where(r < 0.0, lo, hi)


def _shape(*args):
    return np.broadcast(*[np.asarray(a) for a in args]).shape


def _out(y, shape):
    y = np.asarray(y, np.float64)
    return np.float64(y.reshape(-1)[0]) if shape == () else np.broadcast_to(y, shape).copy()


def _prepare(dist, key):
    """The distribution's arguments as float arrays of one shape, and the shape (over every
    argument: a block of cells passes its call sites as a column over the element axis)."""
    shape = _shape(*dist, *key)
    full = max(shape, (1,))
    return [np.broadcast_to(np.asarray(a, np.float64), full) for a in dist], full, shape


def v_random_uniform(ts, m, x, t0, dt, seed, run, site, elem):
    """``random_uniform`` over arrays of runs."""
    with np.errstate(all="ignore"):
        (m, x), full, shape = _prepare((m, x), (ts, seed, run, site, elem))
        u = v_draw(full, ts, t0, dt, seed, run, site, elem, 0)
        return _out(m + (x - m) * u, shape)


def v_random_normal(ts, m, x, h, r, t0, dt, seed, run, site, elem):
    """``random_normal`` over arrays of runs."""
    with np.errstate(all="ignore"):
        (m, x, h, r), full, shape = _prepare((m, x, h, r), (ts, seed, run, site, elem))
        u = v_draw(full, ts, t0, dt, seed, run, site, elem, 0)
        a, b = v_bounds(m, x, h, r)
        y = v_clip(h + r * v_tnorm(u, a, b), m, x)
        y = np.where(r == 0.0, v_clip(h, m, x), y)
        return _out(np.where(m <= x, y, np.nan), shape)


def v_random_exponential(ts, m, x, h, r, t0, dt, seed, run, site, elem):
    """``random_exponential`` over arrays of runs."""
    with np.errstate(all="ignore"):
        (m, x, h, r), full, shape = _prepare((m, x, h, r), (ts, seed, run, site, elem))
        u = v_draw(full, ts, t0, dt, seed, run, site, elem, 0)
        a, b = v_bounds(m, x, h, r)
        a = np.where(a > 0.0, a, 0.0)
        e = a - v_log(1.0 - u * (1.0 - v_exp(a - b)))
        y = np.where(a <= b, v_clip(h + r * v_clip(e, a, b), m, x), np.nan)
        y = np.where(r == 0.0, np.where(m <= x, v_clip(h, m, x), np.nan), y)
        return _out(y, shape)


def v_random_lognormal(ts, m, x, mean, sd, h, r, t0, dt, seed, run, site, elem):
    """``random_lognormal`` over arrays of runs."""
    with np.errstate(all="ignore"):
        (m, x, mean, sd, h, r), full, shape = _prepare((m, x, mean, sd, h, r), (ts, seed, run, site, elem))
        u = v_draw(full, ts, t0, dt, seed, run, site, elem, 0)
        c = sd / mean
        v = v_log(1.0 + c * c)
        sigma = np.sqrt(v)
        mu = v_log(mean) - 0.5 * v
        a, b = v_bounds(m, x, h, r)
        a = np.where(a > 0.0, a, 0.0)
        z = v_tnorm(u, (v_log(a) - mu) / sigma, (v_log(b) - mu) / sigma)
        y = v_clip(h + r * v_clip(v_exp(mu + sigma * z), a, b), m, x)
        y = np.where(sigma == 0.0, v_clip(h + r * mean, m, x), y)
        y = np.where(a <= b, y, np.nan)
        y = np.where(r == 0.0, np.where(m <= x, v_clip(h, m, x), np.nan), y)
        return _out(np.where((mean > 0.0) & (sd >= 0.0), y, np.nan), shape)


def v_tri_cdf(y, lo, peak, hi):
    """``s_tri_cdf`` over arrays."""
    rise = (y - lo) * (y - lo) / ((hi - lo) * (peak - lo))
    fall = 1.0 - (hi - y) * (hi - y) / ((hi - lo) * (hi - peak))
    inside = np.where(y <= peak, rise, fall)
    return np.where(y <= lo, 0.0, np.where(y >= hi, 1.0, inside))


def v_random_triangular(ts, m, x, lo, peak, hi, t0, dt, seed, run, site, elem):
    """``random_triangular`` over arrays of runs."""
    with np.errstate(all="ignore"):
        (m, x, lo, peak, hi), full, shape = _prepare((m, x, lo, peak, hi), (ts, seed, run, site, elem))
        u = v_draw(full, ts, t0, dt, seed, run, site, elem, 0)
        fa = v_tri_cdf(m, lo, peak, hi)
        fb = v_tri_cdf(x, lo, peak, hi)
        p = fa + u * (fb - fa)
        w = hi - lo
        y = np.where(p * w < peak - lo, lo + np.sqrt(p * w * (peak - lo)),
                     hi - np.sqrt((1.0 - p) * w * (hi - peak)))
        ok = (lo <= peak) & (peak <= hi) & (lo < hi) & (m <= x) & (fa < fb)
        return _out(np.where(ok, v_clip(y, m, x), np.nan), shape)


def v_random_poisson(ts, m, x, mean, h, r, t0, dt, seed, run, site, elem):
    """``random_poisson`` over arrays of runs (the search runs until every run has its number)."""
    with np.errstate(all="ignore"):
        (m, x, mean, h, r), full, shape = _prepare((m, x, mean, h, r), (ts, seed, run, site, elem))
        u = v_draw(full, ts, t0, dt, seed, run, site, elem, 0)
        base = (mean >= 0.0) & (mean <= POISSON_MAX_MEAN) & (m <= x)
        a, b = v_bounds(m, x, h, r)
        spread = 12.0 * np.sqrt(mean) + 40.0
        first = np.where(mean > spread, np.floor(mean - spread), 0.0)
        top = np.floor(mean + spread)
        start = np.where(first == 0.0, v_exp(-mean), POISSON_START)
        nlo = np.where(a > first, np.ceil(a), first)
        nhi = np.where(b < top, np.floor(b), top)
        ok = base & (r != 0.0) & (nlo <= nhi)
        first = np.where(ok, first, 0.0)
        nhi = np.where(ok, nhi, 0.0)
        pmf = start
        cdf = np.zeros(full)
        below = np.zeros(full)
        n = first
        while True:
            live = n <= nhi
            if not live.any():
                break
            below = np.where(live & (n == nlo), cdf, below)
            cdf = np.where(live, cdf + pmf, cdf)
            n = np.where(live, n + 1.0, n)
            pmf = np.where(live, pmf * mean / n, pmf)
        p = below + u * (cdf - below)
        pmf = start
        cdf = np.zeros(full)
        n = first
        done = ~(n < nhi)
        while not done.all():
            live = ~done
            cdf = np.where(live, cdf + pmf, cdf)
            hit = live & (n >= nlo) & (cdf >= p)
            done = done | hit
            n = np.where(done, n, n + 1.0)
            pmf = np.where(done, pmf, pmf * mean / n)
            done = done | ~(n < nhi)
        y = np.where(r == 0.0, v_clip(h, m, x), np.where(ok, v_clip(h + r * n, m, x), np.nan))
        return _out(np.where(base, y, np.nan), shape)


def v_random_weibull(ts, shape, scale, t0, dt, seed, run, site, elem):
    """``random_weibull`` over arrays of runs."""
    with np.errstate(all="ignore"):
        (k, lam), full, out_shape = _prepare((shape, scale), (ts, seed, run, site, elem))
        u = v_draw(full, ts, t0, dt, seed, run, site, elem, 0)
        y = lam * v_exp(v_log(-v_log(1.0 - u)) / k)
        return _out(np.where((k > 0.0) & (lam > 0.0), y, np.nan), out_shape)


def v_random_logistic(ts, mean, scale, t0, dt, seed, run, site, elem):
    """``random_logistic`` over arrays of runs."""
    with np.errstate(all="ignore"):
        (mu, s), full, shape = _prepare((mean, scale), (ts, seed, run, site, elem))
        u = v_draw(full, ts, t0, dt, seed, run, site, elem, 0)
        y = mu + s * (v_log(u) - v_log(1.0 - u))
        return _out(np.where(s > 0.0, y, np.nan), shape)


def v_random_pareto(ts, shape, scale, t0, dt, seed, run, site, elem):
    """``random_pareto`` over arrays of runs."""
    with np.errstate(all="ignore"):
        (a, xm), full, out_shape = _prepare((shape, scale), (ts, seed, run, site, elem))
        u = v_draw(full, ts, t0, dt, seed, run, site, elem, 0)
        y = xm * v_exp(-v_log(1.0 - u) / a)
        return _out(np.where((a > 0.0) & (xm > 0.0), y, np.nan), out_shape)


def v_random_binomial(ts, trials, p, t0, dt, seed, run, site, elem):
    """``random_binomial`` over arrays of runs (the search runs until every run has its number)."""
    with np.errstate(all="ignore"):
        (trials, p), full, shape = _prepare((trials, p), (ts, seed, run, site, elem))
        u = v_draw(full, ts, t0, dt, seed, run, site, elem, 0)
        ok = (trials >= 0.0) & (trials <= POISSON_MAX_MEAN) & (np.floor(trials) == trials) & (p >= 0.0) & (p <= 1.0)
        edge = (p == 0.0) | (trials == 0.0) | (p == 1.0)
        search = ok & ~edge
        mean = trials * p
        spread = 12.0 * np.sqrt(mean * (1.0 - p)) + 40.0
        first = np.where(mean > spread, np.floor(mean - spread), 0.0)
        top = np.minimum(np.floor(mean + spread), trials)
        start = np.where(first == 0.0, v_exp(trials * v_log(1.0 - p)), POISSON_START)
        first = np.where(search, first, 0.0)
        top = np.where(search, top, -1.0)
        odds = p / (1.0 - p)
        pmf, cdf, n = start, np.zeros(full), first
        while True:
            live = n <= top
            if not live.any():
                break
            cdf = np.where(live, cdf + pmf, cdf)
            pmf = np.where(live, pmf * (trials - n) / (n + 1.0) * odds, pmf)
            n = np.where(live, n + 1.0, n)
        target = u * cdf
        pmf, cdf, n = start, np.zeros(full), first
        done = ~(n < top)
        while not done.all():
            live = ~done
            cdf = np.where(live, cdf + pmf, cdf)
            done = done | (live & (cdf >= target))
            pmf = np.where(done, pmf, pmf * (trials - n) / (n + 1.0) * odds)
            n = np.where(done, n, n + 1.0)
            done = done | ~(n < top)
        y = np.where(edge, np.where(p == 1.0, trials, 0.0), n)
        return _out(np.where(ok, y, np.nan), shape)


def either(scalar, vector):
    """The vector form, or for scalar arguments (a single run in numpy) the scalar form run as
    plain Python (the same operations: the same bits, without numpy's cost per operation)."""
    def draw(*args):
        if all(np.ndim(a) == 0 for a in args):
            with np.errstate(all="ignore"):
                return np.float64(scalar(*args))
        return vector(*args)
    draw.__doc__ = vector.__doc__
    return draw


VECTOR = {"random_uniform": v_random_uniform, "random_normal": v_random_normal,
          "random_exponential": v_random_exponential, "random_lognormal": v_random_lognormal,
          "random_triangular": v_random_triangular, "random_poisson": v_random_poisson,
          "random_weibull": v_random_weibull, "random_logistic": v_random_logistic,
          "random_pareto": v_random_pareto, "random_binomial": v_random_binomial}
EITHER = {name: either(SCALAR[name], fn) for name, fn in VECTOR.items()}
