"""Cycle partitions: sets of stocks tied together by feedback, whose loops compete for dominance.

A partition is a strongly connected component of the link graph that holds a cycle (every cycle
runs through a stock or a pipeline delay). Relative loop scores are normalised within each one:
loops of different partitions act on different stocks and are never compared.
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from .links import LinkGraph, hidden, owner


@dataclass(frozen=True)
class Partition:
    """One cycle partition: its number, elements and state elements (stocks, pipelines)."""
    number: int
    nodes: frozenset
    states: tuple

    @property
    def label(self) -> str:
        """The partition as its analysis names it (P1, P2, ...)."""
        return f"P{self.number}"

    @property
    def stocks(self) -> tuple:
        """The modeller's stocks (hidden SMOOTH/DELAY stages shown by their owner)."""
        out = []
        for s in self.states:
            name = owner(s) if hidden(s) else s
            if name not in out:
                out.append(name)
        return tuple(out)

    def describe(self, limit: int = 6) -> str:
        """A short description: the partition's stocks, the first ``limit`` of them."""
        s = list(self.stocks)
        more = f" and {len(s) - limit} more" if len(s) > limit else ""
        return ", ".join(s[:limit]) + more


def cycle_partitions(lg: LinkGraph) -> list:
    """The partitions, largest first (then by first stock name), numbered from 1."""
    g = lg.graph
    comps = []
    for comp in nx.strongly_connected_components(g):
        n0 = next(iter(comp))
        if len(comp) == 1 and not g.has_edge(n0, n0):
            continue
        states = tuple(sorted(n for n in comp if lg.is_state(n)))
        if states:
            comps.append((comp, states))
    comps.sort(key=lambda c: (-len(c[0]), c[1]))
    return [Partition(i + 1, frozenset(c), s) for i, (c, s) in enumerate(comps)]
