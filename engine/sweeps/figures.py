"""Sweep figures: fan charts of kept trajectories, index bar charts, metric-parameter scatter."""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from ..outputs.canvas import subplots
from ..results.hdf5 import safe_name
from . import store

MAX_POINTS = 5000       # scatter plots show at most this many runs (an even stride through them)
TIME_BLOCK = 16         # fan charts read this many time rows at once (memory stays flat)


def sweep_figures(path, df, folder) -> list:
    """Write every figure of a sweep into ``folder``; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = [fan_chart(path, n, folder) for n in store.names_by_role(path, "trajectory")]
    if not df.empty:
        out += [index_bars(df, m, folder) for m in df["metric"].unique()]
    out += [scatter(path, m, folder) for m in store.names_by_role(path, "metric")]
    return out


def quantiles(path, name, qs=(5, 50, 95)) -> tuple[np.ndarray, np.ndarray, tuple[str, str]]:
    """(times, quantiles x time, (units, time units)) of a kept trajectory over runs, reading a
    block of times at once."""
    with h5py.File(path, "r") as f:
        d, times = f[safe_name(name)], f["time"][...]
        q = np.empty((len(qs), len(times)))
        for i in range(0, len(times), TIME_BLOCK):
            q[:, i:i + TIME_BLOCK] = np.nanpercentile(d[i:i + TIME_BLOCK], qs, axis=1)
        units = (d.attrs.get("units", ""), f["time"].attrs.get("units", ""))
    return times, q, units


FAN_MIN_RUNS = 20       # fewer sampled runs than this are drawn one line each, not as a 5-95 % fan
LABELLED_RUNS = 10      # runs drawn one line each are named in the legend up to this many


def fan_chart(path, name, folder) -> str:
    """The median and 5-95 % band of a kept trajectory over the runs; a grid sweep (its points
    are chosen, not drawn from a distribution, so they have no quantiles) or a sweep of fewer
    than ``FAN_MIN_RUNS`` runs as one line per run instead."""
    names, _, vals, attrs = store.read_samples(path)
    n_runs = len(vals)
    fig, ax = subplots(figsize=(7, 4))
    if attrs.get("method") == "grid" or n_runs < FAN_MIN_RUNS:
        with h5py.File(path, "r") as f:
            d, times = f[safe_name(name)], f["time"][...]
            units = (d.attrs.get("units", ""), f["time"].attrs.get("units", ""))
            lines = d[...]
        for r in range(n_runs):
            label = (", ".join(f"{p}={v:g}" for p, v in zip(names, vals[r])) if n_runs <= LABELLED_RUNS
                     else ("each run (grid point)" if r == 0 else None))
            ax.plot(times, lines[:, r], lw=1.2 if n_runs <= LABELLED_RUNS else 0.6,
                    color=None if n_runs <= LABELLED_RUNS else "C0", alpha=1 if n_runs <= LABELLED_RUNS else 0.5,
                    label=label)
        what = "grid" if attrs.get("method") == "grid" else "sweep"
        ax.set_title(f"{name.replace('_', ' ')}: each of the {n_runs} runs of the {what}")
    else:
        times, (lo, mid, hi), units = quantiles(path, name)
        ax.fill_between(times, lo, hi, alpha=0.3, label="5–95 % of runs")
        ax.plot(times, mid, lw=2, label="median")
        ax.set_title(name.replace("_", " "))
    ax.set_xlabel(units[1] or "time")
    ax.set_ylabel(units[0])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7 if n_runs <= LABELLED_RUNS else 8)
    return _save(fig, Path(folder) / f"fan-{safe_name(name)}.png")


def index_bars(df, metric, folder) -> str:
    """Bars of a metric's indices per parameter (with their confidence intervals)."""
    sub = df[df["metric"] == metric]
    fig, ax = subplots(figsize=(7, 0.4 * len(sub) + 1.5))
    y = np.arange(len(sub))
    if "ST" in sub:
        ax.barh(y - 0.2, sub["S1"], 0.4, xerr=sub["S1_conf"], label="S1 (first order)")
        ax.barh(y + 0.2, sub["ST"], 0.4, xerr=sub["ST_conf"], label="ST (total)")
        ax.set_xlabel("Sobol index")
    elif "mu_star" in sub:
        ax.barh(y - 0.2, sub["mu_star"], 0.4, xerr=sub["mu_star_conf"], label="mu* (mean |effect|)")
        ax.barh(y + 0.2, sub["sigma"], 0.4, label="sigma (interaction / non-linearity)")
        ax.set_xlabel("Morris elementary effect (per unit of quantile)")
    else:
        ax.barh(y, sub["spearman"], 0.6, label="Spearman rank correlation")
    ax.set_yticks(y, sub["parameter"])
    ax.invert_yaxis()
    ax.set_title(f"sensitivity of {metric}")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8)
    return _save(fig, Path(folder) / f"indices-{safe_name(metric)}.png")


def scatter(path, metric, folder) -> str:
    """A metric against each parameter, one panel each."""
    names, _, vals, _ = store.read_samples(path)
    with h5py.File(path, "r") as f:
        y = f[safe_name(metric)][...]
    step = max(1, len(y) // MAX_POINTS)
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    fig, axes = subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    for j, name in enumerate(names):
        ax = axes[j // cols][j % cols]
        ax.scatter(vals[::step, j], y[::step], s=3, alpha=0.4)
        ax.set_xlabel(name, fontsize=8)
        ax.set_ylabel(metric if j % cols == 0 else "", fontsize=8)
    for j in range(len(names), rows * cols):
        axes[j // cols][j % cols].axis("off")
    fig.suptitle(f"{metric} against each parameter")
    return _save(fig, Path(folder) / f"scatter-{safe_name(metric)}.png")


def _save(fig, path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return str(path)
