"""Flat XMILE variables -> carbonloop elements and modules: names resolved, builtins mapped."""
from __future__ import annotations

from ... import lang as ex
from ...model import Element, Module, Where
from ...model.arrays import REDUCTIONS, Piece
from . import builtins as bi
from .conveyor import Conveyors
from .equations import TRANSPOSE, is_empty, parse
from .errors import Unsupported, XmileError
from .graphical import gf_points
from .names import Names, identifier, key
from .queue import Queues

MAX_MACRO_DEPTH = 20
MAX_TREE_NODES = 20_000     # an equation larger than this once translated is refused


class Builder:
    """Translates every variable of one flattened model; collects hidden helper elements."""

    def __init__(self, variables, macros, file, dims, method="euler"):
        self.file = file
        self.method = method
        self.vars = {v.key: v for v in variables}
        self.dims = dims
        self.macros = macros
        self.names = Names()
        for v in variables:
            self.names.add(v.name)
        self.flows = {f for v in variables for f in v.inflows + v.outflows}
        self.lookups = {}           # var key -> lookup element name
        self.hidden: list = []      # (module, Element)
        self.calls = 0
        self.driven: dict = {}      # flow key -> the equation its conveyor or queue gives it
        self.queues = Queues(self)
        self.clamped: set = set()   # flow keys never below 0 whatever their own flags (a queue's inflows)
        self._varying: set | None = None

    # ------------------------------------------------------------------ elements
    def elements(self) -> list:
        """Every element of the model, with the hidden helpers macros made, as (module, element)."""
        out = []
        belts = Conveyors(self)
        self.queues.check_overflows()
        for v in self.vars.values():        # queues and conveyors first: they give their flows' equations
            if v.queue:
                out += [(v.module, e) for e in self.queues.build(v, self.common(v))]
        for v in self.vars.values():
            if v.conveyor is not None:
                out += [(v.module, e) for e in belts.build(v, self.common(v))]
        for v in self.vars.values():
            if v.conveyor is None and not v.queue:
                out += [(v.module, e) for e in self.element(v)]
        return out + self.hidden

    def common(self, v) -> dict:
        """The fields every element of variable ``v`` shares."""
        return dict(name=self.names.get(v.key), units=v.units, doc=v.doc, where=Where(self.file, None),
                    source="XMILE " + ("module " + v.module if v.module else "model"))

    @property
    def varying(self) -> set:
        """Identifiers of the variables whose value may change during a run (all but constants)."""
        if self._varying is None:
            fixed = set()
            for k, v in self.vars.items():
                try:
                    if v.kind == "aux" and v.gf is None and v.alias_of is None and \
                            not any(gf is not None for _, _, gf in v.pieces):
                        for text in ([v.eqn] if not v.pieces else []) + [t for _, t, _ in v.pieces]:
                            ex.constant(parse(text))
                        fixed.add(self.names.get(k))
                except (ValueError, ex.ExprSyntaxError):
                    pass
            self._varying = {self.names.get(k) for k in self.vars} - fixed
        return self._varying

    def element(self, v) -> list:
        """The element(s) one XMILE variable becomes (its graphical function too)."""
        ident = self.names.get(v.key)
        common = self.common(v)
        out = []
        if v.key in self.driven:            # a conveyor's inflow, outflow or leak; a queue's outflow
            node = self.driven[v.key]
            arr: dict = dict(dims=tuple(self.dims.names[d] for d in v.dims)) if v.dims else {}
            return [Element(kind="flow", equation=node, text=ex.unparse(node), **arr, **common)]
        if v.leak is not None:
            raise XmileError("a leakage flow that is not an outflow of a conveyor", file=self.file,
                             element=v.name)
        if v.dims:
            return self.arrayed(v, common)
        if v.gf is not None:
            points, kind = gf_points(v.gf, self.file, v.name)
            lk = ident if v.kind == "gf" else f"{ident}:gf"
            out.append(Element(kind="lookup", points=points, extrapolate=kind == "extrapolate",
                               hidden=v.kind != "gf", **{**common, "name": lk}))
            self.lookups[v.key] = lk
            if v.kind == "gf":
                return out
        if v.alias_of is not None:
            source = self.ref(v.alias_of, v, "")
            return out + [Element(kind="auxiliary", equation=source, text=ex.unparse(source),
                                  **common)]
        if is_empty(v.eqn):
            raise XmileError(f"the {v.kind} has no equation", file=self.file, element=v.name)
        node = self.translate(v.eqn, v, {})
        if ex.size(node) > MAX_TREE_NODES:
            raise XmileError(f"the equation becomes more than {MAX_TREE_NODES:,} terms once translated (MOD and "
                             "INT repeat their arguments, so each one nested in another multiplies its size)",
                             file=self.file, element=v.name)
        if v.gf is not None:
            node = ex.Call(0, self.lookups[v.key], (node,))
        if v.kind == "stock":
            return out + [Element(kind="stock", equation=node, text=v.eqn, non_negative=bool(v.non_negative),
                                  inflows=tuple(self.flow_ref(f, v) for f in v.inflows),
                                  outflows=tuple(self.flow_ref(f, v) for f in v.outflows), **common)]
        if v.kind == "flow" or v.key in self.flows:     # an aux a stock names as its flow is one
            if (v.non_negative and v.kind == "flow") or v.key in self.clamped:
                node = ex.Call(0, "max", (ex.Num(0, 0.0), node))
            return out + [Element(kind="flow", equation=node, text=v.eqn, **common)]
        try:
            value = ex.constant(node)
            return out + [Element(kind="parameter", equation=ex.Num(0, value), text=v.eqn,
                                  value=value, **common)]
        except ValueError:
            return out + [Element(kind="auxiliary", equation=node, text=v.eqn, **common)]

    def arrayed(self, v, common, wrap=None) -> list:
        """An arrayed variable: one element over its dimensions, with its per-element pieces
        (and its graphical functions: one shared, or one per element); ``wrap``, when given, is
        applied to each equation's tree."""
        dims = tuple(self.dims.names[d] for d in v.dims)
        out = []
        lk = None
        gfs = [(subs, gf) for subs, _, gf in v.pieces if gf is not None]
        if v.gf is not None or gfs:
            lk = common["name"] if v.kind == "gf" else f"{common['name']}:gf"
            self.lookups[v.key] = lk
            if gfs:
                pts = [Piece(subs, points=gf_points(gf, self.file, v.name)[0]) for subs, gf in gfs]
                kind = gf_points(gfs[0][1], self.file, v.name)[1]
                out.append(Element(kind="lookup", dims=dims, pieces=tuple(pts), extrapolate=kind == "extrapolate",
                                   hidden=v.kind != "gf", **{**common, "name": lk}))
            else:
                points, kind = gf_points(v.gf, self.file, v.name)
                out.append(Element(kind="lookup", points=points, extrapolate=kind == "extrapolate",
                                   hidden=v.kind != "gf", **{**common, "name": lk}))
            if v.kind == "gf":
                return out

        def tree(text):
            node = self.translate(text, v, {})
            if lk is not None:
                node = ex.Call(0, lk, (node,))
            if v.kind == "flow" and v.non_negative or v.key in self.clamped:
                node = ex.Call(0, "max", (ex.Num(0, 0.0), node))
            return wrap(node) if wrap else node
        default = None if v.pieces or is_empty(v.eqn) else tree(v.eqn)
        pieces = []
        for subs, text, _ in v.pieces:
            if is_empty(text):
                raise XmileError(f"element [{', '.join(subs)}] has no equation", file=self.file, element=v.name)
            pieces.append(Piece(subs, equation=tree(text), text=text))
        if default is None and not pieces:
            raise XmileError(f"the {v.kind} has no equation", file=self.file, element=v.name)
        arr = dict(dims=dims, pieces=tuple(pieces), text=v.eqn)
        if v.kind == "stock":
            return out + [Element(kind="stock", equation=default, non_negative=bool(v.non_negative),
                                  inflows=tuple(self.flow_ref(f, v) for f in v.inflows),
                                  outflows=tuple(self.flow_ref(f, v) for f in v.outflows), **arr, **common)]
        if v.kind == "flow" or v.key in self.flows:
            return out + [Element(kind="flow", equation=default, **arr, **common)]
        trees = ([default] if default is not None else []) + [p.equation for p in pieces]
        try:
            values = [ex.constant(t) for t in trees]
        except ValueError:
            return out + [Element(kind="auxiliary", equation=default, **arr, **common)]
        if default is not None:
            return out + [Element(kind="parameter", equation=ex.Num(0, values[0]), value=values[0], **arr,
                                  **common)]
        arr["pieces"] = tuple(Piece(p.subs, value=x, text=p.text) for p, x in zip(pieces, values))
        return out + [Element(kind="parameter", equation=ex.Num(0, 0.0), value=0.0, **arr, **common)]

    def flow_ref(self, fkey, v):
        """The identifier of a flow a stock names."""
        if fkey not in self.vars:
            raise XmileError(f"flow '{fkey}' is not defined", file=self.file, element=v.name)
        return self.names.get(fkey)

    # ------------------------------------------------------------------ equations
    def translate(self, text, v, local, depth=0):
        """An equation's text as a resolved syntax tree."""
        try:
            tree = parse(text)
        except ex.ExprSyntaxError as e:
            if e.construct:
                raise Unsupported(e.construct, file=self.file, element=v.name) from None
            raise XmileError(f"syntax error in equation '{ex.excerpt(text, e.pos)}' at column {e.pos + 1}: "
                             f"{e.message}",
                             file=self.file, element=v.name) from None
        return self.resolve(tree, v, local, depth)

    def ref(self, k, v, scope, pos=0):
        """The node for a name: a variable of the scope, of the root, or a builtin constant."""
        if k in self.dims.names:            # a dimension as a value: the element's position
            return ex.Name(pos, self.dims.names[k])
        for cand in ((scope + k) if scope else None, k):
            if cand is not None and cand in self.vars:
                if self.vars[cand].kind == "gf":
                    raise XmileError(f"graphical function '{k}' is used without an input",
                                     file=self.file, element=v.name, hint=f"write {k}(x)")
                return ex.Name(pos, self.names.get(cand))
        if k == "self" and v.key in self.vars:     # SELF: the variable being defined
            return ex.Name(pos, self.names.get(v.key))
        if k in bi.CONSTANTS:
            return ex.Name(pos, bi.CONSTANTS[k])
        if k in bi.NUMBERS:
            return ex.Num(pos, bi.NUMBERS[k])
        if k in bi.VENSIM_TIME:
            return ex.Name(pos, bi.VENSIM_TIME[k])
        raise XmileError(f"unknown name '{k}'", file=self.file, element=v.name)

    def resolve(self, node, v, local, depth=0):
        """The tree with names resolved to identifiers and calls to builtins, lookups and macros."""
        r = lambda n: self.resolve(n, v, local, depth)     # noqa: E731
        if isinstance(node, ex.Name):
            if node.id in local:
                return local[node.id]
            return self.ref(node.id, v, v.scope, node.pos)
        if isinstance(node, ex.Unary):
            return ex.Unary(node.pos, node.op, r(node.arg))
        if isinstance(node, ex.Bin):
            return ex.Bin(node.pos, node.op, r(node.left), r(node.right))
        if isinstance(node, ex.If):
            return ex.If(node.pos, r(node.cond), r(node.then), r(node.other))
        if isinstance(node, ex.Call):
            return self.call(node, v, local, depth)
        if isinstance(node, ex.Sub):
            return self.sub(node, v, local, depth)
        return node

    def sub(self, node, v, local, depth):
        """``a[s1, s2]``: the array's identifier; each subscript a dimension, an element, '*' or
        an expression."""
        base = self.ref(node.id, v, v.scope, node.pos)
        if not isinstance(base, ex.Name):
            raise XmileError(f"'{node.id}' takes no subscripts", file=self.file, element=v.name)
        target = self._var(node.id, v)
        if _batched(target):
            if len(node.subs) != 1 or (isinstance(node.subs[0], ex.Name) and node.subs[0].id == "*"):
                raise XmileError(f"a queue's batch is read with one position (write {node.id}[1] for the "
                                 "front)", file=self.file, element=v.name)
            return self.queues.element(target, self.resolve(node.subs[0], v, local, depth), v)
        dims = target.dims if target is not None else ()
        subs = []
        for j, s in enumerate(node.subs):
            if isinstance(s, ex.Name) and s.id != "*" and s.id not in local:
                own = self.dims.element_keys.get(dims[j], {}).get(s.id) if j < len(dims) else None
                if own is not None:
                    subs.append(ex.Name(s.pos, own))
                    continue
                if s.id in self.dims.names:
                    subs.append(ex.Name(s.pos, self.dims.names[s.id]))
                    continue
                other = self.dims.element(s.id)
                if other is not None and not any(c in self.vars for c in ((v.scope + s.id) if v.scope else None, s.id)
                                                 if c is not None):
                    subs.append(ex.Name(s.pos, other))
                    continue
            subs.append(s if isinstance(s, ex.Name) and s.id == "*" else self.resolve(s, v, local, depth))
        return ex.Sub(node.pos, base.id, tuple(subs))

    def call(self, node, v, local, depth):
        """One call resolved: a lookup, an array reduction, a macro or a builtin."""
        fn = node.fn
        if fn == "lookup":
            gf = node.args[0] if node.args else None
            if not isinstance(gf, ex.Name) or len(node.args) != 2:
                raise XmileError("LOOKUP takes a graphical function's name and an input",
                                 file=self.file, element=v.name)
            return self.call(ex.Call(node.pos, gf.id, node.args[1:]), v, local, depth)
        if fn == TRANSPOSE:
            return self.transpose(node.args[0], v, local, depth)
        queue = self._a_queue(node.args[0], v) if fn in REDUCTIONS and len(node.args) == 1 else None
        if queue is not None:
            return self.queues.reduce(fn, queue, v)
        if fn in REDUCTIONS and len(node.args) == 1:      # the model stage expands them over arrays
            return ex.Call(node.pos, fn, (self.resolve(node.args[0], v, local, depth),))
        if fn == "rank":                # RANK(array, n): expanded over the array too (model/vectors.py)
            return ex.Call(node.pos, fn, tuple(self.resolve(a, v, local, depth) for a in node.args))
        args = tuple(self.resolve(a, v, local, depth) for a in node.args)
        for cand in ((v.scope + fn) if v.scope else None, fn):
            if cand in self.lookups or (cand in self.vars and self.vars[cand].gf is not None):
                self._need_lookup(cand)
                if len(args) != 1:
                    raise XmileError(f"graphical function '{fn}' takes one argument", file=self.file,
                                     element=v.name)
                return ex.Call(node.pos, self.lookups[cand], args)
        if fn in self.macros:
            return self.macro(self.macros[fn], args, v, depth)
        if bi.known(fn):
            msg = bi.arity_message(fn, len(args))
            if msg:
                raise XmileError(msg, file=self.file, element=v.name)
            return bi.translate(fn, args, node.pos)
        if fn in bi.UNSUPPORTED:
            raise Unsupported(f"builtin {fn.upper()}", file=self.file, element=v.name)
        raise XmileError(f"unknown builtin or macro '{fn.upper()}'", file=self.file, element=v.name,
                         hint="not an XMILE builtin, nor a macro or graphical function of the file")

    def _var(self, ident: str, v):
        """The variable ``ident`` names in the equation of ``v`` (its module's first), or None."""
        return next((self.vars[c] for c in ((v.scope + ident) if v.scope else None, ident)
                     if c is not None and c in self.vars), None)

    def _a_queue(self, arg, v):
        """The queue stock ``arg`` names (whose batches an array function reads), or None."""
        target = self._var(arg.id, v) if isinstance(arg, ex.Name) else None
        return target if _batched(target) else None

    def transpose(self, arg, v, local, depth):
        """``a'``: the array with its dimensions in reverse order. Matched to the equation's
        dimensions by name where the names agree (then it is ``a`` itself), else by position."""
        target = self._var(arg.id, v) if isinstance(arg, ex.Name) else None
        if target is None or not target.dims:
            raise XmileError("only a whole arrayed variable can be transposed (write a')",
                             file=self.file, element=v.name)
        n = len(target.dims)
        if set(target.dims) <= set(v.dims):
            return self.resolve(arg, v, local, depth)
        if len(v.dims) < n or any(len(self.dims.element_keys.get(v.dims[n - 1 - j], ())) !=
                                  len(self.dims.element_keys.get(d, ())) for j, d in enumerate(target.dims)):
            shown = lambda ds: ", ".join(self.dims.names[d] for d in ds) or "none"     # noqa: E731
            raise XmileError(f"'{arg.id}'' has dimensions {shown(reversed(target.dims))}, which do not "
                             f"match this variable's ({shown(v.dims)}) by name or by size",
                             file=self.file, element=v.name)
        base = self.ref(arg.id, v, v.scope, arg.pos)
        pos = tuple(ex.Bin(arg.pos, "+", ex.Name(arg.pos, self.dims.names[v.dims[n - 1 - j]]), ex.Num(arg.pos, 0.0))
                    for j in range(n))          # the position of this cell's element in that dimension
        return ex.Sub(arg.pos, base.id, pos)

    def _need_lookup(self, k):
        if k not in self.lookups:       # a variable defined later: build its table now
            var = self.vars[k]
            ident = self.names.get(k)
            self.lookups[k] = ident if var.kind == "gf" else f"{ident}:gf"

    # ------------------------------------------------------------------ macros
    def macro(self, m, args, v, depth):
        """A macro call expanded (its own variables become hidden elements)."""
        if depth > MAX_MACRO_DEPTH:
            raise XmileError(f"macro {m.name} calls itself too deeply", file=self.file, element=v.name)
        if len(args) != len(m.params):
            raise XmileError(f"macro {m.name} takes {len(m.params)} arguments, got {len(args)}",
                             file=self.file, element=v.name)
        local = dict(zip(m.params, args))
        if m.variables:
            self.calls += 1
            owner = self.names.get(v.key)
            stem = f"{owner}:{identifier(m.name)}:{self.calls}"
            ids = {mv.key: f"{stem}:{identifier(mv.name)}" for mv in m.variables}
            local.update({k: ex.Name(0, i) for k, i in ids.items()})
            for mv in m.variables:
                self.hidden.append((v.module, self._macro_var(mv, ids, local, v, depth)))
        return self.translate(m.eqn, v, local, depth + 1)

    def _macro_var(self, mv, ids, local, v, depth):
        node = self.translate(mv.eqn, v, local, depth + 1)
        common = dict(name=ids[mv.key], equation=node, text=mv.eqn, hidden=True,
                      where=Where(self.file, None), doc=f"inside macro call of {v.name}")
        if mv.kind == "stock":
            return Element(kind="stock", non_negative=bool(mv.non_negative),
                           inflows=tuple(ids[key(f)] for f in mv.inflows),
                           outflows=tuple(ids[key(f)] for f in mv.outflows), **common)
        if mv.kind == "flow" and mv.non_negative:
            common["equation"] = ex.Call(0, "max", (ex.Num(0, 0.0), node))
        return Element(kind="flow" if mv.kind == "flow" else "auxiliary", **common)


