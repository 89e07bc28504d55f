"""The plan stage: a validated model -> an immutable ``Plan`` (slots, runlists, resolved trees).

Stateful builtins are expanded into stocks first (``expand.py``) and balance checks become
hidden auxiliaries holding their relative residual; the graph stage gives the evaluation
orders. Everything a backend generates code from is here, and nothing else.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import replace
from types import MappingProxyType

from .. import builtins
from .. import lang as ex
from ..errors import ModelError
from ..gcpause import pausing
from ..graph import dependencies, initial_order, instant_order
from ..graph.structure import INSTANT_KINDS, all_dependencies
from ..lang.names import is_reserved, reserved_key
from ..model import Element, Model
from ..model.check import suggest
from ..model.provenance import provenance
from ..model.templates import build, tree_facts
from .celltrees import HOLE, ResolvedCells
from .expand import expand
from .group import group_runlist
from .noise import keyed, with_streams
from .plan import Action, CheckPlan, Delay, EventPlan, Group, Plan, Table

# builtins whose value changes over time (their auxiliaries are never hoisted)
TIME_BUILTINS = {name for name, b in builtins.REGISTRY.items() if b.kind.startswith("time") or b.kind == "random"}


def with_checks(model: Model) -> Model:
    """Balance checks become hidden auxiliaries holding the relative residual."""
    if not model.checks:
        return model
    elements = dict(model.elements)
    for c in model.checks:
        diff = ex.Call(0, "abs", (ex.Bin(0, "-", c.lhs, c.rhs),))
        scale = ex.Call(0, "max", (ex.Call(0, "abs", (c.lhs,)), ex.Call(0, "abs", (c.rhs,)),
                                   ex.Num(0, 1e-30)))     # (a floor float32 holds too)
        elements[f"check:{c.name}"] = Element(name=f"check:{c.name}", kind="auxiliary",
                                              equation=ex.Bin(0, "/", diff, scale), text=c.text,
                                              doc=f"relative residual of {c.text}", units="1",
                                              hidden=True, where=c.where)
    return replace(model, elements=elements)


def default_keep(model: Model) -> list:
    """Every visible stock, flow and auxiliary, plus the check residuals."""
    return [e.name for e in model.elements.values()
            if e.kind in ("stock", "flow", "auxiliary") and (not e.hidden or e.name.startswith("check:"))]


class _Resolver:
    """Element names -> slots, lookup calls -> tables, builtin calls -> their registry form.

    A cell's tree written from a template (``templates.CellParts``) is resolved through its
    template: the template with a hole at each site is resolved once (what ``one`` does with a
    node depends on the node and the number of its children, never on what the children are),
    and each cell puts its own resolved replacements in the holes; the same tree as resolving
    the cell's tree node by node."""

    def __init__(self, model: Model, slot: dict):
        self.slot = slot
        self.tables: list = []
        self.table_of: dict = {}
        self.parts = model.cell_parts
        self._templates: dict = {}      # id(Template) -> (Template, (resolved, its holes' shape) or None)
        self.cells = ResolvedCells()    # the cells' trees so resolved, for the digest and the blocks
        for name, el in model.elements.items():
            if el.kind == "lookup":
                xs, ys = zip(*el.points)
                self.table_of[name] = self.table_of[name.lower()] = len(self.tables)
                self.tables.append(Table(name, tuple(xs), tuple(ys), el.extrapolate))

    def __call__(self, node: ex.Node) -> ex.Node:
        info = self.parts(node) if self.parts is not None else None
        if info is not None:
            template, reps = info
            known = self._templates.get(id(template))
            if known is None or known[0] is not template:
                known = self._templates[id(template)] = (template, self._template(template))
            if known[1] is not None:
                resolved, shape = known[1]
                if shape is None:
                    return resolved
                done = []
                slot, one = self.slot, self.one
                for r in reps:          # ``one`` of a name with a slot, and of a number, written out
                    t = type(r)
                    if t is ex.Name:
                        s = slot.get(r.id)
                        done.append(ex.Ref(r.pos, s, r.id) if s is not None else one(r))
                    else:
                        done.append(r if t is ex.Num else ex.transform(r, one))
                tree = build(shape, done)
                self.cells.add(tree, resolved, done)
                return tree
        return ex.transform(node, self.one)

    def _template(self, template) -> tuple | None:
        """The template resolved with holes at its sites, and the holes' places in it (as
        ``Template.shape``); None when resolving it fails (each cell is then resolved alone)."""
        holes = [ex.Ref(n.pos, i, HOLE) for i, n in enumerate(template.sites)]
        tree = template.node if template.shape is None else build(template.shape, holes)
        try:
            resolved = ex.transform(tree, self.one)
        except ModelError:
            return None

        def shape(n):
            if type(n) is ex.Ref and n.name == HOLE:
                return n.slot
            kids = ex.children(n)
            inner = [shape(k) for k in kids]
            return None if all(k is None for k in inner) else (n, kids, tuple(inner))
        return resolved, shape(resolved)

    def one(self, n: ex.Node) -> ex.Node:
        """One node with its children already resolved."""
        if isinstance(n, ex.Sub):          # a cell named outside the model (a metric, a readout)
            cell = ex.cell_of(n)
            n = ex.Name(n.pos, cell) if cell is not None else n
        if isinstance(n, ex.Name):
            s = self.slot.get(n.id)
            if s is not None:
                return ex.Ref(n.pos, s, n.id)
            return ex.Name(n.pos, reserved_key(n.id)) if is_reserved(n.id) else n
        if isinstance(n, ex.Call):
            i = self.table_of.get(n.fn, self.table_of.get(n.fn.lower()))
            if i is not None:
                return ex.Lookup(n.pos, i, self.tables[i].name, n.args[0])
            return _builtin(n)
        return n


