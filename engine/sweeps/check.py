"""A sweep spec against the model it varies: parameter and variable names, metric conditions and
times, and sampled values against the ranges the model declares."""
from __future__ import annotations

import math

import numpy as np

from ..errors import ModelError
from ..model.check import expression_problems, suggest
from .distributions import Parameter
from .spec import SweepSpec


def check_against(spec: SweepSpec, model) -> SweepSpec:
    """Check the spec against a loaded model: parameter and variable names, times, ranges.

    Returns the spec with 'declared' parameters resolved to uniform over the model's range.
    """
    from dataclasses import replace
    params = model.parameters
    resolved = []
    for p in spec.parameters:
        if p.name not in params:
            kind = model.model.elements[p.name].kind if p.name in model.model.elements else None
            raise ModelError(f"'{p.name}' is a {kind}, not a parameter" if kind else
                             f"the model '{model.name}' has no parameter '{p.name}'", file=spec.file,
                             line=p.line, element=p.name, hint=suggest(p.name, list(params)))
        if p.distribution == "declared":
            rng = params[p.name].range
            if not rng:
                raise ModelError("the model declares no range for this parameter", file=spec.file,
                                 line=p.line, element=p.name, hint="give a distribution or a range")
            p = Parameter(p.name, "uniform", (("low", float(rng[0])), ("high", float(rng[1]))), p.line)
        resolved.append(p)
    els = model.model.elements
    t = model.model.time
    for m in spec.metrics:
        if m.condition is not None:
            for msg, hint in expression_problems(m.condition, els, stateful=False, variables_only=True):
                raise ModelError(f"metric '{m.name}': {msg}", file=spec.file, line=m.line, element=m.name,
                                 hint=hint)
        for v in m.variables:
            if v not in els or els[v].kind in ("lookup",):
                raise ModelError(f"metric '{m.name}' reads '{v}', which the model does not have",
                                 file=spec.file, line=m.line, element=m.name, hint=suggest(v, list(els)))
        times = [x for x in (m.time, m.start, m.stop) if not math.isnan(x)]
        if any(x < t.start - 1e-9 or x > t.stop + 1e-9 for x in times):
            raise ModelError(f"metric '{m.name}' asks for a time outside the run ({t.start:g}..{t.stop:g})",
                             file=spec.file, line=m.line, element=m.name)
    for v in spec.trajectories:
        if v not in els or els[v].kind == "lookup":
            raise ModelError(f"cannot keep the trajectory of '{v}': the model has no such variable",
                             file=spec.file, line=spec.trajectories_line, element=v, hint=suggest(v, list(els)))
    canonical = dict(spec.canonical, parameters=[[p.name, p.distribution, list(p.args)] for p in resolved])
    return replace(spec, parameters=tuple(resolved), canonical=canonical)


def check_ranges(spec: SweepSpec, model, values: np.ndarray):
    """Every sampled value must lie in the parameter's declared range."""
    for j, p in enumerate(spec.parameters):
        rng = model.parameters[p.name].range
        if not rng or not len(values):
            continue
        lo, hi = np.min(values[:, j]), np.max(values[:, j])
        if lo < rng[0] or hi > rng[1]:
            raise ModelError(f"{p.describe()} draws values from {lo:g} to {hi:g}, outside the declared "
                             f"range [{rng[0]:g}, {rng[1]:g}]", file=spec.file, line=p.line, element=p.name,
                             hint="truncate it (normal and lognormal take 'low' and 'high'), narrow it, "
                                  "or widen the range in the model")
