"""Load stage: scenario and module YAML files -> a validated ``Model``.

A scenario names its modules, time settings, parameter overrides, exogenous series, events and
checks; it may also hold elements itself (a one-file model). See docs/model-files.md.
"""
from __future__ import annotations

import difflib
from pathlib import Path

from . import expr as ex
from .errors import ModelError, ModelErrors
from .model import Action, Check, Element, Event, Module, TimeSpec, Where
from .yamlio import LDict

SECTIONS = {"stocks": "stock", "flows": "flow", "auxiliaries": "auxiliary",
            "parameters": "parameter", "lookups": "lookup"}
BUILTIN_NAMES = {"time", "dt", "starttime", "stoptime", "initial_time", "final_time", "pi"}
MODULE_DIR = Path(__file__).parent / "modules"
SCENARIO_KEYS = {"scenario", "model", "description", "extends", "modules", "time", "overrides",
                 "exogenous", "events", "checks", "loops", "report", "levers", "sweep", "module", "inputs", "outputs",
                 *SECTIONS}


def _line(mapping, key):
    return mapping.line_of(key) if isinstance(mapping, LDict) else None


class _Ctx:
    """Collects errors for one file so that all of them are reported at once."""

    def __init__(self, file: str):
        self.file = file
        self.errors: list[ModelError] = []

    def error(self, message, line=None, element=None, hint=None):
        self.errors.append(ModelError(message, file=self.file, line=line, element=element, hint=hint))

    def parse(self, text, line, element, what="equation"):
        try:
            return ex.parse(text)
        except ex.ExprSyntaxError as e:
            kind = "forbidden construct" if e.forbidden else "syntax error"
            self.error(f"{kind} in {what} '{text}' at column {e.pos + 1}: {e.message}", line, element)
            return None


def _number(value, ctx, line, element, what):
    """A plain number (or constant arithmetic such as 1/12)."""
    if isinstance(value, bool):
        ctx.error(f"{what} must be a number, not {value}", line, element)
        return None
    if isinstance(value, (int, float)):
        return float(value)
    node = ctx.parse(value, line, element, what)
    if node is None:
        return None
    try:
        return _const_value(node)
    except ValueError:
        ctx.error(f"{what} must be a number, got '{value}'", line, element)
        return None


def _const_value(node):
    if isinstance(node, ex.Num):
        return node.value
    if isinstance(node, ex.Unary) and node.op == "-":
        return -_const_value(node.arg)
    if isinstance(node, ex.Bin) and node.op in "+-*/^":
        a, b = _const_value(node.left), _const_value(node.right)
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else float("nan"),
                "^": a ** b}[node.op]
    raise ValueError("not a constant")


