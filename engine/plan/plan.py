"""The compiled plan: what a backend needs to build a kernel, as immutable data.

Every element of the (expanded) model has a slot; expressions are trees whose element names are
resolved to slots (``Ref``) and whose graphical functions to tables (``Lookup``). The runlists say
in which order slots are computed: ``initial`` (start values, once per run), ``hoisted``
(auxiliaries of parameters only: once, and again after an event changes a parameter) and
``dynamic`` (every step); ``stocks`` are integrated from their ``rates``. ``probes`` are the
expressions events evaluate against the state (their times, values and ramp durations),
``groups`` say which probes are evaluated together and which dynamic slots they need.
``grouped`` holds the runlists with the cells of arrayed equations grouped into blocks
(``group.py``), which backends compute with one loop per block.
Nothing is written into a plan after it is built: per-run state lives in the run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ..lang import Node
from ..model import Event, Model, TimeSpec


@dataclass(frozen=True)
class Table:
    """A graphical function: points and whether it extrapolates beyond them."""
    name: str
    xs: tuple
    ys: tuple
    extrapolate: bool


@dataclass(frozen=True)
class Delay:
    """A pipeline (DELAY FIXED, PREVIOUS): ``slot`` reads ``input`` delayed by ``delay`` time
    units; before that, ``initial``. Both are evaluated once, at the start of the run."""
    slot: int
    input: int
    delay: Node
    initial: Node


@dataclass(frozen=True)
class Group:
    """Probes evaluated together, and the dynamic slots (in runlist order) they need."""
    probes: tuple
    needs: tuple


@dataclass(frozen=True)
class Action:
    """One change an event makes: the target slot, whether it is a parameter, the probe of its
    new value and, for a ramp, the probe of its duration."""
    slot: int
    name: str
    is_param: bool
    value: int
    ramp: int | None = None


@dataclass(frozen=True)
class EventPlan:
    """An event with its times and actions as probe indices; ``group`` is evaluated when it fires."""
    event: Event
    at: tuple = ()
    every: int | None = None
    start: int | None = None
    end: int | None = None
    when: int | None = None         # index into Plan.conditions
    actions: tuple = ()
    group: int = -1


@dataclass(frozen=True)
class CheckPlan:
    """A balance check: the slot holding its relative residual and its tolerance."""
    slot: int
    name: str
    text: str
    tolerance: float
    check: object


@dataclass(frozen=True)
class Plan:
    """A compiled model (see the module docstring); ``digest`` identifies its structure, what a
    backend generates code from (the same for any saved variables and parameter values)."""
    name: str
    model: Model                    # the expanded model (read only)
    time: TimeSpec
    names: tuple                    # slot -> element name
    kinds: tuple                    # slot -> kind
    equations: tuple                # slot -> resolved tree (a stock: its initial value) or None
    params: tuple
    stocks: tuple
    hoisted: tuple
    dynamic: tuple
    initial: tuple                  # slots computed at the start, in order (stocks and dynamic)
    rates: tuple                    # per stock: (inflow slots, outflow slots)
    non_negative: tuple             # stock slots held at zero or above
    tables: tuple
    delays: tuple
    conditions: tuple               # resolved 'when' conditions, in event order
    probes: tuple
    groups: tuple
    start_group: int                # the group evaluated once at the start (times, stage times)
    events: tuple
    saved: tuple                    # record layout: the slots saved, in order
    checks: tuple
    stage_times: tuple              # (owner, builtin, probe index) of expanded SMOOTH/DELAY stages
    sinks: frozenset                # saved names from which no stock can be reached
    units: MappingProxyType
    docs: MappingProxyType
    provenance: MappingProxyType
    digest: str
    # runlist name ('hoisted', 'initial', 'dynamic') -> its items, slots and ``group.Block``s, in
    # a valid order; a runlist without blocks is absent (backends then read the runlist itself)
    grouped: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    # the names from which a stock can be reached (``sinks`` are the saved names outside it); None:
    # not known (computed again when another selection of saved variables needs it)
    feeding: frozenset | None = None

    @property
    def slot(self) -> MappingProxyType:
        """Element name -> slot."""
        return MappingProxyType({n: i for i, n in enumerate(self.names)})

    @property
    def saved_names(self) -> list:
        """Names of the saved variables, in record order."""
        return [self.names[s] for s in self.saved]

    @property
    def n_save(self) -> int:
        """Records of one run (see ``TimeSpec.save_steps``)."""
        return -(-self.time.n_steps // self.time.save_every) + 1

    @property
    def save_steps(self) -> np.ndarray:
        """The saved steps (``TimeSpec.save_steps``) as an array."""
        t = self.time
        return np.append(np.arange(0, t.n_steps, t.save_every, dtype=np.int64), t.n_steps)

    @property
    def save_times(self) -> np.ndarray:
        """The times of the saved steps."""
        return self.time.start + self.save_steps * self.time.dt
