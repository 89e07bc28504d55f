"""What the page is told about a scenario: its levers, graph panels, report years and variables."""
from __future__ import annotations

import math

from ..levers import lever_groups
from .validate import MAX_VARIABLES

DEFAULT_PANELS = 6              # panels shown for a scenario whose report names no figures


def _units(variables, names) -> str:
    units = []
    for n in names:
        u = variables[n].units
        if u and u not in units:
            units.append(u)
    return " | ".join(units)


def panels(sc) -> list:
    """Graph panels from the scenario's ``report: figures`` (only variables the run saves), or one
    panel per stock when it names none."""
    out = []
    for fig in sc.loaded.model.report.figures:
        names = [n for n in fig.variables if n in sc.variables]
        if names:
            out.append({"title": fig.title or fig.name or names[0], "variables": names,
                        "units": _units(sc.variables, names), "ylabel": fig.ylabel or ""})
    if not out:
        stocks = [n for n, e in sc.variables.items() if e.kind == "stock"][:DEFAULT_PANELS]
        out = [{"title": sc.variables[n].doc or n, "variables": [n],
                "units": sc.variables[n].units, "ylabel": ""} for n in stocks]
    return out


def years(sc) -> list:
    """The years the page compares at: the report's, or the start, middle and end of the run."""
    t = sc.baseline.times
    chosen = [float(y) for y in sc.loaded.model.report.years if t[0] <= float(y) <= t[-1]]
    return chosen or [float(t[0]), float(t[len(t) // 2]), float(t[-1])]


def documentation(model) -> list:
    """Every parameter of the model with its value, units, range, description and source."""
    def finite(x):
        return x if math.isfinite(x) else None
    return [{"name": n, "value": e.value, "units": e.units,
             "range": [finite(x) for x in e.range] if e.range else None,
             "doc": e.doc, "source": e.source, "module": e.module}
            for n, e in sorted(model.parameters.items()) if not e.hidden]


def describe(sc, dominance: bool) -> dict:
    """The scenario as the page needs it (JSON-ready)."""
    model = sc.loaded.model
    return {
        "name": sc.name, "title": model.name, "file": sc.path.name,
        "description": " ".join(model.description.split()),
        "time": {"start": model.time.start, "stop": model.time.stop, "dt": model.time.dt,
                 "units": model.time.units or "time"},
        "groups": [{"name": g, "levers": [lv.to_dict() for lv in levers]}
                   for g, levers in lever_groups(sc.levers.values())],
        "panels": panels(sc), "years": years(sc),
        "variables": [{"name": n, "kind": e.kind, "units": e.units, "doc": e.doc, "module": e.module}
                      for n, e in sc.variables.items()],
        "data": sorted(sc.data), "data_error": sc.data_error,
        "dominance": bool(dominance), "max_variables": MAX_VARIABLES,
        "parameters": documentation(model),
    }
