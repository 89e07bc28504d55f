"""XMILE queues: a stock that keeps what enters as batches, first in first out, as plain elements.

A queue (XMILE 1.0 §3.7.3, §4.2) holds batches in the order they came: each step every inflow
with something to give adds one batch (inflow · DT) at the back, in the listed order, and the
outflows take from the front, in their listed order. What an outflow may take depends on what is
downstream:

- a cloud, a plain stock or another queue takes everything (§3.7.3: such an outflow "will
  always empty the queue"), so the first such outflow is contents / DT and the outflows after it
  find nothing;
- a conveyor takes what it can accept (its capacity and inflow limit; ``conveyor.py`` computes
  that room); the rest stays in the queue, or goes to the next outflow, an ``<overflow/>``, which
  takes from the front only what the outflows before it left.

When the downstream side takes as many batches as fit and may split the last one (a conveyor's
``one_at_a_time="false"`` with ``batch_integrity`` false, or no limit at all), the amount that
leaves depends on the queue's total alone, never on how it is cut into batches: outflow k is
min(what its destination accepts, contents / DT - the outflows before it). That is exact in
ordinary elements, which is what the import writes (the batches themselves are not kept).

What depends on the batches is refused by name: a conveyor that takes one batch at a time (the
XMILE default) from a queue that may hold several, or whole batches only; a second outflow that
is not an overflow; queues under RK4 (a batch is one step's inflow). An arrayed queue is a queue
per element (its flows arrayed as it is), whose subscripts read its elements, not its batches.

A queue's batches can be read (``q[n]``, n = 1 the front batch, the "first out"; SIZE(q), their
number; SUM(q), its total) where its first outflow takes everything each step: the queue then
holds what its inflows added the step before, which PREVIOUS gives exactly. A queue that keeps
batches longer (its first outflow feeds a conveyor, or it has none) has its batch reads refused.
"""
from __future__ import annotations

from dataclasses import replace

from ... import lang as ex
from ...model import Element
from .equations import is_empty
from .errors import Unsupported, XmileError
from .xml import child, text_of

HELD = "the batches of a queue whose first outflow does not take everything each step (into a conveyor, or " \
       "none): it keeps batches the import does not hold"
READS = "MIN, MAX, MEAN, STDDEV and PROD of a queue's batches (q[n], SIZE and SUM are read)"


def read_queue(el, file: str, name: str) -> bool:
    """True for a stock with ``<queue/>`` (and not also a conveyor)."""
    if child(el, "queue") is None:
        return False
    if child(el, "conveyor") is not None:
        raise XmileError("a stock is a conveyor or a queue, not both (it has <conveyor> and <queue/>)",
                         file=file, element=name)
    return True


def read_overflow(el) -> bool:
    """True for a flow marked ``<overflow/>`` (``<overflow>false</overflow>`` opts out)."""
    mark = child(el, "overflow")
    return mark is not None and text_of(mark).lower() != "false"


def _num(x: float) -> ex.Node:
    return ex.Num(0, float(x))


def _name(s: str) -> ex.Node:
    return ex.Name(0, s)


def _bin(op: str, a: ex.Node, b: ex.Node) -> ex.Node:
    return ex.Bin(0, op, a, b)


def _max0(x: ex.Node) -> ex.Node:
    return ex.Call(0, "max", (_num(0), x))


