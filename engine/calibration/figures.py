"""Figures of a calibration: model against data (with the posterior band), residuals, profiles."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..outputs.canvas import subplots


def _grid(n):
    """A grid of small panels (fixed spacing: automatic layout of many panels is slow)."""
    cols = min(4, n)
    rows = math.ceil(n / cols)
    fig, axes = subplots(rows, cols, figsize=(3.6 * cols, 2.7 * rows), squeeze=False)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.06 / rows ** 0.5, top=1 - 0.08 / rows ** 0.5,
                        wspace=0.3, hspace=0.45)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax in axes.flat[:n]:
        ax.locator_params(nbins=4)
        ax.tick_params(labelsize=7)
    return fig, list(axes.flat[:n])


def _save(fig, path) -> Path:
    fig.savefig(path, dpi=100)
    return Path(path)


def _x(read, t0, t1):
    return {"at": t0, "end": t1}.get(read, (t0 + t1) / 2)


def fit_figure(result, path) -> Path:
    """One panel per series: the variable (best run and band), the data and the model's readings."""
    problem, obs = result.problem, result.observations
    fig, axes = _grid(len(problem.spec.series))
    for i, (ax, s) in enumerate(zip(axes, problem.spec.series)):
        g = obs[obs["series"] == s.name]
        if s.read in ("at", "end", "mean") and result.trajectories is not None:
            ax.plot(result.times, result.trajectories[s.variable], color="C0", lw=1.2, label="model")
            if result.band is not None:
                q = result.band["trajectories"][s.variable]
                ax.fill_between(result.band["time"], q[0], q[2], color="C0", alpha=0.2,
                                label="90 % band (parameters)")
        x = np.array([_x(s.read, a, b) for a, b in zip(g["time"], g["end"])])
        half = None
        if s.read in ("mean", "integral", "sum", "change"):
            half = (g["end"].to_numpy() - g["time"].to_numpy()) / 2
        role = g["role"].to_numpy()
        for mask, colour, label in ((role == "fitted", "k", "data"), (role == "held out", "C3", "held out"),
                                    (role == "compared", "C2", "compared")):
            if mask.any():
                ax.errorbar(x[mask], g["observed"].to_numpy()[mask],
                            xerr=None if half is None else half[mask], fmt="o", color=colour, ms=4,
                            label=label, capsize=0)
        m = g["model"].to_numpy()
        yerr = None
        if "band_lo" in g:
            yerr = np.clip(np.vstack([m - g["band_lo"].to_numpy(), g["band_hi"].to_numpy() - m]), 0, None)
        ax.errorbar(x, m, yerr=yerr, fmt="s", mfc="none", color="C1", ms=5,
                    label=f"model ({s.read})")
        f = result.forecasts
        if f is not None and len(f):
            p = f[(f["series"] == s.name) & (f["method"] == "model")]
            if len(p):
                px = np.array([_x(s.read, a, b) for a, b in zip(p["time"], p["end"])]) + 0.08
                ax.errorbar(px, p["median"], yerr=np.clip(np.vstack([p["median"] - p["lo90"],
                                                                     p["hi90"] - p["median"]]), 0, None),
                            fmt="D", color="C3", mfc="none", ms=4, capsize=2,
                            label="90 % predictive band (held out)")
        ax.set_title(f"{s.name} ({s.variable})", fontsize=8)
        ax.grid(alpha=0.3)
        if i == 0:
            ax.legend(fontsize=6)
    return _save(fig, path)


def residual_figure(result, path) -> Path:
    """Relative errors (model - data) / data per series and time; held-out ones in red."""
    obs = result.observations
    names = list(dict.fromkeys(obs["series"]))
    fig, axes = _grid(len(names))
    for ax, name in zip(axes, names):
        g = obs[obs["series"] == name]
        colours = g["role"].map({"fitted": "C0", "held out": "C3", "compared": "C2"}).to_numpy()
        ax.bar(g["time"], g["error_pct"], width=0.6, color=colours)
        ax.axhline(0, color="k", lw=0.8)
        for y in (-10, 10):
            ax.axhline(y, color="grey", lw=0.6, ls="--")
        ax.set_title(name + ": model vs data (%)", fontsize=8)
    return _save(fig, path)


def profile_figure(result, path) -> Path:
    """The profile of each parameter: rise of the objective against the parameter's value."""
    unc, problem = result.uncertainty, result.problem
    fig, axes = _grid(len(unc.profiles))
    for j, (ax, p) in enumerate(zip(axes, unc.profiles)):
        zz = np.full((len(p.z), problem.dim), 0.5)
        zz[:, j] = p.z
        x = problem.to_theta(zz)[:, j]
        ax.plot(x, p.delta, "o-", ms=3)
        ax.axhline(unc.threshold, color="C3", ls="--", lw=0.8)
        ax.axvline(result.estimates[p.name], color="k", lw=0.6)
        for v in (p.lower, p.upper):
            ax.axvline(v, color="C3", lw=0.6)
        ax.set_ylim(-0.2, max(3 * unc.threshold, 1))
        ax.set_title(p.name + ("" if p.identified else " (not identified)"), fontsize=8)
    return _save(fig, path)


def projection_figure(result, path) -> Path:
    """One panel per projected series: the data, the 90 % predictive band and its median, and the
    band of the parameters alone, past the data."""
    proj, obs = result.projection, result.observations
    names = list(dict.fromkeys(proj["series"]))
    fig, axes = _grid(len(names))
    reads = {s.name: s.read for s in result.spec.series}
    for i, (ax, name) in enumerate(zip(axes, names)):
        g = obs[obs["series"] == name]
        p = proj[proj["series"] == name]
        read = reads[name]
        ax.plot([_x(read, a, b) for a, b in zip(g["time"], g["end"])], g["observed"], "ko", ms=4, label="data")
        x = np.array([_x(read, a, b) for a, b in zip(p["time"], p["end"])])
        ax.fill_between(x, p["q05"], p["q95"], color="C3", alpha=0.2,
                        label="90 % predictive band (parameters + discrepancy + measurement)")
        ax.fill_between(x, p["q25"], p["q75"], color="C3", alpha=0.25, label="50 % predictive band")
        ax.plot(x, p["param_q05"], color="C0", lw=0.8, ls="--", label="90 % band, parameters only")
        ax.plot(x, p["param_q95"], color="C0", lw=0.8, ls="--")
        ax.plot(x, p["median"], color="C3", lw=1.2, label="median")
        ax.set_title(f"{name}: projection (assumptions: fit.md)", fontsize=8)
        ax.grid(alpha=0.3)
        if i == 0:
            ax.legend(fontsize=5)
    return _save(fig, path)
