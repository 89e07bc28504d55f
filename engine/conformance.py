"""Conformance: run every XMILE and Vensim model under a folder against its canonical output.

Each model file (.xmile, .stmx, .mdl) is imported, run at its own time settings, and compared with the
``output.csv`` / ``output.tab`` of its folder at the output's times. The outcome is one of
pass, fail (largest relative error and its variable), unsupported (the construct named), or
defect (a known fault of the test file itself, confirmed by the model not matching).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ModelError
from .model.noise import RUN_ID

RTOL = 1e-3
MODEL_SUFFIXES = (".xmile", ".stmx", ".mdl")
# Vensim models compare as PySD compares them: |sim - ref| <= RTOL_MDL * |ref| + ATOL_MDL
RTOL_MDL = 1e-5
ATOL_MDL = 1e-5
OUTPUTS = ("output.csv", "output.tab")
# faults of the public test files (see the suite's ABOUT.md); reported only if the model fails
KNOWN_DEFECTS = {
    "active_initial": "its XMILE lost the ACTIVE INITIAL of the original model",
    "smooth_and_stock": "its output has columns that its XMILE file does not define",
    "macro_expression": "it calls a macro whose <macro> definition the file does not contain",
    "macro_multi_expression": "it calls macros whose <macro> definitions the file does not contain",
    "macro_multi_macros": "it calls macros whose <macro> definitions the file does not contain",
    "macro_stock": "it calls a macro whose <macro> definition the file does not contain",
    "test_logicals.stmx": "its equation '( IF false_input not THEN 1 ELSE 0 )' is not XMILE "
                          "(NOT written after its operand)",
}
ABS_FLOOR = 1e-3    # ... and on 1e-3 (absolute tolerance 1e-6 for values near zero)
FLOOR = 1e-3    # values below this fraction of a column's largest magnitude compare on that floor
LITERAL_UNKNOWN = "???"


@dataclass
class Outcome:
    """The result of one model file."""
    path: Path
    status: str                 # pass, fail, unsupported, defect
    detail: str = ""
    worst: float = 0.0
    variable: str = ""


def find_models(folder: Path) -> list:
    """Every model file under ``folder`` that has a canonical output beside it."""
    out = []
    for p in sorted(Path(folder).rglob("*")):
        if p.suffix.lower() in MODEL_SUFFIXES and p.is_file() and _output_of(p):
            out.append(p)
    return out


def _output_of(model: Path):
    """The canonical output beside a model: the file a Vensim model's settings export its run to,
    when it is there (a folder may hold the outputs of two models), else output.csv / output.tab,
    unless another model of the folder names that file as the export of its own run."""
    for name in _settings_files(model, "export"):
        if (model.parent / name).exists():
            return model.parent / name
    for name in OUTPUTS:
        if (model.parent / name).exists() and not _exported_by_another(model, name):
            return model.parent / name
    return None


def _exported_by_another(model: Path, name: str) -> bool:
    """Whether another Vensim model of ``model``'s folder exports its run to ``name``."""
    return model.suffix.lower() == ".mdl" and any(
        other != model and other.suffix.lower() == ".mdl" and name in _settings_files(other, "export")
        for other in model.parent.iterdir())


def _settings_files(model: Path, what: str) -> tuple:
    """Files a .mdl's settings name, as names beside it: the export file of its run ('export'),
    or the data files loaded with its run ('data': a binary .vdf as the .tab / .csv of the same
    name, its conversion, since carbonloop does not read .vdf files)."""
    if model.suffix.lower() != ".mdl":
        return ()
    from pathlib import PureWindowsPath

    from .frontends.vensim.sections import DATA_FILES, EXPORT_FILE, settings
    found = settings(model.read_text(errors="replace")).get(EXPORT_FILE if what == "export" else DATA_FILES, [])
    out = []
    for value in found:
        name = PureWindowsPath(value).name
        if not name:
            continue
        stem, suffix = (name.rsplit(".", 1) + [""])[:2] if "." in name else (name, "")
        if what == "export":
            out.append(name if suffix.lower() in ("tab", "csv") else f"{name}.tab")
        else:
            out += [name] if suffix.lower() in ("tab", "csv") else [f"{stem}.tab", f"{stem}.csv"]
    return tuple(out)


