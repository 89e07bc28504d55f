"""Read an .xmile or Stella .stmx file into a carbonloop ``Model``."""
from __future__ import annotations

import math
import re
from pathlib import Path

from ...model import Model, TimeSpec, assemble, check_time
from .arrays import read_dimensions
from .build import Builder, modules_of
from .errors import Unsupported, XmileError
from .flatten import flatten
from .macros import read_macros
from .names import key
from .xml import child, children, read_root, text_of

METHODS = {"euler": "euler", "rk4": "rk4"}
NAMED_SETTING = re.compile(r"^[A-Za-z_][\w ]*=\s*([^=\s]+)$")


def _number(el, what, file, default=None):
    if el is None:
        if default is None:
            raise XmileError(f"<sim_specs> needs <{what}>", file=file)
        return default
    text = text_of(el)
    named = NAMED_SETTING.match(text)
    if named:                   # Vensim's export names its control variable: <dt>TIME_STEP=0.125</dt>
        text = named.group(1)
    try:
        value = float(text)
    except ValueError:
        raise XmileError(f"<{what}> must be a number, got '{text_of(el)[:40]}'", file=file) from None
    if not math.isfinite(value):
        raise XmileError(f"<{what}> must be a finite number, got '{text_of(el)[:40]}'", file=file)
    return value


def sim_specs(root, file) -> TimeSpec:
    """Start, stop, dt (reciprocal too) and the integration method."""
    spec = child(root, "sim_specs")
    if spec is None:
        raise XmileError("the file has no <sim_specs>", file=file)
    start = _number(child(spec, "start"), "start", file)
    stop = _number(child(spec, "stop"), "stop", file)
    dt_el = child(spec, "dt")
    dt = _number(dt_el, "dt", file, 1.0)
    if dt_el is not None and (dt_el.get("reciprocal") or "").lower() == "true":
        if not dt > 0:
            raise XmileError(f"<dt reciprocal=\"true\"> gives dt = 1/{text_of(dt_el)}: it must be a positive "
                             "number of steps per time unit", file=file)
        dt = 1.0 / dt
    method = (spec.get("method") or "euler").lower()
    if method not in METHODS:
        raise Unsupported(f"integration method '{spec.get('method')}'", file=file,
                          hint="carbonloop integrates with Euler or RK4")
    save = child(spec, "save_step")
    return TimeSpec(start=start, stop=stop, dt=dt, method=METHODS[method],
                    save_step=_number(save, "save_step", file) if save is not None else None,
                    units=spec.get("time_units") or "")


def defaults(root) -> dict:
    """The file-wide <behavior> defaults: non-negative stocks and flows."""
    out = {"stock": False, "flow": False}
    beh = child(root, "behavior")
    if beh is None:
        return out
    nn = child(beh, "non_negative")
    if nn is not None and text_of(nn).lower() != "false":
        out = {"stock": True, "flow": True}
    for kind in ("stock", "flow"):
        k = child(beh, kind)
        if k is not None and child(k, "non_negative") is not None:
            out[kind] = text_of(child(k, "non_negative")).lower() != "false"
    return out


def read(path) -> Model:
    """Import an XMILE (.xmile) or Stella (.stmx) file as a carbonloop model."""
    path = Path(path)
    file = str(path)
    root = read_root(path)
    time = sim_specs(root, file)
    beh = defaults(root)
    models = {key(m.get("name") or ""): m for m in children(root, "model")}
    main = models.get("") or (children(root, "model") or [None])[0]
    if main is None:
        raise XmileError("the file has no <model>", file=file)
    dims = read_dimensions(root, file)
    variables = flatten(main, models, file, beh, dims)
    builder = Builder(variables, read_macros(root, file, beh), file, dims, time.method)
    pairs = builder.elements()
    header = child(root, "header")
    name = text_of(child(header, "name")) if header is not None else ""
    name = name or path.stem
    check_time(time, file)
    return assemble(modules_of(pairs, "model"), time, name=name, file=file,
                    source_text=path.read_text(errors="replace"),
                    description=f"imported from {path.name}", dimensions=dims.model_dimensions())
