"""Checks every expression of a model goes through, wherever it is written: element equations,
event times, conditions and values, balance checks, sweep metrics and calibration readouts."""
from __future__ import annotations

import difflib
import math

from .. import builtins
from .. import lang as ex
from ..lang.names import RESERVED

MAX_TREE_DEPTH = 200        # deeper trees (macros, generated models) are refused at assembly


def is_finite_number(x) -> bool:
    """True for an int or float that is finite as a float (not a bool; a huge int overflows)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


def too_large(x) -> str | None:
    """What is wrong with ``x`` when it is an integer too large for a float (YAML and Python read
    a 400-digit number exactly; a simulation cannot hold it), else None."""
    if isinstance(x, bool) or not isinstance(x, int):
        return None
    try:
        float(x)
    except OverflowError:
        shown = f"{str(x)[:12]}... ({len(str(abs(x)))} digits)" if abs(x) < 10 ** 4000 else "of thousands of digits"
        return f"the number {shown} is too large: numbers must stay below about 1.8e308"
    return None


def huge_in(points) -> str:
    """': <what is wrong>' for the first too-large integer in a list of [x, y] pairs, else ''."""
    if isinstance(points, list):
        for p in points:
            for v in p if isinstance(p, list) else ():
                if too_large(v):
                    return f": {too_large(v)}"
    return ""


def suggest(name, candidates) -> str | None:
    """'did you mean ...?' for the closest of ``candidates``, if any is close."""
    close = difflib.get_close_matches(str(name), [str(c) for c in candidates], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def lookup_names(elements: dict) -> dict:
    """Lower-case name -> name of every lookup (calls are matched without case)."""
    return {k.lower(): k for k, e in elements.items() if e.kind == "lookup"}


def expression_problems(node, elements: dict, *, stateful: bool = True, variables_only: bool = False,
                        lookups: dict | None = None) -> list[tuple[str, str | None]]:
    """Problems of one expression as (message, hint) pairs; an empty list when it is sound.

    ``elements`` maps names to elements (anything with ``.kind``); ``stateful=False`` refuses
    SMOOTH, DELAY and the like (events and metrics are evaluated at one time, with no state);
    ``variables_only`` refuses parameters and lookups as names (a metric reads trajectories).
    ``lookups`` is ``lookup_names(elements)``, for a caller that checks many expressions.
    """
    if ex.depth(node) > MAX_TREE_DEPTH:
        return [too_deep()]
    return node_problems(ex.walk(node), elements, stateful=stateful, variables_only=variables_only,
                         lookups=lookups)


def too_deep() -> tuple[str, None]:
    """The problem of an expression nested more than ``MAX_TREE_DEPTH`` levels deep."""
    return (f"the expression is nested more than {MAX_TREE_DEPTH} levels deep", None)


def node_problems(nodes, elements: dict, *, stateful: bool = True, variables_only: bool = False,
                  lookups: dict | None = None) -> list[tuple[str, str | None]]:
    """The problems of some nodes, each node alone (its children are not visited): those
    ``expression_problems`` finds in a tree when given the tree's nodes in walk order."""
    problems: list = []
    for n in nodes:
        if isinstance(n, ex.Name):
            problems += _name_problems(n.id, elements, variables_only)
        elif isinstance(n, ex.Sub):
            problems += _cell_problems(n, elements, variables_only)
        elif isinstance(n, ex.Call):
            if lookups is None:
                lookups = lookup_names(elements)
            problems += _call_problems(n, elements, lookups, stateful)
    return problems


def _name_problems(name: str, elements: dict, variables_only: bool) -> list:
    el = elements.get(name)
    if el is None:
        if name.lower() in RESERVED:
            return []
        return [(f"unknown name '{name}'", suggest(name, list(elements) + sorted(RESERVED)))]
    if el.kind == "lookup":
        return [(f"'{name}' is a lookup; call it as {name}(x)", None)]
    if variables_only and el.kind == "parameter":
        return [(f"'{name}' is a parameter, not a saved variable", None)]
    return []


def _cell_problems(n, elements: dict, variables_only: bool) -> list:
    """A subscripted name outside the model's equations (metrics, readouts) must name one cell."""
    cell = ex.cell_of(n)
    if cell is None:
        return [(f"'{ex.unparse(n)}' must name one element of '{n.id}' by its element names", None)]
    if cell not in elements:
        cells = [k for k in elements if k.startswith(n.id + "[")]
        why = f"'{n.id}' is not arrayed" if not cells else f"'{n.id}' has no element {cell[len(n.id):]}"
        return [(f"unknown name '{ex.unparse(n)}': {why}", suggest(cell, cells) if cells else None)]
    return _name_problems(cell, elements, variables_only)


