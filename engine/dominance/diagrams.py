"""Diagrams (matplotlib, no screen needed): a variable's causes or uses, the stock skeleton of a
large model, and one loop drawn with its link scores."""
from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np

from ..outputs.canvas import colormap, subplots

COLORS = {"stock": "#a9c1e8", "flow": "#f3c39f", "auxiliary": "#b5dfb9", "parameter": "#e4e4e4",
          "lookup": "#eaa9ab", "pipeline": "#c9bfe3"}


def _save(fig, path) -> str:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return str(path)


def _label(name: str) -> str:
    words, lines, cur = name.replace("_", " ").split(), [], ""
    for w in words:
        if cur and len(cur) + len(w) > 14:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    return "\n".join(lines + [cur])


def _boxes(g, pos, ax, color, focus=None):
    """Edges as arrows and nodes as labelled boxes (text that no circle hides)."""
    nx.draw_networkx_edges(g, pos, ax=ax, arrowsize=10, edge_color="#888", node_size=2200,
                           connectionstyle="arc3,rad=0.08")
    for n, (x, y) in pos.items():
        ax.text(x, y, _label(n), ha="center", va="center", fontsize=7, zorder=3,
                bbox={"boxstyle": "round", "fc": color(n), "ec": "black" if n == focus else "#666",
                      "lw": 2 if n == focus else 0.6, "alpha": 0.9})


def _kind_color(g):
    return lambda n: COLORS.get(g.nodes[n].get("kind"), "#999")


def draw_focus(sub, name, direction, path, title="") -> str:
    """The causes (left of ``name``) or uses (right of it), one column per distance."""
    layers: dict = {}
    for n, d in sub.nodes(data=True):
        layers.setdefault(d["distance"], []).append(n)
    pos = {}
    sign = -1 if direction == "causes" else 1
    for dist, nodes in layers.items():
        nodes.sort()
        for i, n in enumerate(nodes):
            pos[n] = (sign * dist, (len(nodes) - 1) / 2 - i)
    height = max(len(v) for v in layers.values())
    fig, ax = subplots(figsize=(3 + 3 * len(layers), max(3, 0.75 * height + 1.5)))
    _boxes(sub, pos, ax, _kind_color(sub), focus=name)
    signs = {(u, v): d["sign"] for u, v, d in sub.edges(data=True)
             if d.get("role") in ("inflow", "outflow") and d.get("sign")}
    if signs:
        nx.draw_networkx_edge_labels(sub, pos, edge_labels=signs, ax=ax, font_size=9, font_weight="bold")
    ax.legend(handles=focus_legend(sub, bool(signs)), fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title or f"{direction} of {name}")
    ax.set_axis_off()
    fig.tight_layout()
    return _save(fig, path)


