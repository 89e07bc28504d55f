"""Events that set stocks -> XMILE structures that give the same numbers (for export).

At a step where events fire, the engine applies them one after another in the order the scenario
lists them, each computing its values from the state the previous one left, then records the step
and computes the flows from the new state. XMILE has no events, but the same arithmetic is three
plain structures per stock an event sets:

- the stock itself becomes ``<stock>_before_events`` (its value as integrated, before the step's
  events), with one more inflow ``<stock>_event_change`` = (<stock> - <stock>_before_events) / DT
  that carries the events' change into the next step;
- an auxiliary of the stock's own name holds the value after the step's events, so that every
  equation that reads the stock reads what the engine's run reads:
  ``IF <event>_fires THEN <value> ELSE <value before that event>`` (one stage per event that
  sets it, in the listed order);
- ``<event>_fires`` is 1 at the steps the event applies at (a sum of STEP windows one step wide
  around each firing time) and 0 elsewhere.

A value an event computes is read from the state before that event: the auxiliaries it needs are
copied, reading the earlier stages (``<aux>_before_<event>``). A copied auxiliary that keeps state
(SMOOTH, DELAY, ...) has no such copy; integration other than Euler spreads a one-step change over
the RK4 stages: both cannot be exported and are named.
"""
from __future__ import annotations

import re

from ... import builtins
from ... import lang as ex
from .emit import CannotExport


def _safe(text: str) -> str:
    return re.sub(r"\W+", "_", text).strip("_") or "event"


