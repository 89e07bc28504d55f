"""Arrays in the model: dimensions, and the resolution of arrayed elements into their cells.

An element arrayed over dimensions (``capacity[region, tech]``) is written once: one equation for
every cell (apply-to-all, where a dimension's name stands for "this cell's element"), one per
cell or block of cells (``Piece``), or a default with exceptions (the last matching piece wins).
Front ends and the model's checks see arrayed elements; ``resolve`` then gives each cell its own
scalar element, named ``capacity[north,solar]``, with every reference, reduction and mapping
resolved, and ``ArrayInfo`` records which cells make up which array (results label them with the
dimensions). Later stages (graph, plan, backends) see cells.

What a subscript may be, in an equation of an element over dimensions D:
- a dimension of D (or one related to it: a subrange, a superrange, a mapped dimension): the
  cell's own element, converted to the referenced dimension;
- an element name or a 1-based position: that element;
- ``*`` or a dimension not in D: every element, which only a reduction (SUM, PROD, MEAN, MIN,
  MAX, STDDEV, SIZE) may take;
- any other expression: a position computed as the model runs (0 outside the dimension).
A reference without subscripts to an arrayed element broadcasts by dimension name. An arrayed
lookup is called as ``lk(x)`` (its cell by dimension name) or ``lk(lk[d, e], x)`` (the cell its
subscripts name, as a reference's would).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from .. import lang as ex
from ..lang.parser import balanced
from .elements import Where
from .templates import CellParts, Template
from .vectors import ARRAY_FUNCTIONS, expand

MAX_CELLS = 1_000_000       # cells of one arrayed element
REDUCTIONS = {"sum", "prod", "mean", "min", "max", "stddev", "size", "vmin", "vmax"}


@dataclass(frozen=True)
class Mapping:
    """A dimension's mapping onto another: positional (``elements`` None) or, per element of the
    mapped dimension in order, the target element it stands for."""
    target: str
    elements: tuple | None = None


@dataclass(frozen=True)
class Dimension:
    """A named dimension and its elements in order; ``maps`` say how it maps onto others."""
    name: str
    elements: tuple
    maps: tuple = ()
    where: Where = Where()
    family: str | None = None       # the dimension whose positions it gives as values (Vensim:
    #                                 a subrange's element counts its place in the whole range)


@dataclass(frozen=True)
class Piece:
    """The equation (or parameter value, or lookup points) of the cells a subscript selects: per
    dimension of the element, an element name, a dimension (all its elements, bound as in an
    apply-to-all equation) or '*'."""
    subs: tuple
    equation: ex.Node | None = None
    text: str = ""
    value: float | None = None
    points: tuple = ()
    where: Where = Where()
    exclude: tuple = ()             # subscript tuples of cells it does not define (Vensim :EXCEPT:)


@dataclass(frozen=True)
class ArrayInfo:
    """An arrayed element after resolution: its dimensions, their elements, its cells in
    row-major order."""
    name: str
    dims: tuple
    elements: tuple             # per dimension, its element names
    cells: tuple = field(default=())

    @property
    def shape(self) -> tuple:
        """Elements per dimension."""
        return tuple(len(e) for e in self.elements)


def cell_name(name: str, elems) -> str:
    """The name of one cell: ``name[e1,e2]``."""
    return f"{name}[{','.join(elems)}]"


class ArrayError(Exception):
    """A problem with one element's arrays (the caller adds file, line and element)."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class Space:
    """The model's dimensions and arrayed elements, and the rules relating dimensions."""

    # write cells from their equation's ``Template`` and keep what every cell asks again (where a
    # dimension's element comes from, a computed position's value); False: walk each tree and
    # work every cell out on its own (the same cells, slower)
    templates = True

    def __init__(self, dims: dict, elements: dict):
        # 'region!' (Vensim: the range a function runs over) is region's elements under a name of
        # its own, so that SUM(x[region!]) runs over region inside an equation over region
        self.dims = dict(dims, **{f"{d}!": Dimension(f"{d}!", dim.elements) for d, dim in dims.items()})
        self.elements = elements
        self.arrayed = {n: self._distinct(e) for n, e in elements.items() if e.dims}
        self.lookup_of = {n.lower(): n for n, e in self.arrayed.items() if e.kind == "lookup"}
        self._reducing: dict = {}       # id(tree) -> (tree, whether it calls a reduction)
        # what every cell asks again: dimension relations, element positions, each equation's
        # template (``_template``), the value of each static subscript expression
        self._index: dict = {}          # dimension -> {element: 0-based position}
        self._related: dict = {}
        self._converted: dict = {}
        self._templates: dict = {}      # (id(tree), bound dimensions) -> (tree, template or None)
        self._static: dict = {}         # resolved subscript expression -> its constant value or None
        self._sources: dict = {}        # (dimension, bound dimensions) -> ``_source``
        self._arith: dict = {}          # id(subscript expression) -> (it, its names, value per elements)
        self.parts = CellParts()        # the cells' trees written from templates (``resolve``)

    def _distinct(self, el):
        """An element over one dimension twice (a square matrix over region x region): its second
        'region' is 'region#2', the same elements under a name of its own, so a cell binds both."""
        if len(set(el.dims)) == len(el.dims) or any(d not in self.dims for d in el.dims):
            return el
        seen: dict = {}
        dims = []
        for d in el.dims:
            seen[d] = seen.get(d, 0) + 1
            alias = d if seen[d] == 1 else f"{d}#{seen[d]}"
            if alias not in self.dims:
                self.dims[alias] = Dimension(alias, self.dims[d].elements)
            dims.append(alias)
        return el.with_(dims=tuple(dims))

    # ------------------------------------------------------------------ dimensions
    def convert(self, elem: str, source: str, target: str) -> str | None:
        """The element of ``target`` that element ``elem`` of ``source`` stands for, or None."""
        if source == target:
            return elem
        key = (elem, source, target)
        if key not in self._converted:
            self._converted[key] = self._convert(elem, source, target)
        return self._converted[key]

    def _convert(self, elem: str, source: str, target: str) -> str | None:
        src, dst = self.dims[source], self.dims[target]
        for m in src.maps:
            if m.target == target:
                i = src.elements.index(elem)
                if m.elements is None:
                    return dst.elements[i] if i < len(dst.elements) else None
                return m.elements[i]
        for m in dst.maps:
            if m.target == source:
                idx = [i for i, e in enumerate(m.elements or dst.elements)
                       if (e if m.elements is not None else src.elements[i] if i < len(src.elements) else None) == elem]
                return dst.elements[idx[0]] if idx else None
        if set(src.elements) <= set(dst.elements) or set(dst.elements) <= set(src.elements):
            return elem if elem in dst.elements else None
        return None

    def related(self, a: str, b: str) -> bool:
        """True when elements of dimension ``a`` can stand for elements of ``b``."""
        if a == b:
            return True
        key = (a, b)
        if key not in self._related:
            self._related[key] = self._relate(a, b)
        return self._related[key]

    def _relate(self, a: str, b: str) -> bool:
        da, db = self.dims[a], self.dims[b]
        if any(m.target == b for m in da.maps) or any(m.target == a for m in db.maps):
            return True
        return set(da.elements) <= set(db.elements) or set(db.elements) <= set(da.elements)

    def match(self, target: str, binding: dict) -> str | None:
        """The element of dimension ``target`` that the cell being written stands for."""
        if target in binding:
            return binding[target]
        how = self._source(target, tuple(binding))
        if how is None:
            return None
        return self.convert(binding[how[0]], how[1], target)

    def _source(self, target: str, bound: tuple) -> tuple | None:
        """Where ``match`` finds ``target``'s element for cells binding the dimensions ``bound``:
        (the bound dimension whose element it converts, the dimension it converts from), or None.
        Which dimension that is depends on the names bound alone, so it is found once for them."""
        if not self.templates:
            return self._find_source(target, bound)
        key = (target, bound)
        try:
            return self._sources[key]
        except KeyError:
            pass
        found = self._sources[key] = self._find_source(target, bound)
        return found

    def _find_source(self, target: str, bound: tuple) -> tuple | None:
        if target in bound:
            return target, target
        if target.endswith("!"):
            return None
        # a declared mapping first (a subrange of one dimension mapped onto another subrange of
        # it relates to the parent too, but means the mapping), then subranges
        for d in bound:
            if not d.endswith("!") and self._mapped(d, target):
                return d, d
        for d in bound:
            if not d.endswith("!") and self.related(d, target):
                return d, d
        # a part of a range (Vensim: a variable defined on some of its elements) maps as the range
        for d in bound:
            family = self.dims[d].family if not d.endswith("!") else None
            if family is not None and family in self.dims and self._mapped(family, target):
                return d, family
        return None

    def _mapped(self, a: str, b: str) -> bool:
        da, db = self.dims[a], self.dims[b]
        return any(m.target == b for m in da.maps) or any(m.target == a for m in db.maps)

    def owner_dim(self, elem: str, dim: str) -> bool:
        """True when ``elem`` is an element of dimension ``dim``."""
        return elem in self.index(dim)

    def index(self, dim: str) -> dict:
        """Element -> its 0-based position in dimension ``dim`` (elements are unique)."""
        found = self._index.get(dim)
        if found is None:
            found = self._index[dim] = {}
            for i, e in enumerate(self.dims[dim].elements):
                found.setdefault(e, i)
        return found

    # ------------------------------------------------------------------ cells
    def cells(self, name: str) -> list:
        """Every (binding, cell name) of an arrayed element, row-major."""
        el = self.arrayed[name]
        elems = [self.dims[d].elements for d in el.dims]
        n = 1
        for e in elems:
            n *= len(e)
        if n > MAX_CELLS:
            raise ArrayError(f"'{name}' has {n:,} cells; an arrayed element may have at most {MAX_CELLS:,}")
        return [(dict(zip(el.dims, combo)), cell_name(name, combo)) for combo in itertools.product(*elems)]

    def piece_for(self, el, binding: dict):
        """The piece that defines one cell (the last that selects it), or None."""
        found = None
        for p in el.pieces:
            if all(self._selects(s, d, binding[d]) for s, d in zip(p.subs, el.dims)) and not any(
                    all(self._selects(s, d, binding[d]) for s, d in zip(x, el.dims)) for x in p.exclude):
                found = p
        return found

    def _selects(self, s: str, d: str, elem: str) -> bool:
        if s == "*" or s == elem:
            return True
        if s.startswith("#"):
            return self.index(d)[elem] + 1 == int(s[1:])
        return s in self.dims and elem in self.index(s)

    def check_pieces(self, el):
        """Each piece's subscripts name elements, positions or subranges of the element's dimensions."""
        for p in el.pieces:
            for s, d in zip(p.subs, el.dims):
                elems = self.dims[d].elements
                if s == "*" or s in elems:
                    continue
                if s.startswith("#"):
                    if int(s[1:]) > len(elems):
                        raise ArrayError(f"{int(s[1:])} values are given along dimension '{d}', which has "
                                         f"{len(elems)} elements")
                    continue
                if s in self.dims and set(self.dims[s].elements) <= set(elems):
                    continue
                raise ArrayError(f"'{s}' is not an element or subrange of dimension '{d}'",
                                 f"the elements of '{d}': {', '.join(elems[:12])}{' ...' if len(elems) > 12 else ''}")

    # ------------------------------------------------------------------ equations
    def resolve(self, node: ex.Node, binding: dict, record: bool = False) -> ex.Node:
        """An equation for the cell ``binding`` (empty for a scalar element), every arrayed
        reference resolved to a cell. With ``record``, a tree written from a template is
        remembered with it (``self.parts``)."""
        if binding and self.templates:
            key = (id(node), tuple(binding))
            known = self._templates.get(key)
            if known is None or known[0] is not node:      # every cell of a piece shares its tree
                known = self._templates[key] = (node, self._template(node, binding))
            if known[1] is not None:
                out = known[1].fill(self, binding, self.parts.made if record else None)
                if out is not None:
                    return out
        return _top_down(self._reduce_first(node, binding), lambda n: self._one(n, binding))

    def _template(self, node: ex.Node, binding: dict):
        """The tree as a ``Template``: the nodes ``_one`` replaces in a cell of these dimensions
        (the same nodes for every cell: which node is replaced depends on the names bound, not
        on their elements). None for a tree with reductions or vector functions (expanded per
        cell) or too deep to rebuild by recursion."""
        if self._reduces(node) or ex.depth(node) > 100:
            return None
        sites: list = []
        keys = set(binding)

        def site(n) -> bool:
            t = type(n)
            if t is ex.Sub:
                return True
            if t is ex.Name:
                el = self.arrayed.get(n.id)
                return n.id in keys or (el is not None and el.kind != "lookup") or n.id == "*" or \
                    (n.id in self.dims and n.id not in self.elements)     # a range as a value (mapped)
            if t is ex.Call:
                return n.fn.lower() in self.lookup_of
            if t is ex.Bin and n.op in ("==", "!=") and type(n.left) is ex.Name and type(n.right) is ex.Name:
                return self._element_value(n.left.id, binding) is not None and \
                    self._element_value(n.right.id, binding) is not None
            return False

        def shape(n):
            if site(n):
                sites.append(n)
                return len(sites) - 1
            kids = ex.children(n)
            inner = [shape(k) for k in kids]
            return None if all(k is None for k in inner) else (n, kids, tuple(inner))
        top = shape(node)
        return Template(node, top, tuple(sites), tuple(self._site_keys(n, keys) for n in sites))

    def _site_keys(self, n, keys: set) -> tuple | None:
        """The bound dimensions whose elements alone decide what ``_one`` makes of a template's
        site (so cells that agree on them share it), or None when that is not simply known
        (references by broadcast, computed positions, mappings reached through another
        dimension: the site is then made again for every cell)."""
        if type(n) is ex.Name:
            return (n.id,) if n.id in keys else None
        if type(n) is not ex.Sub:
            return None
        el = self.arrayed.get(n.id)
        if el is None or len(n.subs) != len(el.dims):
            return None
        used: list = []
        for s, d in zip(n.subs, el.dims):       # as ``_sub`` reads each subscript
            if type(s) is ex.Name and s.id in self.dims:
                if s.id not in keys:
                    return None
                used.append(s.id)
            elif type(s) is ex.Name and s.id in self.index(d):
                continue
            elif type(s) is ex.Name and s.id == "*":
                if d not in keys:
                    return None
                used.append(d)
            elif type(s) is not ex.Num:
                return None
        return tuple(dict.fromkeys(used))

    def _reduces(self, node) -> bool:
        """True when the tree calls a reduction or a vector function (expanded per cell)."""
        known = self._reducing.get(id(node))
        if known is None or known[0] is not node:      # every cell of an element shares its tree
            known = self._reducing[id(node)] = (node, any(     # (MIN and MAX of two values are not)
                isinstance(n, ex.Call) and (n.fn in REDUCTIONS and len(n.args) == 1 or n.fn in ARRAY_FUNCTIONS)
                for n in ex.walk(node)))
        return known[1]

    def _reduce_first(self, node, binding):
        """Reductions and the vector functions (``vectors.py``) are expanded top-down (their array
        arguments are resolved once per element they read); the rest bottom-up in ``_one``."""
        if not self._reduces(node):
            return node

        def red(n):
            if isinstance(n, ex.Call) and n.fn in ARRAY_FUNCTIONS:
                return expand(self, n, binding)
            if isinstance(n, ex.Call) and n.fn in REDUCTIONS and len(n.args) == 1:
                free = self.free_dims(n.args[0], binding)
                if free or n.fn in ("size", "stddev", "mean", "sum", "prod", "vmin", "vmax"):
                    return self._reduce(n, free, binding)
            return n
        return _top_down(node, red)

    def free_dims(self, node, binding) -> list:
        """Dimensions an expression runs over that the cell does not bind (in order of appearance)."""
        out: list = []
        for n in ex.walk(node):
            if isinstance(n, ex.Sub) and n.id in self.arrayed:
                el = self.arrayed[n.id]
                for s, d in zip(n.subs, el.dims):
                    if isinstance(s, ex.Name) and s.id == "*":
                        _add(out, d)
                    elif isinstance(s, ex.Name) and s.id in self.dims and self.match(s.id, binding) is None \
                            and s.id not in binding:
                        _add(out, s.id)
            elif isinstance(n, ex.Name) and n.id in self.arrayed and self.arrayed[n.id].kind != "lookup":
                for d in self.arrayed[n.id].dims:
                    if self.match(d, binding) is None:
                        _add(out, d)
        return out

    def _reduce(self, call: ex.Call, free: list, binding: dict) -> ex.Node:
        pos, arg = call.pos, call.args[0]
        arg = _stars_named(arg, self.arrayed)
        terms = []
        for combo in itertools.product(*[self.dims[d].elements for d in free]):
            terms.append(self.resolve(arg, {**binding, **dict(zip(free, combo))}))
        n = len(terms)
        fn = {"vmin": "min", "vmax": "max"}.get(call.fn, call.fn)
        if fn == "size":
            return ex.Num(pos, float(n))
        if fn == "sum":
            return balanced("+", terms, pos)
        if fn == "prod":
            return balanced("*", terms, pos)
        if fn == "mean":
            return ex.Bin(pos, "/", balanced("+", terms, pos), ex.Num(pos, float(n)))
        if fn in ("min", "max"):
            level: list = list(terms)
            while len(level) > 1:
                nxt: list = [ex.Call(pos, fn, (level[i], level[i + 1])) for i in range(0, len(level) - 1, 2)]
                if len(level) % 2:
                    nxt.append(level[-1])
                level = nxt
            return level[0]
        # stddev: population standard deviation, sqrt(mean((x - mean)^2))
        mean = ex.Bin(pos, "/", balanced("+", terms, pos), ex.Num(pos, float(n)))
        sq = [ex.Bin(pos, "^", ex.Bin(pos, "-", t, mean), ex.Num(pos, 2.0)) for t in terms]
        return ex.Call(pos, "sqrt", (ex.Bin(pos, "/", balanced("+", sq, pos), ex.Num(pos, float(n))),))

    def _one(self, n: ex.Node, binding: dict) -> ex.Node:
        if isinstance(n, ex.Bin) and n.op in ("==", "!=") and isinstance(n.left, ex.Name) \
                and isinstance(n.right, ex.Name):
            a, b = self._element_value(n.left.id, binding), self._element_value(n.right.id, binding)
            if a is not None and b is not None:     # dim1 = dim3, dimA = B: the same element?
                same = a == b
                if n.left.id in binding and n.right.id in binding:      # two ranges: their values,
                    same = self._position(n.left.id, a) == self._position(n.right.id, b)  # positions
                return ex.Num(n.pos, float(same == (n.op == "==")))
        if isinstance(n, ex.Name):
            if n.id in binding:                 # a dimension as a value: the element's position
                return ex.Num(n.pos, float(self._position(n.id, binding[n.id])))
            mapped = self._mapped_element(n.id, binding)
            if mapped is not None:              # a dimension mapped onto one the equation is over
                return ex.Num(n.pos, float(self._position(n.id, mapped)))
            if n.id in self.dims and n.id not in self.elements and not n.id.endswith("!"):
                where = f"over ({', '.join(d for d in binding if not d.endswith('!'))})" if binding else "scalar"
                raise ArrayError(f"dimension '{n.id}' is used as a value (its element's position) but this "
                                 f"equation is {where}, neither over '{n.id}' nor over a dimension mapped onto it",
                                 f"write the equation over '{n.id}', or map '{n.id}' onto one it is over")
            el = self.arrayed.get(n.id)
            if el is not None and el.kind != "lookup":
                return ex.Name(n.pos, self._broadcast(n.id, binding))
            if n.id == "*":
                raise ArrayError("'*' stands for a whole dimension: only a subscript may hold it")
            return n
        if isinstance(n, ex.Sub):
            return self._sub(n, binding)
        if isinstance(n, ex.Call):
            lk = self.lookup_of.get(n.fn.lower())
            if lk is not None and len(n.args) == 2 and isinstance(n.args[0], ex.Sub) and n.args[0].id == lk:
                cell = self._sub(n.args[0], binding)        # lk[d, e](x): the cell its subscripts name
                if not isinstance(cell, ex.Name):
                    raise ArrayError(f"the subscripts of lookup '{lk}' must name one of its cells")
                return ex.Call(n.pos, cell.id.lower(), (self.resolve(n.args[1], binding),))
            if lk is not None:
                return ex.Call(n.pos, self._broadcast(lk, binding).lower(),
                               tuple(self.resolve(a, binding) for a in n.args))
        return n

    def _position(self, dim: str, elem: str) -> int:
        """A range's value in a cell: its element's 1-based position in the range's family (a
        subrange's element counts its place in the whole range)."""
        own = self.dims[dim]
        return self.index(own.family if own.family in self.dims else dim)[elem] + 1

    def _mapped_element(self, name: str, binding: dict) -> str | None:
        """The element of dimension ``name`` (not one the equation is over) that the cell stands
        for through a mapping (Vensim: ``s[DimA] = DimB`` with ``DimB: B1, B2 -> DimA``), or None."""
        if name in self.elements or name not in self.dims or name.endswith("!"):
            return None
        for d, e in binding.items():
            if not d.endswith("!") and self._mapped(d, name):
                return self.convert(e, d, name)
        return None

    def _element_value(self, name: str, binding: dict) -> str | None:
        """The element a name stands for in a comparison of elements: a bound dimension's element,
        or an element named outright (when no variable has that name)."""
        if name in binding:
            return binding[name]
        if name in self.elements:
            return None
        if any(name in d.elements for d in self.dims.values()):
            return name
        return None

    def _broadcast(self, name: str, binding: dict) -> str:
        el = self.arrayed[name]
        convert = self.convert
        elems = []
        for d in el.dims:
            if d in binding:
                elems.append(binding[d])
                continue
            how = self._source(d, tuple(binding))
            e = None if how is None else convert(binding[how[0]], how[1], d)
            if e is None:
                where = f"over ({', '.join(binding)})" if binding else "scalar"
                raise ArrayError(
                    f"'{name}' is arrayed over ({', '.join(el.dims)}) but this equation is {where}: "
                    f"dimension '{d}' has no counterpart (a whole array where one value is needed)",
                    f"subscript it ({name}[...]) or reduce it (sum({name}[{', '.join('*' for _ in el.dims)}]))")
            elems.append(e)
        return f"{name}[{','.join(elems)}]"

    def _sub(self, n: ex.Sub, binding: dict) -> ex.Node:
        el = self.arrayed.get(n.id)
        if el is None:
            known = self.elements.get(n.id)
            if known is None:
                raise ArrayError(f"unknown name '{n.id}'")
            raise ArrayError(f"'{n.id}' is not arrayed; it takes no subscripts")
        if len(n.subs) != len(el.dims):
            raise ArrayError(f"'{n.id}' has {len(el.dims)} dimension{'s' * (len(el.dims) != 1)} "
                             f"({', '.join(el.dims)}) but is written with {len(n.subs)} subscript"
                             f"{'s' * (len(n.subs) != 1)}")
        fixed: list = []
        computed: list = []
        for j, (s, d) in enumerate(zip(n.subs, el.dims)):
            elems = self.dims[d].elements
            if isinstance(s, ex.Name) and s.id in self.dims:
                own = self.match(s.id, binding)
                if own is None:
                    raise ArrayError(f"'{ex.unparse(n)}' names a whole array where one value is needed: this "
                                     f"equation is not over '{s.id}'",
                                     f"pick an element, or reduce it, e.g. sum({ex.unparse(n)})")
                if not self.related(s.id, d):
                    raise ArrayError(f"dimension '{s.id}' cannot stand for dimension '{d}' of '{n.id}' "
                                     "(neither a subrange nor mapped)")
                e = self.convert(own, s.id, d)
                if e is None:
                    raise ArrayError(f"element '{own}' of '{s.id}' has no counterpart in dimension '{d}' "
                                     f"of '{n.id}'")
                fixed.append(e)
            elif isinstance(s, ex.Name) and s.id in self.index(d):
                fixed.append(s.id)
            elif isinstance(s, ex.Name) and s.id == "*":
                own = self.match(d, binding)        # in an apply-to-all equation: this element
                if own is None:
                    raise ArrayError(f"'{ex.unparse(n)}' names a whole array where one value is needed",
                                     f"pick an element, or reduce it, e.g. sum({ex.unparse(n)})")
                fixed.append(own)
            elif isinstance(s, ex.Name) and s.id not in self.elements and not ex.is_reserved(s.id):
                raise ArrayError(f"'{s.id}' is neither an element of dimension '{d}' nor a dimension",
                                 f"the elements of '{d}': {', '.join(elems[:12])}{' ...' if len(elems) > 12 else ''}")
            elif isinstance(s, ex.Num):
                k = int(s.value)
                if k != s.value or not 1 <= k <= len(elems):
                    raise ArrayError(f"position {s.value:g} is outside dimension '{d}' (1..{len(elems)})")
                fixed.append(elems[k - 1])
            else:
                at = self._position_of(s, binding)     # a position known once the cell is (row - 1)
                if at is None:
                    index = self.resolve(s, binding)
                    fixed.append(None)
                    computed.append((j, index))
                    continue
                if at != int(at) or not 1 <= at <= len(elems):
                    return ex.Num(n.pos, 0.0)       # outside the dimension: 0, as XMILE says
                fixed.append(elems[int(at) - 1])
        if not computed:
            return ex.Name(n.pos, cell_name(n.id, fixed))
        return self._computed(n, el, fixed, computed)

    def _position_of(self, s: ex.Node, binding: dict) -> float | None:
        """The value of a subscript expression in the cell ``binding`` when it is made of numbers
        alone once resolved, else None. An expression of numbers, operators and bound
        dimensions has the same value in every cell that binds those dimensions to the same
        elements, so it is worked out once for them."""
        if not self.templates:
            return self._static_value(self.resolve(s, binding))
        known = self._arith.get(id(s))
        if known is None or known[0] is not s:
            known = self._arith[id(s)] = (s, _dimension_arithmetic(s), {})
        names: tuple | None = known[1]
        values: dict = known[2]
        if names is None or not all(d in binding for d in names):
            return self._static_value(self.resolve(s, binding))
        key = tuple(binding[d] for d in names)
        try:
            return values[key]
        except KeyError:
            found = values[key] = self._static_value(self.resolve(s, binding))
            return found

    def _static_value(self, index: ex.Node) -> float | None:
        """The value of a resolved subscript expression made of numbers only, else None (the
        cells of an element ask for the same few: ``row - 1`` for each row)."""
        try:
            return self._static[index]
        except KeyError:
            pass
        except TypeError:               # an unhashable tree: not kept
            return _constant_or_none(index)
        found = self._static[index] = _constant_or_none(index)
        return found

    def _computed(self, n, el, fixed, computed) -> ex.Node:
        """A reference whose position is computed as the model runs: a choice among the cells,
        0 outside the dimension."""
        (j, index), *rest = computed
        elems = self.dims[el.dims[j]].elements
        node: ex.Node = ex.Num(n.pos, 0.0)
        for k in range(len(elems), 0, -1):
            choice = list(fixed)
            choice[j] = elems[k - 1]
            if rest:
                sub = ex.Sub(n.pos, n.id, tuple(ex.Name(n.pos, c) if c is not None else r
                                                for c, r in zip(choice, _subs_of(computed, choice, n))))
                target = self._computed(sub, el, choice, rest)
            else:
                target = ex.Name(n.pos, cell_name(n.id, choice))
            node = ex.If(n.pos, ex.Bin(n.pos, "==", ex.Call(n.pos, "int", (index,)), ex.Num(n.pos, float(k))),
                         target, node)
        return node


