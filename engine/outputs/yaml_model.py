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
    """Element name -> a YAML identifier (hidden names such as 'x:rate:1' become 'x__rate_1')."""
    out: dict = {}
    used = {n.lower() for n in model.elements if n.isidentifier() and not n.startswith("__")}
    for n in model.elements:
        if n.isidentifier() and not n.startswith("__"):
            out[n] = n
            continue
        base = re.sub(r"\W", "_", n.replace(":", "__", 1)).replace(":", "_").lstrip("_") or "v"
        base = "v_" + base if base[0].isdigit() else base
        cand, k = base, 2
        while cand.lower() in used:
            cand, k = f"{base}_{k}", k + 1
        used.add(cand.lower())
        out[n] = cand
    return out


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
    doc: dict = {"scenario": re.sub(r"\W", "_", model.name) or "model",
                 "description": model.description or f"converted from {model.where.file}", "time": time}
    for kind, section in KINDS:
        block: dict = {}
        for name, el in model.elements.items():
            if el.kind != kind:
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


def write(model, path) -> str:
    """Write ``model`` as a YAML scenario file; returns the path written."""
    text = yaml.safe_dump(document(model), sort_keys=False, allow_unicode=True, width=100)
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ModelError(f"cannot write the file: {exc.strerror}", file=str(path)) from None
    return str(path)
