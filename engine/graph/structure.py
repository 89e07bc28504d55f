"""Graph stage (networkx): dependencies, evaluation order, algebraic loops, feedback loops.

Two graphs are built from one model:
- the *instant* graph of auxiliaries and flows (stocks and pipeline delays are known at the start
  of a step, so they are sources); its topological order is the step's runlist, and a cycle in it
  is an algebraic loop;
- the *feedback* graph of every element, with flow -> stock links for inflows and outflows; its
  cycles are the model's feedback loops.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

import networkx as nx

from .. import lang as ex
from ..errors import ModelError
from ..model import Model
from ..model.templates import tree_facts

STATE_KINDS = ("stock", "pipeline")
INSTANT_KINDS = ("flow", "auxiliary")


def dependencies(model: Model, el) -> set:
    """Names of elements an element's equation reads (lookups and builtins excluded)."""
    if el.equation is None or el.kind == "lookup":
        return set()
    els = model.elements
    names, calls = tree_facts(model.cell_parts, el.equation)     # a cell's template once
    deps = {x for x in names if x in els and x != "*"}
    deps.update(f for f in calls if f in els)
    return deps


def all_dependencies(model: Model) -> dict:
    """Every element's ``dependencies``. For a cell written from a template with names and
    numbers in its sites, the template's own names are looked up once and the cell's names
    added."""
    els = model.elements
    parts = model.cell_parts
    own: dict = {}                  # id(Template) -> (Template, what its own nodes read)
    out: dict = {}
    for name, el in els.items():
        found = parts.plain(el.equation) if parts is not None and el.kind != "lookup" else None
        if found is None:
            out[name] = dependencies(model, el)
            continue
        template, reps = found
        known = own.get(id(template))
        if known is None or known[0] is not template:
            names, calls = template.facts()
            known = own[id(template)] = (template, {x for x in names if x in els and x != "*"}
                                         | {f for f in calls if f in els})
        deps = set(known[1])
        for r in reps:
            if type(r) is ex.Name and r.id in els and r.id != "*":
                deps.add(r.id)
        out[name] = deps
    return out


def feedback_graph(model: Model, deps: dict | None = None) -> nx.DiGraph:
    """Every element, with an edge u -> v when v is computed from u (stock: from its flows);
    ``deps`` may give each element's ``dependencies`` when the caller has them."""
    g = nx.DiGraph()
    for el in model.elements.values():
        g.add_node(el.name, kind=el.kind)
    for el in model.elements.values():
        if el.kind == "stock":
            for f in el.inflows:
                g.add_edge(f, el.name, sign="+", role="inflow")
            for f in el.outflows:
                g.add_edge(f, el.name, sign="-", role="outflow")
        elif el.kind in INSTANT_KINDS:
            for d in deps[el.name] if deps is not None else dependencies(model, el):
                g.add_edge(d, el.name, role="uses")
    for fd in model.fixed_delays:
        g.add_edge(fd.input, fd.name, sign="+", role="delay")
    return g


def instant_order(model: Model, deps: dict | None = None) -> list:
    """Auxiliaries and flows in an order where each comes after everything it reads (``deps``: as
    for ``feedback_graph``)."""
    els = model.elements
    deps = _deps(model, deps)
    nodes = [n for n, el in els.items() if el.kind in INSTANT_KINDS]
    inside = set(nodes)
    edges = [(d, n) for n in nodes for d in deps[n] if d in inside]
    order = _in_declared_order(nodes, edges, model)
    if order is not None:
        return order
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    cycle = [u for u, _ in nx.find_cycle(g)]
    first = els[cycle[0]]
    raise ModelError("algebraic loop (a circular definition through no stock): "
                     + " -> ".join(cycle + [cycle[0]]), file=first.where.file,
                     line=first.where.line, element=first.name,
                     hint="put a stock (or a SMOOTH/DELAY) somewhere on the loop")