def modules_of(pairs, root_name: str) -> list:
    """carbonloop modules, one per XMILE module instance, with inputs and outputs declared."""
    owner = {e.name: (m or root_name) for m, e in pairs}
    groups: dict = {}
    for m, e in pairs:
        groups.setdefault(m or root_name, []).append(e)
    inputs: dict = {g: [] for g in groups}
    outputs: dict = {g: [] for g in groups}
    for g, els in groups.items():
        for e in els:
            used = (ex.names(e.equation) if e.equation is not None else set()) | set(e.inflows) | \
                set(e.outflows) | {c for c in (ex.calls(e.equation) if e.equation is not None else ())}
            for u in sorted(used):
                o = owner.get(u)
                if o is not None and o != g:
                    if u not in inputs[g]:
                        inputs[g].append(u)
                    if u not in outputs[o]:
                        outputs[o].append(u)
    return [Module(name=g, elements=tuple(els), inputs=tuple(inputs[g]), outputs=tuple(outputs[g]),
                   description=f"XMILE {'model' if g == root_name else 'module ' + g}")
            for g, els in groups.items()]


def _batched(var) -> bool:
    """True for a queue whose subscripts and array functions read its batches (a scalar queue; an
    arrayed queue's read its elements)."""
    return var is not None and var.queue and not var.dims
