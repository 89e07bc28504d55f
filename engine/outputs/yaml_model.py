"""Write a model as a carbonloop YAML scenario (``carbonloop convert``): time settings, stocks,
flows, auxiliaries, parameters and lookups, each with its units and documentation.

Elements a front end made for the model (a stock's net flow, a WITH LOOKUP table, a macro
call's variables) are written too, under identifiers YAML accepts, so that the YAML model runs
with the same numbers.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from .. import lang as ex
from ..errors import ModelError

KINDS = (("stock", "stocks"), ("flow", "flows"), ("auxiliary", "auxiliaries"),
         ("parameter", "parameters"), ("lookup", "lookups"))


def _safe_names(model) -> dict:
    """Element name -> a YAML identifier (hidden names such as 'x:rate:1' become 'x__rate_1'); a
    cell of an array -> ``array[e1, e2]`` with the array's identifier (lookups' cells also by their
    lower-case name, as calls name them)."""
    out: dict = {}
    used = {n.lower() for n in model.elements if n.isidentifier() and not n.startswith("__")}
    arrays = {a.name for a in model.arrays}
    for name in sorted(arrays):
        out[name] = name if name.isidentifier() and not name.startswith("__") else _fresh(name, used)
    for a in model.arrays:
        for cell in a.cells:
            elems = cell[len(a.name) + 1:-1]
            out[cell] = f"{out[a.name]}[{elems.replace(',', ', ')}]"
            out[cell.lower()] = out[cell]
    for n in model.elements:
        if n in out:
            continue
        out[n] = n if n.isidentifier() and not n.startswith("__") else _fresh(n, used)
    return out


def _fresh(name: str, used: set) -> str:
    """An identifier for a name YAML cannot take as it is, unused so far (then used)."""
    base = re.sub(r"\W", "_", name.replace(":", "__", 1)).replace(":", "_").lstrip("_") or "v"
    base = "v_" + base if base[0].isdigit() else base
    cand, k = base, 2
    while cand.lower() in used:
        cand, k = f"{base}_{k}", k + 1
    used.add(cand.lower())
    return cand


def _rename(node, names: dict):
    def one(n):
        if isinstance(n, ex.Name) and n.id in names:
            return ex.Name(n.pos, names[n.id])
        if isinstance(n, ex.Call) and n.fn in names:
            return ex.Call(n.pos, names[n.fn], n.args)
        return n
    return ex.transform(node, one)


def _number(v: float):
    return int(v) if float(v).is_integer() and abs(v) < 1e15 else float(v)


def document(model) -> dict:
    """The model as the mapping a YAML scenario file holds."""
    if model.events or model.checks:
        raise ModelError("a model with events or checks cannot be converted yet", file=model.where.file)
    names = _safe_names(model)
    t = model.time
    time = {"start": _number(t.start), "stop": _number(t.stop), "dt": _number(t.dt), "method": t.method}
    if t.save_step is not None:
        time["save_step"] = _number(t.save_step)
    if t.units:
        time["units"] = t.units
    if t.precision != "double":
        time["precision"] = t.precision
    doc: dict = {"scenario": re.sub(r"\W", "_", model.name) or "model",
                 "description": model.description or f"converted from {model.where.file}", "time": time}
    if model.dimensions:
        doc["dimensions"] = {d.name: _dimension(d) for d in model.dimensions}
    owner = {c: a for a in model.arrays for c in a.cells}
    for kind, section in KINDS:
        block: dict = {}
        for name, el in model.elements.items():
            if el.kind != kind:
                continue
            if name in owner:
                a = owner[name]
                if a.cells[0] == name:
                    dims = ", ".join(d.split("#")[0] for d in a.dims)     # region#2: region again
                    block[f"{names[a.name]}[{dims}]"] = _array(a, model, names)
                continue
            spec: dict = {}
            if kind == "parameter":
                spec["value"] = _number(el.value if el.value is not None else 0.0)
                if el.range:
                    spec["range"] = [_number(el.range[0]), _number(el.range[1])]
            elif kind == "lookup":
                spec["points"] = [[_number(x), _number(y)] for x, y in el.points]
                if el.extrapolate:
                    spec["extrapolate"] = True
            else:
                text = ex.unparse(_rename(el.equation, names)) if el.equation is not None else "0"
                spec["initial" if kind == "stock" else "equation"] = text
                if kind == "stock":
                    if el.inflows:
                        spec["inflows"] = [names[f] for f in el.inflows]
                    if el.outflows:
                        spec["outflows"] = [names[f] for f in el.outflows]
                    if el.non_negative:
                        spec["non_negative"] = True
            if el.units:
                spec["units"] = el.units
            if el.doc:
                spec["doc"] = el.doc
            if el.label and el.label != names[name]:
                spec["source"] = el.source or f"'{el.label}'"
            block[names[name]] = spec
        if block:
            doc[section] = block
    return doc


def _dimension(d):
    elems = list(d.elements)
    if d.family:
        return {"elements": elems, "positions_in": d.family, **({"maps_to": [m.target for m in d.maps]}
                                                               if d.maps and all(m.elements is None for m in d.maps)
                                                               else {})}
    if not d.maps:
        return elems
    maps = {m.target: list(m.elements) for m in d.maps if m.elements is not None}
    positional = [m.target for m in d.maps if m.elements is None]
    if positional and not maps:
        return {"elements": elems, "maps_to": positional[0] if len(positional) == 1 else positional}
    if positional:
        raise ModelError(f"dimension '{d.name}' maps both by position and by element; write it by hand")
    return {"elements": elems, "maps_to": maps}


def _array(a, model, names) -> dict:
    """One arrayed element: its cells as per-element entries (their equations as resolved)."""
    cells = [model.elements[c] for c in a.cells]
    first = cells[0]
    spec: dict = {}
    subs = [c.name[len(a.name) + 1:-1].replace(",", ", ") for c in cells]
    if first.kind == "parameter":
        spec["value"] = {s: _number(c.value if c.value is not None else 0.0) for s, c in zip(subs, cells)}
        if first.range:
            spec["range"] = [_number(first.range[0]), _number(first.range[1])]
    elif first.kind == "lookup":
        spec["elements"] = {s: [[_number(x), _number(y)] for x, y in c.points] for s, c in zip(subs, cells)}
        if first.extrapolate:
            spec["extrapolate"] = True
    else:
        key = "initial" if first.kind == "stock" else "equation"
        spec[key] = "0"
        spec["elements"] = {s: ex.unparse(_rename(c.equation, names)) for s, c in zip(subs, cells)}
        if first.kind == "stock":
            flows = {f.split("[")[0] for c in cells for f in c.inflows}
            outs = {f.split("[")[0] for c in cells for f in c.outflows}
            if flows:
                spec["inflows"] = sorted(names.get(f, f) for f in flows)
            if outs:
                spec["outflows"] = sorted(names.get(f, f) for f in outs)
            if first.non_negative:
                spec["non_negative"] = True
    if first.units:
        spec["units"] = first.units
    if first.doc:
        spec["doc"] = first.doc
    return spec


def write(model, path) -> str:
    """Write ``model`` as a YAML scenario file; returns the path written."""
    if model.time.phases:
        raise ModelError(f"cannot export '{model.name}' to YAML without changing what it computes: its time "
                         "step changes during the run, and a scenario's time step is one number",
                         file=model.where.file)
    text = yaml.safe_dump(document(model), sort_keys=False, allow_unicode=True, width=100)
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ModelError(f"cannot write the file: {exc.strerror}", file=str(path)) from None
    return str(path)
