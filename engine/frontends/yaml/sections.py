"""YAML scenario sections -> typed model parts: time, events, checks, report, named loops."""
from __future__ import annotations

from ...errors import ModelError
from ...model import Action, Check, Event, Figure, LoopSpec, Report, TimeSpec, Where, check_time
from .fields import Fields, file_of, line_of

EVENT_FIELDS = {"name", "at", "every", "start", "end", "when", "set", "ramp", "doc", "source"}
TIME_FIELDS = {"start", "stop", "dt", "method", "save_step", "units", "noise_seed", "precision"}
REPORT_FIELDS = {"summary", "years", "figures"}
FIGURE_FIELDS = {"name", "title", "variables", "ylabel"}
MAX_EVENT_TIMES = 10_000


def parse_time(block, ctx: Fields, parent) -> TimeSpec:
    """time: {start, stop, dt, method, save_step, units, noise_seed, precision}."""
    line, file = line_of(parent, "time"), file_of(parent, "time", ctx.file)
    if not isinstance(block, dict):
        ctx.error("the scenario needs 'time: {start, stop, dt}'", line, file=file)
        return TimeSpec()
    vals = {}
    for key in ("start", "stop", "dt", "save_step", "noise_seed"):
        if key in block:
            vals[key] = ctx.number(block[key], line_of(block, key), None, f"time {key}", file=file)
    for key in ("start", "stop", "dt"):
        if key not in block:
            ctx.error(f"time settings need '{key}'", line, file=file)
    method = str(block.get("method", "euler")).lower()
    precision = str(block.get("precision", "double")).lower()
    for key in block:
        if key not in TIME_FIELDS:
            ctx.error(f"unknown time setting '{key}'", line_of(block, key), file=file,
                      hint="allowed: " + ", ".join(sorted(TIME_FIELDS)))
    if ctx.errors:
        return TimeSpec()
    spec = TimeSpec(start=vals["start"], stop=vals["stop"], dt=vals["dt"], method=method,
                    save_step=vals.get("save_step"), units=str(block.get("units", "") or ""),
                    noise_seed=vals.get("noise_seed") or 0.0, precision=precision)
    try:
        check_time(spec, file, line)
    except ModelError as exc:
        ctx.errors.append(exc)
    return spec


def parse_checks(block, ctx: Fields, parent) -> list:
    """checks: [{name, lhs, rhs, tolerance}, ...] (balance checks)."""
    if not block:
        return []
    if not isinstance(block, list):
        ctx.error("checks must be a list of {name, lhs, rhs, tolerance}", line_of(parent, "checks"))
        return []
    out = []
    for spec in block:
        line = getattr(spec, "line", None)
        if not isinstance(spec, dict) or not {"name", "lhs", "rhs"} <= set(spec):
            ctx.error("a check needs name, lhs and rhs", line)
            continue
        name = str(spec["name"])
        if not isinstance(spec["name"], str) or not name.strip() or any(c in name for c in "/:"):
            ctx.error(f"a check's name is text without '/' or ':', not {spec['name']!r}"[:160], line,
                      name[:80])
            continue
        unknown = set(spec) - {"name", "lhs", "rhs", "tolerance", "doc"}
        if unknown:
            ctx.error(f"unknown field '{sorted(unknown)[0]}' in a check", line, name)
        lhs = ctx.parse(spec["lhs"], line, name, "check")
        rhs = ctx.parse(spec["rhs"], line, name, "check")
        tol = ctx.number(spec.get("tolerance", 1e-9), line, name, "tolerance")
        if tol is not None and tol < 0:
            ctx.error("a check's tolerance cannot be negative", line, name)
            tol = None
        if lhs is not None and rhs is not None and tol is not None:
            out.append(Check(name, lhs, rhs, f"{spec['lhs']} = {spec['rhs']}", tol, Where(ctx.file, line)))
    return out


def parse_events(block, ctx: Fields, parent) -> list:
    """events: [{name, at | every (start, end) | when, set, ramp}, ...]."""
    if not block:
        return []
    file = file_of(parent, "events", ctx.file)
    if not isinstance(block, list):
        ctx.error("events must be a list", line_of(parent, "events"), file=file)
        return []
    out = []
    for i, spec in enumerate(block):
        ev = _event(spec, i, ctx, file, line_of(parent, "events"))
        if ev is not None:
            out.append(ev)
    names = [ev.name for ev in out]
    for n in {n for n in names if names.count(n) > 1}:
        ctx.error(f"two events are named '{n}'", None, n, file=file)
    return out


def _event(spec, i, ctx: Fields, file, block_line=None):
    line = getattr(spec, "line", None) or block_line
    if not isinstance(spec, dict):
        ctx.error(f"event {i + 1} must be a mapping (name:, at: | every: | when:, set:), not {spec!r}"[:200],
                  line, file=file)
        return None
    name = str(spec.get("name", f"event {i + 1}"))
    for key in spec:
        if key not in EVENT_FIELDS:
            ctx.error(f"unknown field '{key}' in an event", line_of(spec, key), name, file=file,
                      hint="allowed: " + ", ".join(sorted(EVENT_FIELDS)))
    timing = [k for k in ("at", "every", "when") if k in spec]
    if len(timing) != 1:
        ctx.error("an event needs exactly one of 'at', 'every' or 'when'", line, name, file=file)
        return None
    if not any(k in spec for k in ("set", "ramp")) and any(k not in EVENT_FIELDS for k in spec):
        return None         # the unknown field (a misspelled 'set') is the problem to report
    if "every" not in spec and ("start" in spec or "end" in spec):
        ctx.error("'start' and 'end' belong to a periodic event ('every')", line, name, file=file)

    def node(key, what="event time"):
        v = spec.get(key)
        return None if v is None else ctx.parse(v, line_of(spec, key) or line, name, what, file=file)
    at = spec.get("at")
    ats = at if isinstance(at, list) else [at] if at is not None else []
    if len(ats) > MAX_EVENT_TIMES:
        ctx.error(f"an event may list at most {MAX_EVENT_TIMES:,} times", line, name, file=file)
        ats = []
    at_nodes = tuple(n for n in (ctx.parse(v, line_of(spec, "at") or line, name, "event time", file=file)
                                 for v in ats) if n is not None)
    before = len(ctx.errors)
    actions = _actions(spec, ctx, line, name, file)
    if not actions:
        if len(ctx.errors) == before:
            ctx.error("an event needs 'set' or 'ramp' with at least one element", line, name, file=file)
        return None
    return Event(name=name, actions=tuple(actions), at=at_nodes, every=node("every"), start=node("start"),
                 end=node("end"), when=node("when", "condition"), where=Where(file, line))