class Resets:
    """The XMILE structures of every event that sets a stock (see the module's docstring)."""

    def __init__(self, model, fire_steps, cells=frozenset()):
        """``fire_steps``: event index -> steps it fires at (None: not at fixed times); ``cells``:
        the cells of arrays (written inside their array, so not restaged here)."""
        self.model = model
        self.cells = set(cells)
        els = model.elements
        self.taken = set(els)
        self.specs: list = []           # extra variables
        self.renamed: dict = {}         # stock -> (its XMILE stock name, extra inflow)
        self.stages: dict = {}          # stock -> [(event index, stage name)]
        self.fires: dict = {}           # event index -> name of its firing indicator
        self.memo: dict = {}
        self.problems: list = []
        self.todo = []
        for i, ev in enumerate(model.events):
            acts = [a for a in ev.actions if els.get(a.target) is not None and els[a.target].kind == "stock"]
            if not acts:
                continue
            steps = fire_steps.get(i)
            if steps is None:
                why = "a conditional ('when') event" if ev.when is not None else "its times are not constant"
                self.problems.append(f"event '{ev.name}' sets stocks ({', '.join(a.target for a in acts)}) "
                                     f"and {why} has no XMILE form")
                continue
            if not steps:
                continue
            cells = [a.target for a in acts if a.target in self.cells]
            if cells:
                self.problems.append(f"event '{ev.name}' sets cells of an array ({', '.join(cells)}), which the "
                                     "export does not restage")
                continue
            if model.time.method != "euler":
                self.problems.append(f"event '{ev.name}' sets stocks: under {model.time.method.upper()} "
                                     "a change at one step has no exact XMILE form (export an Euler run)")
                continue
            self.todo.append((i, ev, acts, steps))
        for i, _ev, acts, _ in self.todo:
            for a in acts:
                self.stages.setdefault(a.target, []).append((i, None))
        for stock, stages in self.stages.items():
            base = self._name(f"{stock}_before_events")
            change = self._name(f"{stock}_event_change")
            self.renamed[stock] = (base, change)
            for k, (i, _) in enumerate(stages):
                last = k == len(stages) - 1
                stages[k] = (i, stock if last else self._name(f"{stock}_after_{_safe(model.events[i].name)}"))

    def _name(self, wanted: str) -> str:
        name, k = wanted, 1
        while name in self.taken:
            k += 1
            name = f"{wanted}_{k}"
        self.taken.add(name)
        return name

    def build(self) -> list:
        """The extra variables, as (tag, name, tree, units, doc); raises
        CannotExport naming what has no XMILE form."""
        if self.problems:
            raise CannotExport("; ".join(self.problems))
        t = self.model.time
        for i, ev, _, steps in self.todo:
            name = self._name(f"{_safe(ev.name)}_fires")
            self.fires[i] = name
            terms = []
            for k in steps:
                # on from a quarter step before the firing to three quarters after: the one step
                # whether a tool switches STEP at the first step at or after its time (XMILE,
                # Stella, carbonloop) or half a step earlier (Vensim's convention, PySD)
                on, off = t.start + (k - 0.25) * t.dt, t.start + (k + 0.75) * t.dt
                terms.append(ex.Bin(0, "-", ex.Call(0, "step", (ex.Num(0, 1.0), ex.Num(0, on))),
                                    ex.Call(0, "step", (ex.Num(0, 1.0), ex.Num(0, off)))))
            self.specs.append(("aux", name, _sum(terms), "",
                               f"1 at the steps event '{ev.name}' applies at, else 0"))
        for stock, stages in self.stages.items():
            e = self.model.elements[stock]
            base, change = self.renamed[stock]
            prev = base
            for i, stage in stages:
                ev = self.model.events[i]
                value = next(a.expr for a in ev.actions if a.target == stock)
                value = self._at(value, i - 1, f"event '{ev.name}' sets '{stock}'")
                eq = ex.If(0, ex.Bin(0, ">", ex.Name(0, self.fires[i]), ex.Num(0, 0.5)), value, ex.Name(0, prev))
                doc = (e.doc if stage == stock else "") or ""
                self.specs.append(("aux", stage, eq, e.units,
                                   f"'{stock}' after event '{ev.name}' at the steps it applies at" +
                                   (f"; {doc}" if doc else "")))
                prev = stage
            flow = ex.Bin(0, "/", ex.Bin(0, "-", ex.Name(0, stock), ex.Name(0, base)), ex.Name(0, "dt"))
            self.specs.append(("flow", change, flow, f"{e.units}/{self.model.time.units}"
                               if e.units and self.model.time.units else "",
                               f"carries the change the events make to '{stock}' into the next step"))
        return self.specs

    def _version(self, name: str, s: int, why: str) -> str:
        """The XMILE name of ``name`` as it reads after the events up to index ``s`` (-1: before
        any) at a step where they fire."""
        if name in self.stages:
            done = [stage for i, stage in self.stages[name] if i <= s]
            return done[-1] if done else self.renamed[name][0]
        e = self.model.elements.get(name)
        if e is None or e.kind not in ("auxiliary", "flow"):
            return name
        key = (name, s)
        if key not in self.memo:
            self.memo[key] = name           # provisional: the graph of auxiliaries has no cycles
            tree = self._at(e.equation, s, why)
            if not ex.same(tree, e.equation):
                if name in self.cells:
                    raise CannotExport(f"{why} from '{name}', a cell of an array, which the export does not copy")
                if any(getattr(builtins.get(fn), "kind", "") == "stateful" for fn in ex.calls(e.equation)):
                    raise CannotExport(f"{why} from '{name}', which keeps state (SMOOTH, DELAY, ...), so "
                                       "no copy of it can read the state an earlier event of the step left")
                after = f"after_{_safe(self.model.events[s].name)}" if s >= 0 else "before_events"
                copy = self._name(f"{name}_{after}")
                self.specs.append(("aux", copy, tree, e.units, f"'{name}' as {why.split(' sets ')[0]} "
                                   "reads it"))
                self.memo[key] = copy
        return self.memo[key]

    def _at(self, tree, s: int, why: str):
        """``tree`` reading every name as it is after the events up to index ``s``."""
        mapping = {}
        for n in ex.names(tree):
            v = self._version(n, s, why)
            if v != n:
                mapping[n] = ex.Name(0, v)
        return ex.substitute(tree, mapping) if mapping else tree


def _sum(terms):
    from ...lang.parser import balanced
    return balanced("+", terms, 0) if terms else ex.Num(0, 0.0)