def initial_order(model: Model, deps: dict | None = None) -> list:
    """Every non-lookup element in the order its initial value can be computed (``deps``: as for
    ``feedback_graph``)."""
    els = model.elements
    deps = _deps(model, deps)
    nodes = [n for n, el in els.items() if el.kind != "lookup"]
    edges = [(d, n) for n in nodes for d in deps[n]]
    delayed = []
    for fd in model.fixed_delays:       # the delay's initial value and time are needed first
        delayed += [(d, fd.name) for d in ex.names(fd.delay) | ex.names(fd.initial) if d in els]
    edges += delayed
    order = _in_declared_order(nodes, edges, model)
    if order is not None:
        return order
    g = nx.DiGraph()
    for n in nodes:                     # nodes and edges in the order they were always added
        g.add_node(n)
        g.add_edges_from((d, n) for d in deps[n])
    g.add_edges_from(delayed)
    cycle = [u for u, _ in nx.find_cycle(g)]
    first = els[cycle[0]]
    raise ModelError("circular initial values: " + " -> ".join(cycle + [cycle[0]]),
                     file=first.where.file, line=first.where.line, element=first.name,
                     hint="give one of these stocks a numeric initial value")


def _deps(model: Model, deps: dict | None) -> dict:
    """Every element's dependencies (those given, else computed)."""
    return deps if deps is not None else all_dependencies(model)


def _in_declared_order(nodes: list, edges: list, model: Model) -> list | None:
    """A topological order of the graph of ``nodes`` (and the ends of ``edges``) taking, whenever
    several nodes are ready, the one declared first, then the one added first (networkx's
    lexicographical topological sort by declared rank, without building a networkx graph: this
    runs over every cell of large arrayed models); None when the graph has a cycle.

    The nodes are numbered by that preference once (declared rank, then order added), so the
    sort itself works on whole numbers: a heap of numbers and lists indexed by them."""
    index: dict = {}
    seen: list = []
    for n in nodes:
        if n not in index:
            index[n] = len(seen)
            seen.append(n)
    pairs = []
    get = index.get
    for u, v in edges:
        i = get(u)
        if i is None:
            i = index[u] = len(seen)
            seen.append(u)
        j = get(v)
        if j is None:
            j = index[v] = len(seen)
            seen.append(v)
        pairs.append((i, j))
    count = len(seen)
    rank = {n: i for i, n in enumerate(model.elements)}.get
    # (declared rank, order added) as one number, as the pairs compare; ``by_key[k]`` is the
    # node preferred k-th
    keys = [rank(n, 0) * count + p for p, n in enumerate(seen)]
    by_key = sorted(range(count), key=keys.__getitem__)
    number = [0] * count
    for k, p in enumerate(by_key):
        number[p] = k
    succ: list = [None] * count
    indeg = [0] * count
    for i, j in set(pairs):             # an edge given twice counts once
        a = number[i]
        targets = succ[a]
        if targets is None:
            succ[a] = [number[j]]
        else:
            targets.append(number[j])
        indeg[number[j]] += 1
    heap = [k for k in range(count) if indeg[k] == 0]      # already a heap: in increasing order
    pop, push = heapq.heappop, heapq.heappush
    out = []
    while heap:
        k = pop(heap)
        out.append(k)
        for m in succ[k] or ():
            d = indeg[m] - 1
            indeg[m] = d
            if d == 0:
                push(heap, m)
    if len(out) != count:
        return None
    return [seen[by_key[k]] for k in out]


def ready_order(indeg: dict, succ: dict, key) -> list:
    """Kahn's topological order: ``indeg`` maps each node to its count of predecessors and is
    used up; ``succ`` maps a node to its successors; whenever several nodes are ready, the one
    with the least ``key[node]`` comes first. Nodes on a cycle are left out."""
    node_of = {key[n]: n for n in indeg}
    if len(node_of) == len(indeg) and all(type(k) is int for k in node_of):
        return _ready_by_number(indeg, succ, key, node_of)
    heap = [(key[n], n) for n, d in indeg.items() if d == 0]
    heapq.heapify(heap)
    out = []
    while heap:
        _, n = heapq.heappop(heap)
        out.append(n)
        for m in succ.get(n, ()):
            indeg[m] -= 1
            if indeg[m] == 0:
                heapq.heappush(heap, (key[m], m))
    return out


def _ready_by_number(indeg: dict, succ: dict, key, node_of: dict) -> list:
    """``ready_order`` when every node's key is a distinct whole number: the heap holds the
    numbers alone (the same order, faster on hundreds of thousands of cells)."""
    heap = [key[n] for n, d in indeg.items() if d == 0]
    heapq.heapify(heap)
    pop, push = heapq.heappop, heapq.heappush
    out = []
    get = succ.get
    while heap:
        n = node_of[pop(heap)]
        out.append(n)
        for m in get(n, ()):
            d = indeg[m] - 1
            indeg[m] = d
            if d == 0:
                push(heap, key[m])
    return out