def resolve_trees(trees, model: Model) -> tuple[list, tuple]:
    """Trees over element names with graphical functions and builtins resolved as a plan's are
    (names stay names): for evaluating expressions over trajectories. Returns the trees and the
    tables they read."""
    resolve = _Resolver(model, {})
    return [resolve(t) for t in trees], tuple(resolve.tables)


def _builtin(n: ex.Call) -> ex.Node:
    """A builtin call in the one form backends emit (IF THEN ELSE as If, ZIDZ/XIDZ as SAFEDIV
    with three arguments, optional arguments filled in)."""
    fn, a, pos = builtins.canonical(n.fn), n.args, n.pos
    if builtins.is_random(fn) and not keyed(fn, len(a)):
        raise ModelError(f"{builtins.REGISTRY[fn].shown} draws from a run's random streams and cannot be "
                         "evaluated here", hint="give the random function an auxiliary of its own: "
                                                "loop dominance then reads its values as an input")
    if fn == "if_then_else":
        return ex.If(pos, *a)
    if fn in ("zidz", "xidz", "safediv"):
        return ex.Call(pos, "safediv", (a[0], a[1], a[2] if len(a) > 2 else ex.Num(pos, 0.0)))
    if fn == "pulse" and len(a) == 1:
        return ex.Call(pos, "pulse", (a[0], ex.Num(pos, 0.0)))
    if fn == "ramp" and len(a) == 2:
        return ex.Call(pos, "ramp", (a[0], a[1], ex.Num(pos, math.inf)))
    if fn in ("min", "max") and len(a) == 1:
        return a[0]
    if fn == "power":
        return ex.Bin(pos, "^", a[0], a[1])
    return ex.Call(pos, fn, tuple(a))