def _dimension_arithmetic(node) -> tuple | None:
    """The names an expression of numbers, names and operators reads (None when it holds
    anything else: a call, a subscripted reference)."""
    names: list = []
    n: Any
    for n in ex.walk(node):
        t = type(n)
        if t is ex.Name:
            if n.id not in names:
                names.append(n.id)
        elif t is not ex.Num and t is not ex.Bin and t is not ex.Unary:
            return None
    return tuple(names)


def _constant_or_none(node) -> float | None:
    try:
        return ex.constant(node)
    except ValueError:
        return None


def _subs_of(computed, choice, n):
    """The subscripts of a partly chosen reference: computed ones stay expressions."""
    out = []
    comp = dict(computed)
    for i, c in enumerate(choice):
        out.append(comp.get(i) if c is None else None)
    return out


def _add(out: list, d: str):
    if d not in out:
        out.append(d)


def _stars_named(node, arrayed):
    """``a[*, r]`` -> ``a[D, r]`` (D: the dimension the '*' stands in), so that a reduction binds it."""
    def one(n):
        if isinstance(n, ex.Sub) and n.id in arrayed and any(isinstance(s, ex.Name) and s.id == "*" for s in n.subs):
            dims = arrayed[n.id].dims
            return ex.Sub(n.pos, n.id, tuple(ex.Name(s.pos, dims[j]) if isinstance(s, ex.Name) and s.id == "*"
                                             and j < len(dims) else s for j, s in enumerate(n.subs)))
        return n
    return ex.transform(node, one)


