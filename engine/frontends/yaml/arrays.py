"""YAML arrays: the ``dimensions:`` section, subscripted element names and per-element entries.

```yaml
dimensions:
  region: [north, south]                 # named elements
  tech: [solar, wind, coal]
  cohort: 5                              # elements 1..5
  age: a1..a12                           # a numeric range: a1, a2, ..., a12
  zone: {elements: [z1, z2], maps_to: region}                  # position by position
  area: {elements: [x, y, z], maps_to: {region: [north, north, south]}}   # element by element
auxiliaries:
  share[region, tech]: capacity[region, tech] / sum(capacity[region, *])
  output[region, tech]:
    equation: capacity * 0.2             # the default, broadcast by dimension name
    elements: {"north, coal": 0}         # exceptions, by element (or subrange, or '*')
parameters:
  growth[tech]: {value: [0.1, 0.05, 0.0]}      # a list (nested lists for more dimensions)
  demand[region]: {value: {north: 5, south: 7}}
```
"""
from __future__ import annotations

import re

from ...model import Where
from ...model.arrays import MAX_CELLS, Dimension, Mapping, Piece
from .fields import Fields, line_of

_SUBSCRIPTED = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\[(.*)\]\s*$")
_RANGE = re.compile(r"^\s*([A-Za-z_]*)(\d+)\s*\.\.\s*([A-Za-z_]*)(\d+)\s*$")


def split_name(key) -> tuple[str, tuple] | None:
    """``capacity[region, tech]`` -> ('capacity', ('region', 'tech')); a plain name -> (name, ());
    None when the brackets are malformed."""
    if not isinstance(key, str) or "[" not in key and "]" not in key:
        return key, ()
    m = _SUBSCRIPTED.match(key)
    if not m:
        return None
    subs = tuple(s.strip() for s in m.group(2).split(","))
    if not all(s.isidentifier() for s in subs):
        return None
    return m.group(1), subs


def parse_dimensions(block, ctx: Fields, data) -> tuple:
    """The ``dimensions:`` section of a module or scenario."""
    block = ctx.mapping(block, line_of(data, "dimensions"), "dimensions")
    out = []
    for name, spec in block.items():
        line = line_of(block, name)
        if not isinstance(name, str) or not name.isidentifier():
            ctx.error(f"'{name}' is not a valid dimension name", line, str(name))
            continue
        maps: tuple = ()
        if isinstance(spec, dict):
            unknown = set(spec) - {"elements", "maps_to", "doc"}
            if unknown:
                ctx.error(f"unknown field '{sorted(unknown)[0]}' for a dimension", line, name,
                          hint="allowed: elements, maps_to, doc")
            maps = _maps(spec.get("maps_to"), ctx, line, name)
            spec = spec.get("elements")
        elems = _elements(spec, ctx, line, name)
        if elems is not None:
            out.append(Dimension(name, elems, maps, Where(ctx.file, line)))
    return tuple(out)


def _elements(spec, ctx: Fields, line, name):
    if isinstance(spec, bool):
        spec = None
    if isinstance(spec, int):
        if not 1 <= spec <= MAX_CELLS:
            ctx.error(f"a dimension has 1 to {MAX_CELLS:,} elements, not {spec}", line, name)
            return None
        return tuple(str(i) for i in range(1, spec + 1))
    if isinstance(spec, str):
        m = _RANGE.match(spec)
        if not m or m.group(1) != m.group(3) or int(m.group(2)) > int(m.group(4)):
            ctx.error(f"'{spec}' is not a range of elements", line, name, hint="write e.g. a1..a12 or 1..5")
            return None
        lo, hi = int(m.group(2)), int(m.group(4))
        if hi - lo + 1 > MAX_CELLS:
            ctx.error(f"a dimension has at most {MAX_CELLS:,} elements", line, name)
            return None
        return tuple(f"{m.group(1)}{i}" for i in range(lo, hi + 1))
    if isinstance(spec, list) and spec and all(isinstance(e, (str, int)) and not isinstance(e, bool) for e in spec):
        elems = tuple(str(e) for e in spec)
        bad = [e for e in elems if not (e.isidentifier() or e.isdigit())]
        if bad:
            ctx.error(f"'{bad[0]}' is not a valid element name (letters, digits and '_')", line, name)
            return None
        if len(set(elems)) != len(elems):
            ctx.error("an element is named twice", line, name)
            return None
        return elems
    ctx.error("a dimension needs its elements: a list of names, a number of elements or a range a1..aN",
              line, name)
    return None


