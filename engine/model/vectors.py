"""The vector and matrix functions over arrays, expanded into calls over cells.

A front end writes these functions over arrays, as the modeller does; when the model resolves an
arrayed element into its cells (``arrays.Space.resolve``), each call becomes, in the equation of
each cell, a call of a registry kernel (``builtins/cells.py``, ``builtins/profiles.py``) whose
last arguments are the cells the function reads and whose first say which cell of the result
this is. So every backend runs them as plain calls, and nothing downstream knows about vectors.

The vector a function works along is the last subscript of its first argument (Vensim's rule), a
dimension; the cell being written picks its place in that vector through its own subscripts
(directly, or through a subrange or a mapping):

- ``vector_rank(x[.., d], direction)``            -> ``rank_of(k, direction, x[.., d1], ...)``
- ``vector_sort_order(x[.., d], direction)``      -> ``sorted_index(k, direction, ...)`` (0-based)
- ``vector_reorder(x[.., d], order)``             -> ``pick(order, x[.., d1], ...)``
- ``vector_elm_map(x[e1, e2], offset)``           -> ``pick(base + offset, every cell of x)`` (the
  cells row-major, ``base`` the 0-based place of ``x[e1, e2]``; a constant offset names the cell)
- ``vector_select(s[d!], x[d!], missing, action, 0)`` -> ``select_cells(action, missing, s.., x..)``
  over the ranges marked ``!`` (as SUM runs over them)
- ``allocate_by_priority(request[.., d], priority[.., d], size, width, supply)`` and
  ``allocate_available(request[.., d], profile[.., d, ptype], available)`` -> ``allocation(k,
  available, per target: request, kind, priority, width, extra)``; ALLOCATE BY PRIORITY is the
  rectangular profile of the given width
- ``invert_matrix(m[.., r, c], n)``               -> ``inverse_cell(i, j, m[.., r1, c1], ...)``
- ``vector_lookup(y[.., e1], x, xmin, xmax, mode)`` -> ``lookup_cells(x, xmin, xmax, extrapolate, y[.., e1],
  ...)``: the elements from ``e1`` to the end of the last range as a lookup's values (mode 0 a lookup,
  3 extrapolated); modes 2 and 4 (backward, forward) -> ``lookup_step(x, -1 or 1, the evenly spaced
  x values, the elements)``; the other modes are refused
- ``find_market_price(dq[.., d1], dprofile[.., d1, ptype], sq[.., s1], sprofile[.., s1, ptype])`` ->
  ``market_price(number of demanders, per demander: quantity, kind, priority, width, extra, then the
  same per supplier)``: the vectors run along the range of the last subscript of a quantity (named
  by a range, or by its first element: from it to the range's end)
- ``demand_at_price(q, profile[.., ptype], price)``, ``supply_at_price(...)`` -> ``at_price(side, q,
  kind, priority, width, price)``, elementwise: the quantity times the profile's share at that price
- ``rank(x[*], n)`` (XMILE)                       -> ``1 + sorted_index(n, 1, ...)``: the 1-based
  index of the n-th smallest (a negative n counts from the largest)
"""
from __future__ import annotations

import itertools
import math

from .. import lang as ex

# the functions written over arrays, and their number of arguments
ARRAY_FUNCTIONS = {"vector_rank": 2, "vector_sort_order": 2, "vector_reorder": 2, "vector_elm_map": 2,
                   "vector_select": 5, "allocate_by_priority": 5, "allocate_available": 3,
                   "invert_matrix": 2, "rank": 2, "vector_lookup": 5, "find_market_price": 4,
                   "demand_at_price": 3, "supply_at_price": 3}
