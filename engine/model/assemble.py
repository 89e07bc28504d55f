"""The model stage's assemble-and-validate step, shared by every front end: wire modules by name,
apply a scenario's overrides and exogenous replacements, and check every name, expression,
event, check, report entry and named loop before anything runs or is written."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .. import lang as ex
from ..errors import Collector
from ..gcpause import pausing
from ..lang.names import RESULT_AXES, stored_name
from .arrays import ArrayError, Space, check_dimensions, resolve_cells
from .check import MAX_TREE_DEPTH, expression_problems, lookup_names, node_problems, suggest, too_deep
from .elements import Figure, LoopSpec, Model, Report, TimeSpec, Where
from .noise import NOISE_SEED, RUN_ID, noise_parameters, uses_random


@dataclass(frozen=True)
class Override:
    """A scenario's new value for a parameter, and where it was written."""
    name: str
    value: float
    where: Where = Where()


@pausing
def assemble(modules, time: TimeSpec, *, name: str = "model", description: str = "",
             overrides=(), exogenous=(), events=(), checks=(), file: str | None = None,
             source_text: str = "", loops=(), report: Report | None = None, levers=(),
             dimensions=()) -> Model:
    """Wire ``modules`` into one validated ``Model``; raises every problem found at once.

    Arrayed elements are checked as written (wiring), then resolved into their cells
    (``arrays.resolve_cells``); every later check, and every later stage, sees cells."""
    report = report or Report()
    ctx = Collector(file)
    elements, owner = _collect(modules, ctx)
    dims = check_dimensions([d for m in modules for d in m.dimensions] + list(dimensions), ctx)
    ctx.check()
    replaced = set()
    for el in exogenous:
        elements[el.name] = el
        replaced.add(el.name)
    _check_wiring(modules, elements, owner, replaced, ctx)
    space = Space(dims, elements)
    elements, arrays = resolve_cells(elements, dims, ctx, space)
    ctx.check()
    events, checks = _cells_of_events(space, events, ctx), _cells_of_checks(space, checks, ctx)
    report = _cells_of_report(arrays, report)
    ctx.check()
    _add_noise(elements, time, ctx, space)
    _apply_overrides(elements, _cells_of_overrides(arrays, overrides), ctx)
    _check_elements(elements, ctx, space)
    _check_events(elements, events, ctx)
    _check_event_times(events, time, ctx)
    for c in checks:
        for node in (c.lhs, c.rhs):
            _report(ctx, expression_problems(node, elements, stateful=False), c.where, c.name)
    _check_report(elements, report, ctx)
    _check_loops(elements, loops, ctx)
    _check_stored_names(elements, checks, ctx)
    ctx.check()
    return Model(name=name, elements=elements, time=time, events=tuple(events), checks=tuple(checks),
                 modules=tuple(modules), description=description, source_text=source_text,
                 where=Where(file, None), loops=tuple(loops), report=report, levers=tuple(levers),
                 dimensions=tuple(dims.values()), arrays=arrays, cell_parts=space.parts if len(space.parts) else None)


def _resolved(space: Space, node, ctx: Collector, where: Where, element: str):
    """An expression outside the elements (event, check) with its cells resolved."""
    if node is None:
        return None
    try:
        return space.resolve(node, {})
    except ArrayError as e:
        ctx.error(e.message, where.line, element, e.hint, file=where.file)
        return node


def _cells_of_events(space: Space, events, ctx: Collector) -> list:
    out = []
    for ev in events:
        def fix(node, ev=ev):
            return _resolved(space, node, ctx, ev.where, ev.name)
        actions = tuple(replace(a, expr=fix(a.expr), ramp_over=fix(a.ramp_over)) for a in ev.actions)
        out.append(replace(ev, actions=actions, at=tuple(fix(t) for t in ev.at), every=fix(ev.every),
                           start=fix(ev.start), end=fix(ev.end), when=fix(ev.when)))
    return out


def _cells_of_checks(space: Space, checks, ctx: Collector) -> list:
    return [replace(c, lhs=_resolved(space, c.lhs, ctx, c.where, c.name),
                    rhs=_resolved(space, c.rhs, ctx, c.where, c.name)) for c in checks]


def _cells_of_report(arrays, report: Report) -> Report:
    """A report naming an arrayed element shows each of its cells."""
    if not arrays:
        return report
    cells = {a.name: a.cells for a in arrays}

    def expand(names):
        return tuple(c for n in names for c in cells.get(n, (n,)))
    figures = tuple(Figure(f.name, expand(f.variables), f.title, f.ylabel, f.where) for f in report.figures)
    return replace(report, summary=expand(report.summary), figures=figures)


def _cells_of_overrides(arrays, overrides) -> list:
    """An override of an arrayed parameter by its name sets every cell."""
    if not arrays:
        return list(overrides)
    cells = {a.name: a.cells for a in arrays}
    return [replace(o, name=c) for o in overrides for c in cells.get(o.name, (o.name,))]


