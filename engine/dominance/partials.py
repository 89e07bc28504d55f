"""Partial-change expressions: each link's target equation with only the link's source moving.

For a link x -> z with z = f(x, y, ...), the partial change of z due to x over a step is
``f(x(t), y(t-dt), ...) - z(t-dt)``: the equation re-evaluated with the source at its current value
and every other input (and time) at its previous value. The trees are built by substituting names
(``engine.lang.substitute``); the name ``prev|y`` stands for y one step earlier.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import lang as ex

PREV = "prev|"


def prev(name: str) -> str:
    """The name under which the value of ``name`` one step earlier is kept."""
    return PREV + name


@dataclass
class Partials:
    """The partial-change trees of a set of 'uses' links, and the arrays they read."""
    link_ids: list
    trees: list
    names: list                     # array names the trees read (current and 'prev|' names)


def partial_trees(lg, link_ids, varying: set) -> Partials:
    """Trees for the 'uses' links ``link_ids``; ``varying`` names everything that changes along a
    run (and so is held at its previous value): stocks, flows, auxiliaries, pipelines and the
    parameters events set."""
    trees, used = [], set()
    els = lg.model.elements
    for i in link_ids:
        link = lg.links[i]
        eq = els[link.target].equation
        mapping = {n: ex.Name(0, prev(n)) for n in ex.names(eq) if n in varying and n != link.source}
        tree = ex.substitute(eq, mapping)
        trees.append(tree)
        used |= ex.names(tree)
    names = sorted(n for n in used if n.startswith(PREV) or n in els)
    return Partials(list(link_ids), trees, names)


def input_arrays(names, traj: dict, constants: dict) -> list:
    """The arrays ``names`` stand for over steps 1..T-1 (time x run): a current name reads rows 1..,
    a 'prev|' name rows ..T-2 of its trajectory; a constant parameter its value per run."""
    out = []
    for n in names:
        base = n.removeprefix(PREV)
        if base in traj:
            a = traj[base]
            out.append(a[:-1] if n.startswith(PREV) else a[1:])
        else:
            out.append(np.asarray(constants[base], dtype=float).reshape(1, -1))
    return out