def _data_of(model: Path):
    """The data file a Vensim model's settings load with its run, when it is beside the model."""
    for name in _settings_files(model, "data"):
        if (model.parent / name).is_file():
            return model.parent / name
    return None


def read_output(path: Path) -> tuple[np.ndarray, dict]:
    """(times, {column header: values}) of a canonical output (CSV, or Vensim's tab file)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    delim = "\t" if path.suffix == ".tab" else ","
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delim) if any(c.strip() for c in r)]
    if rows and rows[0][0].strip().lower() != "time" and any(r[0].strip().lower() == "time" for r in rows):
        rows = [list(col) for col in zip(*rows)]        # variables in rows: transpose
    header = [h.strip() for h in rows[0]]
    data = [[_float(c) for c in r] for r in rows[1:]]
    width = len(header)
    arr = np.array([(r + [np.nan] * width)[:width] for r in data], dtype=float)
    return arr[:, 0], {h: arr[:, i] for i, h in enumerate(header) if i and h}


def _float(text):
    try:
        return float(text)
    except ValueError:
        return np.nan


def _match_key(name: str) -> str:
    """Output column and element name alike: ``var[a]`` and the flattened ``var__a`` match."""
    from .frontends.xmile.names import identifier, key
    return key(identifier(name))


def check(path: Path, backend: str = "auto") -> Outcome:
    """Import, run and compare one model file."""
    from .api import Loaded
    from .frontends import read
    folder = path.parent.name
    defect = KNOWN_DEFECTS.get(path.name) or KNOWN_DEFECTS.get(folder)
    text = path.read_text(errors="replace")
    try:
        data = _data_of(path)
        model = read(path, data=data) if data else read(path)
        loaded = Loaded(model)
        result = loaded.run(check=False, backend=backend)
    except ModelError as e:
        construct = getattr(e, "construct", None)
        if construct is not None:
            if LITERAL_UNKNOWN in text:
                return Outcome(path, "defect", f"the file holds literal '???' equations (and {construct})")
            return Outcome(path, "unsupported", f"{construct} (in '{e.element}')" if e.element else construct)
        if LITERAL_UNKNOWN in text:
            return Outcome(path, "defect", "the file holds literal '???' equations")
        if defect:
            return Outcome(path, "defect", f"{defect} ({e.message})")
        first = e.errors[0] if hasattr(e, "errors") else e
        return Outcome(path, "fail", f"{first.element + ': ' if first.element else ''}{first.message}")
    expected = read_output(_output_of(path))
    outcome = compare(model, result, *expected, path)
    if outcome.status == "fail" and model.time.method == "rk4":
        euler = compare(model, loaded.with_time(method="euler").run(check=False, backend=backend), *expected, path)
        if euler.status == "pass":
            return Outcome(path, "defect", "it declares RK4 but its output was computed with Euler "
                                           f"(passes with Euler: {euler.detail})", euler.worst, euler.variable)
    random = RUN_ID in model.elements     # it draws random numbers (model/noise.py)
    if outcome.status == "fail" and path.suffix.lower() == ".mdl" and model.time.precision == "double" \
            and not random:         # (random functions do not run in single precision)
        try:
            single = compare(model, loaded.with_time(precision="single").run(check=False, backend="numpy"),
                             *expected, path)
        except ModelError:              # (what single precision cannot run keeps the double outcome)
            single = outcome
        if single.status == "pass":
            return Outcome(path, "pass", f"in single precision, as Vensim's single-precision editions compute "
                                         f"(time: {{precision: single}}; {single.detail})",
                           single.worst, single.variable)
    if outcome.status == "fail" and defect:
        return Outcome(path, "defect", f"{defect} (then: {outcome.detail})",
                       outcome.worst, outcome.variable)
    if outcome.status == "fail" and random:
        return Outcome(path, "unsupported", "random draws: its output holds draws of the generator of the tool "
                       "that made it, so its numbers cannot be reproduced (carbonloop's distributions are "
                       "tested on their moments, "
                       f"tests/test_random.py; then: {outcome.detail})", outcome.worst, outcome.variable)
    return outcome


def compare(model, result, times, columns, path) -> Outcome:
    """Largest relative error over the output's columns at the output's times."""
    series = {}
    for name, el in model.elements.items():
        if el.hidden:
            continue
        if name in result.names:
            values = result[name][:, 0]
        elif el.kind == "parameter":
            values = np.full(len(result.times), el.value)
        else:
            continue
        series[_match_key(name)] = (name, values)
        if el.label:
            series[_label_key(el.label)] = (name, values)
    t = model.time
    for name, value in (("INITIAL TIME", t.start), ("FINAL TIME", t.stop), ("TIME STEP", t.dt),
                        ("SAVEPER", t.dt * t.save_every)):      # Vensim's control variables
        series.setdefault(_match_key(name), (name, np.full(len(result.times), value)))
    idx = _time_index(result.times, times, model.time.dt)
    if idx is None:
        return Outcome(path, "fail", f"the output's times ({times[0]:g}..{times[-1]:g}) are not times "
                                     f"of the run ({result.times[0]:g}..{result.times[-1]:g})")
    missing = [c for c in columns if _match_key(c) not in series and _label_key(c) not in series]
    vensim = path.suffix.lower() == ".mdl"
    rtol = RTOL_MDL if vensim else RTOL
    worst, worst_var = 0.0, ""
    for col, ref in columns.items():
        hit = series.get(_label_key(col)) or series.get(_match_key(col))
        if hit is None:
            continue
        sim = hit[1][idx]
        err = _rel_error(sim, ref, vensim)
        if err > worst or np.isnan(err):
            worst, worst_var = err, col
            if np.isnan(err):
                break
    if missing:
        return Outcome(path, "fail", f"output columns the model does not define: {', '.join(missing[:4])}",
                       worst, worst_var)
    if not worst <= rtol:
        return Outcome(path, "fail", f"largest relative error {worst:.3g} in '{worst_var}'", worst, worst_var)
    return Outcome(path, "pass", f"largest relative error {worst:.2g} ({len(columns)} columns)",
                   worst, worst_var)


def _time_index(run_times, out_times, dt):
    out_times = out_times[~np.isnan(out_times)]
    idx = np.searchsorted(run_times, out_times)
    idx = np.clip(idx, 1, len(run_times) - 1)
    left = run_times[idx - 1]
    idx = np.where(np.abs(out_times - left) <= np.abs(run_times[idx] - out_times), idx - 1, idx)
    tol = np.maximum(dt * 1e-2, 1e-5 * np.abs(out_times))
    if np.any(np.abs(run_times[idx] - out_times) > tol):
        return None
    return idx


def _label_key(name: str) -> str:
    """A Vensim name as written (an output column or an element's label) as a comparison key."""
    from .frontends.vensim.names import key
    return "vensim:" + key(name)


def _rel_error(sim, ref, vensim: bool = False) -> float:
    ok = ~np.isnan(ref)
    sim, ref = sim[ok], ref[ok]
    if not len(ref):
        return 0.0
    if vensim:          # relative to max(|ref|, ATOL/RTOL): within tolerance iff <= RTOL_MDL
        err = np.abs(sim - ref) / np.maximum(np.abs(ref), ATOL_MDL / RTOL_MDL)
        return float(np.max(err)) if not np.isnan(err).any() else float("nan")
    scale = max(np.max(np.abs(ref)), 1e-12)
    denom = np.maximum(np.abs(ref), max(FLOOR * scale, ABS_FLOOR))
    err = np.abs(sim - ref) / denom
    return float(np.max(err)) if not np.isnan(err).any() else float("nan")


def run_suite(folder, backend: str = "auto") -> list:
    """Outcomes for every model under ``folder``, run on ``backend``."""
    return [check(p, backend) for p in find_models(Path(folder))]


def table(outcomes, root) -> str:
    """A plain-text table of outcomes and the counts per file kind."""
    root = Path(root)
    width = max([len(str(o.path.relative_to(root))) for o in outcomes] + [5])
    lines = [f"{'model':<{width}}  {'status':<11}  detail"]
    for o in outcomes:
        lines.append(f"{str(o.path.relative_to(root)):<{width}}  {o.status:<11}  {o.detail}")
    lines.append("")
    for suffix in MODEL_SUFFIXES:
        mine = [o for o in outcomes if o.path.suffix.lower() == suffix]
        counts = {s: sum(o.status == s for o in mine) for s in ("pass", "fail", "unsupported", "defect")}
        lines.append(f"{suffix:<7} {len(mine):3d} files: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return "\n".join(lines)
