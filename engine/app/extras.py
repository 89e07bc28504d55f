"""The app's two extra panels, data points and loop dominance, fed by the engine.

Each panel reads one function here: ``data_series`` (the scenario's data catalogue) and
``dominance`` (loop dominance of the variable in the run with the levers' values). When a model
has neither (no catalogue, no loop through the variable) the page leaves the panel out. The
shapes the page draws are made by ``series_payload`` and ``dominance_payload``.
"""
from __future__ import annotations

import math


def series_payload(times, values, low=None, high=None, *, units="", source="", label="") -> dict:
    """One measured series as the page draws it: points, optional error bars, units and source.

    Points whose time or value is not a finite number are left out.
    """
    times, values = [float(t) for t in times], [float(v) for v in values]
    low = [float(v) for v in low] if low is not None else None
    high = [float(v) for v in high] if high is not None else None
    if len(times) != len(values) or any(b is not None and len(b) != len(times) for b in (low, high)):
        raise ValueError("a data series needs as many values (and bounds) as times")
    keep = [i for i in range(len(times)) if math.isfinite(times[i]) and math.isfinite(values[i])]

    def pick(xs):
        return None if xs is None else [xs[i] if math.isfinite(xs[i]) else None for i in keep]
    return {"times": [times[i] for i in keep], "values": [values[i] for i in keep],
            "low": pick(low), "high": pick(high), "units": str(units), "source": str(source),
            "label": str(label)}


def dominance_payload(times, loops) -> dict:
    """Loop shares over time as the page draws them (a stacked bar per time).

    ``loops`` is a sequence of ``(name, polarity, shares)``: polarity 'R', 'B' or '', shares one
    per time (a loop's relative score; signed, their absolute values summing to 1 at each time).
    """
    times = [float(t) for t in times]
    out = []
    for name, polarity, shares in loops:
        shares = [float(s) if math.isfinite(float(s)) else 0.0 for s in shares]
        if len(shares) != len(times):
            raise ValueError(f"loop '{name}' has {len(shares)} shares for {len(times)} times")
        out.append({"name": str(name), "polarity": str(polarity or ""), "share": shares})
    return {"times": times, "loops": out}


def data_series(loaded, scenario_path) -> dict:
    """Measured series of the scenario's variables, by variable name (``series_payload`` shapes):
    the first catalogue series that measures each variable (``scenarios/data/catalog.yaml``), with
    error bars of one standard error where the data give one."""
    from ..calibration.overlay import observations_for
    out = {}
    for name, entries in observations_for(loaded).items():
        e = entries[0]
        se = e["se"]
        out[name] = series_payload(e["x"], e["y"], e["y"] - se, e["y"] + se, units=e["units"],
                                   source=e["source"], label=e["label"])
    return out


def has_dominance(loaded) -> bool:
    """Whether the engine can score loop dominance for this model."""
    return callable(getattr(loaded, "dominance", None))


def dominance(loaded, params: dict, variable: str) -> dict | None:
    """Which loops through ``variable`` dominate the run with these lever settings (their mean
    relative score per period), or None when no loop passes through it."""
    if not has_dominance(loaded):
        return None
    return dominance_of(loaded.dominance(params=params or None, verify=False), variable)


def dominance_of(result, variable: str) -> dict | None:
    """``dominance_payload`` of ``variable`` from a loop-dominance result, or None when no loop
    passes through it."""
    from ..errors import ModelError
    try:
        through = result.through(variable)
    except ModelError:
        return None
    if not through.loops:
        return None
    loops = [(lp.label + (f" {lp.name}" if lp.name else ""), (lp.polarity or "")[:1], through.signed[i, :, 0])
             for i, lp in enumerate(through.loops)]
    return dominance_payload([float(a) for a, _ in through.spans], loops)
