"""A plan -> the source of one JavaScript module that runs the model over Float64Arrays.

The module is written as the numpy backend writes its functions for one run (``numpy_backend``),
statement for statement, so that both do the same arithmetic in the same order: ``_hoist(V)``,
``_initial(V)``, ``_segment(k0, k1, V, out, D, pend)`` (Euler inlined, RK4 through a nested rates
function) and one function per probe group. Every slot is a local ``v<slot>``; equations come
from the plan's runlists, so a runlist of array elements can later be written as loops over
element ranges without changing anything else. The run stage (clock, events, ramps, records and
checks, ``runtime.js``) follows, the same for every model. Element names appear only as JSON
string data, never as code.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np

from ... import builtins
from ... import lang as ex
from ...builtins.javascript import INTERP
from ..base import MAX_DELAY_BYTES, SWITCH_EPS
from ..emitter import Emitter, euler_updates, net_flow
from ..numpy_backend import reads

RUNTIME = Path(__file__).with_name("runtime.js")
LOCAL = re.compile(r"\b(v\d+)\b")


def _v(s) -> str:
    return f"v{s.slot if isinstance(s, ex.Ref) else s}"


def literal(v: float) -> str:
    """A double as JavaScript writes it (the shortest text that reads back the same)."""
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return repr(v)


def data(x) -> str:
    """JSON as a JavaScript literal, safe inside an HTML script element."""
    return json.dumps(x, allow_nan=False, separators=(",", ":")).replace("<", "\\u003c")


class JsEmitter(Emitter):
    """JavaScript over one run's doubles; a condition selects between two values (both are
    computed, as numpy.where does, so the arithmetic matches)."""

    def as_number(self, c: str) -> str:
        """A condition as 1.0 or 0.0."""
        return f"({c} ? 1.0 : 0.0)"

    def logic(self, op: str, *args: str) -> str:
        """and, or, not over conditions."""
        if op == "not":
            return f"(!{args[0]})"
        return f"({args[0]} {'&&' if op == 'and' else '||'} {args[1]})"

    def power(self, a: str, b: str) -> str:
        """a to the power b."""
        return f"Math.pow({a}, {b})"

    def select(self, c: str, a: str, b: str) -> str:
        """a where c holds, else b."""
        return f"({c} ? {a} : {b})"

    def _temp(self, text: str) -> str:
        self.temps += 1
        name = f"_t{self.temps}"
        self.pre.append(f"const {name} = {text};")
        return name

    def assign(self, target: str, node, indent: str = "") -> list:
        """Lines computing ``node`` into ``target`` (temporaries first)."""
        return [line if line.endswith(";") else line + ";" for line in super().assign(target, node, indent)]


def declare(lines, exclude=(), indent="  ") -> list:
    """A ``let`` of every slot local the lines use (but ``exclude``), then the lines."""
    used = sorted({m for line in lines for m in LOCAL.findall(line)} - set(exclude), key=lambda s: int(s[1:]))
    return ([f"{indent}let {', '.join(used)};"] if used else []) + list(lines)


class JsGenerator:
    """Writes the module of one plan (see the module docstring)."""

    def __init__(self, plan):
        self.plan = plan
        self.rk4 = plan.time.method == "rk4"
        self.em = JsEmitter(_v, {"time": "t", "dt": "_dt", "starttime": "_t0", "stoptime": "_t1",
                                 "pi": "_pi"}, lambda i, x: f"_interp({x}, _LX{i}, _LY{i}, _LE{i})")

    @staticmethod
    def unpack(slots, indent="  ") -> list:
        """Locals read from V."""
        return [f"{indent}{_v(s)} = V[{s}];" for s in sorted(slots)]

    @staticmethod
    def store(slots, indent="  ") -> list:
        """Locals written back to V."""
        return [f"{indent}V[{s}] = {_v(s)};" for s in slots]

    def compute(self, slots, indent) -> list:
        """The equations of ``slots``, in order."""
        eqs = self.plan.equations
        return [line for s in slots for line in self.em.assign(_v(s), eqs[s], indent)]

    @staticmethod
    def delay_read(d: int, k: str) -> str:
        """A pipeline's value at step ``k`` (its start value before the delay has passed)."""
        return f"({k} - DS[{d}] >= 0 ? DB[DO[{d}] + ({k} - DS[{d}]) % DZ[{d}]] : DI[{d}])"

    # ------------------------------------------------------------------ functions
    def hoist(self) -> list:
        """``_hoist(V)``: the auxiliaries of parameters only."""
        p = self.plan
        body = self.unpack(p.params) + ["  t = _t0;", "  ts = _t0;"] + self.compute(p.hoisted, "  ")
        body += self.store(p.hoisted)
        return ["function _hoist(V) {", "  let t, ts;"] + declare(body) + ["}"]

    def initial(self) -> list:
        """``_initial(V)``: start values; returns the pipelines' delay times and start values."""
        p = self.plan
        body = self.unpack(p.params + p.hoisted) + ["  t = _t0;", "  ts = _t0 + _eps;"]
        body += self.compute(p.initial, "  ") + self.store(p.stocks)
        self.em.pre = []
        times = [self.em.num(d.delay) for d in p.delays]
        body += ["  " + line for line in self.em.pre]
        inits = [_v(d.slot) for d in p.delays]
        body.append(f"  return [[{', '.join(times)}], [{', '.join(inits)}]];")
        return ["function _initial(V) {", "  let t, ts;"] + declare(body) + ["}"]

    def group(self, i: int) -> list:
        """The function of probe group ``i``: its probes' values at step k."""
        p = self.plan
        g = p.groups[i]
        trees = [p.probes[j] for j in g.probes] + [p.equations[s] for s in g.needs]
        delay_slots = {d.slot for d in p.delays}
        held = reads(trees) - set(g.needs) - delay_slots
        body = self.unpack(held) + ["  const t = _t0 + k * _dt, ts = t + _eps;"]
        for d_i, d in enumerate(p.delays):
            if d.slot in reads(trees):
                body.append(f"  {_v(d.slot)} = {self.delay_read(d_i, 'k')};")
        body += self.compute(g.needs, "  ")
        outs = []
        for j in g.probes:
            body += self.em.assign(f"const _p{j}", p.probes[j], "  ")
            outs.append(f"_p{j}")
        body.append(f"  return [{', '.join(outs)}];")
        return ["function (k, V, D) {", "  const { DB, DO, DZ, DS, DI } = D;"] + declare(body) + ["}"]

    def segment(self) -> list:
        """``_segment``: steps k0..k1-1 (or to the first 'when' condition that holds), recording."""
        p = self.plan
        rk4 = self.rk4
        pad = "    "
        body = self.unpack(p.params + p.hoisted + p.stocks)
        dyn = self.compute(p.dynamic, pad)
        nested = self._rates(dyn) if rk4 else []
        loop = ["  let k = k0, t, ts, rec;", "  for (k = k0; k < k1; k++) {",
                f"{pad}t = _t0 + k * _dt;", f"{pad}ts = t + _eps;"]
        for d_i, d in enumerate(p.delays):
            loop.append(f"{pad}{_v(d.slot)} = {self.delay_read(d_i, 'k')};")
        if rk4:
            loop.append(f"{pad}const [K1, A] = _rates(t, t + _eps, {self._state_args()});")
            loop += [f"{pad}{_v(s)} = A[{i}];" for i, s in enumerate(p.dynamic)]
        else:
            loop += dyn
        loop += self._conditions(pad)
        for d_i, d in enumerate(p.delays):
            loop.append(f"{pad}DB[DO[{d_i}] + k % DZ[{d_i}]] = {_v(d.input)};")
        loop += self._record(pad)
        loop += [f"{pad}if (k >= _n) break;"]
        loop += self._integrate(rk4, pad)
        loop += ["  }"] + self.store(p.stocks) + ["  return [Math.min(k + 1, k1), -1];"]
        outer = declare(body + loop)
        return (["function _segment(k0, k1, V, out, D, pend) {", "  const { DB, DO, DZ, DS, DI } = D;"] +
                outer[:1] + nested + outer[1:] + ["}"])

    def _state_args(self) -> str:
        p = self.plan
        return ", ".join([_v(s) for s in p.stocks] + [_v(d.slot) for d in p.delays])

    def _rates(self, dyn) -> list:
        p = self.plan
        args = ["t", "ts"] + [_v(s) for s in p.stocks] + [_v(d.slot) for d in p.delays]
        derivs = [net_flow(ins, outs, _v) for ins, outs in p.rates]
        body = ["  " + line for line in dyn]
        body.append(f"    return [[{', '.join(derivs)}], [{', '.join(_v(s) for s in p.dynamic)}]];")
        local = [_v(s) for s in p.dynamic]
        return ([f"  function _rates({', '.join(args)}) {{"] + ([f"    let {', '.join(local)};"] if local else []) +
                body + ["  }"])

    def _conditions(self, pad) -> list:
        L = []
        for i, c in enumerate(self.plan.conditions):
            self.em.pre = []
            text = self.em.cond(c)
            L += [pad + line for line in self.em.pre]
            L.append(f"{pad}if (pend[{i}] && {text}) {{")
            L += self.store(self.plan.stocks, pad + "  ")
            L.append(f"{pad}  return [k, {i}];")
            L.append(f"{pad}}}")
        return L

    def _record(self, pad) -> list:
        p = self.plan
        if not p.saved:
            return []
        m = len(p.saved)
        if p.time.save_every == 1:
            L = [f"{pad}rec = k * {m};"]
        else:
            L = [f"{pad}if (k % _se === 0 || k === _n) {{", f"{pad}  rec = Math.ceil(k / _se) * {m};"]
            pad += "  "
        L += [f"{pad}out[rec + {j}] = {_v(s)};" for j, s in enumerate(p.saved)]
        return L + ([f"{pad[:-2]}}}"] if p.time.save_every != 1 else [])

    def _integrate(self, rk4: bool, pad: str) -> list:
        p = self.plan
        L = []
        if rk4 and p.stocks:
            S = [_v(s) for s in p.stocks]
            P = [_v(d.slot) for d in p.delays]
            for K, (tt, ts, h, prev) in (("K2", ("t + _h2", "t + _h2", "_h2", "K1")),
                                         ("K3", ("t + _h2", "t + _h2", "_h2", "K2")),
                                         ("K4", ("t + _dt", "t + _dt - _eps", "_dt", "K3"))):
                args = [f"{s} + {h} * {prev}[{i}]" for i, s in enumerate(S)] + P
                L.append(f"{pad}const [{K}] = _rates({tt}, {ts}, {', '.join(args)});")
            for i, s in enumerate(S):
                L.append(f"{pad}{s} = {s} + _dt6 * (K1[{i}] + 2.0 * (K2[{i}] + K3[{i}]) + K4[{i}]);")
        else:
            L += [line + ";" for line in euler_updates(p, _v, pad)]
        for s in p.non_negative:
            L.append(f"{pad}{_v(s)} = Math.max({_v(s)}, 0.0);")
        return L

    # ------------------------------------------------------------------ the module
    def constants(self) -> list:
        """Numbers, tables, the builtins used, the time settings and the plan's data."""
        p = self.plan
        t = p.time
        L = [f"  const {k} = {literal(v)};" for k, v in self.em.consts.items()]
        for i, tb in enumerate(p.tables):
            L += [f"  const _LX{i} = [{', '.join(literal(x) for x in tb.xs)}];",
                  f"  const _LY{i} = [{', '.join(literal(y) for y in tb.ys)}];",
                  f"  const _LE{i} = {'true' if tb.extrapolate else 'false'};"]
        used = sorted({n.fn for tree in self._trees() for n in ex.walk(tree) if isinstance(n, ex.Call)})
        for fn in used:
            L.append(f"  const _fn_{fn} = {builtins.REGISTRY[fn].javascript};")
        L += ["  " + line for line in INTERP.splitlines()]
        L += [f"  const _t0 = {literal(t.start)}, _t1 = {literal(t.stop)}, _dt = {literal(t.dt)};",
              f"  const _h2 = {literal(t.dt / 2)}, _dt6 = {literal(t.dt / 6)}, _eps = {literal(t.dt * SWITCH_EPS)};",
              f"  const _n = {t.n_steps}, _se = {t.save_every}, _pi = {literal(np.pi)};",
              f"  const MAX_DELAY_BYTES = {MAX_DELAY_BYTES};"]
        return L + self.tables_of_plan()

    def _trees(self):
        p = self.plan
        return [x for x in (*p.equations, *p.probes, *p.conditions, *(d.delay for d in p.delays)) if x is not None]

    def tables_of_plan(self) -> list:
        """The plan's data the run stage reads: parameters, saved names, events, groups, checks."""
        p = self.plan
        els = p.model.elements
        params = []
        for s in p.params:
            el = els[p.names[s]]
            lo, hi = el.range if el.range else (-math.inf, math.inf)
            params.append({"name": p.names[s], "slot": s, "value": float(el.value), "low": _json_num(lo),
                           "high": _json_num(hi)})
        events = []
        for i, ev in enumerate(p.events):
            acts = []
            for a in ev.actions:
                rng = els[a.name].range if a.is_param else None
                lo, hi = rng if rng else (-math.inf, math.inf)
                acts.append({"slot": a.slot, "name": a.name, "value": a.value, "ramp": a.ramp,
                             "low": _json_num(lo), "high": _json_num(hi)})
            events.append({"index": i, "name": ev.event.name, "at": list(ev.at), "every": ev.every,
                           "start": ev.start, "end": ev.end, "when": ev.when, "group": ev.group,
                           "params": any(a.is_param for a in ev.actions), "actions": acts})
        rank = {p.names[s]: i for i, s in enumerate(p.stocks + p.params + p.hoisted + p.dynamic)}
        checks = [{"name": c.name, "text": c.text, "tolerance": c.tolerance, "saved": p.names[c.slot]}
                  for c in p.checks]
        return ["  const openEnds = (xs) => xs.map((x) => Object.assign(x, { low: x.low ?? -Infinity, "
                "high: x.high ?? Infinity }));",
                f"  const N_SLOTS = {len(p.names)}, N_SAVE = {p.n_save}, N_CONDITIONS = {len(p.conditions)};",
                f"  const SAVED = {data(p.saved_names)};",
                f"  const STOCKS = {data(list(p.stocks))};",
                f"  const PARAMS = openEnds({data(params)});",
                f"  const EVENTS = {data(events)};",
                "  EVENTS.forEach((e) => openEnds(e.actions));",
                f"  const START_GROUP = {p.start_group};",
                f"  const GROUP_PROBES = {data([list(g.probes) for g in p.groups])};",
                f"  const CHECKS = {data(checks)};",
                f"  const DELAY_NAMES = {data([p.names[d.slot].split(':')[0] for d in p.delays])};",
                f"  const RANKS = new Map(Object.entries({data(rank)}));"]

    def functions(self) -> list:
        """Every generated function of the model."""
        p = self.plan
        L = self.hoist() + self.initial() + self.segment()
        L.append("const GROUPS = [")
        for i in range(len(p.groups)):
            L += self.group(i)
            L[-1] += ","
        L.append("];")
        return ["  " + line for line in L]

    def source(self) -> str:
        """The whole module: ``globalThis.carbonloopModel = {name, run, ...}``."""
        p = self.plan
        fns = self.functions()          # first: the constants are collected while writing them
        head = [f"// {p.name}: generated by carbonloop from its plan (digest {p.digest[:16]}); do not edit",
                "globalThis.carbonloopModel = (() => {", '  "use strict";']
        tail = ["  return { name: " + data(p.name) + ", digest: " + data(p.digest) + ", method: " + data(p.time.method)
                + ", saved: SAVED, params: PARAMS, times: TIMES, events: EVENTS, run, ModelRunError };",
                "})();"]
        return "\n".join(head + self.constants() + fns + [RUNTIME.read_text().rstrip()] + tail) + "\n"


def _json_num(x: float):
    """A range end for JSON: an open end is null (the module reads it as an infinity)."""
    return None if math.isinf(x) else float(x)
