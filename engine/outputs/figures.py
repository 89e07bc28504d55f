"""Figures (matplotlib, no screen needed): a run's report figures and the causal graph."""
from __future__ import annotations

from pathlib import Path

import networkx as nx
from matplotlib.figure import Figure as Canvas

from ..graph import feedback_graph
from ..model import Figure
from .paths import safe_component

FULL_DRAWING_LIMIT = 80     # elements; larger models are drawn as their stock skeleton


def _figure_specs(loaded, result) -> list:
    """The report's figures, or one figure of the visible stocks per unit they are measured in."""
    if loaded.model.report.figures:
        return list(loaded.model.report.figures)
    by_units: dict = {}
    for e in loaded.model.elements.values():
        if e.kind == "stock" and not e.hidden:
            by_units.setdefault(e.units, []).append(e.name)
    many = len(by_units) > 1
    return [Figure(f"stocks_{safe_component(u, 'no_units')}" if many else "stocks", tuple(names),
                   f"{loaded.name}: stocks" + (f" ({u})" if many and u else ""), u)
            for u, names in by_units.items()]


def report_figures(loaded, result, folder, others=(), title_suffix="", observations=None) -> list:
    """One PNG per figure the scenario's report asks for (run 0). ``others`` adds dashed lines
    of other runs, as (result, label) pairs, for comparisons; ``observations`` (variable -> data
    points, see engine/calibration/overlay.py) adds the observed points of plotted variables."""
    if observations is None:
        from ..calibration.overlay import observations_for
        observations = observations_for(loaded)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    series = [(result, "", "-")] + [(r, f" ({label})", "--") for r, label in others]
    if others:
        series[0] = (result, f" ({loaded.name})", "-")
    out = []
    for spec in _figure_specs(loaded, result):
        names = [n for n in spec.variables if all(n in r for r, _, _ in series)]
        if not names:
            continue
        fig = Canvas(figsize=(7, 4))
        ax = fig.subplots()
        for i, n in enumerate(names):
            for r, suffix, style in series:
                ax.plot(r.times, r[n][:, 0], color=f"C{i % 10}", ls=style,
                        label=n.replace("_", " ") + suffix)
            for k, obs in enumerate(observations.get(n, [])):
                bars = obs["xerr"] is not None
                ax.errorbar(obs["x"], obs["y"], xerr=obs["xerr"], fmt="os^v"[k % 4], color=f"C{i % 10}",
                            mfc="white", ms=4, lw=0.8, capsize=0,
                            label=obs["label"] + ("; bar: the period it averages" if bars else ""))
        ax.set_title((spec.title or spec.name) + title_suffix)
        ax.set_xlabel(loaded.model.time.units or "time")
        ax.set_ylabel(spec.ylabel or loaded.model.elements[names[0]].units)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8 if not others else 7)
        fig.tight_layout()
        path = folder / f"{safe_component(spec.name)}.png"
        fig.savefig(path, dpi=110)
        out.append(str(path))
    return out


def dot_text(model) -> str:
    """Graphviz DOT of the model: stocks as boxes, flows as double arrows, links signed."""
    g = feedback_graph(model)
    shapes = {"stock": "box", "flow": "diamond", "auxiliary": "ellipse", "parameter": "plaintext",
              "lookup": "note", "pipeline": "box"}
    lines = [f'digraph "{model.name}" {{', "  rankdir=LR;"]
    for n, d in g.nodes(data=True):
        if ":" in n:
            continue
        lines.append(f'  "{n}" [shape={shapes.get(d["kind"], "ellipse")}];')
    for u, v, d in g.edges(data=True):
        if ":" in u or ":" in v:
            continue
        style = ' [style=bold, label="' + d["sign"] + '"]' if d.get("role") in ("inflow", "outflow") else ""
        lines.append(f'  "{u}" -> "{v}"{style};')
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_graph(loaded, stem) -> list:
    """Write <stem>.dot and <stem>.png; returns both paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    model = loaded.model
    dot = stem.with_suffix(".dot")
    dot.write_text(dot_text(model))
    g = feedback_graph(model)
    g.remove_nodes_from([n for n in list(g) if ":" in n])
    if len(g) > FULL_DRAWING_LIMIT:     # too many to read: the stocks and which drive which
        from ..dominance.diagrams import draw_skeleton
        from ..dominance.trace import stock_skeleton
        return [str(dot), draw_skeleton(stock_skeleton(model), model, stem.with_suffix(".png"))]
    colors = {"stock": "#4c72b0", "flow": "#dd8452", "auxiliary": "#55a868", "parameter": "#cccccc",
              "lookup": "#c44e52", "pipeline": "#8172b2"}
    size = max(6, min(24, len(g) ** 0.5 * 2.2))
    fig = Canvas(figsize=(size, size * 0.7))
    ax = fig.subplots()
    pos = nx.kamada_kawai_layout(g) if 1 < len(g) < 400 else nx.spring_layout(g, seed=1)
    nx.draw_networkx(g, pos, ax=ax, node_size=300, font_size=7, arrowsize=8,
                     node_color=[colors.get(g.nodes[n]["kind"], "#999") for n in g])
    ax.set_axis_off()
    ax.set_title(f"{model.name}: stocks (blue), flows (orange), auxiliaries (green), parameters (grey)")
    fig.tight_layout()
    png = stem.with_suffix(".png")
    fig.savefig(png, dpi=110)
    return [str(dot), str(png)]
