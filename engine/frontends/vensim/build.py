"""Vensim records -> carbonloop elements: names resolved, INTEG as stocks, lookups, macros, data.

Each record's left-hand side says what it is: ``name = expr`` (an INTEG makes a stock, a constant
a parameter, anything else an auxiliary), ``name(points)`` a lookup, ``name := expr`` a data
variable, ``name == expr`` an unchangeable constant. Arrayed definitions (``name[...]``) are
``arrayed.ArrayedDefinitions``'s; subscript ranges are ``subscripts.Ranges``.
"""
from __future__ import annotations

import math
import re

from ... import lang as ex
from ...lang.parser import ExprSyntaxError
from ...lang.vensim import Table, parse, parse_table
from ...model import Element, Where
from . import external, timing
from . import library as lib
from .arrayed import ArrayedDefinitions
from .data import steps
from .errors import Unsupported, VensimError
from .evaluate import evaluate
from .initial import initial_views
from .lhs import Def, check_ranges, line_of, parse_range, read_lhs
from .names import Names, key
from .scope import Scope
from .subscripts import Ranges

MAX_MACRO_DEPTH = 20
_GET_LOOKUPS = re.compile(r"^\s*GET[\s_]+(XLS|DIRECT)[\s_]+LOOKUPS\s*\(", re.I)


