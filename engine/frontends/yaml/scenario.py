"""A YAML scenario file -> a ``Model``: resolve ``extends`` and modules, read overrides,
exogenous series, events, checks, report and loops, then hand everything to the model stage's
assemble-and-validate step."""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from ... import lang as ex
from ...errors import ModelError
from ...model import Element, Model, Override, Where, assemble, suggest
from ...model.check import huge_in, is_finite_number
from .arrays import parse_dimensions
from .elements import SECTIONS, parse_module
from .fields import Fields, file_of, line_of
from .sections import parse_checks, parse_events, parse_loops, parse_report, parse_time
from .yamlio import LDict, load_file

MODULE_DIR = Path(__file__).resolve().parents[2] / "modules"
SCENARIO_KEYS = {"scenario", "model", "description", "extends", "modules", "time", "overrides",
                 "exogenous", "events", "checks", "loops", "report", "levers", "sweep", "module",
                 "inputs", "outputs", "dimensions", *SECTIONS}
MAX_EXTENDS = 20


def _merge(base: dict, over: dict) -> LDict:
    """Deep merge of mappings (``over`` wins; lists are replaced), keeping each key's line and file."""
    out = LDict(base)
    out.lines = dict(getattr(base, "lines", {}))
    out.files = dict(getattr(base, "files", {}))
    out.line = getattr(over, "line", None)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k not in ("exogenous",):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
        out.lines[k] = line_of(over, k)
        out.files[k] = file_of(over, k, None)
    return out


def read_scenario(path: Path, seen=()) -> tuple[dict, list[tuple[str, str]]]:
    """The scenario mapping with ``extends`` resolved, and the texts of every file read."""
    data, text = load_file(path)
    if not isinstance(data, dict):
        raise ModelError("a scenario file must be a mapping (scenario:, modules:, time:, ...)",
                         file=str(path))
    for key in data:
        if key not in SCENARIO_KEYS:
            raise ModelError(f"unknown scenario field '{key}'", file=str(path), line=line_of(data, key),
                             hint=suggest(key, SCENARIO_KEYS) or "see docs/model-files.md")
    texts = [(str(path), text)]
    parent = data.get("extends")
    if parent is not None:
        if not isinstance(parent, str) or not parent.strip():
            raise ModelError("'extends' names one scenario file", file=str(path),
                             line=line_of(data, "extends"))
        ppath = Path(os.path.normpath(path.parent / parent))      # as written, for messages
        if not ppath.suffix and ppath.name:
            ppath = ppath.with_suffix(".yaml")
        if not _is_file(ppath):
            what = "a folder, not a scenario file" if _is_dir(ppath) else "not there"
            raise ModelError(f"'extends' names {str(ppath)[:200]}, which is {what}", file=str(path),
                             line=line_of(data, "extends"), hint="the path is relative to this file")
        seen = seen or (path.resolve(),)
        if ppath.resolve() in seen:
            raise ModelError(f"'extends' goes round in a circle through {ppath.name}", file=str(path),
                             line=line_of(data, "extends"))
        if len(seen) > MAX_EXTENDS:
            raise ModelError(f"'extends' chains more than {MAX_EXTENDS} files", file=str(path),
                             line=line_of(data, "extends"))
        base, more = read_scenario(ppath, seen + (ppath.resolve(),))
        data = _merge(base, _without(data, "extends"))
        texts = more + texts
    return data, texts


def _without(data, key: str) -> LDict:
    out = LDict({k: v for k, v in data.items() if k != key})
    out.lines, out.files, out.line = dict(data.lines), dict(data.files), data.line
    return out


def _is_file(p: Path) -> bool:
    """Whether ``p`` is a file; a path the system cannot even look up (a name longer than 255
    characters, a NUL byte) is no file."""
    try:
        return p.is_file()
    except (OSError, ValueError):
        return False


def _is_dir(p: Path) -> bool:
    try:
        return p.is_dir()
    except (OSError, ValueError):
        return False


def module_path(ref: str, base: Path) -> Path:
    """The file of a module named in 'modules:' (beside the scenario, or one of the flagship's)."""
    p = base / ref
    if p.suffix in (".yaml", ".yml") and _is_file(p):
        return p
    for cand in (base / f"{ref}.yaml", MODULE_DIR / ref, MODULE_DIR / f"{ref}.yaml"):
        if _is_file(cand):
            return cand
    return p


def _modules(data, path: Path, texts: list) -> list:
    refs = data.get("modules") or []
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise ModelError("'modules' must be a list of module names or files", file=file_of(data, "modules", str(path)),
                         line=line_of(data, "modules"))
    modules = []
    for ref in refs:
        mpath = module_path(ref, path.parent)
        if not _is_file(mpath):
            raise ModelError(f"module '{ref[:200]}' not found: no file {str(mpath)[:200]} and no module of that "
                             "name in the package", file=file_of(data, "modules", str(path)),
                             line=line_of(data, "modules"), element=ref[:200])
        mdata, mtext = load_file(mpath)
        if not isinstance(mdata, dict):
            raise ModelError("a module file must be a mapping", file=str(mpath))
        if not isinstance(mdata.get("module", mpath.stem), (str, int, float)) or isinstance(mdata.get("module"), bool):
            raise ModelError("'module' names the module: one name, not a list or mapping", file=str(mpath),
                             line=line_of(mdata, "module"))
        texts.append((str(mpath), mtext))
        modules.append(parse_module(mdata, str(mdata.get("module", mpath.stem)), str(mpath)))
    if any(k in data for k in SECTIONS):
        modules.append(parse_module(data, str(data.get("scenario", path.stem)), str(path)))
    if not modules:
        raise ModelError("the scenario has no model: list 'modules:' or define stocks/flows in it",
                         file=str(path))
    return modules