SHOWN = {"vector_rank": "VECTOR RANK", "vector_sort_order": "VECTOR SORT ORDER",
         "vector_reorder": "VECTOR REORDER", "vector_elm_map": "VECTOR ELM MAP",
         "vector_select": "VECTOR SELECT", "allocate_by_priority": "ALLOCATE BY PRIORITY",
         "allocate_available": "ALLOCATE AVAILABLE", "invert_matrix": "INVERT MATRIX", "rank": "RANK",
         "vector_lookup": "VECTOR LOOKUP", "find_market_price": "FIND MARKET PRICE",
         "demand_at_price": "DEMAND AT PRICE", "supply_at_price": "SUPPLY AT PRICE"}
# the priority profiles' kinds: the market functions take them all, ALLOCATE AVAILABLE all but 0
KIND_NAMES = {0: "fixed quantity", 1: "rectangular", 2: "triangular", 3: "normal", 4: "exponential"}
MARKET_PROFILES = set(KIND_NAMES)
PROFILES = MARKET_PROFILES - {0}


def expand(space, call: ex.Call, binding: dict) -> ex.Node:
    """The call, in the equation of the cell ``binding``, as a kernel call over cells."""
    fn, pos = call.fn, call.pos
    name = SHOWN[fn]
    if len(call.args) != ARRAY_FUNCTIONS[fn]:
        extra = " (a tie-breaking array is not supported)" if fn == "rank" and len(call.args) == 3 else ""
        raise _fail(f"{name} takes {ARRAY_FUNCTIONS[fn]} arguments, got {len(call.args)}{extra}")
    args = call.args
    if fn == "vector_select":
        return _select(space, args, binding, pos)
    if fn == "rank":
        return _rank(space, args, binding, pos)
    if fn == "vector_elm_map":
        return _elm_map(space, args, binding, pos)
    if fn == "invert_matrix":
        return _invert(space, args, binding, pos)
    if fn == "vector_lookup":
        return _lookup(space, args, binding, pos)
    if fn == "find_market_price":
        return _market(space, args, binding, pos)
    if fn in ("demand_at_price", "supply_at_price"):
        profile = _profile_cells(space, args[1], binding, name)
        side = ex.Num(pos, 1.0 if fn == "demand_at_price" else 0.0)
        return ex.Call(pos, "at_price", (side, space.resolve(args[0], binding), *profile[:3],
                                         space.resolve(args[2], binding)))
    d = _vector_dim(space, args[0], name)
    k, cells = _place(space, d, binding, name), _along(space, args[0], d, binding)
    if fn == "vector_rank":
        return ex.Call(pos, "rank_of", (ex.Num(pos, float(k)), space.resolve(args[1], binding), *cells))
    if fn == "vector_sort_order":
        return ex.Call(pos, "sorted_index", (ex.Num(pos, float(k)), space.resolve(args[1], binding), *cells))
    if fn == "vector_reorder":
        return ex.Call(pos, "pick", (space.resolve(args[1], binding), *cells))
    if fn == "allocate_by_priority":
        size = _fixed(space, space.resolve(args[2], binding))
        if size is not None and size != len(cells):
            raise _fail(f"ALLOCATE BY PRIORITY is given size {size:g} for the {len(cells)} elements of "
                        f"'{d}'", "give ELMCOUNT of the range the request runs along")
        priority = _along(space, args[1], d, binding)
        width, supply = space.resolve(args[3], binding), space.resolve(args[4], binding)
        targets = [x for q, p in zip(cells, priority) for x in (q, ex.Num(pos, 1.0), p, width, ex.Num(pos, 0.0))]
        return ex.Call(pos, "allocation", (ex.Num(pos, float(k)), supply, *targets))
    return _available(space, args, d, k, cells, binding, pos)


def _fail(message: str, hint: str | None = None) -> Exception:
    """The model stage's error for one element's arrays (``arrays`` imports this module)."""
    from .arrays import ArrayError
    return ArrayError(message, hint)


def _constant(node) -> float | None:
    try:
        return ex.constant(node)
    except ValueError:
        return None