def _element(name, spec, kind, module, ctx, line) -> Element | None:
    """One element from its YAML entry (a mapping, or a bare equation / value)."""
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("__"):
        ctx.error(f"'{name}' is not a valid element name (letters, digits and '_', "
                  "not starting with a digit or '__')", line, str(name))
        return None
    if name.lower() in BUILTIN_NAMES:
        ctx.error(f"'{name}' is a reserved name", line, name)
        return None
    if not isinstance(spec, dict):
        spec = {"value" if kind == "parameter" else
                "points" if kind == "lookup" else
                "initial" if kind == "stock" else "equation": spec}
    allowed = {"units", "doc", "description", "source", "polarity", "comment"} | {
        "stock": {"initial", "inflows", "outflows", "non_negative"},
        "flow": {"equation"}, "auxiliary": {"equation"},
        "parameter": {"value", "range"}, "lookup": {"points", "extrapolate"}}[kind]
    for key in spec:
        if key not in allowed:
            ctx.error(f"unknown field '{key}' for {'an' if kind[0] in 'aeiou' else 'a'} {kind}", _line(spec, key) or line, name,
                      hint="allowed: " + ", ".join(sorted(allowed)))
    common = dict(name=name, kind=kind, units=str(spec.get("units", "") or ""),
                  doc=str(spec.get("doc", spec.get("description", "")) or ""),
                  source=str(spec.get("source", "") or ""), module=module,
                  where=Where(ctx.file, line))
    pol = spec.get("polarity") or {}
    if not isinstance(pol, dict) or any(str(v) not in "+-" for v in pol.values()):
        ctx.error("polarity must map input names to '+' or '-'", line, name)
        pol = {}
    common["polarity"] = tuple((str(k), str(v)) for k, v in pol.items())
    if kind == "parameter":
        if "value" not in spec:
            ctx.error("a parameter needs a value", line, name)
            return None
        value = _number(spec["value"], ctx, _line(spec, "value") or line, name, "value")
        rng = spec.get("range")
        if rng is not None:
            rline = _line(spec, "range") or line
            # YAML 1.1 reads 1e6 (no dot) as text: numbers are parsed as constant equations
            bounds = [_number(r, ctx, rline, name, "range bound") for r in rng] \
                if isinstance(rng, list) and len(rng) == 2 else None
            if not bounds or None in bounds or bounds[0] > bounds[1]:
                ctx.error("range must be [low, high] with low <= high", rline, name)
                rng = None
            else:
                rng = (bounds[0], bounds[1])
                if value is not None and not rng[0] <= value <= rng[1]:
                    ctx.error(f"value {value:g} is outside its declared range [{rng[0]:g}, {rng[1]:g}]",
                              line, name)
        return Element(equation=ex.Num(0, value if value is not None else 0.0), text=str(value),
                       value=value, range=rng, **common)
    if kind == "lookup":
        pts = spec.get("points")
        ok = isinstance(pts, list) and len(pts) >= 1 and all(
            isinstance(p, list) and len(p) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in p) for p in pts)
        if not ok:
            ctx.error("a lookup needs points: [[x, y], ...] with numbers", line, name)
            return None
        xs = [float(p[0]) for p in pts]
        if any(b <= a for a, b in zip(xs, xs[1:])):
            ctx.error("lookup x values must increase strictly", line, name)
            return None
        return Element(points=tuple((float(x), float(y)) for x, y in pts),
                       extrapolate=bool(spec.get("extrapolate", False)), **common)
    key = "initial" if kind == "stock" else "equation"
    if key not in spec:
        ctx.error(f"a {kind} needs '{key}'", line, name)
        return None
    text = spec[key]
    node = ctx.parse(text, _line(spec, key) or line, name)
    if node is None:
        return None
    extra = {}
    if kind == "stock":
        for flows in ("inflows", "outflows"):
            v = spec.get(flows) or []
            if isinstance(v, str):
                v = [v]
            if not isinstance(v, list) or not all(isinstance(f, str) for f in v):
                ctx.error(f"{flows} must be a list of flow names", line, name)
                v = []
            extra[flows] = tuple(v)
        extra["non_negative"] = bool(spec.get("non_negative", False))
    return Element(equation=node, text=str(text), **common, **extra)


def parse_module(data, name: str, file: str) -> Module:
    """A module's elements from a parsed YAML mapping."""
    ctx = _Ctx(file)
    elements = []
    seen: dict = {}
    for section, kind in SECTIONS.items():
        block = data.get(section) or {}
        if not isinstance(block, dict):
            ctx.error(f"'{section}' must be a mapping of names to definitions", _line(data, section))
            continue
        for ename, spec in block.items():
            line = _line(block, ename)
            if ename in seen:
                ctx.error(f"'{ename}' is defined twice in this module (also as a {seen[ename]})",
                          line, str(ename))
                continue
            el = _element(ename, spec, kind, name, ctx, line)
            if el is not None:
                seen[ename] = kind
                elements.append(el)
    inputs = tuple(data.get("inputs") or ())
    outputs = tuple(data.get("outputs") or ())
    for o in outputs:
        if o not in seen:
            ctx.error(f"output '{o}' is not an element of module '{name}'", _line(data, "outputs"))
    checks = tuple(_checks(data.get("checks"), ctx, data))
    if ctx.errors:
        raise ModelErrors(ctx.errors)
    return Module(name=name, elements=tuple(elements), inputs=inputs, outputs=outputs,
                  description=str(data.get("description", "") or ""), where=Where(file, None),
                  checks=checks)


def _checks(block, ctx, parent):
    if not block:
        return []
    if not isinstance(block, list):
        ctx.error("checks must be a list", _line(parent, "checks"))
        return []
    out = []
    for spec in block:
        line = getattr(spec, "line", None)
        if not isinstance(spec, dict) or not {"name", "lhs", "rhs"} <= set(spec):
            ctx.error("a check needs name, lhs and rhs", line)
            continue
        lhs = ctx.parse(spec["lhs"], line, spec["name"], "check")
        rhs = ctx.parse(spec["rhs"], line, spec["name"], "check")
        tol = _number(spec.get("tolerance", 1e-9), ctx, line, spec["name"], "tolerance")
        if lhs is not None and rhs is not None:
            out.append(Check(str(spec["name"]), lhs, rhs, f"{spec['lhs']} = {spec['rhs']}",
                             tol or 1e-9, Where(ctx.file, line)))
    return out


