"""The estimates file: parameter values a calibration found (YAML), which ``carbonloop run --params``
and ``compare --params`` read, and ``params_from_file`` for any other caller."""
from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import yaml

from ..errors import ModelError
from ..frontends.yaml.yamlio import load_file


def write_estimates(path, spec, values: dict, status: str, objective: float, intervals=None):
    """Write (atomically) the estimates and, when known, their intervals."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "calibration": spec.name,
        "spec": str(spec.file) if spec.file else None,
        "scenario": str(spec.scenario),
        "status": status,
        "objective": float(objective),
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {k: float(f"{v:.8g}") for k, v in values.items()},
    }
    if spec.fixed:
        body["fixed"] = dict(spec.fixed)
    if intervals:
        body["intervals"] = {k: [float(f"{a:.6g}"), float(f"{b:.6g}")] for k, (a, b) in intervals.items()}
    head = (f"# Estimates of calibration '{spec.name}' ({status}). Run a scenario with them:\n"
            f"#   carbonloop run SCENARIO --params {path}\n")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(head + yaml.safe_dump(body, sort_keys=False))
    os.replace(tmp, path)
    return str(path)


def params_from_file(path, loaded=None) -> dict:
    """Parameter values of an estimates file (``parameters:``, plus ``fixed:``), checked against
    ``loaded`` when given. A plain mapping of names to numbers is read as well."""
    data, _ = load_file(path)
    if isinstance(data, dict) and isinstance(data.get("parameters"), dict):
        values = dict(data.get("fixed") or {})
        values.update(data["parameters"])
    elif isinstance(data, dict):
        values = dict(data)
    else:
        raise ModelError("a parameter file maps parameter names to values ('parameters: {name: value}')",
                         file=str(path))
    from ..model.check import is_finite_number, too_large
    lines = {**getattr(data.get("fixed"), "lines", {}), **getattr(data.get("parameters"), "lines", {}),
             **getattr(data, "lines", {})} if isinstance(data, dict) else {}
    for k, v in values.items():
        if not is_finite_number(v):
            what = "is not a number" if not isinstance(v, (int, float)) or isinstance(v, bool) else \
                "is not a finite number"
            raise ModelError(f"the value of '{k}' {what}: " + (too_large(v) or repr(v))[:120], file=str(path),
                             line=lines.get(k), element=str(k))
    if loaded is not None:
        from ..model.check import suggest
        params = loaded.parameters
        for k in values:
            if k not in params:
                raise ModelError(f"'{k}' is not a parameter of the model '{loaded.name}'", file=str(path),
                                 element=str(k), hint=suggest(str(k), list(params)))
    return {str(k): float(v) for k, v in values.items()}