def _fixed(space, node) -> float | None:
    """The value of an argument that sets how a function works (an error action, a mode, a size):
    a number, or an expression of numbers and scalar parameters (Vensim's VSERRNONE == 0) at their
    values in the model; None when it is neither."""
    values = {n: ex.Num(0, el.value) for n in ex.names(node)
              if (el := space.elements.get(n)) is not None and el.kind == "parameter" and not el.dims
              and el.value is not None}
    return _constant(ex.substitute(node, values) if values else node)


def _vector_dim(space, arg, name: str) -> str:
    """The dimension a vector function works along: the last subscript of its array argument."""
    if not (isinstance(arg, ex.Sub) and arg.id in space.arrayed and arg.subs):
        raise _fail(f"the first argument of {name} must be an arrayed variable with its subscripts "
                    "(the last one the range it works along)")
    last = arg.subs[-1]
    if not (isinstance(last, ex.Name) and last.id in space.dims and not last.id.endswith("!")):
        raise _fail(f"the last subscript of '{ex.unparse(arg)}' must be a subscript range: {name} works "
                    "along it")
    return last.id


def _place(space, d: str, binding: dict, name: str) -> int:
    """The 1-based place, along dimension ``d``, of the cell being written."""
    e = space.match(d, binding)
    if e is None:
        raise _fail(f"{name} gives one value per element of '{d}': this equation must be over '{d}' (or a "
                    "range mapped to it)")
    return space.dims[d].elements.index(e) + 1


def _along(space, arg, d: str, binding: dict) -> list:
    """The cells an argument reads along dimension ``d`` (the rest of its subscripts as the cell's)."""
    return [space.resolve(arg, {**binding, d: e}) for e in space.dims[d].elements]


def _over(space, args, binding) -> tuple:
    """The dimensions the arguments run over that the cell does not bind, and every binding of
    them (row-major)."""
    from .arrays import _stars_named
    args = tuple(_stars_named(a, space.arrayed) for a in args)
    free: list = []
    for a in args:
        for d in space.free_dims(a, binding):
            if d not in free:
                free.append(d)
    combos = [{**binding, **dict(zip(free, c))} for c in itertools.product(*[space.dims[d].elements for d in free])]
    return args, free, combos


def _select(space, args, binding, pos):
    error = _fixed(space, space.resolve(args[4], binding))
    if error != 0:
        raise _fail("VECTOR SELECT with an error action other than 0 is not supported (reporting too few or "
                    "too many selected elements)", "give 0 as its last argument")
    (sel, expr), free, combos = _over(space, args[:2], binding)
    if not free:
        raise _fail("VECTOR SELECT needs the ranges it selects over marked with '!' (sel[range!])")
    s = [space.resolve(sel, b) for b in combos]
    x = [space.resolve(expr, b) for b in combos]
    return ex.Call(pos, "select_cells", (space.resolve(args[3], binding), space.resolve(args[2], binding), *s, *x))


def _rank(space, args, binding, pos):
    (arr,), free, combos = _over(space, args[:1], binding)
    if not free:
        raise _fail("RANK takes an array (a variable over dimensions, or subscripted with '*')")
    cells = [space.resolve(arr, b) for b in combos]
    index = ex.Call(pos, "sorted_index", (space.resolve(args[1], binding), ex.Num(pos, 1.0), *cells))
    return ex.Bin(pos, "+", index, ex.Num(pos, 1.0))


def _elm_map(space, args, binding, pos):
    ref = args[0]
    if not (isinstance(ref, (ex.Sub, ex.Name)) and ref.id in space.arrayed):
        raise _fail("the first argument of VECTOR ELM MAP must be an arrayed variable with its subscripts")
    cell = space.resolve(ref, binding)
    cells = [c for _, c in space.cells(ref.id)]
    if not isinstance(cell, ex.Name) or cell.id not in cells:
        raise _fail(f"'{ex.unparse(ref)}' must name one element (VECTOR ELM MAP counts from it)")
    base = cells.index(cell.id)
    offset = space.resolve(args[1], binding)
    value = _constant(offset)
    if value is not None and math.isfinite(value):          # a constant offset: the cell it names
        i = base + math.trunc(value)
        return ex.Name(pos, cells[i]) if 0 <= i < len(cells) else ex.Num(pos, math.nan)
    return ex.Call(pos, "pick", (ex.Bin(pos, "+", ex.Num(pos, float(base)), offset),
                                 *[ex.Name(pos, c) for c in cells]))


