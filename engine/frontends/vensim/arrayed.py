"""Arrayed Vensim definitions: every definition of a subscripted name (one per element or block
of elements, :EXCEPT:, lists, tables and TABBED ARRAY of numbers, INTEG, lookups) as one arrayed
element of the model, and the subscripts of references resolved to the model's dimensions and
elements. A part of ``build.Builder``, which supplies parsing, resolution and the file's ranges."""
from __future__ import annotations

import itertools
import math
import re
from typing import TYPE_CHECKING, Any

from ... import lang as ex
from ...lang.parser import ExprSyntaxError
from ...lang.vensim import parse_table
from ...model import Element, Where
from ...model.arrays import Piece
from . import external
from . import library as lib
from .errors import Unsupported, VensimError
from .lhs import parse_range
from .names import Names
from .scope import Scope
from .subscripts import Ranges


class ArrayedDefinitions:
    """Methods of the Vensim builder for arrayed definitions and subscripts."""

    # what the builder supplies (build.Builder)
    file: str
    names: Names
    ranges: Ranges
    out: list
    data: Any
    _cell: int

    if TYPE_CHECKING:
        def where(self, d, pos: int | None = None) -> dict: ...  # noqa: D102
        def resolve(self, node, d, extras, scope: Scope, depth: int = 0) -> ex.Node: ...  # noqa: D102
        def _parse(self, d): ...
        def _arity(self, d, call) -> None: ...
        def _points(self, table, d) -> tuple: ...
        def _pure(self, tree) -> bool: ...
        def _need_data(self, d) -> None: ...
        def _hidden(self, owner: str, what: str) -> str: ...  # noqa: D102
        def series(self, d, get, n: int) -> list: ...  # noqa: D102

    # ------------------------------------------------------------------ arrays
    def define_array(self, k: str, defs: list):
        """An arrayed variable from all its definitions (one per element or block of elements,
        :EXCEPT: included): one element over its ranges, each definition a piece."""
        first = defs[0]
        ident = self.names.ids[k]
        n = len(first.subs)
        for d in defs:
            if len(d.subs) != n:
                raise VensimError(f"'{first.name}' is defined with {n} subscripts on line {first.rec.line} and "
                                  f"with {len(d.subs)} here", **self.where(d))
        dims, keys = [], []
        for j in range(n):
            seen = [d.subs[j] for d in defs] + [x[j] for d in defs for x in d.exclude if len(x) > j]
            r = self.ranges.range_of(seen)
            if r is None:
                raise VensimError(f"no subscript range holds every subscript of '{first.name}' at position "
                                  f"{j + 1} ({', '.join(sorted(set(seen)))})", **self.where(first))
            covered = {e for d in defs for e in self.ranges.cells(d.subs[j])}
            if covered < set(self.ranges.elements[r]):      # defined on part of the range
                r = self.ranges.implicit(first.name, j + 1, [e for e in self.ranges.elements[r] if e in covered])
            dims.append(self.ranges.names[r])
            keys.append(r)
        units, rng = parse_range(first.rec.units)
        common = dict(name=ident, units=units, doc=first.rec.doc, label=first.name, dims=tuple(dims),
                      where=Where(self.file, first.rec.line),
                      source=f"Vensim '{first.name}'" + (f" (group {first.rec.group})" if first.rec.group else ""))
        kinds = {d.kind for d in defs}
        if kinds == {"lookup"}:
            tables: list = []
            for d in defs:
                where = Where(self.file, d.rec.line)
                get = self._get_call(d, lib.GET_LOOKUPS)
                if get is None:
                    tables.append(Piece(self._subs_of(d), points=self._points(self._table(d), d), where=where))
                    continue
                self._need_data(d)
                cells = self._cells(d)
                tables += [Piece(cell, points=pts, where=where)
                           for cell, pts in zip(cells, self.data.data(get, len(cells), d, self))]
            self.out.append(Element(kind="lookup", pieces=tuple(tables), **common))
            return
        if kinds == {"exo"}:        # data without an equation, from the external data file
            self.out.extend(external.arrayed(self, defs, common))
            return
        if "lookup" in kinds:
            raise Unsupported(f"'{first.name}' defined as a lookup for some elements and by an equation for "
                              "others", **self.where(first))
        if "exo" in kinds:
            raise Unsupported("an arrayed data variable with equations for some elements and its values from a "
                              "data file given with --data for others", **self.where(first))
        pieces: list = []
        rates: list = []
        stock, constant = None, True
        for d in defs:
            where = Where(self.file, d.rec.line)
            subs, exclude = self._subs_of(d), tuple(self._sub_ids(x, d) for x in d.exclude)
            values = self._values(d)
            if values is not None:
                for cell, v in zip(self._cells(d), values):
                    pieces.append(Piece(cell, value=v, equation=ex.Num(0, v), text=repr(v), where=where))
                continue
            tree, extras = self._parse(d)
            get = self._get_call(d, lib.GET_DATA) if d.kind == "data" else None
            if get is not None:         # data read from a file: one hidden lookup of time per cell
                if stock:
                    raise VensimError(f"'{first.name}' is a stock (INTEG) for some elements and data for "
                                      "others", **self.where(d))
                stock, constant = False, False
                cells, excluded = self._cells(d), self._excluded(d)
                for cell, pts in zip(cells, self.series(d, get, len(cells))):
                    if cell in excluded:
                        continue
                    lk = self._hidden(ident, "data")
                    self.out.append(Element(kind="lookup", name=lk, points=pts, hidden=True, where=where,
                                            doc=f"data of {first.name}[{','.join(cell)}]"))
                    pieces.append(Piece(cell, equation=ex.Call(0, lk, (ex.Name(0, "time"),)),
                                        text=d.body.strip(), where=where))
                continue
            if d.kind == "data" and d.keyword == "raw":
                raise Unsupported("data read as :RAW: from an equation (values only at the data's own times)",
                                  **self.where(d))
            is_stock = isinstance(tree, ex.Call) and tree.fn == "integ"
            if stock is not None and is_stock != stock:
                raise VensimError(f"'{first.name}' is a stock (INTEG) for some elements and not for others",
                                  **self.where(d))
            stock = is_stock
            if is_stock:
                self._arity(d, tree)
            # a definition reading a file inside an expression: one piece per cell, each with its own cells
            per_cell = any(isinstance(n, ex.Call) and n.fn in lib.GET_CONSTANTS | lib.GET_DATA for n in ex.walk(tree))
            excluded = self._excluded(d) if per_cell else set()
            cells = [(i, c) for i, c in enumerate(self._cells(d)) if c not in excluded] if per_cell else [(0, None)]
            for i, cell in cells:
                self._cell = i
                try:
                    if is_stock:
                        rates.append(Piece(cell or subs, equation=self.resolve(tree.args[0], d, extras, Scope()),
                                           where=where, exclude=() if cell else exclude))
                    node = self.resolve(tree.args[1] if is_stock else tree, d, extras, Scope())
                finally:
                    self._cell = 0
                constant = constant and not ex.names(node) and self._pure(tree)
                pieces.append(Piece(cell or subs, equation=node, text=d.body.strip(), where=where,
                                    exclude=() if cell else exclude))
        for cell in self._left_out(defs, [self.ranges.elements[k] for k in keys]):    # they hold 0
            where = Where(self.file, first.rec.line)
            pieces.insert(0, Piece(cell, value=0.0, equation=ex.Num(0, 0.0), text="0", where=where))
            if stock:
                rates.insert(0, Piece(cell, equation=ex.Num(0, 0.0), where=where))
        if stock:
            fname = f"{ident}:rate"
            self.out.append(Element(kind="flow", pieces=tuple(rates), hidden=True,
                                    **{**common, "name": fname, "doc": f"net flow of {first.name}"}))
            self.out.append(Element(kind="stock", pieces=tuple(pieces), inflows=(fname,), **common))
            return
        if constant:
            try:
                vals = [p.value if p.value is not None else ex.constant(p.equation or ex.Num(0, math.nan))
                        for p in pieces]
            except ValueError:
                vals = None
            if vals is not None and all(math.isfinite(v) for v in vals):
                pieces = [Piece(p.subs, value=v, equation=ex.Num(0, v), text=p.text, where=p.where,
                                exclude=p.exclude) for p, v in zip(pieces, vals)]
                self.out.append(Element(kind="parameter", pieces=tuple(pieces), value=0.0, range=rng,
                                        equation=ex.Num(0, 0.0), **common))
                return
        self.out.append(Element(kind="auxiliary", pieces=tuple(pieces), **common))

    def _left_out(self, defs, axes: list) -> list:
        """The cells of the variable's ranges (element keys per place, ``axes``) that no definition
        gives an equation, as element identifiers: cells an :EXCEPT: takes out (``g[DimA] :EXCEPT:
        [A1]``, ``y[SubA, SubC] :EXCEPT: [A3, C3]``) and cells between blocks defined apart
        (``x[DimA, DimA']`` and ``x[DimB, DimB']`` over a range holding both). Vensim's variable has
        no such cells; carbonloop's spans whole ranges, and these hold 0, as a constant's do."""
        defined: set = set()
        for d in defs:
            out = {c for x in d.exclude for c in itertools.product(*[self.ranges.cells(s) for s in x])}
            defined.update(c for c in itertools.product(*[self.ranges.cells(s) for s in d.subs]) if c not in out)
        return [tuple(self.ranges.elem_ids[e] for e in c) for c in itertools.product(*axes) if c not in defined]

    def _get_call(self, d, kinds):
        """The GET call (of one of ``kinds``) that is the whole of a definition, or None."""
        if not re.match(r"\s*GET[\s_]", d.body, re.I):
            return None
        tree, extras = self._parse(d)
        if isinstance(tree, ex.Call) and tree.fn in kinds:
            return extras[int(tree.args[0].value)]
        return None

    def _excluded(self, d) -> set:
        """The cells a definition's :EXCEPT: leaves out."""
        return {tuple(self.ranges.elem_ids[e] for e in combo) for x in d.exclude
                for combo in itertools.product(*[self.ranges.cells(s) for s in x])}

    def _table(self, d):
        try:
            return parse_table(d.body)
        except ExprSyntaxError as e:
            raise VensimError(f"the lookup's points do not parse at column {e.pos + 1}: {e.message}",
                              **self.where(d, e.pos)) from None

    def _sub_ids(self, subs, d) -> tuple:
        out = []
        for s in subs:
            if self.ranges.is_range(s):
                out.append(self.ranges.names[s])
            elif s in self.ranges.elem_ids:
                out.append(self.ranges.elem_ids[s])
            else:
                raise VensimError(f"subscript '{s}' is neither a subscript range nor an element", **self.where(d))
        return tuple(out)

    def _subs_of(self, d) -> tuple:
        return self._sub_ids(d.subs, d)

    def _cells(self, d) -> list:
        """Every cell a definition's subscripts name, row-major, as element identifiers."""
        return [tuple(self.ranges.elem_ids[e] for e in combo)
                for combo in itertools.product(*[self.ranges.cells(s) for s in d.subs])]

    def _values(self, d):
        """The numbers of a definition written as a list (``1, 2, 3``) or table (``1, 2; 3, 4;``),
        one per cell; None for an equation."""
        body = re.sub(r"\\\s*\n", " ", d.body).strip().rstrip(";").strip()
        tabbed = re.match(r"^TABBED\s+ARRAY\s*\((.*)\)$", body, re.S | re.I)
        if tabbed:                  # TABBED ARRAY(1 2 3 4 ...): numbers apart by white space, row-major
            parts = tabbed.group(1).split()
        elif "," not in body and ";" not in body:
            return None
        else:
            parts = [p.strip() for row in body.split(";") for p in row.split(",")]
        try:
            values = [float(p) for p in parts]
        except ValueError:
            return None
        cells = self._cells(d)
        if len(values) != len(cells):
            raise VensimError(f"{len(values)} values for the {len(cells)} elements of '{d.name}[...]'",
                              **self.where(d))
        return values

    def _subscript(self, s, d) -> ex.Name:
        """One subscript of a reference: a range (``r!``: the range a function runs over) or an
        element, as the model's identifiers."""
        bang = s.id.endswith("!")
        k = s.id[:-1] if bang else s.id
        if self.ranges.is_range(k):
            return ex.Name(s.pos, self.ranges.names[k] + ("!" if bang else ""))
        if k in self.ranges.elem_ids and not bang:
            return ex.Name(s.pos, self.ranges.elem_ids[k])
        raise VensimError(f"subscript '{k}' is neither a subscript range nor an element", **self.where(d, s.pos))