def _check_stored_names(elements: dict, checks, ctx: Collector):
    """Every value a run saves gets a name of its own in the results file: no element may take
    the name of the file's axes or the name a balance check's values are stored under."""
    taken = {axis: f"its {axis} axis" for axis in RESULT_AXES}
    for c in checks:
        stored = stored_name(f"check:{c.name}")
        if stored in taken:
            what = (f"two checks are named '{c.name}'" if taken[stored].endswith(f"check '{c.name}'") else
                    f"the check '{c.name}' would be stored as '{stored}', like {taken[stored]}")
            ctx.error(what, c.where.line, c.name, "rename the check", file=c.where.file)
        taken[stored] = f"the values of the check '{c.name}'"
    for el in elements.values():
        owner = taken.get(stored_name(el.name))
        if owner is not None:
            ctx.error(f"'{el.name}' is the name the results file gives {owner}", el.where.line, el.name,
                      "rename the element", file=el.where.file)


def _report(ctx: Collector, problems, where: Where, element: str):
    for msg, hint in problems:
        ctx.error(msg, where.line, element, hint, file=where.file)


def _collect(modules, ctx) -> tuple[dict, dict]:
    elements: dict = {}
    owner: dict = {}
    for m in modules:
        for el in m.elements:
            if el.name in elements:
                first = elements[el.name]
                ctx.error(f"'{el.name}' is defined in module '{m.name}' and again in module "
                          f"'{first.module}' ({first.where.file}:{first.where.line})",
                          el.where.line, el.name, "element names must be unique across modules",
                          file=el.where.file)
                continue
            elements[el.name] = el
            owner[el.name] = m
    return elements, owner


def _add_noise(elements: dict, time: TimeSpec, ctx: Collector, space: Space):
    """The noise seed and run id of a model with random functions (``noise.py``)."""
    if not uses_random(elements, space.parts):
        return
    for el in noise_parameters(elements, time, random=True):
        elements[el.name] = el
    for name in (NOISE_SEED, RUN_ID):
        el = elements[name]
        if el.kind != "parameter":
            what = "seed" if name == NOISE_SEED else "run id"
            article = "an" if el.kind[0] in "aeiou" else "a"
            ctx.error(f"'{name}' names the {what} of the random functions, so it must be a parameter, "
                      f"not {article} {el.kind}", el.where.line, name, "rename the element", file=el.where.file)


def _apply_overrides(elements: dict, overrides, ctx: Collector):
    for o in overrides:
        el = elements.get(o.name)
        if el is None or el.kind != "parameter":
            what = "is not a parameter of the model" if el is None else f"is a {el.kind}, not a parameter"
            ctx.error(f"'{o.name}' {what}", o.where.line, o.name, file=o.where.file,
                      hint=suggest(o.name, [k for k, v in elements.items() if v.kind == "parameter"]))
            continue
        if el.range and not el.range[0] <= o.value <= el.range[1]:
            ctx.error(f"value {o.value:g} is outside the declared range [{el.range[0]:g}, {el.range[1]:g}]",
                      o.where.line, o.name, f"the range is declared at {el.where.file}:{el.where.line}",
                      file=o.where.file)
            continue
        elements[o.name] = el.with_(value=o.value, equation=ex.Num(0, o.value), text=repr(o.value))


def _check_wiring(modules, elements, owner, replaced, ctx):
    outputs = {o for m in modules for o in m.outputs}
    for m in modules:
        for i in m.inputs:
            if i not in elements:
                ctx.error(f"input '{i}' of module '{m.name}' is not provided by any module", m.where.line, i,
                          "add a module that outputs it, or give it under exogenous:", file=m.where.file)
            elif owner.get(i) is not None and owner[i] is not m and i not in outputs and i not in replaced:
                ctx.error(f"module '{m.name}' takes '{i}' as input, but module '{owner[i].name}' does not "
                          "declare it an output", m.where.line, i, file=m.where.file)
        for el in m.elements:
            if el.name in replaced:
                continue
            used = ex.names(el.equation) if el.equation is not None else set()
            used |= set(el.inflows) | set(el.outflows)
            for u in sorted(used):
                o = owner.get(u)
                if o is not None and o is not m and u not in m.inputs and u not in replaced:
                    ctx.error(f"uses '{u}' from module '{o.name}' without declaring it an input",
                              el.where.line, el.name, f"add '{u}' to inputs of module '{m.name}'",
                              file=el.where.file)


def _check_elements(elements: dict, ctx: Collector, space: Space):
    lookups = lookup_names(elements)
    sound: dict = {}        # id(Template) -> True when its own nodes have no problem
    for el in elements.values():
        if el.kind == "lookup":
            continue
        if el.kind == "parameter" and el.value is not None and not math.isfinite(el.value):
            ctx.error(f"the value {el.text or el.value} is not a finite number (it overflows)", el.where.line,
                      el.name, file=el.where.file)
            continue
        if el.equation is not None:
            _report(ctx, _equation_problems(el.equation, elements, lookups, space, sound), el.where, el.name)
        if el.kind == "stock":
            for f in el.inflows + el.outflows:
                if f not in elements:
                    ctx.error(f"flow '{f}' is not defined", el.where.line, el.name, suggest(f, elements),
                              file=el.where.file)
                elif elements[f].kind not in ("flow", "auxiliary"):
                    ctx.error(f"'{f}' is a {elements[f].kind}; only flows may fill or drain a stock",
                              el.where.line, el.name, file=el.where.file)


