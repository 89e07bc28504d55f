"""Export a carbonloop ``Model`` as an XMILE 1.0 file that Stella and PySD read.

Parameters become constant auxiliaries, lookups graphical functions, modules are flattened
(names are unique across a carbonloop model). An arrayed element is written as an array: the
file's <dimensions>, and one variable over its dimensions whose <element subscript="..."> each
hold one cell's equation (references to cells written ``capacity[north, solar]``). Scheduled
events that set or ramp parameters become STEP / RAMP terms of the parameter's equation;
scheduled events that set stocks become a flow and auxiliaries that give the same numbers
(resets.py); balance checks become auxiliaries holding lhs - rhs. What has no XMILE form
(conditional events, a change during a ramp, ...) makes the export refuse to write the file,
naming it, unless ``lossy`` asks to write it without.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ... import lang as ex
from ...errors import ModelError
from .emit import CannotExport, Emitter
from .events import fire_steps, parameter_equations
from .resets import Resets

OASIS = "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"


def xmile_name(name: str) -> str:
    return name.replace(":", "_")


def _sub(parent, tag, text=None, **attrs):
    el = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = str(text)
    return el


def to_xml(model) -> tuple[ET.Element, list]:
    """The <xmile> element of a model, and the notes on what it leaves out."""
    notes: list = []
    if model.time.phases:
        notes.append("the time step, which changes during the run (XMILE's <dt> is one number)")
    if model.time.precision != "double":
        notes.append(f"its {model.time.precision} precision (XMILE has no setting for it: the file would run in "
                     "double precision)")
    els = model.elements
    names = {n: xmile_name(n) for n in els}
    owner: dict = {}                # cell -> (its array, its element names)
    for a in model.arrays:
        for cell, elems in zip(a.cells, _combos(a.elements)):
            owner[cell] = (a, elems)
            names[cell] = f"{xmile_name(a.name)}[{', '.join(elems)}]"

    def name(n, strict=True):
        if n in names:
            return names[n]
        if strict:
            raise CannotExport(f"name '{n}'")
        return None
    em = Emitter(name, {n for n, e in els.items() if e.kind == "lookup"}, model.time)
    root = ET.Element("xmile", {"version": "1.0", "xmlns": OASIS})
    header = _sub(root, "header")
    _sub(header, "name", model.name)
    _sub(header, "vendor", "carbonloop")
    _sub(header, "product", "carbonloop", version=_version(), lang="en")
    t = model.time
    spec = _sub(root, "sim_specs", method="RK4" if t.method == "rk4" else "Euler",
                time_units=t.units or "Time")
    _sub(spec, "start", repr(float(t.start)))
    _sub(spec, "stop", repr(float(t.stop)))
    _sub(spec, "dt", repr(float(t.dt)))
    if t.save_step:
        _sub(spec, "save_step", repr(float(t.save_step)))
    if model.dimensions:
        dims = _sub(root, "dimensions")
        for d in model.dimensions:
            dim = _sub(dims, "dim", name=d.name)
            for e in d.elements:
                _sub(dim, "elem", name=e)
    variables = _sub(_sub(root, "model"), "variables")
    equations, event_notes = parameter_equations(model)
    notes += event_notes
    resets = Resets(model, fire_steps(model), cells=set(owner))
    try:
        extra = resets.build()
    except CannotExport as exc:
        notes.append(f"events left out: {exc}")
        extra, resets.renamed = [], {}
    for c in model.checks:
        extra.append(("aux", resets._name(f"{xmile_name(c.name).replace(' ', '_')}_check"),
                      ex.Bin(0, "-", c.lhs, c.rhs), "",
                      f"balance check '{c.name}': {c.text} (zero within a relative {c.tolerance:g})"))
    names.update({spec[1]: xmile_name(spec[1]) for spec in extra})
    arrays_done: set = set()
    for n, e in els.items():
        try:
            if n in owner:
                a = owner[n][0]
                if a.name not in arrays_done:
                    arrays_done.add(a.name)
                    _array(variables, a, els, em, names, owner, equations)
                continue
            if n in resets.renamed:
                base, change = resets.renamed[n]
                e = e.with_(name=base, inflows=e.inflows + (change,))
                names[base], names[change] = xmile_name(base), xmile_name(change)
            _variable(variables, e, em, names, equations.get(n))
        except CannotExport as exc:
            notes.append(f"{e.kind} '{owner[n][0].name if n in owner else n}' left out: {exc} has no XMILE form")
    for tag, n, tree, units, doc in extra:
        try:
            el = _sub(variables, tag, name=names[n])
            _sub(el, "eqn", em.text(tree))
            if units:
                _sub(el, "units", units)
            _sub(el, "doc", doc)
        except CannotExport as exc:
            notes.append(f"'{n}' left out: {exc} has no XMILE form")
    return root, notes


def _variable(parent, e, em, names, equation):
    if e.kind == "lookup":
        gf = _sub(parent, "gf", name=names[e.name], type="extrapolate" if e.extrapolate else "continuous")
        xs, ys = zip(*e.points)
        _sub(gf, "xpts", ",".join(repr(float(x)) for x in xs))
        _sub(gf, "ypts", ",".join(repr(float(y)) for y in ys))
        return _meta(gf, e)
    tag = {"stock": "stock", "flow": "flow"}.get(e.kind, "aux")
    node = equation if equation is not None else e.equation
    text = em.text(node)            # may raise before anything is written
    el = _sub(parent, tag, name=names[e.name])
    _sub(el, "eqn", text)
    if e.kind == "stock":
        for f in e.inflows:
            _sub(el, "inflow", names[f])
        for f in e.outflows:
            _sub(el, "outflow", names[f])
        if e.non_negative:
            _sub(el, "non_negative")
    _meta(el, e)


def _combos(elements) -> list:
    import itertools
    return list(itertools.product(*elements))


def _array(parent, a, els, em, names, owner, equations):
    """One arrayed element: a variable over its dimensions, one <element> per cell."""
    cells = [els[c] for c in a.cells if c in els]
    first = cells[0]
    if first.kind == "lookup":
        raise CannotExport("an arrayed graphical function")
    texts = [em.text(equations.get(c.name, c.equation)) for c in cells]     # may raise first
    tag = {"stock": "stock", "flow": "flow"}.get(first.kind, "aux")
    el = _sub(parent, tag, name=xmile_name(a.name))
    dims = _sub(el, "dimensions")
    for d in a.dims:
        _sub(dims, "dim", name=d.split("#")[0])     # region#2 (a dimension twice): region again
    for c, text in zip(cells, texts):
        _sub(_sub(el, "element", subscript=", ".join(owner[c.name][1])), "eqn", text)
    if first.kind == "stock":
        for key in ("inflow", "outflow"):
            for f in first.inflows if key == "inflow" else first.outflows:
                _sub(el, key, xmile_name(owner[f][0].name) if f in owner else names[f])
        if first.non_negative:
            _sub(el, "non_negative")
    _meta(el, first)


def _meta(el, e):
    if e.units:
        _sub(el, "units", e.units)
    if e.doc:
        _sub(el, "doc", e.doc)


def _version():
    from ... import __version__
    return __version__


def write(model, path, lossy: bool = False) -> list:
    """Write ``model`` to ``path`` as XMILE; returns notes on what was left out (none unless
    ``lossy``).

    A model with anything XMILE cannot express is refused (a ModelError naming each part) and
    no file is written: the file would compute something else. ``lossy=True`` writes it without
    those parts and returns their list.
    """
    root, notes = to_xml(model)
    if notes and not lossy:
        raise ModelError(f"cannot export '{model.name}' to XMILE without changing what it computes: "
                         + "; ".join(notes), file=model.where.file,
                         hint="'carbonloop export --lossy' (write(..., lossy=True)) writes it without these "
                              "parts and lists them")
    ET.indent(root)
    try:
        Path(path).write_text('<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")
                              + "\n")
    except OSError as exc:
        raise ModelError(f"cannot write the file: {exc.strerror}", file=str(path)) from None
    return notes


__all__ = ["write", "to_xml", "ex"]
