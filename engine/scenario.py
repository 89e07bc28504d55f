"""Assemble a scenario: resolve ``extends`` and modules, wire modules by name, apply overrides,
exogenous series and events, and check every name an equation uses."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from . import expr as ex
from .errors import ModelError, ModelErrors
from .functions import arity_ok, known
from .loader import (BUILTIN_NAMES, MODULE_DIR, SCENARIO_KEYS, SECTIONS, _Ctx, _events, _checks,
                     _line, _number, _time, parse_module, suggest)
from .model import Element, Model, Where
from .yamlio import LDict, load_file


def _merge(base: dict, over: dict) -> dict:
    """Deep merge of mappings (``over`` wins; lists are replaced, not appended)."""
    out = LDict(base)
    out.lines = dict(getattr(base, "lines", {}))
    out.lines.update(getattr(over, "lines", {}))
    out.line = getattr(over, "line", None)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k not in ("exogenous",):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _read_scenario(path: Path, seen=()) -> tuple[dict, list[tuple[str, str]]]:
    """The scenario mapping with ``extends`` resolved, and the texts of every file read."""
    data, text = load_file(path)
    if not isinstance(data, dict):
        raise ModelError("a scenario file must be a mapping (scenario:, modules:, time:, ...)",
                         file=str(path))
    texts = [(str(path), text)]
    parent = data.get("extends")
    if parent:
        ppath = (path.parent / str(parent)).resolve()
        if not ppath.suffix:
            ppath = ppath.with_suffix(".yaml")
        if ppath in seen:
            raise ModelError(f"'extends' goes round in a circle through {ppath.name}", file=str(path))
        base, more = _read_scenario(ppath, seen + (ppath,))
        data = _merge(base, {k: v for k, v in data.items() if k != "extends"})
        texts = more + texts
    for key in data:
        if key not in SCENARIO_KEYS:
            raise ModelError(f"unknown scenario field '{key}'", file=str(path), line=_line(data, key),
                             hint=suggest(key, SCENARIO_KEYS) or "see docs/model-files.md")
    return data, texts


def _module_path(ref: str, base: Path) -> Path:
    p = (base / ref)
    if p.suffix in (".yaml", ".yml") and p.exists():
        return p
    for cand in (base / f"{ref}.yaml", MODULE_DIR / ref, MODULE_DIR / f"{ref}.yaml"):
        if cand.exists() and cand.is_file():
            return cand
    return p


def load_scenario(path: str | Path) -> Model:
    """Read a scenario file and everything it refers to into a validated ``Model``."""
    path = Path(path)
    data, texts = _read_scenario(path)
    file = str(path)
    ctx = _Ctx(file)
    modules = []
    for ref in data.get("modules") or []:
        mpath = _module_path(str(ref), path.parent)
        mdata, mtext = load_file(mpath)
        if not isinstance(mdata, dict):
            raise ModelError("a module file must be a mapping", file=str(mpath))
        texts.append((str(mpath), mtext))
        modules.append(parse_module(mdata, str(mdata.get("module", mpath.stem)), str(mpath)))
    if any(k in data for k in SECTIONS):
        modules.append(parse_module(data, str(data.get("scenario", path.stem)), file))
    if not modules:
        raise ModelError("the scenario has no model: list 'modules:' or define stocks/flows in it",
                         file=file)
    time = _time(data.get("time"), ctx, data)
    events = _events(data.get("events"), ctx, data)
    checks = [c for m in modules for c in getattr(m, "checks", ())]
    if not any(k in data for k in SECTIONS):     # else the inline module already read them
        checks += _checks(data.get("checks"), ctx, data)
    if ctx.errors:
        raise ModelErrors(ctx.errors)
    source_text = "\n".join(f"# ---- {p}\n{t}" for p, t in texts)
    return assemble(modules, time, name=str(data.get("scenario", path.stem)),
                    description=str(data.get("description", "") or ""),
                    overrides=data.get("overrides") or {}, exogenous=data.get("exogenous") or {},
                    events=events, checks=checks, file=file, source_text=source_text,
                    loops=data.get("loops") or {}, report=data.get("report") or {},
                    levers=data.get("levers"))


def load_scenario_text(text: str, name: str = "<text>") -> Model:
    """A scenario given as YAML text (modules referenced by name only)."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"{name}.yaml"
        p.write_text(text)
        return load_scenario(p)