def _top_down(node, fn):
    """Apply ``fn`` to the outermost nodes it changes (their results are not visited again); the
    tree is rebuilt above them. No recursion, so a tree of any depth is fine."""
    stack: list = [(node, False)]
    done: list = []
    while stack:
        n, expanded = stack.pop()
        if not expanded:
            out = fn(n)
            kids = ex.children(n) if out is n else ()
            if not kids:
                done.append(out)
                continue
            stack.append((n, True))
            stack.extend((k, False) for k in reversed(kids))
            continue
        kids = ex.children(n)
        new = tuple(done[len(done) - len(kids):])
        del done[len(done) - len(kids):]
        done.append(n if all(a is b for a, b in zip(new, kids)) else ex.rebuild(n, new))
    return done[0]


# ---------------------------------------------------------------------- the model's cells
def check_dimensions(dims, ctx) -> dict:
    """Dimensions by name, checked: unique names, elements, mappings onto declared dimensions of
    equal size (positional) or onto their elements (element by element)."""
    out: dict = {}
    for d in dims:
        if d.name in out and out[d.name].elements != d.elements:
            ctx.error(f"dimension '{d.name}' is declared twice with different elements", d.where.line, d.name,
                      file=d.where.file)
            continue
        if not d.elements:
            ctx.error(f"dimension '{d.name}' has no elements", d.where.line, d.name, file=d.where.file)
            continue
        if len(set(d.elements)) != len(d.elements):
            ctx.error(f"dimension '{d.name}' names an element twice", d.where.line, d.name, file=d.where.file)
            continue
        out[d.name] = d
    for d in out.values():
        if d.family is not None and (d.family not in out or not set(d.elements) <= set(out[d.family].elements)):
            ctx.error(f"dimension '{d.name}' gives positions in '{d.family}', which is not a declared dimension "
                      "holding all its elements", d.where.line, d.name, file=d.where.file)
        for m in d.maps:
            t = out.get(m.target)
            say = lambda msg, d=d: ctx.error(msg, d.where.line, d.name, file=d.where.file)  # noqa: E731
            if t is None:
                say(f"dimension '{d.name}' maps onto '{m.target}', which is not a declared dimension")
            elif m.elements is None and len(t.elements) != len(d.elements):
                say(f"dimension '{d.name}' ({len(d.elements)} elements) maps position by position onto "
                    f"'{m.target}' ({len(t.elements)} elements): the sizes differ")
            elif m.elements is not None and (len(m.elements) != len(d.elements)
                                             or any(e not in t.elements for e in m.elements)):
                say(f"dimension '{d.name}' maps onto '{m.target}' element by element: give one element of "
                    f"'{m.target}' for each of its {len(d.elements)} elements")
    return out