def _call_problems(n: ex.Call, elements: dict, lookups: dict, stateful: bool) -> list:
    target = elements.get(n.fn) or elements.get(lookups.get(n.fn.lower(), ""))
    if target is not None and target.kind == "lookup":
        return [] if len(n.args) == 1 else [(f"lookup '{n.fn}' takes one argument, got {len(n.args)}", None)]
    if target is not None and builtins.get(n.fn) is not None:       # calls are read in lower case
        return [(f"{n.fn.upper()}(...) is called, but '{n.fn}' is also an element of the model ({target.kind})",
                 "rename the element: a name may be an element or a function, not both")]
    b = builtins.get(n.fn)
    if b is None and n.fn.lower() in VENSIM_ONLY:
        return [VENSIM_ONLY[n.fn.lower()](n)]
    if b is None:
        return [(f"unknown function '{n.fn.upper()}'", suggest(n.fn, list(lookups.values()) + list(builtins.REGISTRY)))]
    if b.kind == "stateful" and not stateful:
        return [(f"{n.fn.upper()} keeps state and cannot be used here",
                 "define an auxiliary with it in the model and refer to that")]
    if b.kind == "random" and not stateful:
        return [(f"{b.shown} draws a new number every step and cannot be used here",
                 "define an auxiliary with it in the model and refer to that")]
    msg = b.arity_error(len(n.args))
    return [(msg, None)] if msg else []


def _integ(n: ex.Call) -> tuple[str, str]:
    initial = ex.unparse(n.args[1]) if len(n.args) == 2 else "<initial value>"
    rate = ex.unparse(n.args[0]) if n.args else "<net flow>"
    return ("INTEG is how Vensim writes a stock; in a YAML model a stock is an entry under 'stocks:' "
            "with its initial value and the flows that fill and drain it",
            f"write 'stocks: {{NAME: {{initial: {initial}, inflows: [FLOW], outflows: []}}}}' and put "
            f"'{rate}' under 'flows: {{FLOW: ...}}' (one flow per term you add or subtract); "
            "see docs/model-files.md")


VENSIM_ONLY = {"integ": _integ}     # Vensim functions a YAML model writes another way


MAX_STEPS = 10_000_000      # steps of one run: more is refused before anything is allocated
PRECISIONS = ("double", "single")  # the arithmetic a run may use (TimeSpec.precision)


def _check_phases(spec, where) -> None:
    """The phases of a time step that changes during the run: in time order from the start, each
    a whole number of its steps long, the last ending at the stop."""
    from ..errors import ModelError
    ends = [t for t, _ in spec.phases[1:]] + [spec.stop]
    if spec.phases[0] != (spec.start, spec.dt):
        raise ModelError("the first phase of the run's time steps must start at the start with dt", **where)
    for (t0, dt), t1 in zip(spec.phases, ends):
        n = (t1 - t0) / dt if dt > 0 else math.nan
        if not (math.isfinite(n) and n >= 1 and abs(n - round(n)) <= 1e-6 * max(1.0, n)):
            raise ModelError(f"a phase of the run from {t0:g} to {t1:g} is not a whole number of its steps "
                             f"of {dt:g}", **where)


def check_time(spec, file: str | None = None, line: int | None = None) -> None:
    """dt > 0, stop after start, both finite, a whole number of steps (at most ``MAX_STEPS``),
    a save step of at least dt, a whole noise seed; raises ModelError otherwise."""
    from ..errors import ModelError
    where: dict = dict(file=file, line=line)
    if not all(math.isfinite(x) for x in (spec.start, spec.stop, spec.dt)):
        raise ModelError("start, stop and dt must be finite numbers", **where)
    if not spec.dt > 0:
        raise ModelError(f"time step dt must be positive, got {spec.dt:g}", **where,
                         hint="for monthly steps over years use dt: 1/12")
    if not spec.stop > spec.start:
        raise ModelError(f"stop ({spec.stop:g}) must come after start ({spec.start:g})", **where)
    n = (spec.stop - spec.start) / spec.dt
    if n > MAX_STEPS:
        raise ModelError(f"{spec.start:g}..{spec.stop:g} with dt={spec.dt:g} is {n:.3g} steps; a run may "
                         f"take at most {MAX_STEPS:,}", **where, hint="use a larger dt")
    if getattr(spec, "phases", ()):
        _check_phases(spec, where)
    elif abs(n - round(n)) > 1e-6 * max(1.0, n):
        raise ModelError(f"the horizon {spec.start:g}..{spec.stop:g} is not a whole number of steps "
                         f"of dt={spec.dt:g}", **where)
    if spec.save_step is not None and not (math.isfinite(spec.save_step) and spec.save_step >= spec.dt * (1 - 1e-9)):
        raise ModelError("save_step must be a finite number of at least dt", **where)
    if spec.save_step is not None and abs(spec.save_step / spec.dt - spec.save_every) > 1e-6 * spec.save_every:
        raise ModelError(f"save_step {spec.save_step:g} is not a whole multiple of dt={spec.dt:g}", **where,
                         hint=f"use a multiple of dt, such as {spec.save_every * spec.dt:g}")
    seed = spec.noise_seed
    if not (math.isfinite(seed) and float(seed).is_integer() and abs(seed) <= 2 ** 53):
        raise ModelError(f"noise_seed must be a whole number (at most 2^53 in size), not {seed:g}", **where)
    if getattr(spec, "precision", "double") not in PRECISIONS:
        raise ModelError(f"unknown precision '{spec.precision}'", **where, hint="use double or single")
    if spec.method not in ("euler", "rk4"):
        raise ModelError(f"unknown integration method '{spec.method}'", **where, hint="use euler or rk4")
    if spec.units:
        from .units import UnitSyntaxError, parse_units
        try:
            parse_units(spec.units)
        except UnitSyntaxError as exc:
            raise ModelError(f"the time units cannot be read: {exc}", **where,
                             hint="write units such as 'year', 'month' or 'day'") from None