class Builder(ArrayedDefinitions):
    """Translates the records of one .mdl file (and its macros) into elements."""

    def __init__(self, records, macros, file, data=None):
        self.file = file
        self.data = data            # data.Source (files beside the model, --data)
        self.settings_data: list = []   # data files the file's settings load with a run (for hints)
        self.names = Names()
        self.defs: dict = {}
        self.control: dict = {}
        check_ranges(records, file)
        self.arrays: dict = {}      # key -> every definition of an arrayed variable
        self.reality_checks: list = []  # :THE CONDITION: and :TEST INPUT: definitions, set aside
        range_defs = []
        for rec in records:
            d = read_lhs(rec, file)
            k = key(d.name)
            if d.kind in ("range", "equiv"):
                range_defs.append(d)
                continue
            if d.kind == "check":           # reality checks: not part of a simulation
                self.reality_checks.append(d)
                continue
            if k in lib.CONTROL:
                self.control[k] = d
                continue
            if d.kind == "eq" and _GET_LOOKUPS.match(d.body):     # name = GET XLS LOOKUPS(...): a lookup
                d.kind = "lookup"
            if d.subs and (k not in self.defs or k in self.arrays):
                self.arrays.setdefault(k, []).append(d)
                if k in self.defs:
                    continue
            elif k in self.defs:
                raise VensimError(f"'{d.name}' is defined twice (first on line {self.defs[k].rec.line})",
                                  file=file, line=rec.line, element=d.name,
                                  hint="names are the same whatever their case, spaces or underscores")
            self.defs[k] = d
            self.names.add(d.name)
        self.ranges = Ranges(range_defs, file, self._subscript_range)
        self.macros = {key(m.name): m for m in macros}
        self.out: list = []         # every element made, hidden helpers included
        self.calls = 0
        self.active: dict = {}      # element -> its ACTIVE INITIAL initial value (a Name)
        self.flows: set = set()
        self.hidden_count = 0
        self._visiting: set = set()
        self._folding: set = set()
        self._read: dict = {}       # (definition, GET call) -> the numbers it reads, per cell
        self._cell = 0              # the cell of an arrayed definition being resolved (row-major)
        self._final: str | None = None     # FINAL TIME's element when it is not a constant
        self._controls: dict = {}           # ... and the other control variables' (control_element)

    def _subscript_range(self, d: Def, body: str) -> list:
        """The elements of a range read from a data file: GET XLS / DIRECT SUBSCRIPT."""
        tree, extras = self._parse_text(Def(d.name, "eq", body, d.offset, d.rec))
        if not (isinstance(tree, ex.Call) and tree.fn in lib.GET_SUBSCRIPT):
            raise VensimError("a subscript range read from a data file is written GET XLS SUBSCRIPT(...) "
                              "or GET DIRECT SUBSCRIPT(...) alone", **self.where(d))
        self._need_data(d)
        return self.data.subscript(extras[int(tree.args[0].value)], d, self)

    def _need_data(self, d: Def):
        if self.data is None:
            raise VensimError("GET functions need the model's folder", **self.where(d))

    # ------------------------------------------------------------------ errors
    def where(self, d: Def, pos: int | None = None) -> dict:
        """file, line and element of a definition (at a column of its body when given)."""
        line = line_of(d.rec, d.offset + pos) if pos is not None else d.rec.line
        return dict(file=self.file, line=line, element=d.name)

    # ------------------------------------------------------------------ elements
    def elements(self) -> list:
        """Every element of the model, hidden helpers included."""
        for k, d in self.defs.items():
            if k in self.arrays:
                self.define_array(k, self.arrays[k])
            else:
                self.define(d, Scope(), self.names.ids[k])
        if self.final_time_element():
            self.define(self.control["final time"], Scope(), self.final_time_element())
        for k in ("initial time", "time step", "saveper"):
            if self.control_element(k):
                self.define(self.control[k], Scope(), self.control_element(k))
        if self.active:
            self.out = initial_views(self.out, self.active)
        # auxiliaries a stock's rate adds or subtracts are its flows
        return [e.with_(kind="flow") if e.name in self.flows and e.kind == "auxiliary" else e
                for e in self.out]

    def _hidden(self, owner: str, what: str) -> str:
        self.hidden_count += 1
        return f"{owner}:{what}:{self.hidden_count}"

    def define(self, d: Def, scope: Scope, ident: str, hidden: bool = False):
        """The element(s) one definition becomes, added to ``self.out``."""
        units, rng = parse_range(d.rec.units)
        common = dict(name=ident, units=units, doc=d.rec.doc, hidden=hidden, label=d.name,
                      where=Where(self.file, d.rec.line),
                      source=f"Vensim '{d.name}'" + (f" (group {d.rec.group})" if d.rec.group else ""))
        if d.kind == "lookup" and re.match(r"\s*GET\s", d.body, re.I):
            tree, extras = self._parse(d)
            if not (isinstance(tree, ex.Call) and tree.fn in lib.GET_LOOKUPS):
                raise VensimError("a lookup defined by a function must use GET XLS LOOKUPS or GET "
                                  "DIRECT LOOKUPS", **self.where(d))
            self._need_data(d)
            pts = self.data.data(extras[int(tree.args[0].value)], 1, d, self)[0]
            self.out.append(Element(kind="lookup", points=pts, **common))
            return
        if d.kind == "lookup":
            try:
                table = parse_table(d.body)
            except ExprSyntaxError as e:
                raise VensimError(f"the lookup's points do not parse at column {e.pos + 1}: {e.message}",
                                  **self.where(d, e.pos)) from None
            self.out.append(Element(kind="lookup", points=self._points(table, d), **common))
            return
        if d.kind == "exo":
            self.out.extend(self._exogenous(d, common))
            return
        if d.kind == "data":
            self.out.extend(self._data(d, scope, common))
            return
        tree, extras = self._parse(d)
        if isinstance(tree, ex.Call) and tree.fn == "integ":
            self._stock(d, tree, extras, scope, common)
            return
        if isinstance(tree, ex.Call) and tree.fn == "active initial":
            self._arity(d, tree)
            node = self.resolve(tree.args[0], d, extras, scope)
            init = self.resolve(tree.args[1], d, extras, scope)
            iname = f"{ident}:initial"
            self.out.append(Element(kind="auxiliary", name=iname, equation=init, text=ex.unparse(init),
                                    hidden=True, where=common["where"], doc="ACTIVE INITIAL value"))
            self.active[ident] = ex.Name(0, iname)
            self.out.append(Element(kind="auxiliary", equation=node, text=d.body.strip(), **common))
            return
        node = self.resolve(tree, d, extras, scope)
        try:
            value = ex.constant(node)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):        # an expression, or :NA: (a missing value, not a parameter)
            self.out.append(Element(kind="auxiliary", equation=node, text=d.body.strip(), **common))
            return
        if rng is not None and not rng[0] <= value <= rng[1]:
            rng = None
        self.out.append(Element(kind="parameter", equation=ex.Num(0, value), text=d.body.strip(),
                                value=value, range=rng, **common))

    def _parse(self, d: Def):
        """(tree, extras) of a definition's body (parsed once)."""
        if d.parsed is None:
            d.parsed = self._parse_text(d)
        return d.parsed

    def _parse_text(self, d: Def):
        try:
            return parse(d.body)
        except ExprSyntaxError as e:
            if e.construct:
                raise Unsupported(e.construct, **self.where(d, e.pos)) from None
            raise VensimError(f"syntax error in equation '{' '.join(d.body.split())[:80]}' at column "
                              f"{e.pos + 1}: {e.message}", **self.where(d, e.pos)) from None

    def _arity(self, d, call):
        msg = lib.arity_message(call.fn, len(call.args))
        if msg:
            raise VensimError(msg, **self.where(d, call.pos))

    def _points(self, table: Table, d: Def) -> tuple:
        pts = sorted(table.points, key=lambda p: p[0]) if table.points else []
        if not pts:
            raise VensimError("a lookup needs at least one point", **self.where(d))
        out: list = []
        for x, y in pts:
            if out and x <= out[-1][0]:
                x = out[-1][0] + abs(out[-1][0]) * 1e-12 + 1e-300
            out.append((float(x), float(y)))
        return tuple(out)

    def _stock(self, d, tree, extras, scope, common):
        self._arity(d, tree)
        rate = self.resolve(tree.args[0], d, extras, scope)
        init = self.resolve(tree.args[1], d, extras, scope)
        ins, outs = self._flows(rate, scope)
        if ins is None:
            fname = f"{common['name']}:rate" if not common["hidden"] else f"{common['name']}:net"
            self.out.append(Element(kind="flow", name=fname, equation=rate, text=ex.unparse(rate),
                                    hidden=True, where=common["where"], doc=f"net flow of {d.name}"))
            ins, outs = (fname,), ()
        else:
            self.flows.update(ins + outs)
        self.out.append(Element(kind="stock", equation=init, text=d.body.strip(), inflows=ins,
                                outflows=outs, **{**common, "where": common["where"]}))

    def _flows(self, rate, scope):
        """Inflows and outflows when the rate is a sum of distinct auxiliaries, each +/- once."""
        terms: list = []
        stack = [(rate, 1)]
        while stack:
            n, sign = stack.pop()
            if isinstance(n, ex.Bin) and n.op in "+-":
                stack.append((n.right, sign if n.op == "+" else -sign))
                stack.append((n.left, sign))
            elif isinstance(n, ex.Unary) and n.op == "-":
                stack.append((n.arg, -sign))
            elif isinstance(n, ex.Name) and not scope.prefix:
                terms.append((n.id, sign))
            else:
                return None, None
        names = [t for t, _ in terms]
        if len(set(names)) != len(names):
            return None, None
        for t in names:
            d = self._def_of_ident(t)
            if d is None or d.kind != "eq":
                return None, None
            tree = self._parse(d)[0]
            if isinstance(tree, ex.Call) and tree.fn in ("integ", "active initial"):
                return None, None
            if not ex.names(tree) and self._pure(tree):
                return None, None       # a constant cannot be a flow (it is a parameter)
        return (tuple(t for t, s in terms if s > 0), tuple(t for t, s in terms if s < 0))

    def _def_of_ident(self, ident):
        for k, i in self.names.ids.items():
            if i == ident:
                return self.defs.get(k)
        return None

    def _exogenous(self, d, common):
        return external.scalar(self, d, common)

    def _data(self, d, scope, common):
        tree, extras = self._parse(d)
        if isinstance(tree, ex.Call) and tree.fn in lib.GET_DATA:
            pts = self.series(d, extras[int(tree.args[0].value)], 1)[0]
            lk = f"{common['name']}:data"
            return [Element(kind="lookup", name=lk, points=pts, hidden=True, where=common["where"],
                            doc=f"data of {d.name}"),
                    Element(kind="auxiliary", equation=ex.Call(0, lk, (ex.Name(0, "time"),)),
                            text=d.body.strip(), **common)]
        if d.keyword == "raw":
            raise Unsupported("data read as :RAW: from an equation (values only at the data's own times)",
                              **self.where(d))
        node = self.resolve(tree, d, extras, scope)
        value = self._fold(node) if self._pure(tree) else None
        if value is not None and math.isfinite(value):
            return [Element(kind="parameter", equation=ex.Num(0, value), text=d.body.strip(),
                            value=value, **common)]
        return [Element(kind="auxiliary", equation=node, text=d.body.strip(), **common)]

    def series(self, d: Def, get, n: int) -> list:
        """The ``n`` series a GET DATA call reads for a data definition, as lookups its keyword
        reads (:RAW: only where the run's every time step is a time of the data)."""
        self._need_data(d)
        out = self.data.data(get, n, d, self)
        if d.keyword == "raw":
            self._check_raw(out, d)
        return [steps(pts, d.keyword) for pts in out]

    def _check_raw(self, series, d):
        """:RAW: data is missing between the data's own times; carbonloop reads it only when every
        time step of the run is one of them (where it equals the data interpolated)."""
        start, stop, dt = (self.time_value(k) for k in ("initial time", "final time", "time step"))
        if dt <= 0:
            return
        n = int(round((stop - start) / dt))
        for pts in series:
            have = {round(t / dt, 6) for t, _ in pts}
            if any(round((start + i * dt) / dt, 6) not in have for i in range(n + 1)):
                raise Unsupported("data read as :RAW: with values missing at some time steps of the run "
                                  "(Vensim leaves them missing)", **self.where(d))

    def _constant(self, d: Def, get) -> float:
        """The number a GET CONSTANTS call reads for the cell being resolved."""
        k = (id(d), id(get))
        if k not in self._read:
            self._need_data(d)
            sizes = [len(self.ranges.cells(s)) for s in d.subs]
            self._read[k] = self.data.constants(get, sizes, d, self)
        values = self._read[k]
        return values[self._cell] if len(values) > 1 else values[0]

    def _data_call(self, d: Def, get, pos: int) -> ex.Node:
        """A GET DATA call inside a data equation or an equation (``x = GET DIRECT DATA(...) * 2``):
        the series of the cell being resolved, as a hidden lookup of time (one per call and cell)."""
        k = (id(d), id(get))
        if k not in self._read:
            n = 1
            for s in d.subs:
                n *= len(self.ranges.cells(s))
            self._read[k] = self.series(d, get, n)
        series = self._read[k]
        lk = self._hidden(self.names.ids.get(key(d.name), "v"), "data")
        self.out.append(Element(kind="lookup", name=lk, points=series[self._cell] if len(series) > 1 else series[0],
                                hidden=True, where=Where(self.file, d.rec.line), doc=f"data of {d.name}"))
        return ex.Call(pos, lk, (ex.Name(pos, "time"),))

    # ------------------------------------------------------------------ equations
    def resolve(self, node, d: Def, extras, scope: Scope, depth: int = 0) -> ex.Node:
        """The tree with Vensim names resolved to identifiers and calls to builtins, lookups and
        macros."""
        def r(n):
            return self.resolve(n, d, extras, scope, depth)
        if isinstance(node, ex.Name):
            return self.ref(node.id, d, scope, node.pos)
        if isinstance(node, ex.Unary):
            return ex.Unary(node.pos, node.op, r(node.arg))
        if isinstance(node, ex.Bin):
            return ex.Bin(node.pos, node.op, r(node.left), r(node.right))
        if isinstance(node, ex.If):
            return ex.If(node.pos, r(node.cond), r(node.then), r(node.other))
        if isinstance(node, ex.Call):
            return self.call(node, d, extras, scope, depth)
        if isinstance(node, ex.Sub):
            base = self.ref(node.id, d, scope, node.pos)
            if not isinstance(base, ex.Name):
                raise VensimError(f"'{node.id}' takes no subscripts", **self.where(d, node.pos))
            return ex.Sub(node.pos, base.id, tuple(self._subscript(x, d) for x in node.subs))
        return node

    def ref(self, k: str, d: Def, scope: Scope, pos: int = 0) -> ex.Node:
        """The node a name stands for."""
        if k in scope.local:
            return scope.local[k]
        if k == "time":
            return ex.Name(pos, "time")
        if k in lib.CONTROL:
            return self._control_ref(k, pos)
        if k in self.defs and not scope.prefix:
            target = self.defs[k]
            if target.kind == "lookup":
                raise VensimError(f"lookup '{target.name}' is used without an input",
                                  **self.where(d, pos), hint=f"write {target.name}(x)")
            return ex.Name(pos, self.names.ids[k])
        if self.ranges.is_range(k):            # a range as a value: the element's position
            return ex.Name(pos, self.ranges.names[k])
        if k in self.ranges.elem_ids:          # an element, compared with a range (dimA = B)
            return ex.Name(pos, self.ranges.elem_ids[k])
        if scope.prefix and k in self.defs:
            raise VensimError(f"a macro cannot read the model's variable '{self.defs[k].name}'",
                              **self.where(d, pos), hint="pass it to the macro as an argument")
        raise VensimError(f"unknown name '{k}'", **self.where(d, pos))

    def _control_ref(self, k, pos):
        if k == "final time" and self.final_time_element():
            return ex.Name(pos, self.final_time_element())
        if k in ("initial time", "saveper") and self.control_element(k):
            return ex.Name(pos, self.control_element(k))
        target = lib.CONTROL[k]
        if target != "saveper":
            return ex.Name(pos, target)
        return ex.Num(pos, self.time_value("saveper"))

    def control_element(self, k: str) -> str:
        """The identifier of INITIAL TIME, TIME STEP or SAVEPER when it is an auxiliary (an
        expression of Time, ``timing.varying``; a reference to TIME STEP still reads the run's
        step), else ''."""
        if k not in self._controls:
            self._controls[k] = ""      # while deciding, a reference reads the run's setting
            if timing.varying(self, k):
                self._controls[k] = self.names.add(self.control[k].name)
        return self._controls[k]

    def final_time_element(self) -> str:
        """The identifier of FINAL TIME when it is an auxiliary (an expression of Time that ends
        the run, ``timing.py``), else ''."""
        if self._final is None:
            self._final = ""            # while deciding, a reference reads the run's stop
            if timing.dynamic_final(self):
                self._final = self.names.add(self.control["final time"].name)
        return self._final

    def time_value(self, k: str) -> float:
        """The value of a control variable written as a constant expression."""
        d = self.control.get(k)
        if d is None:
            raise VensimError(f"the model does not define {k.upper()}", file=self.file)
        if k in self._visiting:         # SAVEPER = SAVEPER, or a circle through the other settings
            raise VensimError(f"{k.upper()} is defined in terms of itself", **self.where(d),
                              hint="give it a number, or an expression of the other time settings")
        tree, extras = self._parse(d)
        self._visiting.add(k)
        try:
            local = {c: ex.Num(0, self.time_value(c)) for c in lib.CONTROL
                     if c != k and c in self.control and c in ex.names(tree)}
            node = self.resolve(ex.substitute(tree, local), d, extras, Scope(local={}))
            value = self._fold(node)
        finally:
            self._visiting.discard(k)
        if value is None:
            raise Unsupported(f"{k.upper()} that is not a constant (a time setting must be a number or an "
                              "expression of constants)",
                              **self.where(d))
        return value

    def _fold(self, node, at_start: bool = False):
        """The value of an expression of numbers and parameters, or None; ``at_start``: its value
        at the initial time (TIME and STEP, RAMP and the math functions evaluated there)."""
        params = {e.name: e.value for e in self.out if e.kind == "parameter"}
        for c, name in lib.CONTROL.items():
            if name in ex.names(node) and c in self.control and c not in self._visiting:
                params[name] = self.time_value(c)
        if at_start and "time" in ex.names(node):
            params["time"] = self.time_value("initial time")
        for k, dd in self.defs.items():
            ident = self.names.ids[k]
            if ident in ex.names(node) and ident not in params and dd.kind == "eq" and k not in self.arrays:
                tree = self._parse(dd)[0]
                params[ident] = None
                if self._pure(tree) and ident not in self._folding:
                    self._folding.add(ident)
                    try:
                        params[ident] = self._fold(self.resolve(tree, dd, [], Scope()), at_start)
                    except VensimError:
                        pass
                    finally:
                        self._folding.discard(ident)
        if any(params.get(n) is None for n in ex.names(node)):
            return None
        node = ex.substitute(node, {n: ex.Num(0, params[n]) for n in ex.names(node)})
        if at_start:
            return evaluate(node, self.time_value("initial time"))
        try:
            return ex.constant(node)
        except ValueError:
            return None

    def _pure(self, tree) -> bool:
        """True when resolving the tree makes nothing (no lookup, macro, WITH LOOKUP or GET call
        and no INTEG): only Vensim functions of the library's plain kind."""
        return all(n.fn in lib.GET_CONSTANTS or lib.known(n.fn) and n.fn not in lib.STRUCTURE
                   and n.fn not in self.macros and n.fn not in self.defs
                   for n in ex.walk(tree) if isinstance(n, ex.Call))

    def call(self, node: ex.Call, d: Def, extras, scope: Scope, depth: int) -> ex.Node:
        """One call resolved: a lookup, WITH LOOKUP, a macro or a Vensim function."""
        fn = node.fn
        where = self.where(d, node.pos)
        if fn in scope.local:
            raise VensimError(f"'{fn}' is a macro argument, not a function", **where)
        target = self.defs.get(fn) if not scope.prefix else None
        first_arg = node.args[0] if node.args else None
        if target is not None and target.kind == "lookup" and isinstance(first_arg, ex.Sub) \
                and first_arg.id == fn and len(node.args) == 2:
            subs = tuple(self._subscript(x, d) for x in first_arg.subs)   # an arrayed lookup's own subscripts
            fn_name = self.names.ids[fn]
            x = self.resolve(node.args[1], d, extras, scope, depth)
            if all(s.id in self.ranges.elem_ids.values() for s in subs):
                return ex.Call(node.pos, f"{fn_name}[{','.join(s.id for s in subs)}]".lower(), (x,))
            if all(self.ranges.is_range(s.id) for s in first_arg.subs):     # every subscript a range
                return ex.Call(node.pos, fn_name, (x,))
            return ex.Call(node.pos, fn_name, (ex.Sub(first_arg.pos, fn_name, subs), x))   # some fixed
        if target is not None and target.kind == "lookup":
            if len(node.args) != 1:
                raise VensimError(f"lookup '{target.name}' takes one argument, got {len(node.args)}",
                                  **where)
            return ex.Call(node.pos, self.names.ids[fn], (self.resolve(node.args[0], d, extras, scope, depth),))
        if fn == "with lookup":
            x = self.resolve(node.args[0], d, extras, scope, depth)
            table = extras[int(node.args[1].value)]
            name = self._hidden(self._owner(d, scope), "lookup")
            self.out.append(Element(kind="lookup", name=name, points=self._points(table, d),
                                    hidden=True, where=Where(self.file, d.rec.line),
                                    doc=f"WITH LOOKUP of {d.name}"))
            return ex.Call(node.pos, name, (x,))
        if fn in lib.LOOKUP_VARIANTS:
            return self._lookup_variant(node, d, extras, scope, depth)
        if fn in self.macros:
            return self.macro(self.macros[fn], node, d, extras, scope, depth)
        if fn == "a function of":
            raise VensimError("the equation was never written (Vensim's placeholder A FUNCTION OF)",
                              **where, hint="write the equation in the model")
        if fn in ("integ", "active initial"):
            raise VensimError(f"{fn.upper()} must be the whole equation of its variable", **where)
        if fn == "get time value":
            return self._time_value(node, d, extras, scope, depth)
        if fn in lib.REDUCTIONS:
            if len(node.args) != 1:
                raise VensimError(f"{fn.upper()} takes 1 argument, got {len(node.args)}", **where)
            return ex.Call(node.pos, lib.REDUCTIONS[fn], (self.resolve(node.args[0], d, extras, scope, depth),))
        if fn == "elmcount":
            arg = node.args[0] if len(node.args) == 1 else None
            k = arg.id if isinstance(arg, ex.Name) else None
            if k is None or not self.ranges.is_range(k):
                raise VensimError("ELMCOUNT takes the name of a subscript range", **where)
            return ex.Num(node.pos, float(len(self.ranges.elements[k])))
        if fn in lib.REFUSED:
            raise Unsupported(f"{fn.upper()}: {lib.REFUSED[fn]}", **where)
        if fn in lib.GET_CONSTANTS:
            return ex.Num(node.pos, self._constant(d, extras[int(node.args[0].value)]))
        if fn in lib.GET_DATA and d.kind in ("data", "eq") and not scope.prefix:
            return self._data_call(d, extras[int(node.args[0].value)], node.pos)
        if fn in lib.GET_DATA:
            raise Unsupported(f"{fn.upper()} inside a macro (data is read in the model's own equations)", **where)
        if fn in lib.GET_LOOKUPS:
            raise Unsupported(f"{fn.upper()} inside an expression (a lookup is read as the whole definition "
                              "of a lookup)", **where)
        if not lib.known(fn):
            raise VensimError(f"unknown function '{fn.upper()}'", **where,
                              hint="not a Vensim function carbonloop knows, nor a lookup or macro of the file")
        msg = lib.arity_message(fn, len(node.args))
        if msg:
            raise VensimError(msg, **where)
        args = tuple(self.resolve(a, d, extras, scope, depth) for a in node.args)
        if fn == "depreciate straightline":
            self._depreciation(args, d, node.pos)
        if fn in ("smooth n", "delay n"):
            args = self._order(fn, args, d, node.pos)
            if fn == "delay n" and self._fold(args[1]) is not None:    # a constant delay time:
                return ex.Call(node.pos, "delayn", (args[0], args[1], args[3], args[2]))  # the usual chain
        return lib.translate(fn, args, node.pos)

    def _depreciation(self, args, d, pos):
        """DEPRECIATE STRAIGHTLINE(stream, life, fiscal period, initial) with the fiscal period TIME
        STEP (each step's investment depreciated on its own) and, when it is a constant, a life of a
        whole number of time steps; longer fiscal periods (investments lumped together) are refused."""
        dt = self.time_value("time step")
        fisc = self._fold(args[2], at_start=True)
        if fisc is None or not math.isclose(fisc, dt, rel_tol=1e-6):
            shown = "not a constant" if fisc is None else f"{fisc:g}"
            raise Unsupported(f"DEPRECIATE STRAIGHTLINE with a fiscal period ({shown}) other than TIME STEP "
                              f"({dt:g}): investments lumped over a longer fiscal period", **self.where(d, pos))
        life = self._fold(args[1], at_start=True)
        if life is not None and dt > 0:
            steps = life / dt
            if not (steps >= 1 - 1e-9 and abs(steps - round(steps)) <= 1e-6 * max(1.0, steps)):
                raise Unsupported(f"DEPRECIATE STRAIGHTLINE whose depreciation time ({life:g}) is not a whole "
                                  f"number of time steps ({dt:g})", **self.where(d, pos))

    def _order(self, fn, args, d, pos):
        """SMOOTH N / DELAY N with their order as a number. Vensim lowers a DELAY N's order so
        that each stage lasts at least one time step (order = delay / TIME STEP, rounded down)."""
        order = self._fold(args[3], at_start=True)       # Vensim fixes the order at the start
        if order is None:
            raise Unsupported(f"{fn.upper()} whose order is not a constant", **self.where(d, pos))
        order = float(int(order))
        if fn == "delay n":
            delay = self._fold(args[1])
            dt = self.time_value("time step")
            if delay is not None and dt > 0 and delay / dt < order:
                order = float(max(1, math.floor(delay / dt + 1e-9)))
        return (*args[:3], ex.Num(pos, order))

    def _time_value(self, node, d, extras, scope, depth):
        """GET TIME VALUE(relative to, offset, measure): the model's time plus the offset (relative
        to 0, measure 0); the computer's clock, the start of the run and calendar measures are
        refused by name."""
        where = self.where(d, node.pos)
        if len(node.args) != 3:
            raise VensimError(f"GET TIME VALUE takes 3 arguments, got {len(node.args)}", **where)
        args = [self.resolve(a, d, extras, scope, depth) for a in node.args]
        rel, measure = self._fold(args[0]), self._fold(args[2])
        if rel is None or measure is None:
            raise Unsupported("GET TIME VALUE whose first or third argument (relative to, measure) is not "
                              "a constant", **where)
        if rel == 2:
            raise Unsupported("GET TIME VALUE of the computer's clock (relative to 2): a run's numbers would "
                              "depend on when it runs", **where)
        if rel == 1:
            raise Unsupported("GET TIME VALUE relative to the start of the run (relative to 1)", **where)
        if rel != 0 or measure not in lib.TIME_MEASURES:
            raise VensimError(f"GET TIME VALUE({rel:g}, offset, {measure:g}): relative to is 0, 1 or 2 and "
                              "measure a whole number from 0 to 10", **where)
        if measure != 0:
            raise Unsupported(f"GET TIME VALUE as a calendar measure of the model's time (measure "
                              f"{measure:g}: {lib.TIME_MEASURES[measure]})", **where)
        return ex.Bin(node.pos, "+", ex.Name(node.pos, "time"), args[1])

    def _owner(self, d, scope):
        return scope.prefix + (self.names.get(d.name) or "macro") if scope.prefix else \
            (self.names.get(d.name) or "v")

    def _lookup_variant(self, node, d, extras, scope, depth):
        where = self.where(d, node.pos)
        self._arity(d, node)
        ref = node.args[0]
        if isinstance(ref, ex.Sub) and getattr(self.defs.get(ref.id), "kind", None) == "lookup":
            raise Unsupported(f"{node.fn.upper()} of an arrayed lookup ('{ex.unparse(ref)}')", **where)
        target = self.defs.get(ref.id) if isinstance(ref, ex.Name) else None
        if target is None or target.kind != "lookup":
            raise VensimError(f"the first argument of {node.fn.upper()} must be a lookup's name", **where)
        if re.match(r"\s*GET\s", target.body, re.I):
            raise Unsupported(f"{node.fn.upper()} of a lookup read from a data file", **where)
        pts = self._points(parse_table(target.body), target)
        rest = tuple(self.resolve(a, d, extras, scope, depth) for a in node.args[1:])
        if node.fn in ("lookup forward", "lookup backward", "lookup area"):
            xs = tuple(ex.Num(node.pos, p[0]) for p in pts)
            ys = tuple(ex.Num(node.pos, p[1]) for p in pts)
            if node.fn == "lookup area":        # LOOKUP AREA(lookup, start, end)
                return ex.Call(node.pos, "lookup_area", (*rest, *xs, *ys))
            direction = ex.Num(node.pos, 1.0 if node.fn == "lookup forward" else -1.0)
            return ex.Call(node.pos, "lookup_step", (rest[0], direction, *xs, *ys))
        x = rest[0]
        if node.fn == "lookup invert":
            ys = [p[1] for p in pts]
            if all(a < b for a, b in zip(ys, ys[1:])):
                pts = tuple((y, xx) for xx, y in pts)
            elif all(a > b for a, b in zip(ys, ys[1:])):
                pts = tuple((y, xx) for xx, y in reversed(pts))
            else:
                raise Unsupported("LOOKUP INVERT of a lookup whose values are not strictly "
                                  "increasing or decreasing", **where)
        name = self._hidden(self.names.ids[ref.id], node.fn.replace(" ", "_"))
        self.out.append(Element(kind="lookup", name=name, points=pts, hidden=True,
                                extrapolate=node.fn == "lookup extrapolate",
                                where=Where(self.file, d.rec.line), doc=f"{node.fn.upper()} of {target.name}"))
        return ex.Call(node.pos, name, (x,))

    # ------------------------------------------------------------------ macros
    def macro(self, m, node, d, extras, scope, depth):
        """A macro call expanded: each call gets its own hidden copy of the macro's variables."""
        where = self.where(d, node.pos)
        if depth > MAX_MACRO_DEPTH:
            raise VensimError(f"macro {m.name} calls itself too deeply", **where)
        if m.outputs:
            raise Unsupported(f"macro {m.name} with more than one output", **where)
        if len(node.args) != len(m.inputs):
            raise VensimError(f"macro {m.name} takes {len(m.inputs)} arguments, got {len(node.args)}",
                              **where)
        args = [self.resolve(a, d, extras, scope, depth) for a in node.args]
        self.calls += 1
        stem = f"{self._owner(d, scope)}:{key(m.name).replace(' ', '_')}:{self.calls}:"
        defs = [read_lhs(r, self.file) for r in m.records]
        local = {key(p): a for p, a in zip(m.inputs, args)}
        idents = {key(dd.name): stem + self.names_safe(dd.name) for dd in defs}
        local.update({k: ex.Name(0, i) for k, i in idents.items()})
        inner = Scope(local=local, prefix=stem)
        saved = self.defs
        for dd in defs:
            if dd.kind != "eq":
                raise Unsupported(f"a {dd.kind} definition inside macro {m.name}", file=self.file,
                                  line=dd.rec.line, element=dd.name)
            self.define_in_macro(dd, inner, idents[key(dd.name)], depth)
        self.defs = saved
        out = idents.get(key(m.name))
        if out is None:
            raise VensimError(f"macro {m.name} does not define its output '{m.name}'", file=self.file,
                              line=m.line, element=m.name)
        return ex.Name(node.pos, out)

    def names_safe(self, name: str) -> str:
        """An identifier-like piece of a name, for hidden element names."""
        return re.sub(r"\W+", "_", key(name)).strip("_") or "v"

    def define_in_macro(self, dd, inner, ident, depth):
        """One definition of a macro body, as a hidden element of this call."""
        tree, extras = self._parse(dd)
        units, _ = parse_range(dd.rec.units)
        common = dict(name=ident, units=units, doc=dd.rec.doc, hidden=True,
                      where=Where(self.file, dd.rec.line), source=f"Vensim macro variable '{dd.name}'")
        if isinstance(tree, ex.Call) and tree.fn == "integ":
            self._arity(dd, tree)
            rate = self.resolve(tree.args[0], dd, extras, inner, depth + 1)
            init = self.resolve(tree.args[1], dd, extras, inner, depth + 1)
            fname = f"{ident}:net"
            self.out.append(Element(kind="flow", name=fname, equation=rate, text=ex.unparse(rate),
                                    hidden=True, where=common["where"]))
            self.out.append(Element(kind="stock", equation=init, text=dd.body.strip(),
                                    inflows=(fname,), **common))
            return
        node = self.resolve(tree, dd, extras, inner, depth + 1)
        self.out.append(Element(kind="auxiliary", equation=node, text=ex.unparse(node), **common))



__all__ = ["Builder", "read_lhs", "parse_range"]
