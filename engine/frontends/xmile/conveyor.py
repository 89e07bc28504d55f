"""XMILE conveyors: a stock whose contents ride a belt for a transit time, as plain elements.

The belt is the isee "traditional conveyor" (XMILE 1.0 §3.7.2, §4.2.1): N = round(transit / DT)
slats, one DT of travel each; every step each cohort on the belt leaks, the front slat leaves as
the conveyor's outflow, and the admitted inflow enters at the back, so a cohort admitted at one
step leaves N steps later. With a constant transit time and leak fractions fixed for the run this
belt has an exact form in ordinary elements, which is what the import writes (no per-slat state):

- ``entered``: the sum of the admitted inflows (a rate); ``exit`` = DELAY FIXED(entered, N·DT,
  E / DT), the rate at which cohorts reach the front, E being the cohort the start fills each slat
  with (a steady belt holding the stock's initial value, §7.1 of the isee rules);
- linear leakage, fraction f of each cohort over its transit: the leak is f / (N·DT) times the
  volume that entered during the last N steps (a hidden stock, ``on belt``); the outflow is
  (1 - Σf)·exit;
- exponential leakage, rate f per time unit: every slat loses f·DT of its content per step, so the
  leak is f·(conveyor) (several leaks compound in their listed order) and the outflow is
  q^N·exit, q = Π(1 - f·DT);
- ``<capacity>`` and ``<in_limit>`` bound the admitted inflow: min(requested, in_limit,
  (capacity - conveyor) / DT + outflow + leaks), shared by the inflows in their listed order.

What the belt needs per-slat state for is refused by name: a transit time or leak fraction that
varies during the run, ``<arrest>``, ``<sample>``, discrete conveyors, leak zones narrower than the
belt, ``<leak_integers/>`` and integration other than Euler. An arrayed conveyor is a belt per
element: the elements written are arrayed as it is (its flows must be).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ... import builtins as registry
from ... import lang as ex
from ...model import Element
from .errors import Unsupported, XmileError
from .xml import child, local, text_of

FIXED_NAMES = {"dt", "starttime", "stoptime", "pi"}     # the time settings and constants equations may read


@dataclass(frozen=True)
class Belt:
    """A stock's <conveyor> block."""
    length: str                 # <len>: the transit time
    capacity: str = ""          # <capacity> ("" for none)
    in_limit: str = ""          # <in_limit> ("" for none)
    exponential: bool = False   # exponential_leak="true"
    one_at_a_time: bool = True  # from an upstream queue: its front batch only (one_at_a_time)
    batch_integrity: bool = False   # from an upstream queue: whole batches only (batch_integrity)


@dataclass(frozen=True)
class Leak:
    """A leakage flow's fraction (linear) or rate (exponential)."""
    fraction: str


def _true(value) -> bool:
    return (value or "").strip().lower() == "true"


def read_belt(el, file: str, name: str) -> Belt | None:
    """The <conveyor> block of a stock element, or None for a plain stock."""
    c = child(el, "conveyor")
    if c is None:
        return None
    if _true(c.get("discrete")):
        raise Unsupported("discrete conveyors", file=file, element=name)
    for part in c:
        tag = local(part.tag)
        if tag == "arrest" and text_of(part) not in ("", "0"):
            raise Unsupported("a conveyor's <arrest>", file=file, element=name)
        if tag == "sample" and text_of(part) not in ("", "1"):
            raise Unsupported("a conveyor's <sample> (a transit time re-read as the model runs)",
                              file=file, element=name)
    length = text_of(child(c, "len"))
    if not length:
        raise XmileError("the conveyor has no <len> (its transit time)", file=file, element=name)
    return Belt(length, text_of(child(c, "capacity")), text_of(child(c, "in_limit")),
                _true(c.get("exponential_leak")), (c.get("one_at_a_time") or "true").strip().lower() != "false",
                _true(c.get("batch_integrity")))


def read_leak(el, file: str, name: str) -> Leak | None:
    """A flow's leakage (``<leak/>`` with the fraction in <eqn>, or ``<leak>fraction</leak>``)."""
    mark = child(el, "leak")
    if mark is None:
        return None
    if child(el, "leak_integers") is not None:
        raise Unsupported("<leak_integers/> (a leak of whole units)", file=file, element=name)
    for attr, full in (("leak_start", 0.0), ("leak_end", 1.0)):
        v = el.get(attr)
        try:
            narrower = v is not None and float(v) != full
        except ValueError:
            narrower = True
        if narrower:
            raise Unsupported(f"a leak zone narrower than the belt ({attr}=\"{v}\")", file=file, element=name)
    return Leak(text_of(mark) or text_of(child(el, "eqn")) or "0")