def _invert(space, args, binding, pos):
    m = args[0]
    if not (isinstance(m, ex.Sub) and m.id in space.arrayed and len(m.subs) >= 2):
        raise _fail("INVERT MATRIX takes an arrayed variable with at least two subscripts (the matrix's "
                    "rows and columns last)")
    r, c = m.subs[-2], m.subs[-1]
    if not all(isinstance(s, ex.Name) and s.id in space.dims and not s.id.endswith("!") for s in (r, c)):
        raise _fail(f"the last two subscripts of '{ex.unparse(m)}' must be subscript ranges (its rows and "
                    "columns)")
    if r.id == c.id:
        return _invert_whole(space, m, args, binding, pos)
    rows, cols = space.dims[r.id].elements, space.dims[c.id].elements
    if len(rows) != len(cols):
        raise _fail(f"INVERT MATRIX needs a square matrix over two ranges of the same size; "
                    f"'{ex.unparse(m)}' is {len(rows)} x {len(cols)}")
    n = _fixed(space, space.resolve(args[1], binding))
    if n is not None and n != len(rows):
        raise _fail(f"INVERT MATRIX is given size {n:g} for a {len(rows)} x {len(rows)} matrix")
    i = _place(space, r.id, binding, "INVERT MATRIX")
    j = _place(space, c.id, binding, "INVERT MATRIX")
    cells = [space.resolve(m, {**binding, r.id: a, c.id: b}) for a in rows for b in cols]
    return ex.Call(pos, "inverse_cell", (ex.Num(pos, float(i)), ex.Num(pos, float(j)), *cells))


def _invert_whole(space, m, args, binding, pos):
    """INVERT MATRIX(m[.., r, r], n): one range written twice names no rows and columns of its own;
    as Vensim does, the matrix is the variable's own last two ranges, and its inverse fills the
    equation's last two ranges by position."""
    el = space.arrayed[m.id]
    vr, vc = el.dims[-2], el.dims[-1]
    rows, cols = space.dims[vr].elements, space.dims[vc].elements
    lhs = [d for d in binding if not d.endswith("!")]
    if len(rows) != len(cols):
        raise _fail(f"INVERT MATRIX needs a square matrix; '{m.id}' is {len(rows)} x {len(cols)} over its last "
                    f"two ranges ({vr}, {vc})")
    if len(lhs) < 2 or any(len(space.dims[d].elements) != len(rows) for d in lhs[-2:]):
        raise _fail(f"INVERT MATRIX of the {len(rows)} x {len(rows)} matrix '{m.id}' fills an equation whose "
                    f"last two ranges have {len(rows)} elements each; this one is over ({', '.join(lhs)})")
    n = _fixed(space, space.resolve(args[1], binding))
    if n is not None and n != len(rows):
        raise _fail(f"INVERT MATRIX is given size {n:g} for a {len(rows)} x {len(rows)} matrix")
    i, j = (space.dims[d].elements.index(binding[d]) + 1 for d in lhs[-2:])
    whole = ex.Sub(m.pos, m.id, m.subs[:-2] + (ex.Name(m.pos, vr), ex.Name(m.pos, vc)))
    cells = [space.resolve(whole, {**binding, vr: a, vc: b}) for a in rows for b in cols]
    return ex.Call(pos, "inverse_cell", (ex.Num(pos, float(i)), ex.Num(pos, float(j)), *cells))


