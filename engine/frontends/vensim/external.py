"""Data variables without an equation (``demand ~ widget ~ |``, ``x[r] :HOLD BACKWARD: ~~|``):
their values come from the external data file given with the run (``--data``), one column per
variable or per element (``x[a]``), as Vensim reads the data of another run.

Each series becomes hidden lookups over time, read as its keyword says: interpolated
(``:INTERPOLATE:``, the default), held (``:HOLD BACKWARD:``), looked ahead to (``:LOOK FORWARD:``)
or ``:RAW:``: the value at the data's own times only, missing (NaN, as ``:NA:``) between them.
``as_read`` does this for any series, so GET data can read its keyword the same way.
"""
from __future__ import annotations

import math

from ... import lang as ex
from ...model import Element, Where
from ...model.arrays import Piece
from .data import steps
from .errors import VensimError

RAW_TOL = 1e-9      # a time is a data time within this fraction of the data's time span (at least 1)


def scalar(b, d, common: dict) -> list:
    """The elements of one data variable without an equation: hidden lookups and the variable."""
    lookups, node = _reader(b, d, d.name, common["name"], common["where"])
    return lookups + [Element(kind="auxiliary", equation=node, text="(data)", **common)]


def arrayed(b, defs: list, common: dict) -> list:
    """The elements of an arrayed data variable without an equation: hidden lookups per element
    (the data file's column ``name[a,b]``) and the variable, one piece per element."""
    out: list = []
    pieces = []
    for d in defs:
        if d.exclude:
            raise VensimError("a data variable without an equation cannot use :EXCEPT:", **b.where(d))
        where = Where(b.file, d.rec.line)
        for cell_keys in _cell_keys(b, d):
            cell = tuple(b.ranges.elem_ids[e] for e in cell_keys)
            column = f"{d.name}[{','.join(cell_keys)}]"
            lookups, node = _reader(b, d, column, f"{common['name']}[{','.join(cell)}]", where)
            out += lookups
            pieces.append(Piece(cell, equation=node, text="(data)", where=where))
    return out + [Element(kind="auxiliary", pieces=tuple(pieces), **common)]


def _cell_keys(b, d) -> list:
    import itertools
    return [tuple(combo) for combo in itertools.product(*[b.ranges.cells(s) for s in d.subs])]


def _reader(b, d, column: str, owner: str, where) -> tuple:
    """(hidden lookups, the expression of the value at time) of one column of the data file."""
    points = b.data.series(column) if b.data is not None else None
    if points is None:
        if b.data is None or b.data.external is None:
            named = ", ".join(b.settings_data)
            raise VensimError("a data variable without an equation takes its values from a data file; "
                              "none was given that holds it", **b.where(d),
                              hint="give one with --data FILE, a .csv or .tab of time and values" +
                              (f"; the model's settings load {named} with a run: a .vdf is Vensim's binary "
                               "format, export it from Vensim as .tab" if named else ""))
        raise VensimError(f"the data file {b.data.external.name} has no column '{column}'", **b.where(d),
                          hint="a data variable without an equation reads the column of its name")
    return as_read(points, d.keyword, f"{owner}:data", where, f"data of {column} from {b.data.external.name}")


def as_read(points: tuple, keyword: str, name: str, where, doc: str) -> tuple:
    """(hidden lookups, the expression of the value at time) of a data series read as its keyword
    says (``name``: the lookup's name; :RAW: adds ``name:times``)."""
    time = ex.Name(0, "time")
    if keyword != "raw":
        lookup = Element(kind="lookup", name=name, points=steps(points, keyword), hidden=True, where=where,
                         doc=doc)
        return [lookup], ex.Call(0, name, (time,))
    # :RAW: the held value where time is a data time, missing elsewhere
    span = max(1.0, max(abs(t) for t, _ in points))
    held_time = Element(kind="lookup", name=f"{name}:times", points=steps(tuple((t, t) for t, _ in points),
                        "hold backward"), hidden=True, where=where, doc=f"the data times of {doc}")
    held = Element(kind="lookup", name=name, points=steps(points, "hold backward"), hidden=True, where=where,
                   doc=doc)
    off = ex.Call(0, "abs", (ex.Bin(0, "-", time, ex.Call(0, held_time.name, (time,))),))
    node = ex.If(0, ex.Bin(0, "<=", off, ex.Num(0, RAW_TOL * span)), ex.Call(0, name, (time,)), ex.Num(0, math.nan))
    return [held_time, held], node
