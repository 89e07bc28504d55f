"""The model as plain, immutable data: elements, modules, events, checks, time, report, loops.

Every front end produces these; ``assemble.py`` wires and validates them into one ``Model``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from ..lang import Node


@dataclass(frozen=True)
class Where:
    """Where a piece of the model was written (for error messages)."""
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Element:
    """One stock, flow, auxiliary, parameter or lookup.

    ``equation`` is the parsed tree (for a stock: its initial value). Parameters carry ``value``
    and an optional ``range``; lookups carry ``points`` and ``extrapolate``.
    """
    name: str
    kind: str
    equation: Node | None = None
    text: str = ""
    units: str = ""
    doc: str = ""
    source: str = ""
    module: str = ""
    where: Where = Where()
    inflows: tuple = ()
    outflows: tuple = ()
    non_negative: bool = False
    value: float | None = None
    range: tuple | None = None
    points: tuple = ()
    extrapolate: bool = False
    polarity: tuple = ()            # declared link polarities ((input, '+'|'-'), ...)
    hidden: bool = False            # created by the engine (expanded builtins)
    dims: tuple = ()                # dimensions it is arrayed over ('' for a scalar)
    pieces: tuple = ()              # arrays.Piece: equations of blocks of cells (the last that
    #                                 selects a cell wins; ``equation`` is the default)
    label: str = ""                 # the name as the source file wrote it, when not an identifier

    def with_(self, **changes) -> Element:
        """A copy with some fields changed (as ``dataclasses.replace``, without its per-call
        introspection: every cell of an arrayed element is made this way)."""
        if not _ELEMENT_FIELDS.issuperset(changes):
            raise TypeError(f"Element has no field {next(k for k in changes if k not in _ELEMENT_FIELDS)!r}")
        new = object.__new__(Element)
        fields = new.__dict__
        fields.update(self.__dict__)
        fields.update(changes)
        return new


_ELEMENT_FIELDS = frozenset(f.name for f in fields(Element))


@dataclass(frozen=True)
class FixedDelay:
    """A pipeline delay (DELAY FIXED): output = input delayed by ``delay`` time units."""
    name: str                       # the output element's name (an auxiliary slot)
    input: str                      # auxiliary holding the input expression
    delay: Node
    initial: Node


@dataclass(frozen=True)
class Action:
    """One change an event makes: set a parameter or stock, or ramp a parameter."""
    target: str
    expr: Node
    text: str
    ramp_over: Node | None = None   # ramp: reach ``expr`` linearly over this many time units


@dataclass(frozen=True)
class Event:
    """A scheduled, periodic or conditional change to the model, applied between steps."""
    name: str
    actions: tuple
    at: tuple = ()                  # times (Nodes: numbers or parameter expressions)
    every: Node | None = None       # period
    start: Node | None = None       # first firing of a periodic event
    end: Node | None = None         # last firing (inclusive)
    when: Node | None = None        # fire once, when this first holds
    where: Where = Where()


@dataclass(frozen=True)
class Check:
    """A balance check: ``lhs`` equals ``rhs`` to a relative tolerance at every saved step."""
    name: str
    lhs: Node
    rhs: Node
    text: str
    tolerance: float = 1e-9
    where: Where = Where()


@dataclass(frozen=True)
class TimeSpec:
    """Time settings of a run."""
    start: float = 0.0
    stop: float = 100.0
    dt: float = 1.0
    method: str = "euler"
    save_step: float | None = None
    units: str = ""
    noise_seed: float = 0.0         # seed of the random functions' streams (see model/noise.py)
    # the arithmetic of the run: 'double' (64-bit floats), or 'single' (32-bit floats, each
    # operation rounded as Vensim's single-precision editions compute; numpy backend only)
    precision: str = "double"
    # a time step that changes during the run (a Vensim TIME STEP of Time): (from time, dt) per
    # phase, the first at ``start`` with ``dt``; and the times saved (empty: every step). A run
    # steps each phase with its own dt (engine/run/phases.py)
    phases: tuple = ()
    saves: tuple = ()

    @property
    def n_steps(self) -> int:
        """Steps from start to stop."""
        return int(round((self.stop - self.start) / self.dt))

    @property
    def save_every(self) -> int:
        """Steps between saved records."""
        if self.save_step is None:
            return 1
        return max(1, int(round(self.save_step / self.dt)))

    @property
    def save_steps(self) -> tuple:
        """The steps whose values are saved: every ``save_every``-th from the start, and the final
        step always (``save_step: 3`` over 0..10 saves 0, 3, 6, 9 and 10)."""
        n, se = self.n_steps, self.save_every
        return tuple(range(0, n, se)) + (n,)


@dataclass(frozen=True)
class Module:
    """A named group of elements with declared inputs and outputs."""
    name: str
    elements: tuple
    inputs: tuple = ()
    outputs: tuple = ()
    description: str = ""
    where: Where = Where()
    checks: tuple = ()
    dimensions: tuple = ()          # arrays.Dimension declared in this module


@dataclass(frozen=True)
class Figure:
    """One figure of a run's report: the variables it plots, its title and y-axis label."""
    name: str
    variables: tuple
    title: str = ""
    ylabel: str = ""
    where: Where = Where()


@dataclass(frozen=True)
class Report:
    """What ``carbonloop run`` shows: summary rows, the years of its columns, the figures.

    Empty fields mean the defaults (every visible stock; four years over the horizon)."""
    summary: tuple = ()
    years: tuple = ()
    figures: tuple = ()
    where: Where = Where()


@dataclass(frozen=True)
class LoopSpec:
    """A feedback loop the model names: its label and elements it passes through."""
    label: str
    elements: tuple
    where: Where = Where()


@dataclass(frozen=True)
class Model:
    """A whole model ready for the graph stage: elements by name, events, checks, time."""
    name: str
    elements: dict
    time: TimeSpec
    events: tuple = ()
    checks: tuple = ()
    fixed_delays: tuple = ()
    stage_times: tuple = ()         # (element, builtin, stage-time tree) of expanded SMOOTH/DELAY
    modules: tuple = ()
    description: str = ""
    source_text: str = ""           # the scenario and module files, verbatim (provenance)
    where: Where = Where()
    loops: tuple = ()               # LoopSpec: loops the model names
    report: Report = Report()
    levers: tuple = ()              # Lever: parameters an interactive front end may move
    dimensions: tuple = ()          # arrays.Dimension
    arrays: tuple = ()              # arrays.ArrayInfo: which cells make up each arrayed element
    # templates.CellParts: which cells' trees were written from one template (so later stages may
    # look at a template once); not part of the model's value, and not pickled
    cell_parts: Any = field(default=None, compare=False, repr=False)

    def __getstate__(self):
        """The model's fields for pickling, without ``cell_parts`` (it identifies trees by their
        identity, which an unpickled copy does not keep)."""
        return dict(self.__dict__, cell_parts=None)

    @property
    def parameters(self) -> dict:
        """Parameter elements by name."""
        return {e.name: e for e in self.elements.values() if e.kind == "parameter"}