def _exogenous(name, spec, ctx, line, existing: Element | None) -> Element | None:
    """An element that replaces ``name`` by a constant, a table over time or an equation."""
    base = dict(name=name, kind="auxiliary", module="scenario", where=Where(ctx.file, line),
                units=existing.units if existing else "",
                doc=(existing.doc if existing else "") + " [exogenous in this scenario]",
                source="scenario (exogenous)")
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return Element(equation=ex.Num(0, float(spec)), text=str(spec), **base)
    if isinstance(spec, str):
        node = ctx.parse(spec, line, name, "exogenous equation")
        return Element(equation=node, text=spec, **base) if node else None
    if isinstance(spec, dict) and "equation" in spec:
        node = ctx.parse(spec["equation"], line, name, "exogenous equation")
        return Element(equation=node, text=str(spec["equation"]), **base) if node else None
    if isinstance(spec, dict) and "table" in spec:
        pts = spec["table"]
        if not (isinstance(pts, list) and pts and all(isinstance(p, list) and len(p) == 2 for p in pts)):
            ctx.error("an exogenous table must be [[time, value], ...]", line, name)
            return None
        lk = Element(name=f"{name}_series", kind="lookup", points=tuple((float(a), float(b)) for a, b in pts),
                     extrapolate=bool(spec.get("extrapolate", False)), module="scenario",
                     where=Where(ctx.file, line), doc=f"exogenous series of {name}", hidden=True)
        node = ex.Call(0, lk.name, (ex.Name(0, "time"),))
        return [Element(equation=node, text=f"{lk.name}(time)", **base), lk]
    ctx.error("exogenous values are a number, an equation, or {table: [[time, value], ...]}", line, name)
    return None


def assemble(modules, time, *, name="model", description="", overrides=None, exogenous=None,
             events=(), checks=(), file=None, source_text="", loops=None, report=None,
             levers=None) -> Model:
    """Wire modules by name into one model and check it; the last stage of loading."""
    ctx = _Ctx(file)
    elements: dict = {}
    owner: dict = {}
    for m in modules:
        for el in m.elements:
            if el.name in elements:
                first = elements[el.name]
                ctx.error(f"'{el.name}' is defined in module '{m.name}' and again in module "
                          f"'{first.module}' ({first.where.file}:{first.where.line})",
                          el.where.line, el.name, hint="element names must be unique across modules")
                continue
            elements[el.name] = el
            owner[el.name] = m
    if ctx.errors:
        raise ModelErrors(ctx.errors)
    for ename, spec in (exogenous or {}).items():
        line = _line(exogenous, ename)
        made = _exogenous(ename, spec, ctx, line, elements.get(ename))
        for el in (made if isinstance(made, list) else [made] if made else []):
            elements[el.name] = el
    for pname, value in (overrides or {}).items():
        line = _line(overrides, pname)
        el = elements.get(pname)
        if el is None or el.kind != "parameter":
            what = "is not a parameter of the model" if el is None else f"is a {el.kind}, not a parameter"
            ctx.error(f"'{pname}' {what}", line, pname, hint=suggest(pname, [e for e, v in elements.items()
                                                                        if v.kind == "parameter"]))
            continue
        v = _number(value, ctx, line, pname, "parameter value")
        if v is None:
            continue
        if el.range and not el.range[0] <= v <= el.range[1]:
            ctx.error(f"value {v:g} is outside the declared range [{el.range[0]:g}, {el.range[1]:g}]",
                      line, pname, hint=f"see {el.where.file}:{el.where.line}")
            continue
        elements[pname] = el.with_(value=v, equation=ex.Num(0, v), text=str(v))
    _check_wiring(modules, elements, owner, exogenous or {}, ctx)
    _check_names(elements, events, checks, ctx)
    if ctx.errors:
        raise ModelErrors(ctx.errors)
    model = Model(name=name, elements=elements, time=time, events=tuple(events), checks=tuple(checks),
                  modules=tuple(modules), description=description, source_text=source_text,
                  where=Where(file, None), loops=dict(loops or {}), report=dict(report or {}))
    if levers is not None:
        from .levers import parse_levers
        model = replace(model, levers=parse_levers(levers, model, file))
    return model