def _lookup(space, args, binding, pos):
    """VECTOR LOOKUP: the elements of the last range from the one named on as the lookup's values."""
    ref = args[0]
    el = space.arrayed.get(ref.id) if isinstance(ref, ex.Sub) else None
    last = ref.subs[-1] if el is not None and len(ref.subs) == len(el.dims) else None
    dim = space.dims[el.dims[-1]] if last is not None else None
    if dim is None or not isinstance(last, ex.Name) or last.id not in dim.elements:
        raise _fail("the first argument of VECTOR LOOKUP must be an arrayed variable whose last subscript "
                    "names the first of the values (vec[first])")
    mode = _fixed(space, space.resolve(args[4], binding))
    if mode not in (0.0, 2.0, 3.0, 4.0):
        what = {1: "LOOKUP AREA", 2: "LOOKUP BACKWARD", 4: "LOOKUP FORWARD", 5: "LOOKUP INVERT",
                6: "LOOKUP SLOPE", 7: "LOOKUP AREA extrapolated", 8: "LOOKUP INVERT extrapolated",
                9: "LOOKUP SLOPE extrapolated"}.get(int(mode) if mode is not None and mode == int(mode) else -1)
        shown = "that is not a constant" if mode is None else f"{mode:g}" + (f" ({what})" if what else "")
        raise _fail(f"VECTOR LOOKUP with mode {shown} is not supported",
                    "modes 0 (a lookup), 2 (LOOKUP BACKWARD), 3 (LOOKUP EXTRAPOLATE) and 4 (LOOKUP "
                    "FORWARD) are")
    j0 = dim.elements.index(last.id)
    ys = [space.resolve(ex.Sub(ref.pos, ref.id, ref.subs[:-1] + (ex.Name(last.pos, e),)), binding)
          for e in dim.elements[j0:]]
    x, lo, hi = (space.resolve(a, binding) for a in args[1:4])
    if mode in (2.0, 4.0):              # read as steps at the evenly spaced points
        n = len(ys)
        step = ex.Bin(pos, "/", ex.Bin(pos, "-", hi, lo), ex.Num(pos, float(max(n - 1, 1))))
        xs = [ex.Bin(pos, "+", lo, ex.Bin(pos, "*", ex.Num(pos, float(i)), step)) if i else lo for i in range(n)]
        return ex.Call(pos, "lookup_step", (x, ex.Num(pos, 1.0 if mode == 4.0 else -1.0), *xs, *ys))
    return ex.Call(pos, "lookup_cells", (x, lo, hi, ex.Num(pos, 1.0 if mode == 3.0 else 0.0), *ys))


def _profile_parts(space, pp, name: str) -> list:
    """A priority profile argument ``pp[.., ptype]`` as its four element references: its last
    subscript names the first of them (ptype, then ppriority, pwidth and pextra)."""
    last = pp.subs[-1] if isinstance(pp, ex.Sub) and pp.subs else None
    el = space.arrayed.get(pp.id) if isinstance(pp, ex.Sub) else None
    pdim = space.dims[el.dims[len(pp.subs) - 1]] if el is not None and len(el.dims) == len(pp.subs) else None
    if pdim is None or not isinstance(last, ex.Name) or last.id not in pdim.elements:
        raise _fail(f"the priority profile of {name} must be an arrayed variable whose last subscript names "
                    "the first of its profile's elements (ptype, then ppriority, pwidth, pextra)")
    j0 = pdim.elements.index(last.id)
    if j0 + 4 > len(pdim.elements):
        raise _fail(f"the priority profile needs 4 elements from '{last.id}' on; '{pdim.name}' has "
                    f"{len(pdim.elements) - j0}")
    return [ex.Sub(pp.pos, pp.id, pp.subs[:-1] + (ex.Name(last.pos, pdim.elements[j0 + m]),)) for m in range(4)]