class Queues:
    """Builds every queue of a model and the equations of its flows (used by the XMILE builder)."""

    def __init__(self, builder):
        self.b = builder

    def source(self, fkey: str):
        """The queue whose outflow ``fkey`` is, or None."""
        return next((q for q in self.b.vars.values() if q.queue and fkey in q.outflows), None)

    def remainder(self, q, fkey: str) -> ex.Node:
        """What outflow ``fkey`` of queue ``q`` finds at the front: the contents per DT, less what
        the outflows listed before it take."""
        b = self.b
        left = _bin("/", _name(b.names.get(q.key)), _name("dt"))
        for earlier in q.outflows[:q.outflows.index(fkey)]:
            left = _bin("-", left, _name(b.names.get(earlier)))
        return _max0(left)

    def feed(self, q, fkey: str, conveyor, limited: bool) -> ex.Node:
        """What queue ``q`` offers its outflow ``fkey`` into ``conveyor`` (which the conveyor then
        bounds by its room), refused where the answer depends on the batches."""
        belt, file = conveyor.conveyor, self.b.file
        if belt.batch_integrity and limited:
            raise Unsupported(f"a conveyor with a capacity or inflow limit that takes only whole batches "
                              f"(batch_integrity) from queue '{q.name}'", file=file, element=conveyor.name)
        first = q.outflows.index(fkey) == 0
        if belt.one_at_a_time and (limited or len(q.inflows) > 1 or not first):
            raise Unsupported(f"a conveyor that takes one batch at a time (one_at_a_time, the XMILE default) "
                              f"from queue '{q.name}', which can hold several batches", file=file,
                              element=conveyor.name,
                              hint='one_at_a_time="false" takes as many batches as fit, which is imported')
        return self.remainder(q, fkey)

    def _drained(self, q, v) -> None:
        """Refuse unless queue ``q`` lets everything out each step (its batches are then the ones
        its inflows added the step before)."""
        belts = {f for c in self.b.vars.values() if c.conveyor is not None for f in c.inflows}
        if not q.outflows or q.outflows[0] in belts:
            raise Unsupported(HELD, file=self.b.file, element=v.name)

    def _batches(self, q) -> tuple:
        """The batches (front first, as many as the queue can hold) and their number, as nodes.

        A queue whose first outflow takes everything holds at step k what its inflows added at
        step k - 1: one batch of inflow · DT per inflow that gave something, in the listed order
        (at the start, its initial value as one batch)."""
        b = self.b
        xs = [_name(b.names.get(f)) for f in q.inflows]
        gave = [_bin(">", x, _num(0)) for x in xs]
        me = _name(b.names.get(q.key))
        before = _num(0)                    # how many inflows before this one gave something
        ahead = []
        for g in gave:
            ahead.append(before)
            before = _bin("+", before, g)
        out = []
        for n in range(max(1, len(xs))):
            now: ex.Node = _num(0)
            for x, g, a in zip(xs, gave, ahead):
                term = _bin("*", _bin("*", _bin("==", a, _num(n)), g), _bin("*", x, _name("dt")))
                now = term if isinstance(now, ex.Num) else _bin("+", now, term)
            out.append(ex.Call(0, "previous", (now, me if n == 0 else _num(0))))
        count = ex.Call(0, "previous", (before, _bin(">", me, _num(0))))
        return out, count

    def element(self, q, index: ex.Node, v) -> ex.Node:
        """``q[index]``: the batch at that place from the front (1 is the front), 0 outside."""
        self._drained(q, v)
        batches, _ = self._batches(q)
        total: ex.Node = _num(0)
        for n, node in enumerate(batches, start=1):
            term = _bin("*", _bin("==", index, _num(n)), node)
            total = term if n == 1 else _bin("+", total, term)
        return total

    def reduce(self, fn: str, q, v) -> ex.Node:
        """SUM (the queue's total) or SIZE (its number of batches) of queue ``q``."""
        if fn == "sum":
            return _name(self.b.names.get(q.key))
        if fn != "size":
            raise Unsupported(READS, file=self.b.file, element=v.name)
        self._drained(q, v)
        return self._batches(q)[1]

    def check_overflows(self) -> None:
        """Every ``<overflow/>`` flow is an outflow of a queue after its first."""
        for f in self.b.vars.values():
            if f.overflow:
                q = self.source(f.key)
                if q is None or q.outflows[0] == f.key:
                    raise XmileError("an <overflow/> flow that is not an outflow of a queue after its first",
                                     file=self.b.file, element=f.name)

    def build(self, v, common) -> list:
        """The queue stock ``v``; its outflows' and inflows' equations go to the builder."""
        b, file = self.b, self.b.file
        if b.method != "euler":
            raise Unsupported("a queue under RK4 integration (a batch is one step's inflow: Euler only)",
                              file=file, element=v.name)
        inflows = tuple(b.flow_ref(f, v) for f in v.inflows)
        outflows = tuple(b.flow_ref(f, v) for f in v.outflows)
        belts = {f: c for c in b.vars.values() if c.conveyor is not None for f in c.inflows}
        for fk in v.inflows + v.outflows:   # an arrayed queue is a queue per element
            if tuple(b.vars[fk].dims) != tuple(v.dims):
                raise Unsupported(f"a queue whose flow '{b.vars[fk].name}' is not arrayed as the queue is",
                                  file=file, element=v.name)
        for j, fk in enumerate(v.outflows):
            f = b.vars[fk]
            if f.leak is not None:
                raise XmileError(f"queue outflow '{f.name}' is marked as a conveyor's leak", file=file,
                                 element=v.name)
            if j and not f.overflow:
                raise Unsupported(f"a queue outflow after the first that is not an <overflow/> ('{f.name}')",
                                  file=file, element=v.name)
            if fk not in belts:             # to a cloud, a stock or a queue: it takes what is left
                b.driven[fk] = self.remainder(v, fk)
        for fk in v.inflows:                # batches are never negative
            fed = any(fk in u.outflows for u in b.vars.values() if u.conveyor is not None or u.queue)
            if not fed:
                b.clamped.add(fk)
        if v.dims:
            return b.arrayed(replace(v, non_negative=True), common, wrap=lambda node: self._start(node, v))
        if is_empty(v.eqn):
            raise XmileError("the stock has no equation", file=file, element=v.name)
        initial = self._start(b.translate(v.eqn, v, {}), v)
        return [Element(kind="stock", equation=initial, text=v.eqn, non_negative=True, inflows=inflows,
                        outflows=outflows, **common)]

    def _start(self, initial: ex.Node, v) -> ex.Node:
        """A queue's start value: an error when it is a negative number, kept at 0 or more when
        it is computed."""
        try:
            start = ex.constant(initial)
        except ValueError:
            return _max0(initial)
        if start < 0:
            raise XmileError(f"the queue starts at {start:g}; a queue holds batches of 0 or more",
                             file=self.b.file, element=v.name)
        return initial