def _check_wiring(modules, elements, owner, exogenous, ctx):
    outputs = {o for m in modules for o in m.outputs}
    for m in modules:
        for i in m.inputs:
            if i not in elements:
                ctx.error(f"input '{i}' of module '{m.name}' is not provided by any module",
                          None, i, hint="add a module that outputs it, or give it under exogenous:")
            elif owner.get(i) is not None and owner[i] is not m and i not in outputs and i not in exogenous:
                ctx.error(f"module '{m.name}' takes '{i}' as input, but module '{owner[i].name}' does not "
                          "declare it an output", None, i)
        for el in m.elements:
            used = ex.names(el.equation) if el.equation is not None else set()
            used |= set(el.inflows) | set(el.outflows)
            for u in used:
                o = owner.get(u)
                if o is not None and o is not m and u not in m.inputs and u not in exogenous:
                    ctx.error(f"uses '{u}' from module '{o.name}' without declaring it an input",
                              el.where.line, el.name, hint=f"add '{u}' to inputs of module '{m.name}'")


def _check_expr(node, where_line, element, elements, ctx):
    for n in ex.walk(node):
        if isinstance(n, ex.Name):
            if n.id in elements or n.id.lower() in BUILTIN_NAMES:
                if n.id in elements and elements[n.id].kind == "lookup":
                    ctx.error(f"'{n.id}' is a lookup; call it as {n.id}(x)", where_line, element)
                continue
            ctx.error(f"unknown name '{n.id}'", where_line, element,
                      hint=suggest(n.id, list(elements) + sorted(BUILTIN_NAMES)))
        elif isinstance(n, ex.Call):
            target = elements.get(n.fn) or next((e for k, e in elements.items() if k.lower() == n.fn), None)
            if target is not None and target.kind == "lookup":
                if len(n.args) != 1:
                    ctx.error(f"lookup '{n.fn}' takes one argument", where_line, element)
                continue
            if not known(n.fn):
                ctx.error(f"unknown function '{n.fn.upper()}'", where_line, element,
                          hint=suggest(n.fn, [k for k, e in elements.items() if e.kind == "lookup"]))
                continue
            ok, msg = arity_ok(n.fn, len(n.args))
            if not ok:
                ctx.error(msg, where_line, element)


def _check_names(elements, events, checks, ctx):
    for el in elements.values():
        line = el.where.line
        if el.kind == "lookup":
            continue
        if el.equation is not None:
            _check_expr(el.equation, line, el.name, elements, ctx)
        if el.kind == "stock":
            for f in el.inflows + el.outflows:
                if f not in elements:
                    ctx.error(f"flow '{f}' is not defined", line, el.name, hint=suggest(f, elements))
                elif elements[f].kind not in ("flow", "auxiliary"):
                    ctx.error(f"'{f}' is a {elements[f].kind}; only flows may fill or drain a stock",
                              line, el.name)
    for ev in events:
        for a in ev.actions:
            t = elements.get(a.target)
            if t is None or t.kind not in ("parameter", "stock"):
                what = "is not defined" if t is None else f"is a {t.kind}"
                ctx.error(f"event target '{a.target}' {what}; events may set parameters and stocks",
                          ev.where.line, ev.name, hint=suggest(a.target, elements) if t is None else None)
            if a.ramp_over is not None and t is not None and t.kind != "parameter":
                ctx.error(f"only parameters can be ramped ('{a.target}' is a {t.kind})", ev.where.line, ev.name)
            for n in (a.expr, a.ramp_over):
                if n is not None:
                    _check_expr(n, ev.where.line, ev.name, elements, ctx)
        for n in (*ev.at, ev.every, ev.start, ev.end, ev.when):
            if n is not None:
                _check_expr(n, ev.where.line, ev.name, elements, ctx)
    for c in checks:
        _check_expr(c.lhs, c.where.line, c.name, elements, ctx)
        _check_expr(c.rhs, c.where.line, c.name, elements, ctx)