def _actions(spec, ctx: Fields, line, name, file) -> list:
    actions = []
    for key in ("set", "ramp"):
        block = spec.get(key) or {}
        if not isinstance(block, dict):
            ctx.error(f"'{key}' must map element names to values", line_of(spec, key) or line, name, file=file)
            continue
        for target, value in block.items():
            over = None
            if key == "ramp":
                if not isinstance(value, dict) or set(value) != {"to", "over"}:
                    ctx.error("a ramp needs {to: value, over: duration}", line_of(block, target), name,
                              file=file)
                    continue
                over = ctx.parse(value["over"], line_of(block, target), name, "ramp duration", file=file)
                value = value["to"]
            n = ctx.parse(value, line_of(block, target), name, "event value", file=file)
            if n is not None:
                actions.append(Action(str(target), n, str(value), over))
    return actions


def parse_report(block, ctx: Fields, parent) -> Report:
    """report: {summary: [names], years: [numbers], figures: [{name, title, variables, ylabel}]}."""
    line, file = line_of(parent, "report"), file_of(parent, "report", ctx.file)
    if block is None:
        return Report()
    if not isinstance(block, dict):
        ctx.error("report must be a mapping with summary, years and figures", line, file=file)
        return Report()
    for key in block:
        if key not in REPORT_FIELDS:
            ctx.error(f"unknown field '{key}' in the report", line_of(block, key), file=file,
                      hint="allowed: " + ", ".join(sorted(REPORT_FIELDS)))
    summary = ctx.names(block.get("summary"), line_of(block, "summary"), None, "the report's summary", file=file)
    years_raw = block.get("years") or []
    if not isinstance(years_raw, list):
        ctx.error("the report's years must be a list of numbers", line_of(block, "years"), file=file)
        years_raw = []
    years = tuple(y for y in (ctx.number(y, line_of(block, "years"), None, "a report year", file=file)
                              for y in years_raw) if y is not None)
    figures = []
    figs = block.get("figures") or []
    if not isinstance(figs, list):
        ctx.error("the report's figures must be a list", line_of(block, "figures"), file=file)
        figs = []
    for spec in figs:
        fig = _figure(spec, ctx, getattr(spec, "line", None) or line_of(block, "figures"), file)
        if fig is not None:
            figures.append(fig)
    return Report(summary, years, tuple(figures), Where(file, line))


def _figure(spec, ctx: Fields, line, file):
    if not isinstance(spec, dict) or "variables" not in spec:
        ctx.error("a report figure is {name, title, variables: [...], ylabel}", line, file=file)
        return None
    for key in spec:
        if key not in FIGURE_FIELDS:
            ctx.error(f"unknown field '{key}' in a report figure", line, file=file,
                      hint="allowed: " + ", ".join(sorted(FIGURE_FIELDS)))
    variables = ctx.names(spec.get("variables"), line, None, "a figure's variables", file=file)
    name = str(spec.get("name") or (variables[0] if variables else "figure"))
    for key in ("title", "ylabel"):
        problem = _mathtext_problem(str(spec.get(key, "") or ""))
        if problem:
            ctx.error(f"the figure's {key} cannot be drawn: {problem}", line, name, file=file,
                      hint="text between two '$' is read as a formula; write \\$ for a dollar sign")
    return Figure(name, variables, str(spec.get("title", "") or name), str(spec.get("ylabel", "") or ""),
                  Where(file, line))


def _mathtext_problem(text: str) -> str | None:
    """What matplotlib cannot read in a label's formula (text between '$' signs), or None."""
    dollars = text.count("$") - text.count("\\$")
    if not dollars or dollars % 2:
        return None         # no formula: matplotlib draws the text as it is
    from matplotlib.mathtext import MathTextParser
    try:
        MathTextParser("path").parse(text)
    except ValueError as exc:
        return " ".join(str(exc).split())[:160]
    return None


def parse_loops(block, ctx: Fields, parent) -> tuple:
    """loops: {label: {elements: [names]} or [names]} (loops the model names)."""
    line, file = line_of(parent, "loops"), file_of(parent, "loops", ctx.file)
    out = []
    for label, spec in ctx.mapping(block, line, "loops", file=file).items():
        lline = line_of(block, label)
        elems = spec.get("elements") if isinstance(spec, dict) else spec
        if isinstance(spec, dict) and set(spec) - {"elements", "doc"}:
            ctx.error(f"unknown field in loop '{label}'", lline, str(label), file=file,
                      hint="a loop is {elements: [names]}")
        before = len(ctx.errors)
        names = ctx.names(elems, lline, str(label), "a loop's elements", file=file)
        if len(ctx.errors) > before:
            continue
        if len(names) < 1:
            ctx.error("a named loop needs at least one element", lline, str(label), file=file)
            continue
        out.append(LoopSpec(str(label), names, Where(file, lline)))
    return tuple(out)