@dataclass(frozen=True)
class Loop:
    """A feedback loop: its elements in causal order, link signs and overall polarity."""
    elements: tuple
    signs: tuple           # one per link, '+', '-' or '?'
    label: str = ""        # its one label: the declared name, else R1, B2, U1 ... (graph.labels)
    name: str = ""         # the name the model declares for this loop, if any

    @property
    def polarity(self) -> str:
        """'reinforcing', 'balancing' or 'undetermined', from the signs of its links."""
        if "?" in self.signs:
            return "undetermined"
        return "reinforcing" if self.signs.count("-") % 2 == 0 else "balancing"

    @property
    def visible(self) -> tuple:
        """The loop without the engine's hidden elements (SMOOTH stages and the like)."""
        return tuple(e for e in self.elements if ":" not in e)


def feedback_loops(model: Model, link_sign, max_length: int = 16, limit: int = 5000) -> list:
    """The feedback loops (through at least one stock) of at most ``max_length`` elements, with
    their polarity; ``link_sign(u, v)`` gives '+', '-' or '?' for the link u -> v.

    Loops are found shortest first: when more than ``limit`` loops are that short, only the
    lengths that fit wholly under the limit are listed (``Loops.complete_to`` says up to which
    length), so that what is shown never depends on the order of enumeration.
    """
    g = feedback_graph(model)
    g.remove_nodes_from([n for n, d in g.nodes(data=True) if d["kind"] in ("parameter", "lookup")])
    cycles, complete_to = _cycles(g, model, max_length, limit)
    loops = []
    for cyc in cycles:
        stocks = [i for i, n in enumerate(cyc) if model.elements[n].kind in STATE_KINDS]
        i = min(stocks, key=lambda j: cyc[j])       # start at the first stock, for a stable listing
        cyc = cyc[i:] + cyc[:i]
        signs = tuple(link_sign(cyc[k], cyc[(k + 1) % len(cyc)]) for k in range(len(cyc)))
        loops.append(Loop(tuple(cyc), signs))
    loops.sort(key=lambda lp: (len(lp.elements), lp.elements))
    counts = {"R": 0, "B": 0, "U": 0}
    out = Loops()
    out.complete_to = complete_to
    for lp in loops:
        key = {"reinforcing": "R", "balancing": "B"}.get(lp.polarity, "U")
        counts[key] += 1
        out.append(Loop(lp.elements, lp.signs, f"{key}{counts[key]}"))
    return out


class Loops(list):
    """A list of loops that also says up to which length the listing is complete (and, once
    labelled, the ``labels`` that numbered them)."""
    complete_to: int = 0
    labels = None


def _cycles(g, model, max_length, limit) -> tuple[list, int]:
    """Cycles through a stock, every one up to the longest length that keeps the count within
    ``limit``; returns them and that length."""
    found: list = []
    for length in range(1, max_length + 1):
        batch = []
        for cyc in nx.simple_cycles(g, length_bound=length):
            if len(cyc) == length and any(model.elements[n].kind in STATE_KINDS for n in cyc):
                batch.append(cyc)
                if len(found) + len(batch) > limit:
                    return found, length - 1
        found += batch
    return found, max_length


def name_declared(loops: list, declared) -> tuple[list, list]:
    """Give each loop the model names (``LoopSpec``: label and elements) to the shortest loop
    through all those elements; returns the loops and the labels no loop matched."""
    complete_to = getattr(loops, "complete_to", 0)
    loops = Loops(loops)
    loops.complete_to = complete_to
    missing = []
    for spec in declared:
        label, wanted = spec.label, set(spec.elements)
        cands = [i for i, lp in enumerate(loops) if not lp.name and wanted <= set(lp.elements)]
        if not cands:
            missing.append(label)
            continue
        i = min(cands, key=lambda j: (len(loops[j].elements), j))
        lp = loops[i]
        loops[i] = Loop(lp.elements, lp.signs, lp.label, str(label))
    return loops, missing