def _maps(spec, ctx: Fields, line, name) -> tuple:
    if spec is None:
        return ()
    if isinstance(spec, str):
        return (Mapping(spec),)
    if isinstance(spec, list) and all(isinstance(s, str) for s in spec):
        return tuple(Mapping(s) for s in spec)
    if isinstance(spec, dict) and all(isinstance(v, list) for v in spec.values()):
        return tuple(Mapping(str(k), tuple(str(e) for e in v)) for k, v in spec.items())
    ctx.error("maps_to is a dimension's name, a list of names, or {dimension: [its element for each of "
              "ours]}", line, name)
    return ()


def parse_subs(text, ndims: int, ctx: Fields, line, name):
    """The subscripts of a per-element entry (``"north, coal"``), one per dimension."""
    subs = tuple(s.strip() for s in str(text).split(","))
    if len(subs) != ndims or not all(s == "*" or s.isidentifier() or s.isdigit() for s in subs):
        ctx.error(f"'{text}' does not name one element (or subrange, or '*') for each of the element's "
                  f"{ndims} dimension{'s' * (ndims != 1)}", line, name)
        return None
    return subs


def pieces(spec, kind: str, dims: tuple, ctx: Fields, line, name) -> tuple:
    """Per-element entries: ``elements: {"north, coal": equation}`` (a parameter: a number; a
    lookup: points)."""
    block = spec.get("elements")
    if block is None:
        return ()
    if not isinstance(block, dict) or not block:
        ctx.error("'elements' maps subscripts (\"north, coal\") to equations", line_of(spec, "elements") or line, name)
        return ()
    out = []
    for sub_text, entry in block.items():
        eline = line_of(block, sub_text) or line
        subs = parse_subs(sub_text, len(dims), ctx, eline, name)
        if subs is None:
            continue
        where = Where(ctx.file, eline)
        if kind == "parameter":
            v = ctx.number(entry, eline, name, "value")
            if v is not None:
                out.append(Piece(subs, value=v, text=repr(v), where=where))
        elif kind == "lookup":
            out.append(Piece(subs, points=tuple(tuple(p) for p in entry) if isinstance(entry, list) else (),
                             where=where))
        else:
            node = ctx.parse(entry, eline, name)
            if node is not None:
                out.append(Piece(subs, equation=node, text=str(entry), where=where))
    return tuple(out)


def value_pieces(value, dims: tuple, ctx: Fields, line, name) -> tuple | None:
    """A parameter's value given as a list (nested lists for more dimensions) or a mapping from
    subscripts to numbers, as pieces; None when ``value`` is a single number."""
    if isinstance(value, dict):
        out = []
        for sub_text, v in value.items():
            subs = parse_subs(sub_text, len(dims), ctx, line, name)
            num = ctx.number(v, line, name, "value")
            if subs is not None and num is not None:
                out.append(Piece(subs, value=num, text=repr(num), where=Where(ctx.file, line)))
        return tuple(out)
    if isinstance(value, list):
        flat: list = []
        positions: list = []

        def walk(v, prefix):
            if isinstance(v, list):
                for i, x in enumerate(v):
                    walk(x, prefix + (i,))
            else:
                flat.append(v)
                positions.append(prefix)
        walk(value, ())
        if any(len(p) != len(dims) for p in positions):
            ctx.error(f"the value's lists are nested {max(len(p) for p in positions)} deep; '{name}' has "
                      f"{len(dims)} dimension{'s' * (len(dims) != 1)}", line, name)
            return ()
        out = []
        for pos, v in zip(positions, flat):
            num = ctx.number(v, line, name, "value")
            if num is not None:
                out.append(Piece(tuple(f"#{i + 1}" for i in pos), value=num, text=repr(num),
                                 where=Where(ctx.file, line)))
        return tuple(out)
    return None
