"""YAML module sections -> elements: stocks, flows, auxiliaries, parameters, lookups."""
from __future__ import annotations

from ... import lang as ex
from ...lang.names import is_reserved
from ...model import Element, Module, Where
from ...model.check import huge_in, is_finite_number
from . import arrays
from .fields import Fields, line_of

SECTIONS = {"stocks": "stock", "flows": "flow", "auxiliaries": "auxiliary",
            "parameters": "parameter", "lookups": "lookup"}
COMMON_FIELDS = {"units", "doc", "description", "source", "polarity", "comment"}
FIELDS = {"stock": {"initial", "inflows", "outflows", "non_negative"}, "flow": {"equation"},
          "auxiliary": {"equation"}, "parameter": {"value", "range"}, "lookup": {"points", "extrapolate"}}
ARRAY_FIELDS = {"elements"}     # per-element entries of an arrayed element
MAX_LOOKUP_POINTS = 100_000


def parse_module(data, name: str, file: str) -> Module:
    """A module's elements from a parsed YAML mapping (every problem reported at once)."""
    from .sections import parse_checks
    ctx = Fields(file)
    elements = []
    seen: dict = {}
    for section, kind in SECTIONS.items():
        block = ctx.mapping(data.get(section), line_of(data, section), section)
        for ename, spec in block.items():
            line = line_of(block, ename)
            if ename in seen:
                ctx.error(f"'{ename}' is defined twice in this module (also as a {seen[ename]})",
                          line, str(ename))
                continue
            el = element(ename, spec, kind, name, ctx, line)
            if el is not None:
                seen[ename] = kind
                elements.append(el)
    inputs = ctx.names(data.get("inputs"), line_of(data, "inputs"), None, "inputs")
    outputs = ctx.names(data.get("outputs"), line_of(data, "outputs"), None, "outputs")
    for o in outputs:
        if o not in seen:
            ctx.error(f"output '{o}' is not an element of module '{name}'", line_of(data, "outputs"))
    checks = tuple(parse_checks(data.get("checks"), ctx, data))
    dimensions = arrays.parse_dimensions(data.get("dimensions"), ctx, data) if data.get("dimensions") else ()
    ctx.check()
    return Module(name=name, elements=tuple(elements), inputs=inputs, outputs=outputs,
                  description=str(data.get("description", "") or ""),
                  where=Where(file, line_of(data, "inputs") or line_of(data, "module")),
                  checks=checks, dimensions=dimensions)


def element(key, spec, kind, module, ctx: Fields, line) -> Element | None:
    """One element from its YAML entry (a mapping, or a bare equation / value); a key
    ``name[dim, ...]`` declares an arrayed element."""
    split = arrays.split_name(key)
    if split is None:
        ctx.error(f"'{key}' is not a valid arrayed element name", line, str(key),
                  hint="write name[dimension, ...] with declared dimensions")
        return None
    name, dims = split
    el = _element(name, spec, kind, module, ctx, line, dims)
    if el is None or not dims:
        return el
    pieces = arrays.pieces(spec, kind, dims, ctx, line, name) if isinstance(spec, dict) else ()
    if kind == "parameter" and isinstance(spec, dict):
        pieces = (arrays.value_pieces(spec.get("value"), dims, ctx, line, name) or ()) + pieces
    elif kind == "parameter":
        pieces = arrays.value_pieces(spec, dims, ctx, line, name) or ()
    return el.with_(dims=dims, pieces=pieces)