@pausing
def compile_model(model: Model, keep=None, group: bool = True) -> Plan:
    """Compile ``model`` into a plan; ``keep`` names the saved variables (default: every visible
    stock, flow and auxiliary). Balance-check residuals are always saved. With ``group`` the
    cells of arrayed equations are grouped into blocks (``group.py``; ``Plan.grouped``), else
    every cell is a statement of its own (the same numbers)."""
    model = with_checks(expand(with_streams(model)))
    els = model.elements
    deps = all_dependencies(model)      # once, for every order below
    order = instant_order(model, deps)
    init_order = initial_order(model, deps)
    names = tuple(n for n, e in els.items() if e.kind != "lookup")
    slot = {n: i for i, n in enumerate(names)}
    resolve = _Resolver(model, slot)
    kinds = tuple(els[n].kind for n in names)
    eqs = [resolve(els[n].equation) if els[n].equation is not None else None for n in names]
    delays = tuple(Delay(slot[fd.name], slot[fd.input], resolve(fd.delay), resolve(fd.initial))
                   for fd in model.fixed_delays)
    for d in delays:
        eqs[d.slot] = d.initial
    hoisted, dynamic = _split(model, order, slot, delays, deps)
    saved = _saved(model, keep, slot)
    stocks = tuple(slot[n] for n in names if els[n].kind == "stock")
    starts = [eqs[s] for s in range(len(names)) if kinds[s] in ("stock", "pipeline")]
    starts += [d.delay for d in delays]
    wanted = _closure(starts, eq_tuple := tuple(eqs), set(dynamic))
    initial = tuple(slot[n] for n in init_order
                    if els[n].kind in ("stock", "pipeline") or slot.get(n) in wanted)
    rates = tuple((tuple(slot[f] for f in els[names[s]].inflows), tuple(slot[f] for f in els[names[s]].outflows))
                  for s in stocks)
    probes: list = []
    groups: list = []
    conditions, events, start_group = _events(model, resolve, probes, groups, eq_tuple, dynamic)
    stage_times = _stage_times(model, resolve, probes)
    groups[start_group] = _group(groups[start_group].probes + tuple(dict.fromkeys(p for _, _, p in stage_times)),
                                 probes, eq_tuple, dynamic)
    checks = tuple(CheckPlan(slot[f"check:{c.name}"], c.name, c.text, c.tolerance, c) for c in model.checks)
    body = dict(name=model.name, time=model.time, names=names, kinds=kinds, equations=eq_tuple,
                params=tuple(slot[n] for n in names if els[n].kind == "parameter"), stocks=stocks,
                hoisted=hoisted, dynamic=dynamic, initial=initial, rates=rates,
                non_negative=tuple(s for s in stocks if els[names[s]].non_negative),
                tables=tuple(resolve.tables), delays=delays, conditions=conditions,
                probes=tuple(probes), groups=tuple(groups), start_group=start_group, events=events,
                saved=saved, checks=checks, stage_times=stage_times)
    grouped = {}
    for name in ("hoisted", "initial", "dynamic") if group else ():
        items = group_runlist(body[name], eq_tuple, names, kinds, resolve.cells.signature)
        if items is not None:
            grouped[name] = items
    # the blocks follow from the structure; whether there are any changes the code written
    digest = _digest(dict(body, grouped=True) if grouped else body, resolve.cells.dump)
    saved_names = [names[s] for s in saved]
    feeding = frozenset(_feeding(model, deps))
    return Plan(model=model, sinks=frozenset(_sinks(model, saved_names, feeding)), feeding=feeding,
                units=MappingProxyType({n: els[n].units for n in saved_names}),
                docs=MappingProxyType({n: els[n].doc for n in saved_names}),
                provenance=MappingProxyType(provenance(model)), digest=digest,
                grouped=MappingProxyType(grouped), **body)


def with_saved(plan: Plan, keep) -> Plan:
    """The same plan saving ``keep`` instead (check residuals always saved): cheap, since the
    structure does not change."""
    saved = _saved(plan.model, keep, plan.slot)
    names = [plan.names[s] for s in saved]
    els = plan.model.elements
    feeding = plan.feeding if plan.feeding is not None else _feeding(plan.model)
    return replace(plan, saved=saved, sinks=frozenset(_sinks(plan.model, names, feeding)),
                   units=MappingProxyType({n: els[n].units for n in names}),
                   docs=MappingProxyType({n: els[n].doc for n in names}))


def _digest(body: dict, dump=ex.dump) -> str:
    """A hash of the model's structure: what a backend generates code from. Parameter values,
    the saved variables and the time settings (but the integration method and the precision) are inputs of a run,
    not part of it, so every keep=, dt and override of a scenario shares one compiled kernel.
    ``dump`` writes a tree as ``lang.dump`` does (``ResolvedCells.dump``: from its template)."""
    eqs = tuple("None" if k == "parameter" else dump(e) for k, e in zip(body["kinds"], body["equations"]))
    skip = ("events", "checks", "name", "saved", "time")
    items = sorted((k, v) for k, v in dict(body, equations=eqs, method=body["time"].method,
                                                    precision=body["time"].precision).items()
                   if k not in skip)
    return hashlib.sha256(repr(items).encode()).hexdigest()


def _split(model, order, slot, delays, deps) -> tuple[tuple, tuple]:
    """Auxiliaries of parameters only (hoisted) and those that change over time (dynamic)."""
    els = model.elements
    varying = {n for n, e in els.items() if e.kind in ("stock", "pipeline")}
    hoisted, dynamic = [], []
    for n in order:
        el = els[n]
        if deps[n] & varying or el.equation is not None and _uses_time(el.equation, model.cell_parts):
            dynamic.append(slot[n])
            varying.add(n)
        else:
            hoisted.append(slot[n])
    return tuple(hoisted), tuple(dynamic)


def _uses_time(tree, parts) -> bool:
    """True when the tree reads the time or calls a builtin whose value changes over time (a
    cell's template looked at once: ``parts``, ``templates.CellParts``)."""
    found = parts.plain(tree) if parts is not None else None
    if found is not None:           # the template's own names and functions, and the cell's names
        names, calls = found[0].facts()
        names = names + tuple(r.id for r in found[1] if type(r) is ex.Name)
    else:
        names, calls = tree_facts(parts, tree)
    return any(n.lower() == "time" for n in names) or any(builtins.canonical(f) in TIME_BUILTINS for f in calls)