def resolve_cells(elements: dict, dims: dict, ctx, space: Space | None = None) -> tuple[dict, tuple]:
    """Every element as scalar elements: arrayed ones as their cells, every equation's arrayed
    references, reductions and dimension values resolved. Returns the elements and the arrays'
    ``ArrayInfo``. Problems are reported to ``ctx`` with the element's file and line. ``space``
    (``Space(dims, elements)``, made here when not given) keeps each cell's parts
    (``Space.parts``)."""
    space = Space(dims, elements) if space is None else space
    out: dict = {}
    infos = []
    for name, el in elements.items():
        say = lambda msg, hint=None, el=el: ctx.error(msg, el.where.line, el.name, hint,  # noqa: E731
                                                      file=el.where.file)
        unknown = [d for d in el.dims if d not in dims]
        if unknown:
            say(f"dimension '{unknown[0]}' is not declared", "declare it under dimensions:")
            continue
        try:
            if not el.dims:
                out[name] = _scalar(space, el)
                continue
            el = space.arrayed[name]
            space.check_pieces(el)
            cells = space.cells(name)
            infos.append(ArrayInfo(name, el.dims, tuple(space.dims[d].elements for d in el.dims),
                                   tuple(c for _, c in cells)))
            for binding, cname in cells:
                out[cname] = _cell(space, el, binding, cname)
        except ArrayError as e:
            say(e.message, e.hint)
    return out, tuple(infos)


