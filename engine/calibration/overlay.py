"""Observed points for run and compare figures: the series of the scenario's data catalogue
(``data/catalog.yaml`` beside the scenario file) that name a model variable, placed where the model
is read against them (the time, the end of the period, or the middle of a period for means)."""
from __future__ import annotations

import warnings

import numpy as np

from ..errors import ModelError, ModelWarning
from .data import conversion, find_catalog, load_catalog

PLOTTABLE = ("at", "end", "mean")       # readings comparable with the variable's trajectory


def observations_for(loaded) -> dict:
    """Variable -> list of {label, x, y, xerr, se, units, source} (in the model's units) for every
    plottable catalogue series."""
    path = find_catalog(loaded.model.where.file)
    if path is None:
        return {}
    catalog = load_catalog(path)
    t = loaded.model.time
    out: dict = {}
    for name, meta in catalog.series.items():
        var, read = meta.get("variable"), meta.get("read") or "at"
        el = loaded.model.elements.get(var or "")
        if el is None or read not in PLOTTABLE:
            continue
        try:
            s = catalog.get(name)
        except ModelError as exc:
            warnings.warn(f"data series '{name}' not shown: {exc}", ModelWarning, stacklevel=2)
            continue
        factor, units = conversion(s, el.units)
        end = np.where(np.isnan(s.end), s.time + 1.0, s.end)
        x = {"at": s.time, "end": end, "mean": (s.time + end) / 2}[read]
        keep = (x >= t.start) & (x <= t.stop)
        if not keep.any():
            continue
        xerr = (end - s.time)[keep] / 2 if read == "mean" else None
        out.setdefault(var, []).append({"label": f"{name} (data)", "x": x[keep],
                                        "y": s.value[keep] * factor, "xerr": xerr, "units": units,
                                        "se": s.se[keep] * factor, "source": s.source})
    return out