def _profile_cells(space, pp, binding: dict, name: str, kinds=MARKET_PROFILES) -> list:
    """The four cells of a priority profile for the cell ``binding``; a kind written as a number
    that the function does not know is refused by name."""
    profile = [space.resolve(p, binding) for p in _profile_parts(space, pp, name)]
    kind = _cell_value(space, profile[0])
    if kind is not None and kind not in kinds:
        shown = {**KIND_NAMES, 5: "constant elasticity"}.get(int(kind)) if kind == int(kind) else None
        what = f" ({shown})" if shown else ""
        known = ", ".join(f"{k} ({KIND_NAMES[k]})" for k in sorted(kinds))
        raise _fail(f"{name} with priority profile kind {kind:g}{what} is not supported "
                    f"(in '{ex.unparse(profile[0])}')", f"kinds {known} are")
    return profile



def _market_vector(space, arg, binding: dict, what: str) -> tuple[int, list]:
    """The position of the vector's subscript in ``arg`` (a quantity of FIND MARKET PRICE) and the
    elements it runs over: a range, or an element and those after it in its range."""
    el = space.arrayed.get(arg.id) if isinstance(arg, ex.Sub) else None
    last = arg.subs[-1] if el is not None and arg.subs else None
    if el is None or not isinstance(last, ex.Name) or len(arg.subs) != len(el.dims):
        raise _fail(f"the {what} of FIND MARKET PRICE must be an arrayed variable with its subscripts, the last "
                    "the range of the demanders or suppliers (or its first element)")
    i = len(arg.subs) - 1
    if last.id in space.dims and not last.id.endswith("!"):
        return i, list(space.dims[last.id].elements)
    dim = space.dims[el.dims[i]]
    if last.id not in dim.elements:
        raise _fail(f"the last subscript of '{ex.unparse(arg)}' must be a subscript range, or an element of "
                    f"'{dim.name}' (the first of the vector)")
    return i, list(dim.elements[dim.elements.index(last.id):])


def _market(space, args, binding, pos):
    """FIND MARKET PRICE: per demander its quantity and profile, then per supplier."""
    out = []
    sizes = []
    for q, pp, what in ((args[0], args[1], "demand quantity"), (args[2], args[3], "supply quantity")):
        i, elements = _market_vector(space, q, binding, what)
        if not (isinstance(pp, ex.Sub) and len(pp.subs) >= 2):
            raise _fail("a priority profile of FIND MARKET PRICE must be written with the subscript of its "
                        "vector, then the first element of the profile (profile[.., d1, ptype])")
        for e in elements:
            qe = ex.Sub(q.pos, q.id, q.subs[:i] + (ex.Name(q.pos, e),))
            pe = ex.Sub(pp.pos, pp.id, pp.subs[:-2] + (ex.Name(pp.pos, e), pp.subs[-1]))
            out += [space.resolve(qe, binding), *_profile_cells(space, pe, binding, "FIND MARKET PRICE")]
        sizes.append(len(elements))
    return ex.Call(pos, "market_price", (ex.Num(pos, float(sizes[0])), *out))


def _available(space, args, d, k, cells, binding, pos):
    """ALLOCATE AVAILABLE: the profile's last subscript names its first element (ptype); the kind,
    priority, width and extra are it and the three elements after it."""
    targets = []
    for e, q in zip(space.dims[d].elements, cells):
        targets += [q, *_profile_cells(space, args[1], {**binding, d: e}, "ALLOCATE AVAILABLE", PROFILES)]
    return ex.Call(pos, "allocation", (ex.Num(pos, float(k)), space.resolve(args[2], binding), *targets))


def _cell_value(space, node) -> float | None:
    """The number a cell holds when it is a constant (a parameter's cell), else None."""
    if isinstance(node, ex.Num):
        return node.value
    if not isinstance(node, ex.Name) or "[" not in node.id:
        return None
    name = node.id[:node.id.index("[")]
    el = space.arrayed.get(name)
    if el is None or el.kind != "parameter":
        return None
    elems = node.id[len(name) + 1:-1].split(",")
    piece = space.piece_for(el, dict(zip(el.dims, elems)))
    return piece.value if piece is not None else None