def _scalar(space: Space, el):
    changes: dict = {}
    if el.equation is not None:
        changes["equation"] = space.resolve(el.equation, {})
    if el.kind == "stock":
        changes["inflows"] = tuple(_flow(space, f, {}) for f in el.inflows)
        changes["outflows"] = tuple(_flow(space, f, {}) for f in el.outflows)
    return el.with_(**changes) if changes else el


def _cell(space: Space, el, binding: dict, cname: str):
    piece = space.piece_for(el, binding) if el.pieces else None
    where = piece.where if piece is not None and piece.where.line is not None else el.where
    changes: dict = dict(name=cname, dims=(), pieces=(), where=where)
    if el.kind == "lookup":
        points = piece.points if piece is not None and piece.points else el.points
        if not points:
            raise ArrayError(f"no points for cell {cname}", "give points for every element")
        changes["points"] = points
        return el.with_(**changes)
    if piece is not None and el.kind == "parameter" and piece.value is not None:
        changes.update(value=piece.value, equation=ex.Num(0, piece.value), text=repr(piece.value))
        return el.with_(**changes)
    eq = piece.equation if piece is not None and piece.equation is not None else el.equation
    if eq is None:
        raise ArrayError(f"no equation for cell {cname}",
                         "give an equation for every element, or a default equation for the rest")
    bound = binding
    if piece is not None:           # a piece written over a subrange binds that subrange too
        for s, d in zip(piece.subs, el.dims):
            if s in space.dims and s != d:
                if bound is binding:
                    bound = dict(binding)
                bound[s] = binding[d]
    changes["equation"] = space.resolve(eq, bound, record=True)
    changes["text"] = piece.text if piece is not None and piece.text else el.text
    if el.kind == "parameter":
        try:
            value = ex.constant(changes["equation"])
        except ValueError:
            value = el.value
        changes["value"] = value
    if el.kind == "stock":
        changes["inflows"] = tuple([_flow(space, f, binding) for f in el.inflows])
        changes["outflows"] = tuple([_flow(space, f, binding) for f in el.outflows])
    return el.with_(**changes)


def _flow(space: Space, f: str, binding: dict) -> str:
    if f in space.arrayed:
        return space._broadcast(f, binding)
    return f