class Conveyors:
    """Builds the elements of every conveyor of a model (used by the XMILE builder)."""

    def __init__(self, builder):
        self.b = builder

    def fixed(self, text: str, v, what: str) -> ex.Node:
        """``text`` translated; refused unless it is the same for the whole run: numbers, constant
        variables, DT and the start and stop times, combined by arithmetic and math functions."""
        node = self.b.translate(text, v, {})
        for n in ex.walk(node):
            bad = None
            if isinstance(n, ex.Name) and n.id not in FIXED_NAMES and n.id in self.b.varying | {"time"}:
                bad = f"it reads '{n.id}'"
            elif isinstance(n, ex.Call) and (n.fn not in registry.REGISTRY or registry.REGISTRY[n.fn].kind != "math"):
                bad = f"it calls {n.fn.upper()}"
            elif isinstance(n, ex.Sub) and n.id in self.b.varying:
                bad = f"it reads '{n.id}'"
            if bad:
                raise Unsupported(f"a conveyor {what} that varies during the run ({bad}; a belt keeps one "
                                  "transit time and leak for the run)", file=self.b.file, element=v.name)
        return node

    def build(self, v, common) -> list:
        """The conveyor stock ``v`` and its flows' equations, as elements (the flows' elements
        are returned with the conveyor's rules; the builder skips them)."""
        b, belt, file = self.b, v.conveyor, self.b.file
        # an arrayed conveyor is a belt per element: its elements are arrayed as it is (apply to all)
        arr: dict = {"dims": tuple(b.dims.names[d] for d in v.dims)} if v.dims else {}
        if b.method != "euler":
            raise Unsupported("a conveyor under RK4 integration (a belt moves one slat per step: Euler only)",
                              file=file, element=v.name)
        for f in v.inflows + v.outflows:        # each names a flow of the model
            b.flow_ref(f, v)
            if tuple(b.vars[f].dims) != tuple(v.dims):
                raise Unsupported(f"a conveyor whose flow '{b.vars[f].name}' is not arrayed as the conveyor is",
                                  file=file, element=v.name)
        me = common["name"]
        leaks = [b.vars[f] for f in v.outflows if b.vars[f].leak is not None]
        mains = [b.vars[f] for f in v.outflows if b.vars[f].leak is None]
        if len(mains) > 1:
            raise XmileError(f"a conveyor has one outflow besides its leaks; it has {len(mains)} "
                             f"({', '.join(m.name for m in mains)})", file=file, element=v.name)
        def num(x) -> ex.Node:
            return ex.Num(0, float(x))

        def name(s) -> ex.Node:
            return ex.Name(0, s)

        def bin_(op, a, c) -> ex.Node:
            return ex.Bin(0, op, a, c)

        def call(fn, *a) -> ex.Node:
            return ex.Call(0, fn, tuple(a))

        dt = name("dt")
        length = self.fixed(belt.length, v, "transit time")
        try:
            if not ex.constant(length) > 0:
                raise XmileError(f"the conveyor's transit time <len> is {ex.constant(length):g}; it must be "
                                 "more than 0", file=file, element=v.name)
        except ValueError:          # it reads constants: at least one slat when it runs
            pass
        steps = call("max", num(1), call("round", bin_("/", length, dt)))
        fracs = [self.fixed(lk.leak.fraction, v, "leak fraction") for lk in leaks]
        hidden = lambda suffix: f"{me}:{suffix}"                          # noqa: E731
        initial = b.translate(v.eqn or "0", v, {})
        out = []

        def aux(suffix, node, doc):
            out.append(Element(kind="auxiliary", name=hidden(suffix), equation=node, text=ex.unparse(node),
                               hidden=True, where=common["where"], doc=doc, **arr))
            return name(hidden(suffix))

        n = aux("slats", steps, "slats of the belt: round(transit time / DT), at least 1")
        transit = bin_("*", n, dt)
        if belt.exponential:
            q = num(1)
            for f in fracs:
                q = bin_("*", q, bin_("-", num(1), bin_("*", f, dt)))
            q = aux("kept", q, "share of a slat's content kept over one step's leaks")
            kept = bin_("^", q, n)
            one_minus_q = bin_("-", num(1), q)
            per_cohort = call("if_then_else", bin_(">", one_minus_q, num(0)),
                              bin_("/", bin_("-", num(1), kept), one_minus_q), n)
        else:
            total = num(0)
            for f in fracs:
                total = bin_("+", total, f)
            kept = call("max", num(0), bin_("-", num(1), total))
            per_cohort = bin_("-", n, bin_("/", bin_("*", total, bin_("-", n, num(1))), num(2)))
        # (the conveyor's own start value: an arrayed one's may be given element by element)
        cohort = aux("cohort", call("init", bin_("/", name(me), per_cohort)),
                     "the cohort the start puts on each slat (a steady belt holding the initial value)")
        entered = num(0)
        for f in v.inflows:
            entered = bin_("+", entered, name(b.names.get(f)))
        entered = aux("entered", entered, "rate admitted onto the belt")
        exit_ = aux("exit", call("delay_fixed", entered, transit, bin_("/", cohort, dt)),
                    "rate at which cohorts reach the front of the belt (before their leaks)")
        flows: dict[str, ex.Node] = {}
        content = name(me)
        if mains:
            flows[mains[0].key] = call("max", num(0), bin_("*", kept, exit_))
        if leaks and not belt.exponential:
            on_belt, leaving = hidden("on_belt"), hidden("leaving")
            entering = hidden("entering")
            out.append(Element(kind="flow", name=entering, equation=entered, text=ex.unparse(entered),
                               hidden=True, where=common["where"], doc="cohorts entering the belt", **arr))
            out.append(Element(kind="flow", name=leaving, equation=exit_, text=ex.unparse(exit_),
                               hidden=True, where=common["where"], doc="cohorts leaving the belt", **arr))
            start = bin_("*", n, cohort)
            out.append(Element(kind="stock", name=on_belt, equation=start, text=ex.unparse(start),
                               inflows=(entering,), outflows=(leaving,), hidden=True, where=common["where"],
                               doc="volume that entered the belt during the last transit time", **arr))
            for lk, f in zip(leaks, fracs):
                flows[lk.key] = bin_("*", bin_("/", f, transit), name(on_belt))
        elif leaks:
            before = num(1)
            for lk, f in zip(leaks, fracs):
                flows[lk.key] = bin_("*", bin_("*", f, before), content)
                before = bin_("*", before, bin_("-", num(1), bin_("*", f, dt)))
        room: ex.Node | None = None
        if belt.capacity:
            freed = num(0)
            for fk in v.outflows:
                freed = bin_("+", freed, name(b.names.get(fk)))
            cap = b.translate(belt.capacity, v, {})
            room = bin_("+", bin_("/", bin_("-", cap, content), dt), freed)
        if belt.in_limit:
            limit = b.translate(belt.in_limit, v, {})
            room = limit if room is None else call("min", room, limit)
        taken = num(0)
        for fk in v.inflows:
            f = b.vars[fk]
            if any(fk in u.outflows for u in b.vars.values() if u.conveyor is not None):
                if room is not None:
                    raise Unsupported("a conveyor with a capacity or inflow limit fed by another conveyor",
                                      file=file, element=v.name)
                continue
            queue = b.queues.source(fk)
            if queue is not None:           # what the queue offers from its front
                request = b.queues.feed(queue, fk, v, room is not None)
            elif f.pieces:                  # an arrayed inflow's equations, element by element
                asked = b.arrayed(replace(f, kind="aux", key=f"{f.key}:asked", non_negative=None),
                                  {**b.common(f), "name": hidden(f"asked_{b.names.get(fk)}")})
                out += [replace(e, hidden=True, doc="what the inflow asks of the belt") for e in asked]
                request = call("max", num(0), name(asked[-1].name))
            else:
                request = call("max", num(0), b.translate(f.eqn, f, {}))
            if room is not None:
                request = call("min", request, call("max", num(0), bin_("-", room, taken)))
                taken = bin_("+", taken, name(b.names.get(fk)))
            flows[fk] = request
        self.b.driven.update(flows)
        if arr:
            return out + b.arrayed(v, common)
        out.append(Element(kind="stock", equation=initial, text=v.eqn,
                           inflows=tuple(b.flow_ref(f, v) for f in v.inflows),
                           outflows=tuple(b.flow_ref(f, v) for f in v.outflows), **common))
        return out