def _element(name, spec, kind, module, ctx: Fields, line, dims) -> Element | None:
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("__"):
        ctx.error(f"'{name}' is not a valid element name (letters, digits and '_', "
                  "not starting with a digit or '__')", line, str(name))
        return None
    if is_reserved(name):
        ctx.error(f"'{name}' is a reserved name", line, name)
        return None
    if not isinstance(spec, dict):
        spec = {"value" if kind == "parameter" else "points" if kind == "lookup" else
                "initial" if kind == "stock" else "equation": spec}
    allowed = COMMON_FIELDS | FIELDS[kind] | (ARRAY_FIELDS if dims else set())
    for key in spec:
        if key not in allowed:
            article = "an" if kind[0] in "aeiou" else "a"
            ctx.error(f"unknown field '{key}' for {article} {kind}", line_of(spec, key) or line, name,
                      hint="allowed: " + ", ".join(sorted(allowed)))
    common = dict(name=name, kind=kind, units=_text(spec.get("units")),
                  doc=_text(spec.get("doc", spec.get("description"))), source=_text(spec.get("source")),
                  module=module, where=Where(ctx.file, line), polarity=_polarity(spec, ctx, line, name))
    if kind == "parameter":
        if dims and isinstance(spec.get("value"), (list, dict)) or dims and "value" not in spec and "elements" in spec:
            spec = dict(spec, value=0.0)        # the cells' values are pieces
        return _parameter(spec, common, ctx, line, name)
    if kind == "lookup":
        if dims and "points" not in spec and "elements" in spec:
            return Element(**common)
        return _lookup(spec, common, ctx, line, name)
    key = "initial" if kind == "stock" else "equation"
    if key not in spec and dims and "elements" in spec:
        node = None                             # every cell from 'elements'
    elif key not in spec:
        ctx.error(f"a {kind} needs '{key}'", line, name)
        return None
    else:
        what = "initial value" if kind == "stock" else "equation"
        node = ctx.parse(spec[key], line_of(spec, key) or line, name, what)
        if node is None:
            return None
    extra: dict = {}
    if kind == "stock":
        for flows in ("inflows", "outflows"):
            extra[flows] = ctx.names(spec.get(flows), line_of(spec, flows) or line, name, flows)
        extra["non_negative"] = ctx.flag(spec.get("non_negative", False), line_of(spec, "non_negative") or line,
                                         name, "non_negative")
    return Element(equation=node, text=str(spec.get(key, "")), **common, **extra)


def _text(value) -> str:
    return "" if value is None else str(value)


def _polarity(spec, ctx, line, name) -> tuple:
    pol = spec.get("polarity") or {}
    if not isinstance(pol, dict) or any(str(v) not in ("+", "-") for v in pol.values()):
        ctx.error("polarity must map input names to '+' or '-'", line, name)
        return ()
    return tuple((str(k), str(v)) for k, v in pol.items())


def _parameter(spec, common, ctx: Fields, line, name) -> Element | None:
    if "value" not in spec:
        ctx.error("a parameter needs a value", line, name)
        return None
    value = ctx.number(spec["value"], line_of(spec, "value") or line, name, "value")
    rng = spec.get("range")
    if rng is not None:
        rline = line_of(spec, "range") or line
        # YAML 1.1 reads 1e6 (no dot) as text: bounds are read as constant equations
        bounds = [ctx.number(r, rline, name, "range bound") for r in rng] \
            if isinstance(rng, list) and len(rng) == 2 else None
        if not bounds or None in bounds or bounds[0] > bounds[1]:
            ctx.error("range must be [low, high] with low <= high", rline, name)
            rng = None
        else:
            rng = (bounds[0], bounds[1])
            if value is not None and not rng[0] <= value <= rng[1]:
                ctx.error(f"value {value:g} is outside its declared range [{rng[0]:g}, {rng[1]:g}]",
                          line, name)
    v = value if value is not None else 0.0
    return Element(equation=ex.Num(0, v), text=repr(v), value=value, range=rng, **common)


def _lookup(spec, common, ctx: Fields, line, name) -> Element | None:
    pts = spec.get("points")
    ok = isinstance(pts, list) and 1 <= len(pts) <= MAX_LOOKUP_POINTS and all(
        isinstance(p, list) and len(p) == 2 and all(
            is_finite_number(v) for v in p) for p in pts)
    if not ok:
        ctx.error(f"a lookup needs points: [[x, y], ...] with finite numbers (1 to {MAX_LOOKUP_POINTS:,})"
                  + huge_in(pts), line, name)
        return None
    xs = [float(p[0]) for p in pts]
    if any(b <= a for a, b in zip(xs, xs[1:])):
        ctx.error("lookup x values must increase strictly", line, name)
        return None
    extrapolate = ctx.flag(spec.get("extrapolate", False), line_of(spec, "extrapolate") or line, name,
                           "extrapolate")
    return Element(points=tuple((float(x), float(y)) for x, y in pts), extrapolate=extrapolate, **common)
