"""Finding the loops: every loop while there are few, the strongest paths when there are many.

Exhaustive enumeration (Johnson's algorithm, networkx ``simple_cycles``) is used while a partition
has at most ``cap`` loops. Beyond the cap, the strongest-path search of Eberlein & Schoenberg
(2020) runs at a sample of time steps: from each stock, a depth-first search follows the links in
order of decreasing score magnitude, and gives up on a path once it reaches an element more weakly
than an earlier path did; each path that closes on the stock it started from is a loop. It finds
the loops that are strongest at each time, not every loop.

Loops entirely inside one builtin (a SMOOTH stage adjusting toward its input) are left out: they
are how the builtin works, not feedback the modeller wrote.
"""
from __future__ import annotations

import math

import networkx as nx
import numpy as np

from .links import hidden


def canonical(cycle, lg) -> tuple:
    """The loop rotated to start at its first state element (by name), as ``engine.graph`` does."""
    cycle = list(cycle)
    states = [i for i, n in enumerate(cycle) if lg.is_state(n)]
    i = min(states, key=lambda j: cycle[j]) if states else 0
    return tuple(cycle[i:] + cycle[:i])


def internal(loop) -> bool:
    """True for a loop made only of a builtin's hidden elements."""
    return all(hidden(n) for n in loop)


def enumerate_loops(lg, partition, cap: int):
    """Every loop of the partition, or None when there are more than ``cap``."""
    states = set(partition.states)
    out = []
    for cyc in nx.simple_cycles(lg.graph.subgraph(partition.nodes)):
        if internal(cyc):
            continue
        i = min((j for j, n in enumerate(cyc) if n in states), key=cyc.__getitem__)
        out.append(tuple(cyc[i:] + cyc[:i]))
        if len(out) > cap:
            return None
    return sorted(out, key=lambda lp: (len(lp), lp))


class StrongestPaths:
    """The strongest-path search over one partition, run once per (time, run) of link scores.

    Elements are numbered with the partition's state elements first, in name order, so that a
    loop's canonical rotation starts at its smallest number.
    """

    def __init__(self, lg, partition, link_ids):
        states = sorted(partition.states)
        self.names = states + sorted(partition.nodes - set(states))
        num = {n: i for i, n in enumerate(self.names)}
        row = {i: r for r, i in enumerate(link_ids)}
        self.n_states = len(states)
        self.hidden = [hidden(n) for n in self.names]
        self.out = [[(num[v], row[lg.index[(u, v)]]) for v in lg.graph.successors(u) if v in num]
                    for u in self.names]
        self._edges: np.ndarray | None = None          # (element, next element, row) per link

    def search(self, weights, compiled: bool = False) -> set:
        """Loops (as tuples of element numbers) found from every state element, given
        log|link score| per row of the scores (-inf for a zero score); ``compiled``: by the
        same search in compiled code (``compiled.strongest_paths``)."""
        if compiled:
            return self._compiled(np.asarray(weights, dtype=float))
        adj = []
        for nexts in self.out:
            live = [(weights[r], v) for v, r in nexts if weights[r] > -math.inf]
            live.sort(reverse=True)
            adj.append(live)
        found: set = set()
        for target in range(self.n_states):
            self._from(target, adj, found)
        return found

    def _compiled(self, weights) -> set:
        if self._edges is None:
            self._edges = np.array([(u, v, r) for u, nexts in enumerate(self.out) for v, r in nexts],
                                   dtype=np.int64).reshape(-1, 3)
        u, v, r = self._edges.T
        w = weights[r]
        live = w > -math.inf
        u, v, w = u[live], v[live], w[live]
        order = np.lexsort((-v, -w, u))         # per element: decreasing weight, then destination
        start = np.searchsorted(u[order], np.arange(len(self.out) + 1))
        from .compiled import strongest_paths
        size = 1024
        while True:
            out, ends = np.empty(size * 8, dtype=np.int64), np.empty(size, dtype=np.int64)
            n = strongest_paths(self.n_states, start, v[order], w[order], out, ends)
            if n >= 0:
                break
            size *= 4
        bounds = np.r_[0, ends[:n]].tolist()
        flat = out[:bounds[-1]].tolist()
        return {tuple(flat[a:b]) for a, b in zip(bounds[:-1], bounds[1:])}

    def _from(self, target, adj, found):
        best = [-math.inf] * len(adj)
        on_path = [False] * len(adj)
        path, stack = [target], [(iter(adj[target]), 0.0)]
        on_path[target] = True
        while stack:
            it, score = stack[-1]
            for w, v in it:
                if on_path[v]:
                    if v == target:
                        found.add(tuple(path))
                    continue
                s = score + w
                if s < best[v]:
                    continue
                best[v] = s
                on_path[v] = True
                path.append(v)
                stack.append((iter(adj[v]), s))
                break
            else:
                stack.pop()
                on_path[path.pop()] = False

    def loop(self, numbers) -> tuple:
        """A found loop in names, rotated to start at its smallest-numbered element."""
        i = numbers.index(min(numbers))
        return tuple(self.names[j] for j in numbers[i:] + numbers[:i])


def search_times(active: np.ndarray, max_times: int) -> np.ndarray:
    """Time indices to search: the steps where some link is active, evenly thinned to at most
    ``max_times``."""
    idx = np.flatnonzero(active)
    if len(idx) <= max_times:
        return idx
    return idx[np.unique(np.linspace(0, len(idx) - 1, max_times).round().astype(int))]


def strongest_loops(lg, partition, link_ids, scores, runs, max_times: int, compiled: bool = False):
    """Loops the strongest-path search finds at up to ``max_times`` steps of each run in ``runs``;
    ``scores`` is (link, time, run) over ``link_ids``; ``compiled``: the search in compiled code
    (the same loops). Returns (loops, number of searches)."""
    sp = StrongestPaths(lg, partition, link_ids)
    rows = [r for r, i in enumerate(link_ids) if lg.links[i].source in partition.nodes
            and lg.links[i].target in partition.nodes]
    found, searches = set(), 0
    with np.errstate(divide="ignore"):
        for run in runs:
            sub = scores[rows, :, run]
            for k in search_times((sub != 0).any(axis=0), max_times):
                w = np.full(len(link_ids), -math.inf)
                w[rows] = np.log(np.abs(sub[:, k]))
                found |= sp.search(w, True) if compiled else sp.search(w.tolist())
                searches += 1
    loops = {sp.loop(list(f)) for f in found}
    return sorted((lp for lp in loops if not internal(lp)), key=lambda lp: (len(lp), lp)), searches