def _saved(model, keep, slot) -> tuple:
    els = model.elements
    wanted = list(default_keep(model) if keep is None else keep)
    for n in wanted:
        el = els.get(n)
        if el is None or el.kind == "lookup":
            why = "is a lookup, which has no value over time" if el is not None else "is not an element of the model"
            raise ModelError(f"cannot keep '{n}': it {why}", element=str(n),
                             hint=suggest(n, [k for k in slot if ":" not in k]))
    wanted += [n for n in els if n.startswith("check:") and n not in wanted]
    return tuple(dict.fromkeys(slot[n] for n in wanted))


def _probe(probes: list, tree) -> int:
    probes.append(tree)
    return len(probes) - 1


def _stage_times(model, resolve, probes: list) -> tuple:
    """(owner, builtin, probe index) of every expanded SMOOTH/DELAY stage; stages whose times
    are the same tree share one probe (the cells of an arrayed SMOOTH with one time: one probe,
    so that the code evaluating the start group does not grow with the cells)."""
    shared: dict = {}
    out = []
    for owner, fn, node in model.stage_times:
        tree = resolve(node)
        key = ex.dump(tree)
        if key not in shared:
            shared[key] = _probe(probes, tree)
        out.append((owner, fn, shared[key]))
    return tuple(out)


def _closure(trees, eqs: tuple, dyn: set) -> set:
    """The dynamic slots the trees read, directly or through other dynamic slots."""
    need: set = set()
    todo = [r.slot for t in trees for r in ex.walk(t) if isinstance(r, ex.Ref)]
    while todo:
        s = todo.pop()
        if s in dyn and s not in need:
            need.add(s)
            todo += [r.slot for r in ex.walk(eqs[s]) if isinstance(r, ex.Ref)]
    return need


def _group(probe_ids: tuple, probes: list, eqs: tuple, dynamic: tuple) -> Group:
    """The probes and the dynamic slots (in runlist order) their values depend on."""
    need = _closure([probes[p] for p in probe_ids], eqs, set(dynamic))
    return Group(tuple(probe_ids), tuple(s for s in dynamic if s in need))


def _events(model, resolve, probes, groups, eqs, dynamic):
    """Event plans: times and when-conditions as probes, one probe group per event, and the
    start group holding every event's times."""
    conditions, out, timing = [], [], []
    slot = resolve.slot
    for ev in model.events:
        at = tuple(_probe(probes, resolve(n)) for n in ev.at)
        opt = {k: _probe(probes, resolve(getattr(ev, k))) if getattr(ev, k) is not None else None
               for k in ("every", "start", "end")}
        timing += list(at) + [p for p in opt.values() if p is not None]
        when = None
        if ev.when is not None:
            conditions.append(resolve(ev.when))
            when = len(conditions) - 1
        actions = []
        for a in ev.actions:
            value = _probe(probes, resolve(a.expr))
            ramp = _probe(probes, resolve(a.ramp_over)) if a.ramp_over is not None else None
            actions.append(Action(slot[a.target], a.target, model.elements[a.target].kind == "parameter",
                                  value, ramp))
        ids = tuple(p for a in actions for p in (a.value, a.ramp) if p is not None)
        groups.append(_group(ids, probes, eqs, dynamic))
        out.append(EventPlan(ev, at, opt["every"], opt["start"], opt["end"], when, tuple(actions),
                             len(groups) - 1))
    groups.append(_group(tuple(timing), probes, eqs, dynamic))
    return tuple(conditions), tuple(out), len(groups) - 1


def _sinks(model, saved_names, feeding) -> set:
    """Saved variables from which no stock can be reached (their values are checked directly):
    those outside ``feeding`` (``_feeding``)."""
    els = model.elements
    return {n for n in saved_names if n not in feeding and els[n].kind != "stock"}


def _feeding(model, deps=None) -> set:
    """The elements from which a stock can be reached: upstream along the feedback graph's links
    (``graph.feedback_graph``) from every stock."""
    els = model.elements
    delayed: dict = {}                  # a pipeline delay's output -> its inputs
    for fd in model.fixed_delays:
        delayed.setdefault(fd.name, []).append(fd.input)
    feeding = {n for n, e in els.items() if e.kind == "stock"}
    stack = list(feeding)
    while stack:                        # everything upstream of any stock, in one pass
        n = stack.pop()
        el = els.get(n)
        kind = el.kind if el is not None else None
        preds: tuple | set
        if kind == "stock":
            preds = (*el.inflows, *el.outflows)
        elif kind in INSTANT_KINDS:
            preds = deps[n] if deps is not None else dependencies(model, el)
        else:
            preds = ()
        for u in (*preds, *delayed.get(n, ())):
            if u not in feeding:
                feeding.add(u)
                stack.append(u)
    return feeding