def _events(block, ctx, parent):
    if not block:
        return []
    if not isinstance(block, list):
        ctx.error("events must be a list", _line(parent, "events"))
        return []
    out = []
    for i, spec in enumerate(block):
        line = getattr(spec, "line", None)
        if not isinstance(spec, dict):
            ctx.error("each event must be a mapping", line)
            continue
        name = str(spec.get("name", f"event {i + 1}"))
        allowed = {"name", "at", "every", "start", "end", "when", "set", "ramp", "doc", "source"}
        for key in spec:
            if key not in allowed:
                ctx.error(f"unknown field '{key}' in an event", _line(spec, key), name,
                          hint="allowed: " + ", ".join(sorted(allowed)))
        timing = [k for k in ("at", "every", "when") if k in spec]
        if len(timing) != 1:
            ctx.error("an event needs exactly one of 'at', 'every' or 'when'", line, name)
            continue

        def node(key, what="event time"):
            v = spec.get(key)
            return None if v is None else ctx.parse(v, _line(spec, key) or line, name, what)
        at = spec.get("at")
        at_nodes = tuple(n for n in (ctx.parse(v, _line(spec, "at") or line, name, "event time")
                                     for v in (at if isinstance(at, list) else [at] if at is not None else []))
                         if n is not None)
        actions = []
        for key in ("set", "ramp"):
            block2 = spec.get(key) or {}
            if not isinstance(block2, dict):
                ctx.error(f"'{key}' must map element names to values", _line(spec, key) or line, name)
                continue
            for target, value in block2.items():
                over = None
                if key == "ramp":
                    if not isinstance(value, dict) or set(value) != {"to", "over"}:
                        ctx.error("a ramp needs {to: value, over: duration}", _line(block2, target), name)
                        continue
                    over = ctx.parse(value["over"], _line(block2, target), name, "ramp duration")
                    value = value["to"]
                n = ctx.parse(value, _line(block2, target), name, "event value")
                if n is not None:
                    actions.append(Action(str(target), n, str(value), over))
        if not actions:
            ctx.error("an event needs 'set' or 'ramp' with at least one element", line, name)
            continue
        out.append(Event(name=name, actions=tuple(actions), at=at_nodes, every=node("every"),
                         start=node("start"), end=node("end"), when=node("when", "condition"),
                         where=Where(ctx.file, line)))
    return out


def _time(block, ctx, parent) -> TimeSpec:
    if not isinstance(block, dict):
        ctx.error("the scenario needs 'time: {start, stop, dt}'", _line(parent, "time"))
        return TimeSpec()
    vals = {}
    for key in ("start", "stop", "dt", "save_step"):
        if key in block:
            vals[key] = _number(block[key], ctx, _line(block, key), None, f"time {key}")
    for key in ("start", "stop", "dt"):
        if key not in block:
            ctx.error(f"time settings need '{key}'", _line(parent, "time"))
    method = str(block.get("method", "euler")).lower()
    if method not in ("euler", "rk4"):
        ctx.error(f"unknown integration method '{method}'", _line(block, "method"),
                  hint="use euler or rk4")
    for key in block:
        if key not in {"start", "stop", "dt", "method", "save_step", "units"}:
            ctx.error(f"unknown time setting '{key}'", _line(block, key))
    spec = TimeSpec(start=vals.get("start") or 0.0, stop=vals.get("stop") or 0.0,
                    dt=vals.get("dt") or 0.0, method=method, save_step=vals.get("save_step"),
                    units=str(block.get("units", "")))
    check_time(spec, ctx.file, _line(parent, "time"))
    return spec


def check_time(spec: TimeSpec, file=None, line=None):
    """dt > 0, stop > start, a whole number of steps, save step a multiple of dt."""
    if not spec.dt > 0:
        raise ModelError(f"time step dt must be positive, got {spec.dt:g}", file=file, line=line,
                         hint="for monthly steps over years use dt: 1/12")
    if not spec.stop > spec.start:
        raise ModelError(f"stop ({spec.stop:g}) must come after start ({spec.start:g})",
                         file=file, line=line)
    n = (spec.stop - spec.start) / spec.dt
    if abs(n - round(n)) > 1e-6 * max(1.0, n):
        raise ModelError(f"the horizon {spec.start:g}..{spec.stop:g} is not a whole number of steps "
                         f"of dt={spec.dt:g}", file=file, line=line)
    if spec.save_step is not None and spec.save_step < spec.dt * (1 - 1e-9):
        raise ModelError("save_step must be at least dt", file=file, line=line)


def suggest(name, candidates):
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
