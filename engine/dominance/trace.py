"""Causal tracing a modeller can read: the causes and the uses of one variable, as a tree (what a
Vensim user knows as the causes and uses trees) or as a small graph, and the stock-to-stock
skeleton of a model too large to draw whole.

Tracing reads the model as written (a SMOOTH's input is a cause of the smoothed variable; the
builtin's hidden stages are not shown).
"""
from __future__ import annotations

import networkx as nx

from ..errors import ModelError
from ..graph import feedback_graph

DIRECTIONS = ("causes", "uses")


def causal_graph(model) -> nx.DiGraph:
    """Every element of the model as written, with an edge u -> v when v is computed from u."""
    g = feedback_graph(model)
    g.remove_nodes_from([n for n in list(g) if ":" in n])
    return g


def check_focus(model, name: str, direction: str = "causes", depth: int | None = None):
    """Raise a ModelError for an unknown variable, direction or depth."""
    if name not in model.elements:
        from ..model.check import suggest
        raise ModelError(f"cannot focus on '{name}': the model '{model.name}' has no such variable",
                         file=model.where.file, element=name,
                         hint=suggest(name, model.elements) or "'carbonloop validate' lists the model")
    if direction not in DIRECTIONS:
        raise ModelError(f"unknown direction '{direction}'", hint="use 'causes' or 'uses'")
    if depth is not None and depth < 1:
        raise ModelError(f"the depth must be at least 1, not {depth}")


def neighbourhood(g: nx.DiGraph, name: str, depth: int, direction: str) -> dict:
    """Elements within ``depth`` links of ``name`` upstream (causes) or downstream (uses), with
    their distance."""
    step = g.predecessors if direction == "causes" else g.successors
    dist, frontier = {name: 0}, [name]
    for d in range(1, depth + 1):
        nxt = []
        for n in frontier:
            for m in step(n):
                if m not in dist:
                    dist[m] = d
                    nxt.append(m)
        frontier = nxt
    return dist


def tree_lines(model, name: str, depth: int = 2, direction: str = "causes") -> list:
    """The causes (or uses) tree of ``name`` as indented text lines; an element already shown
    higher up is marked and not expanded again, and a path back to ``name`` is marked as a loop."""
    check_focus(model, name, direction, depth)
    g = causal_graph(model)
    step = g.predecessors if direction == "causes" else g.successors
    arrow = "<-" if direction == "causes" else "->"
    lines = [f"{name}  ({model.elements[name].kind})"]
    seen = {name}

    def walk(node, level, prefix):
        kids = sorted(step(node))
        for i, kid in enumerate(kids):
            last = i == len(kids) - 1
            mark = "  (loop)" if kid == name else ("  (above)" if kid in seen else "")
            kind = model.elements[kid].kind
            lines.append(f"{prefix}{'└' if last else '├'}{arrow} {kid}  ({kind}){mark}")
            if not mark and level < depth:
                seen.add(kid)
                walk(kid, level + 1, prefix + ("   " if last else "│  "))
    walk(name, 1, "")
    return lines


def focus_graph(model, name: str, depth: int = 2, direction: str = "causes") -> nx.DiGraph:
    """The subgraph of ``name`` and its causes (or uses) within ``depth`` links; each node carries
    ``kind`` and ``distance``."""
    check_focus(model, name, direction, depth)
    g = causal_graph(model)
    dist = neighbourhood(g, name, depth, direction)
    sub = g.subgraph(dist).copy()
    for n in sub:
        sub.nodes[n]["distance"] = dist[n]
    return sub


def stock_skeleton(model) -> nx.DiGraph:
    """Stocks only, with an edge s -> t when s reaches t through non-stock elements (each edge
    carries how many elements the shortest such path passes)."""
    g = causal_graph(model)
    stocks = [n for n, d in g.nodes(data=True) if d["kind"] in ("stock", "pipeline")]
    sk = nx.DiGraph()
    for s in stocks:
        sk.add_node(s, kind="stock", module=model.elements[s].module)
    for s in stocks:
        seen, frontier, d = {s}, [s], 0
        while frontier:
            d += 1
            nxt = []
            for n in frontier:
                for m in g.successors(n):
                    if m in seen:
                        continue
                    seen.add(m)
                    if m in sk:
                        if not sk.has_edge(s, m):
                            sk.add_edge(s, m, via=d - 1)
                    else:
                        nxt.append(m)
            frontier = nxt
    return sk


SHAPES = {"stock": "box", "flow": "diamond", "auxiliary": "ellipse", "parameter": "plaintext",
          "lookup": "note", "pipeline": "box"}


def dot_of(g: nx.DiGraph, name: str, focus: str | None = None) -> str:
    """Graphviz DOT text of a (sub)graph: stocks as boxes, flows as diamonds, the focus bold."""
    lines = [f'digraph "{name}" {{', "  rankdir=LR;"]
    for n, d in g.nodes(data=True):
        bold = ", style=bold" if n == focus else ""
        lines.append(f'  "{n}" [shape={SHAPES.get(d.get("kind"), "ellipse")}{bold}];')
    for u, v, d in g.edges(data=True):
        sign = f' [style=bold, label="{d["sign"]}"]' if d.get("role") in ("inflow", "outflow") else ""
        lines.append(f'  "{u}" -> "{v}"{sign};')
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_focus(model, name: str, depth: int, direction: str, stem) -> list:
    """Write <stem>.dot and <stem>.png of the causes (or uses) of ``name``; returns the paths."""
    from pathlib import Path

    from .diagrams import draw_focus
    sub = focus_graph(model, name, depth, direction)
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    dot = stem.with_suffix(".dot")
    dot.write_text(dot_of(sub, f"{direction} of {name}", focus=name))
    title = f"{model.name}: {direction} of {name} ({depth} link{'s' if depth > 1 else ''} deep)"
    return [str(dot), draw_focus(sub, name, direction, stem.with_suffix(".png"), title)]
