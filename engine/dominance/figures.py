"""Dominance charts (matplotlib, no screen needed): relative loop scores stacked over time for one
run, and for an ensemble the bands of each loop's relative score with its share of runs dominant."""
from __future__ import annotations

import numpy as np

from ..outputs.canvas import colormap, subplots
from .diagrams import _save


def top_loops(d, partition: int, top: int) -> list:
    """The ``top`` loops of a partition by importance (mean magnitude of relative score), with at
    least the three strongest of each polarity when it has them."""
    loops = sorted((lp for lp in d.loops if lp.partition == partition), key=lambda lp: -lp.importance)
    shown = loops[:top]
    for kind in ("R", "B"):
        for lp in [lp for lp in loops if lp.polarity[:1] == kind][:3]:
            if lp not in shown:
                shown.append(lp)
    return sorted(shown, key=lambda lp: -lp.importance)


def _title(lp) -> str:
    return lp.title


def _series(d, run, steps):
    if steps and d.relative is not None:
        return d.times, d.relative[:, :, run]
    mid = d.spans.mean(axis=1)
    return mid, d.signed[:, :, run]


def stacked_chart(d, path, partition: int = 1, run: int = 0, top: int = 8, steps: bool | None = None,
                  label_of=None, title=None) -> str:
    """Relative loop scores of one partition stacked over time: reinforcing loops above zero,
    balancing below, the strongest by name (see ``top_loops``) and the rest as 'other loops'.
    ``steps`` draws every dt (default: when the analysis has no bins), else the bin means;
    ``label_of(loop)`` names a loop in the legend (default: its label and name)."""
    t, rel = _series(d, run, d.every is None if steps is None else steps)
    shown = top_loops(d, partition, top)
    idx = [lp.index for lp in shown]
    rest = [i for i in d.groups[partition - 1] if i not in set(idx)]
    fig, ax = subplots(figsize=(10, 5))
    cmap = colormap("tab20")
    for side in (1, -1):
        parts = [np.clip(side * rel[i], 0, None) for i in idx]
        parts.append(np.clip(side * rel[rest], 0, None).sum(axis=0) if rest else np.zeros_like(t))
        stack = side * np.cumsum(parts, axis=0)
        base = np.zeros_like(t)
        for k, top_line in enumerate(stack):
            color = cmap(k % 20) if k < len(idx) else "#bbbbbb"
            label = ((label_of or _title)(shown[k]) if k < len(idx) else f"other loops ({len(rest)})") \
                if side == 1 else None
            ax.fill_between(t, base, top_line, color=color, lw=0, label=label, step=None)
            base = top_line
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylim(-1.02, 1.02)
    ax.set_ylabel("relative loop score (+ reinforcing, - balancing)")
    ax.set_xlabel(d.time_units or "time")
    part = d.partitions[partition - 1]
    ax.set_title(title or f"{d.model_name}: loop dominance in P{partition} ({part.describe(4)})", fontsize=10)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def ensemble_chart(d, path, partition: int = 1, top: int = 6, quantiles=(0.05, 0.5, 0.95),
                   label_of=None, title=None) -> str:
    """For an ensemble: the median and band of each top loop's relative score per bin (left) and
    the share of runs in which it is dominant (right)."""
    shown = top_loops(d, partition, top)
    mid = d.spans.mean(axis=1)
    fig, (a1, a2) = subplots(1, 2, figsize=(13, 4.8))
    cmap = colormap("tab20")
    for k, lp in enumerate(shown):
        q = np.quantile(d.signed[lp.index], quantiles, axis=1)
        a1.fill_between(mid, q[0], q[-1], color=cmap(k % 20), alpha=0.25, lw=0)
        name = (label_of or _title)(lp)
        a1.plot(mid, q[len(quantiles) // 2], color=cmap(k % 20), label=name)
        a2.plot(mid, d.dominant[lp.index].mean(axis=1) * 100, color=cmap(k % 20), label=name)
    a1.axhline(0, color="black", lw=0.6)
    a1.set_ylabel(f"relative loop score (median, {quantiles[0]:.0%}-{quantiles[-1]:.0%} of runs)")
    a2.set_ylabel("runs in which the loop is dominant (%)")
    a2.set_ylim(-2, 102)
    for a in (a1, a2):
        a.set_xlabel(d.time_units or "time")
        a.grid(alpha=0.3)
    a2.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle(title or f"{d.model_name}: loop dominance over {d.n_runs} runs (P{partition})", fontsize=10)
    fig.tight_layout()
    return _save(fig, path)