def focus_legend(sub, signed: bool) -> list:
    """Legend entries of a focus graph: the colour of each kind of element it shows, the focus's
    frame, and what the signs on arrows into stocks mean."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    kinds = [k for k in COLORS if any(d.get("kind") == k for _, d in sub.nodes(data=True))]
    out: list = [Patch(fc=COLORS[k], ec="#666", label=k) for k in kinds]
    out.append(Patch(fc="white", ec="black", lw=2, label="the variable in focus"))
    out.append(Line2D([], [], color="#888", label="arrow: is computed from / feeds"))
    if signed:
        out.append(Line2D([], [], color="none", label="+ / - on an arrow: a flow filling / draining a stock"))
    return out


def _spread(g) -> dict:
    """Feedback first: each set of stocks that drive one another (strongly connected) on a circle,
    sets placed left to right in causal order (drivers left, accumulators right), the stocks no
    other stock drives (set by events only) in a last column."""
    core = g.subgraph([n for n in g if g.degree(n)])
    cond = nx.condensation(core)
    pos, x = {}, 0.0
    for gen in nx.topological_generations(cond):
        comps = sorted((sorted(cond.nodes[c]["members"]) for c in gen), key=len, reverse=True)
        y, width = 0.0, 1.0
        for members in comps:
            if len(members) > 2:
                r = 0.55 * len(members) ** 0.5
                for i, n in enumerate(members):
                    a = np.pi / 2 - 2 * np.pi * i / len(members)
                    pos[n] = np.array([x + r + r * np.cos(a), y - r + r * np.sin(a)])
                y -= 2 * r + 1.0
                width = max(width, 2 * r)
            else:
                for n in members:
                    pos[n] = np.array([x + 0.5, y])
                    y -= 1.0
        x += width + 1.6
    alone = sorted(n for n in g if n not in core)
    for i, n in enumerate(alone):
        pos[n] = np.array([x + 0.5, -1.0 * i])
    return pos


def draw_skeleton(sk, model, path) -> str:
    """The stocks of ``model`` and which drive which (through any number of other elements)."""
    modules = sorted({d.get("module") or "" for _, d in sk.nodes(data=True)})
    cmap = colormap("Pastel1" if len(modules) <= 9 else "tab20")
    color = {m: cmap(i % cmap.N) for i, m in enumerate(modules)}
    pos = _spread(sk)
    fig, ax = subplots(figsize=(13, 9))
    _boxes(sk, pos, ax, lambda n: color[sk.nodes[n].get("module") or ""])
    for m in modules:
        ax.scatter([], [], color=color[m], label=m or "(model)")
    ax.margins(0.06)
    ax.legend(fontsize=7, loc="lower left", title="module", title_fontsize=8)
    n_el = sum(1 for e in model.elements.values() if not e.hidden)
    ax.set_title(f"{model.name}: its {len(sk)} stocks and which drive which ({n_el} elements in all; "
                 "'carbonloop graph --focus VAR' shows one variable's causes or uses)", fontsize=9)
    ax.set_axis_off()
    fig.tight_layout()
    return _save(fig, path)


def loop_segments(d, loop):
    """The loop's visible elements and, for each step to the next, the rows of its links (hidden
    SMOOTH/DELAY stages folded into the step that passes through them)."""
    rows = {(lk.source, lk.target): r for r, lk in enumerate(d.links)}
    el = list(loop.elements)
    start = next(i for i, n in enumerate(el) if ":" not in n)
    el = el[start:] + el[:start]
    names, segs = [], []
    for i, n in enumerate(el):
        nxt = el[(i + 1) % len(el)]
        if ":" not in n:
            names.append(n)
            segs.append([])
        segs[-1].append(rows[(n, nxt)])
    return names, segs


def loop_diagram(d, loop, path, run: int = 0) -> str:
    """``loop`` on a circle, each step labelled with its typical link score: the median, over the
    steps where the loop is active, of the product of the link scores along that step."""
    names, segs = loop_segments(d, loop)
    active = d.relative[loop.index, :, run] != 0 if d.relative is not None else None
    labels = []
    for seg in segs:
        if d.link_scores is None or active is None or not active.any():
            labels.append("")
            continue
        s = np.prod(d.link_scores[seg][:, :, run], axis=0)[active]
        labels.append(f"{np.median(s):.3g}")
    n = len(names)
    size = max(6.0, 0.5 * n)
    ang = np.pi / 2 - 2 * np.pi * np.arange(n) / n
    pos = {m: (np.cos(a), np.sin(a)) for m, a in zip(names, ang)}
    fig, ax = subplots(figsize=(size, size))
    for i, m in enumerate(names):
        a, b = pos[m], pos[names[(i + 1) % n]]
        ax.annotate("", xy=b, xytext=a, arrowprops={"arrowstyle": "-|>", "color": "#555",
                    "shrinkA": 22, "shrinkB": 22, "connectionstyle": "arc3,rad=-0.2"})
        mid = ((a[0] + b[0]) / 2 * 1.12, (a[1] + b[1]) / 2 * 1.12)
        ax.text(*mid, labels[i], ha="center", va="center", fontsize=7, color="#a33")
    for m, (x, y) in pos.items():
        ax.text(x, y, _label(m), ha="center", va="center", fontsize=7,
                bbox={"boxstyle": "round", "fc": "#eef", "ec": "#99b"})
    mean = d.magnitude[loop.index, :, run].mean() * 100
    ax.set_title(f"{loop.title} ({loop.polarity or 'inactive'}): mean share {mean:.1f}%\n"
                 "link labels: median link score while the loop is active", fontsize=9)
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.3, 1.3)
    ax.set_axis_off()
    fig.tight_layout()
    return _save(fig, path)