def _equation_problems(tree, elements: dict, lookups: dict, space: Space, sound: dict) -> list:
    """``expression_problems`` of an element's equation; for a cell written from a template
    whose own nodes (the same in every cell) have none, only the nodes the cell put in its sites
    are looked at (in the order a walk of the whole tree meets them, so with the same result)."""
    parts = space.parts(tree)
    if parts is None:
        return expression_problems(tree, elements, lookups=lookups)
    template, reps = parts
    own, depth, site_depths = template.own()
    ok = sound.get(id(template))
    if ok is None:
        ok = sound[id(template)] = not node_problems(own, elements, lookups=lookups)
    if not ok:
        return expression_problems(tree, elements, lookups=lookups)
    rest = []               # the replacements that are not a variable's name or a number
    for d, r in zip(site_depths, reps):
        t = type(r)
        if t is ex.Num:
            continue
        if t is ex.Name:
            el = elements.get(r.id)
            if el is not None and el.kind != "lookup":
                continue            # a variable: no problem (``check._name_problems``)
        elif ex.children(r):
            depth = max(depth, d - 1 + ex.depth(r))
        rest.append(r)
    if depth > MAX_TREE_DEPTH:
        return [too_deep()]
    return node_problems((n for r in rest for n in ex.walk(r)), elements, lookups=lookups) if rest else []


def _check_events(elements: dict, events, ctx: Collector):
    for ev in events:
        for a in ev.actions:
            t = elements.get(a.target)
            if t is None or t.kind not in ("parameter", "stock"):
                what = "is not defined" if t is None else f"is a {t.kind}"
                ctx.error(f"event target '{a.target}' {what}; events may set parameters and stocks",
                          ev.where.line, ev.name, suggest(a.target, elements) if t is None else None,
                          file=ev.where.file)
                continue
            if a.ramp_over is not None and t.kind != "parameter":
                ctx.error(f"only parameters can be ramped ('{a.target}' is a {t.kind})", ev.where.line,
                          ev.name, file=ev.where.file)
            if t.kind == "parameter" and t.range and isinstance(a.expr, ex.Num) and \
                    not t.range[0] <= a.expr.value <= t.range[1]:
                ctx.error(f"sets '{a.target}' to {a.expr.value:g}, outside its declared range "
                          f"[{t.range[0]:g}, {t.range[1]:g}]", ev.where.line, ev.name, file=ev.where.file)
        nodes = [a.expr for a in ev.actions] + [a.ramp_over for a in ev.actions]
        nodes += [*ev.at, ev.every, ev.start, ev.end, ev.when]
        for node in nodes:
            if node is not None:
                _report(ctx, expression_problems(node, elements, stateful=False), ev.where, ev.name)


def _constant(node):
    """The value of a constant expression, or None when it reads anything else."""
    if node is None:
        return None
    try:
        return ex.constant(node)
    except ValueError:
        return None


def _check_event_times(events, time: TimeSpec, ctx: Collector):
    """Event times written as numbers must fall inside the run (else the event never fires), and a
    period written as a number must be positive (as one set by parameters must be when the run
    starts, see engine/run/timetable.py; a period shorter than dt fires several times in a step).
    Times that depend on parameters are checked when the run starts (a swept time may fall
    outside on purpose)."""
    lo, hi, tol = time.start, time.stop, 1e-9 * max(1.0, abs(time.stop), abs(time.start))
    for ev in events:
        say = lambda msg, hint=None, ev=ev: ctx.error(msg, ev.where.line, ev.name, hint,  # noqa: E731
                                                      file=ev.where.file)
        for node in ev.at:
            t = _constant(node)
            if t is not None and not lo - tol <= t <= hi + tol:
                say(f"the event is set for time {t:g}, outside the run ({lo:g}..{hi:g}); it would never fire",
                    "move it inside the run or change the time settings")
        every, start = _constant(ev.every), _constant(ev.start)
        if every is not None and not every > 0:
            say(f"an event's period ('every') must be positive, not {every:g}")
        if start is not None and start > hi + tol:
            say(f"the periodic event starts at {start:g}, after the run ends ({hi:g}); it would never fire")


def _check_report(elements: dict, report: Report, ctx: Collector):
    def known(names, where, what):
        for n in names:
            el = elements.get(n)
            if el is None or el.kind == "lookup":
                ctx.error(f"the report's {what} names '{n}', which is not a variable of the model",
                          where.line, n, suggest(n, elements), file=where.file)
    for fig in report.figures:
        known(fig.variables, fig.where, f"figure '{fig.name}'")
    known(report.summary, report.where, "summary")


def _check_loops(elements: dict, loops, ctx: Collector):
    for lp in loops:
        if not isinstance(lp, LoopSpec):
            continue
        for n in lp.elements:
            if n not in elements:
                ctx.error(f"the loop '{lp.label}' names '{n}', which is not an element of the model",
                          lp.where.line, lp.label, suggest(n, elements), file=lp.where.file)
