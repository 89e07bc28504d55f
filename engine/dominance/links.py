"""The link graph of the expanded model: every causal link whose score the method measures.

Stateful builtins are expanded first (``engine.expand``): a SMOOTH becomes a hidden stock and its
adjustment flow, a DELAY3 a chain of hidden stocks, and a pipeline delay (DELAY FIXED, PREVIOUS) a
state node fed by its input. Parameters and lookups are left out: they never change along a run
(events that set a parameter are read as inputs, see ``partials``), so no loop runs through them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from ..graph import STATE_KINDS, feedback_graph
from ..model import Model
from ..plan.expand import expand

NODE_KINDS = ("stock", "flow", "auxiliary", "pipeline")


@dataclass(frozen=True)
class Link:
    """One causal link: ``kind`` is 'uses' (an equation input), 'inflow', 'outflow' (flow to
    stock) or 'delay' (a pipeline delay's input to its output)."""
    source: str
    target: str
    kind: str

    @property
    def sign(self) -> str:
        """The sign fixed by the structure ('+' or '-'), or '' when the equation decides it."""
        return {"inflow": "+", "outflow": "-", "delay": "+"}.get(self.kind, "")


@dataclass
class LinkGraph:
    """The expanded model and its links, numbered; ``graph`` is the networkx view."""
    model: Model                    # the expanded model (hidden elements included)
    links: list
    index: dict                     # (source, target) -> link number
    graph: nx.DiGraph = field(repr=False)

    def kind(self, name: str) -> str:
        """The kind of element ``name`` is."""
        return self.model.elements[name].kind

    def is_state(self, name: str) -> bool:
        """True for a stock or another element that keeps state."""
        return self.kind(name) in STATE_KINDS

    def link_ids(self, cycle) -> list:
        """Link numbers around a closed path of node names (the last links back to the first)."""
        return [self.index[(cycle[i], cycle[(i + 1) % len(cycle)])] for i in range(len(cycle))]


def link_graph(model: Model) -> LinkGraph:
    """The link graph of ``model`` (expanded here; an already expanded model is kept as is)."""
    em = expand(model)
    fg = feedback_graph(em)
    g = nx.DiGraph()
    for n, d in fg.nodes(data=True):
        if d["kind"] in NODE_KINDS:
            g.add_node(n, kind=d["kind"])
    links: list = []
    index: dict = {}
    for u, v, d in fg.edges(data=True):
        if u not in g or v not in g:
            continue
        role = d.get("role", "uses")
        kind = role if role in ("inflow", "outflow", "delay") else "uses"
        index[(u, v)] = len(links)
        links.append(Link(u, v, kind))
        g.add_edge(u, v, id=index[(u, v)])
    return LinkGraph(em, links, index, g)


def hidden(name: str) -> bool:
    """True for the engine's own elements (SMOOTH/DELAY stages, pipeline inputs)."""
    return ":" in name


def owner(name: str) -> str:
    """The modeller's element a hidden element belongs to (itself when visible)."""
    return name.split(":", 1)[0]
