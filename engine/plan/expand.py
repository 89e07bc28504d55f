"""Stateful builtins (SMOOTH, DELAY, TREND, INIT, ...) -> ordinary stocks and flows.

Each call is replaced in its equation by the name of a new, hidden element, so that the graph
sees the state (loops pass through it) and the integrator integrates it like any other stock.
Hidden names are '<owner>:<builtin>:<n>' and cannot clash with a modeller's names.
"""
from __future__ import annotations

import math
from dataclasses import replace

from .. import lang as ex
from ..builtins import canonical, is_stateful
from ..errors import ModelError
from ..model import Element, FixedDelay, Model
from ..model.templates import tree_calls

MAX_ORDER = 1000        # stages of SMOOTHN / DELAYN

N = ex.Num
V = ex.Name


def _b(op, a, b):
    return ex.Bin(0, op, a, b)


class _Expander:
    def __init__(self, model: Model):
        self.model = model
        self.new: dict = {}
        self.delays: list = []
        self.stage_times: list = []
        self.count = 0

    def name(self, owner, fn):
        """A new hidden name '<owner>:<builtin>:<n>'."""
        self.count += 1
        return f"{owner}:{fn}:{self.count}"

    def add(self, owner: Element, name, kind, equation, **kw):
        """Add one hidden element made for ``owner``."""
        self.new[name] = Element(name=name, kind=kind, equation=equation, text=ex.unparse(equation),
                                 module=owner.module, where=owner.where, hidden=True,
                                 doc=kw.pop("doc", ""), units=kw.pop("units", owner.units), **kw)

    def stock_chain(self, owner, fn, x, time, n, init, material):
        """n first-order stages of time T/n. A material delay passes flows on (each stage drains
        at level/(T/n) into the next; the output is the last outflow); a smooth passes levels on
        (each stage adjusts toward the one before; the output is the last level)."""
        stage_time = _b("/", time, N(0, float(n)))
        self.stage_times.append((owner.name, fn, stage_time))
        src = x                 # what feeds the next stage: a flow (material) or a level (smooth)
        for i in range(n):
            s = self.name(owner.name, fn)
            f = s + ":rate"
            if material:
                inflow = src if i else V(0, s + ":in")
                if i == 0:
                    self.add(owner, s + ":in", "flow", x, doc=f"input of {fn}")
                self.add(owner, f, "flow", _b("/", V(0, s), stage_time), doc=f"outflow of stage {i + 1}")
                self.add(owner, s, "stock", _b("*", init, stage_time), doc=f"{fn} stage {i + 1}",
                         inflows=(inflow.id,), outflows=(f,))
                src = V(0, f)
            else:
                self.add(owner, f, "flow", _b("/", _b("-", src, V(0, s)), stage_time),
                         doc=f"adjustment of stage {i + 1}")
                self.add(owner, s, "stock", init, doc=f"{fn} stage {i + 1}", inflows=(f,))
                src = V(0, s)
        return src

    def vensim_delay_n(self, owner, x, time, init, n):
        """Vensim's DELAY N: stage k holds content S_k (initially init * time) draining at
        S_k / T_k, where T_k is the delay time k steps earlier; dS_k/dt = n (in_k - out_k); the
        output is S_n / (the delay time one step earlier)."""
        fn = "delay_n"
        times = [time]
        for k in range(1, max(n, 2)):
            t = self.name(owner.name, fn) + ":time"
            self.add(owner, t + ":in", "auxiliary", times[-1], doc=f"delay time of stage {k}")
            self.add(owner, t, "pipeline", time, doc=f"delay time {k} steps earlier")
            self.delays.append(FixedDelay(t, t + ":in", V(0, "dt"), time))
            times.append(V(0, t))
        src = x
        last = None
        for k in range(n):
            s = self.name(owner.name, fn)
            out = _b("/", V(0, s), times[k])
            self.add(owner, s + ":in", "flow", _b("*", N(0, float(n)), src), doc=f"inflow of stage {k + 1}")
            self.add(owner, s + ":out", "flow", _b("*", N(0, float(n)), out), doc=f"outflow of stage {k + 1}")
            self.add(owner, s, "stock", _b("*", init, time), doc=f"{fn} stage {k + 1}",
                     inflows=(s + ":in",), outflows=(s + ":out",))
            src, last = out, s
        return _b("/", V(0, str(last)), times[1])

    def npv(self, owner, stream, rate, init, factor):
        """Vensim's NPV: a discount factor df (from 1) falling at df * rate / (1 + rate * dt), so that
        it is 1 / (1 + rate * dt)^k after k Euler steps; the stream times df accumulated (from init);
        the value (accumulated + stream * dt * df) * factor counts the current step's stream too."""
        fn = "npv"
        df = self.name(owner.name, fn) + ":discount"
        acc = self.name(owner.name, fn)
        dt = V(0, "dt")
        self.add(owner, df + ":out", "flow",
                 _b("/", _b("*", V(0, df), rate), _b("+", N(0, 1.0), _b("*", rate, dt))),
                 doc="fall of the discount factor", units="")
        self.add(owner, df, "stock", N(0, 1.0), doc="discount factor", outflows=(df + ":out",), units="")
        self.add(owner, acc + ":in", "flow", _b("*", stream, V(0, df)), doc="discounted stream", units="")
        self.add(owner, acc, "stock", init, doc="discounted stream accumulated", inflows=(acc + ":in",))
        return _b("*", _b("+", V(0, acc), _b("*", _b("*", stream, dt), V(0, df))), factor)

    def depreciate(self, owner, stream, life, init):
        """Straight-line depreciation with the fiscal period dt: the stream's last n values
        (n = life / dt, a whole number of steps fixed at the start; init before the start), summed
        as a running window W (the window one step earlier, plus the stream, less the stream n steps
        earlier) and divided by n."""
        fn = "depreciate"
        self.check_life(life, owner)
        dt = V(0, "dt")
        steps = ex.Call(0, "max", (ex.Call(0, "round", (_b("/", life, dt),)), N(0, 1.0)))
        n = self.name(owner.name, fn) + ":steps"
        self.add(owner, n, "stock", steps, doc="steps of the depreciation life (fixed at the start)", units="")
        gone = self.name(owner.name, fn) + ":leaving"
        self.add(owner, gone + ":in", "auxiliary", stream, doc="input of the window's end")
        self.add(owner, gone, "pipeline", init, doc="the stream as it leaves the window")
        self.delays.append(FixedDelay(gone, gone + ":in", life, init))
        window = self.name(owner.name, fn)
        last = window + ":last"
        self.add(owner, window, "auxiliary", _b("-", _b("+", V(0, last), stream), V(0, gone)),
                 doc="the stream's values over the depreciation life, summed")
        self.add(owner, last + ":in", "auxiliary", V(0, window), doc="input of the last window")
        self.add(owner, last, "pipeline", _b("*", steps, init), doc="the window one step earlier")
        self.delays.append(FixedDelay(last, last + ":in", dt, _b("*", steps, init)))
        return _b("/", V(0, window), V(0, n))

    def check_life(self, node, owner):
        """A constant depreciation life must be a whole number (at least 1) of time steps."""
        try:
            life = ex.constant(node)
        except ValueError:
            return
        steps = life / self.model.time.dt
        if not (math.isfinite(steps) and steps >= 1 - 1e-9 and abs(steps - round(steps)) <= 1e-6 * max(1.0, steps)):
            raise ModelError(f"DEPRECIATE_STRAIGHTLINE's life of {life:g} time units is not a whole number "
                             f"of time steps (dt={self.model.time.dt:g})", file=owner.where.file,
                             line=owner.where.line, element=owner.name,
                             hint="give a life that is a multiple of dt")

    def const_int(self, node, owner, fn):
        """The order of SMOOTHN / DELAYN: a whole number from 1 to ``MAX_ORDER``."""
        if isinstance(node, ex.Num) and 1 <= node.value <= MAX_ORDER and float(node.value).is_integer():
            return int(node.value)
        raise ModelError(f"the order of {fn.upper()} must be a whole number from 1 to {MAX_ORDER} "
                         "written as a number", file=owner.where.file, line=owner.where.line,
                         element=owner.name)

    def check_delay(self, node, owner, fn):
        """A pipeline's constant delay time must be finite and its history (one value per step of
        the delay) must fit in the pipeline buffer limit; a delay that varies is checked when it
        starts."""
        from ..backends.base import MAX_DELAY_BYTES
        try:
            delay = ex.constant(node)
        except ValueError:
            return
        steps = delay / self.model.time.dt
        if not math.isfinite(steps) or steps * 8 > MAX_DELAY_BYTES:
            raise ModelError(f"{fn.upper()} of {delay:g} time units keeps one value per step of dt="
                             f"{self.model.time.dt:g}: {steps:.3g} steps, more than the "
                             f"{MAX_DELAY_BYTES // 8:,} a pipeline may hold", file=owner.where.file,
                             line=owner.where.line, element=owner.name, hint="use a shorter delay or a larger dt")

    def call(self, node: ex.Call, owner: Element) -> ex.Node:
        """The expansion of one stateful call whose arguments are already expanded."""
        fn = canonical(node.fn)
        a = list(node.args)
        if fn == "smooth":
            return self.stock_chain(owner, fn, a[0], a[1], 1, a[2] if len(a) > 2 else a[0], False)
        if fn == "smooth3":
            return self.stock_chain(owner, fn, a[0], a[1], 3, a[2] if len(a) > 2 else a[0], False)
        if fn == "smoothn":
            n = self.const_int(a[2], owner, fn)
            return self.stock_chain(owner, fn, a[0], a[1], n, a[3] if len(a) > 3 else a[0], False)
        if fn == "delay1":
            return self.stock_chain(owner, fn, a[0], a[1], 1, a[2] if len(a) > 2 else a[0], True)
        if fn == "delay3":
            return self.stock_chain(owner, fn, a[0], a[1], 3, a[2] if len(a) > 2 else a[0], True)
        if fn == "delayn":
            n = self.const_int(a[2], owner, fn)
            return self.stock_chain(owner, fn, a[0], a[1], n, a[3] if len(a) > 3 else a[0], True)
        if fn in ("trend", "forecast"):
            x, t = a[0], a[1]
            horizon = a[2] if fn == "forecast" else None
            k = 3 if fn == "forecast" else 2
            init_trend = a[k] if len(a) > k else N(0, 0.0)
            avg_init = _b("/", x, _b("+", N(0, 1.0), _b("*", init_trend, t)))
            avg = self.stock_chain(owner, "trend", x, t, 1, avg_init, False)
            trend = ex.Call(0, "zidz", (_b("-", x, avg), _b("*", avg, t)))
            if fn == "trend":
                return trend
            return _b("*", x, _b("+", N(0, 1.0), _b("*", trend, horizon)))
        if fn == "init":
            s = self.name(owner.name, "init")
            self.add(owner, s, "stock", a[0], doc="value at the start of the run")
            return V(0, s)
        if fn == "npv":
            return self.npv(owner, a[0], a[1], a[2] if len(a) > 2 else N(0, 0.0), a[3] if len(a) > 3 else N(0, 1.0))
        if fn == "depreciate_straightline":
            return self.depreciate(owner, a[0], a[1], a[2] if len(a) > 2 else N(0, 0.0))
        if fn == "vensim_delay_n":
            return self.vensim_delay_n(owner, a[0], a[1], a[2], self.const_int(a[3], owner, fn))
        if fn == "sample_if_true":
            # out = input while the condition holds, else its own value one step earlier
            out = self.name(owner.name, fn)
            last = out + ":last"
            self.add(owner, out, "auxiliary", ex.If(0, a[0], a[1], V(0, last)),
                     doc="SAMPLE IF TRUE: the input while the condition holds, else the last sample")
            self.add(owner, last + ":in", "auxiliary", V(0, out), doc="input of the last sample")
            self.add(owner, last, "pipeline", a[2], doc="the sample one step earlier")
            self.delays.append(FixedDelay(last, last + ":in", V(0, "dt"), a[2]))
            return V(0, out)
        if fn in ("delay_fixed", "delay", "previous"):
            out = self.name(owner.name, fn)
            src = out + ":in"
            self.add(owner, src, "auxiliary", a[0], doc=f"input of {fn}")
            if fn == "previous":
                delay, init = V(0, "dt"), (a[1] if len(a) > 1 else a[0])
            else:
                delay, init = a[1], (a[2] if len(a) > 2 else a[0])
            self.check_delay(delay, owner, fn)
            self.add(owner, out, "pipeline", init, doc=f"output of {fn}")
            self.delays.append(FixedDelay(out, src, delay, init))
            return V(0, out)
        return ex.Call(node.pos, node.fn, tuple(a))

    def visit(self, node, owner):
        """The tree with each stateful call (innermost first) replaced by its new element."""
        def one(n):
            if isinstance(n, ex.Call) and is_stateful(n.fn) and n.fn not in self.model.elements:
                return self.call(n, owner)
            return n
        return ex.transform(node, one)


