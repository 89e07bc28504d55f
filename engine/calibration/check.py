"""Checking a calibration spec against its loaded model: parameters and bounds, variables, units,
times within the run."""
from __future__ import annotations

import math
from dataclasses import replace

from ..errors import ModelError
from ..model.check import suggest
from .data import conversion
from .readouts import check_units, reading_times


def check_against(spec, loaded):
    """Check the spec against the loaded model: parameters, bounds, variables, units, times.

    Returns the spec with 'declared' bounds resolved to the model's ranges."""
    params = loaded.parameters
    els = loaded.model.elements
    resolved = []
    for p in spec.parameters:
        where = dict(file=spec.file, line=p.line, element=p.name)
        if p.name not in params:
            kind = els[p.name].kind if p.name in els else None
            raise ModelError(f"'{p.name}' is a {kind}, not a parameter" if kind else
                             f"the model '{loaded.name}' has no parameter '{p.name}'", **where,
                             hint=suggest(p.name, list(params)))
        rng = params[p.name].range
        lo, hi = (p.low, p.high)
        if math.isnan(lo):
            if not rng:
                raise ModelError("the model declares no range for this parameter", **where,
                                 hint="give 'bounds: [low, high]'")
            lo, hi = float(rng[0]), float(rng[1])
            if not lo < hi:
                raise ModelError(f"the declared range [{lo:g}, {hi:g}] leaves nothing to estimate", **where)
        if rng and (lo < rng[0] or hi > rng[1]):
            raise ModelError(f"bounds [{lo:g}, {hi:g}] lie outside the declared range "
                             f"[{rng[0]:g}, {rng[1]:g}]", **where,
                             hint="narrow the bounds or widen the range in the model")
        if p.scale == "log" and lo <= 0:
            raise ModelError("a log scale needs positive bounds", **where)
        resolved.append(replace(p, low=lo, high=hi))
    for name in spec.fixed:
        if name not in params:
            raise ModelError(f"'fixed' names '{name}', which is not a parameter", file=spec.file,
                             element=name, hint=suggest(name, list(params)))
        if name in spec.names:
            raise ModelError("a parameter cannot be both fixed and estimated", file=spec.file, element=name)
    t = loaded.model.time
    for s in spec.series:
        where = dict(file=spec.file, line=s.line, element=s.name)
        if s.variable not in els or els[s.variable].kind == "lookup":
            raise ModelError(f"the series reads '{s.variable}', which the model does not have", **where,
                             hint=suggest(s.variable, [n for n, e in els.items() if e.kind != "lookup"]))
        var_units = els[s.variable].units
        _, units = conversion(s.series, var_units)
        check_units(units, var_units, s.read, t.units, where)
        for k in range(len(s.series)):
            a, b = reading_times(s.read, s.series.time[k], s.series.end[k])
            if a < t.start - 1e-9 or b > t.stop + 1e-9:
                raise ModelError(f"observation at {s.series.time[k]:g} needs the model at "
                                 f"{a:g}..{b:g}, outside the run ({t.start:g}..{t.stop:g})",
                                 file=s.series.file, line=s.series.lines[k], element=s.name,
                                 hint="select rows with 'times: [from, to]' in the spec")
    if spec.project is not None and not spec.project <= t.stop + 1e-9:
        raise ModelError(f"'project: {spec.project:g}' lies after the end of the run ({t.stop:g})",
                         file=spec.file, line=spec.lines.get("project"),
                         hint="project to the run's end at most, or extend the scenario")
    canonical = dict(spec.canonical, parameters=[[p.name, p.low, p.high, p.scale, p.prior] for p in resolved])
    return replace(spec, parameters=tuple(resolved), canonical=canonical)
