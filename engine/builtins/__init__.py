"""The one registry of builtin functions: each is described once, for every stage that needs it.

An entry gives the function's arity, its kind (how a backend calls it), its vectorised (numpy),
scalar and JavaScript (``javascript.py``, for models run in a web page) implementations, its unit
rule (``units.py``), its monotonicity (structural link signs in ``polarity.py``) and its XMILE
spelling (import and export). Stateful builtins
(SMOOTH, DELAY, ...) have no implementation: ``plan/expand.py`` turns them into stocks.

Kinds: 'math' (arguments only); 'time' (also the switch time, just inside the step, so a jump at
a step boundary acts from that step on); 'time_exact' (also the exact time); 'time_dt' (the
switch time and dt); 'select' (IF THEN ELSE: emitted inline); 'stateful'; 'random' (a draw
from the run's counter-based stream, see ``rng.py``: ``plan/noise.py`` rewrites every random call
into one of the six Vensim forms followed by its stream's key, and the backend passes the switch
time first, from which the step is found).
Unit rules: 'dimensionless' (arguments and result), 'same' (arguments agree; result alike),
'first' (the first argument's units), 'second' (the second's), 'ratio' (first / second),
'none' (a pure number), 'power', 'step', 'ramp', 'integral' (the first's units x time units: as
'ramp'), 'per_time' (1 / time units), 'select',
'unchecked' (units not derived: an inverse matrix's cells).
The vector and matrix functions (``cells.py``) take the cells of the arrays they read as their
last arguments, as many as the arrays have: the model stage writes those calls (``model/vectors.py``
expands VECTOR RANK, ALLOCATE AVAILABLE, RANK, ... written over arrays into them).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import cells as cl
from . import javascript as js
from . import profiles as pf
from . import rng
from . import scalar as sc
from . import vector as vc


@dataclass(frozen=True)
class Builtin:
    """One builtin function, as every stage sees it."""
    name: str
    min_args: int
    max_args: int
    kind: str
    numpy: Callable | None = None
    scalar: Callable | None = None
    units: str = "none"
    monotone: str | None = None     # 'increasing' (in its first argument), 'all' (in every
    #                                 argument), 'ratio' (up in the first, down in the second)
    xmile: str | None = None        # XMILE function with the same arguments and meaning
    doc: str = ""
    javascript: str | None = None   # a JavaScript function expression (None: stateful or inline)
    vensim: str | None = None       # Vensim function with the same arguments (in this order)

    def arity_error(self, n: int) -> str | None:
        """The message for a call with ``n`` arguments, or None when ``n`` is allowed."""
        if self.min_args <= n <= self.max_args:
            return None
        want = f"{self.min_args}" if self.min_args == self.max_args else f"{self.min_args} to {self.max_args}"
        return f"{self.shown} takes {want} arguments, got {n}"

    @property
    def shown(self) -> str:
        """The function's name in messages (a random function's as Vensim writes it)."""
        return self.vensim if self.kind == "random" and self.vensim else self.name.upper()


def _b(name, lo, hi, kind, numpy=None, scalar=None, units="none", monotone=None, xmile=None, doc="",
       vensim=None):
    return Builtin(name, lo, hi, kind, numpy, scalar, units, monotone, xmile, doc, js.JS.get(name), vensim)


def _random(name, n, doc, vensim, units="first"):
    """A Vensim random function: its arguments in Vensim's order, the stream id last (or, with
    no Vensim name, the form a Stella distribution is drawn in)."""
    return _b(name, n, n, "random", rng.EITHER[name], rng.SCALAR[name], units, doc=doc, vensim=vensim)


_ENTRIES = (
    _b("abs", 1, 1, "math", np.abs, abs, "same", None, "ABS", "absolute value"),
    _b("exp", 1, 1, "math", np.exp, math.exp, "dimensionless", "increasing", "EXP", "e to the power x"),
    _b("ln", 1, 1, "math", np.log, math.log, "dimensionless", "increasing", "LN", "natural logarithm"),
    _b("expm1", 1, 1, "math", np.expm1, math.expm1, "dimensionless", "increasing", None,
       "e to the power x, minus 1 (exact where x is near 0, where exp(x) - 1 loses digits)"),
    _b("log1p", 1, 1, "math", np.log1p, math.log1p, "dimensionless", "increasing", None,
       "ln(1 + x) (exact where x is near 0)"),
    _b("log10", 1, 1, "math", np.log10, math.log10, "dimensionless", "increasing", "LOG10",
       "base-10 logarithm"),
    _b("sqrt", 1, 1, "math", np.sqrt, math.sqrt, "power", "increasing", "SQRT", "square root"),
    _b("sin", 1, 1, "math", np.sin, math.sin, "dimensionless", None, "SIN", "sine (radians)"),
    _b("cos", 1, 1, "math", np.cos, math.cos, "dimensionless", None, "COS", "cosine (radians)"),
    _b("tan", 1, 1, "math", np.tan, math.tan, "dimensionless", None, "TAN", "tangent (radians)"),
    _b("sinh", 1, 1, "math", np.sinh, math.sinh, "dimensionless", "increasing", "SINH", "hyperbolic sine"),
    _b("cosh", 1, 1, "math", np.cosh, math.cosh, "dimensionless", None, "COSH", "hyperbolic cosine"),
    _b("tanh", 1, 1, "math", np.tanh, math.tanh, "dimensionless", "increasing", "TANH", "hyperbolic tangent"),
    _b("arcsin", 1, 1, "math", np.arcsin, math.asin, "dimensionless", "increasing", "ARCSIN", "inverse sine"),
    _b("arccos", 1, 1, "math", np.arccos, math.acos, "dimensionless", None, "ARCCOS", "inverse cosine"),
    _b("arctan", 1, 1, "math", np.arctan, math.atan, "dimensionless", "increasing", "ARCTAN",
       "inverse tangent"),
    _b("int", 1, 1, "math", np.floor, sc.floor, "same", "increasing", None,
       "the largest whole number not above x (floor)"),
    _b("integer", 1, 1, "math", np.trunc, sc.trunc, "same", "increasing", "INT",
       "the whole part of x (toward zero), Vensim's INTEGER"),
    _b("quantum", 2, 2, "math", vc.quantum, sc.quantum, "same", None, None,
       "q times the whole part of a / q (a itself when q <= 0), Vensim's QUANTUM"),
    _b("gamma_ln", 1, 1, "math", vc.gamma_ln, sc.gamma_ln, "dimensionless", None, None,
       "ln |gamma(x)|, the logarithm of the gamma function (Vensim's GAMMA LN); +inf at its poles "
       "(0 and the negative whole numbers)", vensim="GAMMA LN"),
    _b("at_price", 6, 6, "math", pf.np_at_price, pf.at_price, "second", None, None,
       "at_price(side, quantity, kind, priority, width, price): what a demander (side 1) or supplier (0) "
       "takes at a price by its priority profile (Vensim's DEMAND AT PRICE, SUPPLY AT PRICE)"),
    _b("round", 1, 1, "math", np.round, sc.round_half_even, "same", "increasing", "ROUND",
       "the nearest whole number (halves to even)"),
    _b("sign", 1, 1, "math", np.sign, sc.sign, "none", "increasing", None, "-1, 0 or 1"),
    _b("logistic", 1, 1, "math", vc.logistic, sc.logistic, "dimensionless", "increasing", None,
       "1 / (1 + e^-x)"),
    _b("mod", 2, 2, "math", np.mod, sc.fmod, "same", None, None, "remainder with the divisor's sign"),
    _b("power", 2, 2, "math", np.power, None, "power", None, None, "a to the power b"),
    _b("min", 1, 64, "math", vc.vmin, sc.smin, "same", "all", "MIN", "the smallest argument"),
    _b("max", 1, 64, "math", vc.vmax, sc.smax, "same", "all", "MAX", "the largest argument"),
    _b("clip", 3, 3, "math", vc.clip, sc.clip, "same", "all", None, "x held between lo and hi"),
    _b("safediv", 2, 3, "math", vc.safediv, sc.safediv, "ratio", "ratio", "SAFEDIV",
       "a / b, or x (default 0) where b is 0"),
    _b("xidz", 3, 3, "math", vc.safediv, sc.safediv, "ratio", "ratio", None, "a / b, or x where b is 0"),
    _b("zidz", 2, 2, "math", vc.zidz, sc.safediv, "ratio", "ratio", None, "a / b, or 0 where b is 0"),
    _b("if_then_else", 3, 3, "select", None, None, "select", None, None, "IF THEN ELSE(c, a, b)"),
    _b("step", 2, 2, "time", vc.step, sc.step, "step", None, "STEP", "height from start on"),
    _b("ramp", 2, 3, "time_exact", vc.ramp, sc.ramp, "ramp", None, "RAMP",
       "a line of slope from start (to end)"),
    _b("pulse", 1, 2, "time_dt", vc.pulse, sc.pulse, "none", None, None,
       "1 from start for width (one dt when 0)"),
    _b("pulse_train", 4, 4, "time_dt", vc.pulse_train, sc.pulse_train, "none", None, None,
       "pulses of width every interval from start to end"),
    _b("smooth", 2, 3, "stateful", units="first", xmile="SMTH1",
       doc="first-order exponential smooth: SMOOTH(input, time, [initial])"),
    _b("smooth3", 2, 3, "stateful", units="first", xmile="SMTH3",
       doc="third-order smooth: SMOOTH3(input, time, [initial])"),
    _b("smoothn", 3, 4, "stateful", units="first", xmile="SMTHN",
       doc="n-th order smooth: SMOOTHN(input, time, n, [initial])"),
    _b("delay1", 2, 3, "stateful", units="first", xmile="DELAY1",
       doc="first-order material delay: DELAY1(input, time, [initial])"),
    _b("delay3", 2, 3, "stateful", units="first", xmile="DELAY3",
       doc="third-order material delay: DELAY3(input, time, [initial])"),
    _b("delayn", 3, 4, "stateful", units="first", xmile="DELAYN",
       doc="n-th order material delay: DELAYN(input, time, n, [initial])"),
    _b("vensim_delay_n", 4, 4, "stateful", units="first",
       doc="Vensim's DELAY N(input, time, initial, order): n stages, each keeping the delay time "
           "of the step its content entered (what Vensim and PySD compute when the time varies)"),
    _b("delay_fixed", 2, 3, "stateful", units="first", xmile="DELAY",
       doc="pipeline delay: DELAY FIXED(input, time, [initial])"),
    _b("delay", 2, 3, "stateful", units="first", xmile="DELAY",
       doc="pipeline delay: DELAY(input, time, [initial])"),
    _b("trend", 2, 3, "stateful", units="per_time", xmile="TREND",
       doc="fractional trend: TREND(input, averaging time, [initial trend])"),
    _b("forecast", 3, 4, "stateful", units="first", xmile="FORCST",
       doc="forecast: FORECAST(input, averaging time, horizon, [initial trend])"),
    _b("sample_if_true", 3, 3, "stateful", units="second",
       doc="SAMPLE IF TRUE(condition, input, initial): the input while the condition holds, "
           "else the value it last took (initial before)"),
    _b("npv", 2, 4, "stateful", units="integral",
       doc="net present value: NPV(stream, discount rate, [initial], [factor]) = (accumulated + "
           "stream * dt * df) * factor, where accumulated (from initial, default 0) integrates stream * df "
           "and the discount factor df (from 1) falls at df * rate / (1 + rate * dt): Vensim's NPV "
           "(factor default 1)", vensim="NPV"),
    _b("depreciate_straightline", 2, 3, "stateful", units="first",
       doc="straight-line depreciation: DEPRECIATE_STRAIGHTLINE(stream, life, [initial]) spreads what "
           "each step invests (stream * dt) evenly over the life (a whole number of steps) from that "
           "step on, as if the stream had been initial (default 0) before the start: Vensim's DEPRECIATE "
           "STRAIGHTLINE with the fiscal period TIME STEP"),
    _b("init", 1, 1, "stateful", units="first", xmile="INIT", doc="value at the start of the run: INIT(x)"),
    _b("previous", 1, 2, "stateful", units="first", xmile="PREVIOUS",
       doc="value one step earlier: PREVIOUS(x, [initial])"),
    _random("random_uniform", 3, "uniform on [min, max]: RANDOM UNIFORM(min, max, stream)", "RANDOM UNIFORM"),
    _random("random_normal", 5, "normal of mean and sd, truncated to [min, max]: "
            "RANDOM NORMAL(min, max, mean, sd, stream)", "RANDOM NORMAL"),
    _random("random_exponential", 5, "exponential of mean 1, stretched and shifted, truncated to "
            "[min, max]: RANDOM EXPONENTIAL(min, max, shift, stretch, stream)", "RANDOM EXPONENTIAL"),
    _random("random_poisson", 6, "Poisson of mean (at most 1e6), stretched and shifted, truncated to "
            "[min, max]: RANDOM POISSON(min, max, mean, shift, stretch, stream)", "RANDOM POISSON"),
    _random("random_triangular", 6, "triangular on [start, end] with its peak at peak, truncated to "
            "[min, max]: RANDOM TRIANGULAR(min, max, start, peak, end, stream)", "RANDOM TRIANGULAR"),
    _random("random_lognormal", 7, "lognormal of mean and sd, stretched and shifted, truncated to "
            "[min, max]: RANDOM LOGNORMAL(min, max, mean, sd, shift, stretch, stream)", "RANDOM LOGNORMAL"),
    _random("random_weibull", 3, "Weibull of shape and scale: random_weibull(shape, scale, stream)", None, "second"),
    _random("random_logistic", 3, "logistic of mean and scale: random_logistic(mean, scale, stream)", None),
    _random("random_pareto", 3, "Pareto of shape and scale (its least value): random_pareto(shape, scale, stream)",
            None, "second"),
    _random("random_binomial", 3, "binomial: random_binomial(trials, probability, stream)", None, "none"),
    _b("random_0_1", 0, 0, "random", doc="uniform on [0, 1]: RANDOM 0 1()", vensim="RANDOM 0 1"),
    _b("normal", 2, 3, "random", units="first", xmile="NORMAL", doc="normal: NORMAL(mean, sd, [seed])"),
    _b("random", 2, 3, "random", units="first", xmile="RANDOM", doc="uniform: RANDOM(min, max, [seed])"),
    _b("poisson", 1, 2, "random", units="first", xmile="POISSON",
       doc="Poisson (mean at most 1e6): POISSON(mean, [seed])"),
    _b("exprnd", 1, 2, "random", units="first", xmile="EXPRND", doc="exponential: EXPRND(mean, [seed])"),
    _b("triangular", 3, 4, "random", units="first", xmile="TRIANGULAR",
       doc="triangular: TRIANGULAR(lower, mode, upper, [seed]) (Stella's)"),
    _b("weibull", 2, 3, "random", units="second", xmile="WEIBULL",
       doc="Weibull: WEIBULL(shape, scale, [seed]) (Stella's)"),
    _b("logistic_random", 2, 3, "random", units="first", xmile="LOGISTIC",
       doc="logistic: LOGISTIC(mean, scale, [seed]) (Stella's)"),
    _b("binomial", 2, 3, "random", units="none", xmile="BINOMIAL",
       doc="binomial: BINOMIAL(trials, probability, [seed]) (Stella's; successes in the trials)"),
    _b("pareto", 2, 3, "random", units="second", xmile="PARETO",
       doc="Pareto: PARETO(shape, scale, [seed]) (Stella's; scale its least value)"),
    _b("lognormal", 2, 3, "random", units="first", xmile="LOGNORMAL",
       doc="lognormal of mean and sd: LOGNORMAL(mean, sd, [seed])"),
)

MAX_CELLS = 1_000_000      # cells a vector or matrix function may read (an arrayed element's limit)
_CELLS = (
    _b("rank_of", 3, MAX_CELLS, "math", cl.np_rank_of, cl.rank_of, "none",
       doc="rank_of(k, direction, x1, ..., xn): the rank (1 = first) of the k-th of the cells, ascending "
           "when direction > 0, else descending (Vensim's VECTOR RANK)"),
    _b("sorted_index", 3, MAX_CELLS, "math", cl.np_sorted_index, cl.sorted_index, "none",
       doc="sorted_index(k, direction, x1, ..., xn): the 0-based index of the cell at place k of the "
           "sorted cells; a negative k counts from the end (VECTOR SORT ORDER, XMILE's RANK)"),
    _b("pick", 2, MAX_CELLS, "math", cl.np_pick, cl.pick, "second",
       doc="pick(i, x1, ..., xn): the cell at 0-based position i, :NA: outside (VECTOR ELM MAP, "
           "VECTOR REORDER)"),
    _b("lookup_cells", 5, MAX_CELLS, "math", cl.np_lookup_cells, cl.lookup_cells, "unchecked",
       doc="lookup_cells(x, xmin, xmax, extrapolate, y1, ..., yn): the cells as a lookup's values at n "
           "points evenly spaced from xmin to xmax (VECTOR LOOKUP)"),
    _b("lookup_step", 4, MAX_CELLS, "math", cl.np_lookup_step, cl.lookup_step, "unchecked",
       doc="lookup_step(x, direction, x1, ..., xn, y1, ..., yn): a lookup read as steps, the y of the last "
           "point at or before x (direction < 0, LOOKUP BACKWARD) or of the first at or after it "
           "(LOOKUP FORWARD)"),
    _b("lookup_area", 4, MAX_CELLS, "math", cl.np_lookup_area, cl.lookup_area, "unchecked",
       doc="lookup_area(start, end, x1, ..., xn, y1, ..., yn): the area under a lookup (linear between "
           "its points, held beyond them) from start to end (LOOKUP AREA)"),
    _b("select_cells", 4, MAX_CELLS, "math", cl.np_select_cells, cl.select_cells, "second",
       doc="select_cells(action, missing, s1, ..., sn, x1, ..., xn): Vensim's VECTOR SELECT"),
    _b("inverse_cell", 3, MAX_CELLS, "math", cl.np_inverse_cell, cl.inverse_cell, "unchecked",
       doc="inverse_cell(i, j, a11, ..., ann): cell (i, j) of the inverse matrix (INVERT MATRIX)"),
    _b("allocation", 7, MAX_CELLS, "math", pf.np_allocation, pf.allocation, "second",
       doc="allocation(k, available, request, kind, priority, width, extra, ...): the share of target k "
           "(ALLOCATE AVAILABLE, ALLOCATE BY PRIORITY)"),
    _b("market_price", 11, MAX_CELLS, "math", pf.np_market_price, pf.market_price, "unchecked",
       doc="market_price(n, quantity, kind, priority, width, extra, ...): the price where the n demanders "
           "take what the suppliers after them give (FIND MARKET PRICE)"),
)

REGISTRY: dict = {b.name: b for b in _ENTRIES + _CELLS}
# the vector and matrix kernels: a call computes one cell from a position it is given (not an
# elementwise function of its arguments, so not one to evaluate over many cells at once)
CELL_FUNCTIONS = frozenset(b.name for b in _CELLS)
# other spellings a modeller (or another tool's file) may use
ALIASES = {"log": "ln", "exponential": "exp", "atan": "arctan", "asin": "arcsin", "acos": "arccos",
           "smth1": "smooth", "smooth1": "smooth", "smth3": "smooth3", "smthn": "smoothn",
           "forcst": "forecast"}


def canonical(fn: str) -> str:
    """The registry name of a function as written (case and spaces already normalised)."""
    return ALIASES.get(fn, fn)


def get(fn: str) -> Builtin | None:
    """The registry entry of a function name as written, or None."""
    return REGISTRY.get(canonical(fn))


def arity_message(fn: str, n: int, rename: dict, arity: dict) -> str | None:
    """The message for a front end's call of ``fn`` with ``n`` arguments, or None when allowed:
    ``rename`` maps the front end's names to the registry's, ``arity`` gives (lo, hi) where the
    front end's own arity differs from the registry's."""
    b = get(rename.get(fn, fn))
    lo, hi = arity.get(fn) or ((b.min_args, b.max_args) if b else (1, 1))
    if lo <= n <= hi:
        return None
    want = str(lo) if lo == hi else f"{lo} to {hi}"
    return f"{fn.upper()} takes {want} arguments, got {n}"


def is_stateful(fn: str) -> bool:
    """True for SMOOTH, DELAY and the other builtins that keep state."""
    b = get(fn)
    return b is not None and b.kind == "stateful"


def is_random(fn: str) -> bool:
    """True for the random functions (a new draw every step)."""
    b = get(fn)
    return b is not None and b.kind == "random"
