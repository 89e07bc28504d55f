"""The predictive bands the app draws behind a scenario's baseline: the projections of the folder's
calibrations of that scenario.

A calibration spec of the folder (a file with a top-level ``calibration:``) whose ``scenario:`` is the
scenario shown, and whose results exist (``carbonloop calibrate SPEC`` with ``project: T`` writes
``outputs/<calibration>/projection.csv``), gives one band per projected series whose reading can be
drawn against the variable's trajectory (a value at a time, at a period's end, or a period's mean,
placed as the data points are). The rows are read as written: the app computes nothing of its own.
"""
from __future__ import annotations

import math
from pathlib import Path

from ..calibration.overlay import PLOTTABLE
from ..errors import ModelError
from ..frontends.yaml.yamlio import load_file
from ..outputs.paths import OUTPUTS, safe_component

COLUMNS = ("series", "variable", "read", "time", "end", "q05", "median", "q95", "param_q05", "param_q95")
BASELINE_NOTE = ("It belongs to the scenario as written, with the calibration's estimated parameters: "
                 "a lever move leaves it in place.")


def calibration_specs(folder: Path) -> list:
    """The calibration specs of ``folder`` (YAML files with a top-level ``calibration:`` key) as
    ``(path, name)``: the calibration's name as the spec gives it (its file's stem when empty)."""
    out = []
    for path in sorted([*Path(folder).glob("*.yaml"), *Path(folder).glob("*.yml")]):
        try:
            data, _ = load_file(path)
        except ModelError:
            continue
        if isinstance(data, dict) and "calibration" in data:
            out.append((path, str(data["calibration"] or path.stem)))
    return out


def projection_file(outputs: Path, calibration: str) -> Path:
    """Where ``carbonloop calibrate`` writes a calibration's projection (the name made safe, as the
    calibration makes it)."""
    return Path(outputs) / safe_component(calibration) / "projection.csv"


def bands_for(scenario: Path, folder: Path, variables, outputs: Path = OUTPUTS) -> tuple[dict, str]:
    """Bands of the scenario file ``scenario``, by variable (only ``variables``), from every calibration
    of ``folder`` of that scenario whose projection exists; and a note of the projections that could
    not be read ('' when none). A spec that cannot be read is left out (``carbonloop calibrate`` says
    why)."""
    from ..calibration.spec import load_spec
    out: dict = {}
    problems = []
    target = Path(scenario).resolve()
    for path, name in calibration_specs(folder):
        file = projection_file(outputs, name)
        if not file.is_file():              # no results: the spec need not be read
            continue
        try:
            spec = load_spec(path)
        except ModelError:
            continue
        if Path(spec.scenario).resolve() != target or spec.project is None:
            continue
        try:
            rows = _rows(file)
        except (OSError, ValueError, KeyError) as exc:
            problems.append(f"the projection of calibration '{spec.name}' ({file}) could not be read: {exc}")
            continue
        for band in _bands(spec, rows, file):
            if band["variable"] in variables:
                out.setdefault(band["variable"], []).append(band)
    return out, "; ".join(problems)


def _rows(file: Path):
    import pandas as pd
    rows = pd.read_csv(file)
    missing = [c for c in COLUMNS if c not in rows.columns]
    if missing:
        raise ValueError(f"it has no column {', '.join(missing)} (written by another version? "
                         "run 'carbonloop calibrate' again)")
    return rows


def _bands(spec, rows, file: Path) -> list:
    from ..calibration.hindcast import assumptions
    series = {s.name: s for s in spec.series}
    out = []
    for name, g in rows.groupby("series", sort=False):
        read = str(g["read"].iloc[0])
        if read not in PLOTTABLE:
            continue
        t0, t1 = g["time"].to_numpy(float), g["end"].to_numpy(float)
        x = {"at": t0, "end": t1, "mean": (t0 + t1) / 2}[read]
        s = series.get(str(name))
        sources = "parameters, model error, measurement" if s is not None and s.discrepancy == "ar1" \
            else "parameters, measurement"
        label = f"90 % predictive band ({sources}) from calibration {spec.name}"
        if spec.assumes:
            label += f", assumes: {' '.join(spec.assumes.split())}"
        out.append({
            "calibration": spec.name, "series": str(name), "variable": str(g["variable"].iloc[0]),
            "read": read, "file": str(file), "label": label,
            "param_label": f"90 % band of the parameters alone from calibration {spec.name}",
            "assumptions": " ".join(assumptions(spec).split()), "note": BASELINE_NOTE,
            "times": _numbers(x), "median": _numbers(g["median"]), "low": _numbers(g["q05"]),
            "high": _numbers(g["q95"]), "param_low": _numbers(g["param_q05"]),
            "param_high": _numbers(g["param_q95"])})
    return out


def _numbers(xs) -> list:
    """Numbers for JSON: a value that is not finite becomes null (the page leaves a gap)."""
    return [float(v) if math.isfinite(float(v)) else None for v in xs]