def read(path) -> Model:
    """Read a scenario file and everything it refers to into a validated ``Model``."""
    path = Path(path)
    data, texts = read_scenario(path)
    file = str(path)
    modules = _modules(data, path, texts)
    ctx = Fields(file)
    time = parse_time(data.get("time"), ctx, data)
    events = parse_events(data.get("events"), ctx, data)
    checks = [c for m in modules for c in m.checks]
    if not any(k in data for k in SECTIONS):     # else the inline module already read them
        checks += parse_checks(data.get("checks"), ctx, data)
    overrides = _overrides(data, ctx)
    exogenous = _exogenous(data, ctx, modules)
    report = parse_report(data.get("report"), ctx, data)
    loops = parse_loops(data.get("loops"), ctx, data)
    dimensions = () if any(k in data for k in SECTIONS) or not data.get("dimensions") else \
        parse_dimensions(data.get("dimensions"), ctx, data)      # else the inline module read them
    ctx.check()
    source_text = "\n".join(f"# ---- {p}\n{t}" for p, t in texts)
    model = assemble(modules, time, name=str(data.get("scenario", path.stem)),
                     description=str(data.get("description", "") or ""), overrides=overrides,
                     exogenous=exogenous, events=events, checks=checks, file=file,
                     source_text=source_text, loops=loops, report=report, dimensions=dimensions)
    if data.get("levers") is not None:          # checked against the assembled model's parameters
        from ...levers import parse_levers
        model = replace(model, levers=parse_levers(data["levers"], model, file_of(data, "levers", file)))
    return model


def _overrides(data, ctx: Fields) -> tuple:
    block = ctx.mapping(data.get("overrides"), line_of(data, "overrides"), "overrides",
                        file=file_of(data, "overrides", ctx.file))
    out = []
    for name, value in block.items():
        file, line = file_of(block, name, ctx.file), line_of(block, name)
        v = ctx.number(value, line, str(name), "parameter value", file=file)
        if v is not None:
            out.append(Override(str(name), v, Where(file, line)))
    return tuple(out)


def _exogenous(data, ctx: Fields, modules) -> tuple:
    block = ctx.mapping(data.get("exogenous"), line_of(data, "exogenous"), "exogenous",
                        file=file_of(data, "exogenous", ctx.file))
    existing = {el.name: el for m in modules for el in m.elements}
    inputs = {i for m in modules for i in m.inputs}
    out: list = []
    for name, spec in block.items():
        where = Where(file_of(block, name, ctx.file), line_of(block, name))
        if name not in existing and name not in inputs:
            ctx.error(f"'{name}' is neither an element of the model nor an input of one of its modules: the "
                      "exogenous series would feed nothing", where.line, str(name), file=where.file,
                      hint=suggest(str(name), list(existing) + sorted(inputs)))
            continue
        out += _exogenous_one(str(name), spec, ctx, where, existing.get(name))
    return tuple(out)


def _exogenous_one(name, spec, ctx: Fields, where: Where, existing: Element | None) -> list:
    """The element(s) that replace ``name`` by a constant, an equation or a table over time."""
    base = dict(name=name, kind="auxiliary", module="scenario", where=where,
                units=existing.units if existing else "",
                doc=(existing.doc if existing else "") + " [exogenous in this scenario]",
                source="scenario (exogenous)")
    if isinstance(spec, (int, float, str)) and not isinstance(spec, bool):
        spec = {"equation": spec}
    if isinstance(spec, dict) and set(spec) == {"equation"}:
        node = ctx.parse(spec["equation"], where.line, name, "exogenous equation", file=where.file)
        return [Element(equation=node, text=str(spec["equation"]), **base)] if node else []
    if isinstance(spec, dict) and "table" in spec and set(spec) <= {"table", "extrapolate"}:
        pts = spec["table"]
        if not (isinstance(pts, list) and pts and all(
                isinstance(p, list) and len(p) == 2 and all(is_finite_number(v) for v in p) for p in pts)):
            ctx.error("an exogenous table must be [[time, value], ...] with finite numbers" + huge_in(pts),
                      where.line, name, file=where.file)
            return []
        xs = [float(p[0]) for p in pts]
        if any(b <= a for a, b in zip(xs, xs[1:])):
            ctx.error("the times of an exogenous table must increase strictly", where.line, name,
                      file=where.file)
            return []
        extrapolate = ctx.flag(spec.get("extrapolate", False), where.line, name, "extrapolate", file=where.file)
        lk = Element(name=f"{name}_series", kind="lookup", points=tuple((float(a), float(b)) for a, b in pts),
                     extrapolate=extrapolate, module="scenario", where=where, units=base["units"],
                     doc=f"exogenous series of {name}", hidden=True)
        node = ex.Call(0, lk.name, (ex.Name(0, "time"),))
        return [Element(equation=node, text=f"{lk.name}(time)", **base), lk]
    ctx.error("exogenous values are a number, an equation, or {table: [[time, value], ...]}", where.line,
              name, file=where.file)
    return []