def has_stateful(node, model) -> bool:
    """True when the tree calls SMOOTH, DELAY or another builtin with state."""
    return any(is_stateful(f) and f not in model.elements for f in tree_calls(model.cell_parts, node))


def expand(model: Model) -> Model:
    """A model whose equations call no stateful builtin (they became hidden stocks)."""
    x = _Expander(model)
    changed = {}
    for el in model.elements.values():
        if el.equation is None or el.kind not in ("flow", "auxiliary", "stock") or \
                not has_stateful(el.equation, model):
            continue
        if el.kind == "stock":
            raise ModelError("a stock's initial value cannot use SMOOTH/DELAY/TREND",
                             file=el.where.file, line=el.where.line, element=el.name)
        changed[el.name] = el.with_(equation=x.visit(el.equation, el))
    for ev in model.events:
        for n in (*[a.expr for a in ev.actions], ev.when):
            if n is not None and has_stateful(n, model):
                raise ModelError("event expressions cannot use stateful functions; define an "
                                 "auxiliary and refer to it", file=ev.where.file, line=ev.where.line,
                                 element=ev.name)
    if not x.new:
        return model
    elements = {n: changed.get(n, el) for n, el in model.elements.items()}
    elements.update(x.new)
    return replace(model, elements=elements, fixed_delays=model.fixed_delays + tuple(x.delays),
                   stage_times=model.stage_times + tuple(x.stage_times))
