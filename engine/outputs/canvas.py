"""Figures drawn straight to files: matplotlib ``Figure`` objects, never pyplot, so drawing chooses
no backend, needs no screen and changes nothing global (a notebook's own plotting stays as it is)."""
from __future__ import annotations

from matplotlib import colormaps
from matplotlib.figure import Figure


def subplots(*grid, figsize=None, **options):
    """(figure, axes) as ``pyplot.subplots`` gives them, without pyplot."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(*grid, **options)


def colormap(name: str):
    """A registered colormap by name ('tab20', 'Pastel1')."""
    return colormaps[name]
