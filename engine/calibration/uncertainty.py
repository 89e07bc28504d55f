"""Uncertainty of the estimates: the curvature at the optimum (correlations, a first guess of each
interval's width), then the profile likelihood of every parameter (Venzon and Moolgavkar 1988;
Raue et al. 2009): the parameter is held at a grid of values while all the others are re-estimated,
and its interval is where the objective rises by chi2(level, 1) / 2 above the optimum. A parameter
whose profile stays below that rise up to a bound is not identified on that side by the data.
All grid points of all parameters are re-estimated together, one batch per iteration.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .lm import _jacobians, solve_many

OFFSETS = (0.5, 1.0, 1.5, 2.5)     # first grid, in half-widths of the interval the curvature gives


@dataclass
class Profile:
    """The profile of one parameter: grid positions (unit cube), objective rise, interval."""
    name: str
    z: np.ndarray
    delta: np.ndarray
    lower: float                # interval in parameter units
    upper: float
    lower_bounded: bool         # the data bound the parameter from below (else: a bound did)
    upper_bounded: bool

    @property
    def identified(self) -> bool:
        """True when the interval is bounded on both sides."""
        return self.lower_bounded and self.upper_bounded


@dataclass
class Uncertainty:
    """Correlations, profiles and intervals of all free parameters."""
    threshold: float
    covariance_z: np.ndarray
    correlation: np.ndarray
    profiles: list = field(default_factory=list)
    improved: tuple | None = None   # (z, objective) when a profile found a better optimum


def threshold(level: float) -> float:
    """Rise of the objective (negative log-likelihood) that bounds a ``level`` interval."""
    from scipy.stats import chi2
    return float(chi2.ppf(level, 1) / 2.0)


def curvature(problem, z: np.ndarray):
    """Covariance (unit-cube coordinates) and correlation matrix from J'J at ``z``."""
    ev = problem.evaluate(z[None, :])
    J = _jacobians(problem, z[None, :], ev.residuals, ev.scales, np.array([-1]), 1e-5)[0]
    cov = np.linalg.pinv(J.T @ J)
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(all="ignore"):
        corr = cov / np.outer(sd, sd)
    corr[~np.isfinite(corr)] = 0.0
    np.fill_diagonal(corr, 1.0)
    return cov, np.clip(corr, -1.0, 1.0)


def profile_all(problem, z_best: np.ndarray, f_best: float, level: float = 0.9,
                rounds: int = 3, progress=None) -> Uncertainty:
    """Profile every parameter around the optimum and read off its interval."""
    thr = threshold(level)
    cov, corr = curvature(problem, z_best)
    half = np.sqrt(2 * thr * np.clip(np.diag(cov), 0, None))
    d = problem.dim
    grids: list[dict] = [{-1: [], 1: []} for _ in range(d)]
    for j in range(d):
        for side in (-1, 1):
            w = half[j] if np.isfinite(half[j]) and half[j] < 1.0 else 1.0 / 3.0
            grids[j][side] = [float(np.clip(z_best[j] + side * w * o, 0.0, 1.0)) for o in OFFSETS]
    values = {}                     # (j, z_j) -> (objective, z of the re-estimate)
    best = (z_best.copy(), f_best)
    for _ in range(rounds):
        todo = sorted({(j, round(v, 12)) for j in range(d) for s in (-1, 1) for v in grids[j][s]
                       if (j, round(v, 12)) not in values})
        if not todo:
            break
        z0 = np.tile(best[0], (len(todo), 1))
        for k, (j, v) in enumerate(todo):
            z0[k, j] = v
        zs, fs = solve_many(problem, z0, np.array([j for j, _ in todo]))
        for k, key in enumerate(todo):
            values[key] = (fs[k], zs[k])
            if fs[k] < best[1] - 1e-9:
                best = (zs[k].copy(), float(fs[k]))
        if progress:
            progress(len(todo))
        grids = _extend(grids, values, best[1], thr)
    out = Uncertainty(thr, cov, corr, improved=best if best[1] < f_best - 1e-9 else None)
    for j, p in enumerate(problem.params):
        out.profiles.append(_interval(problem, j, p.name, values, best, thr))
    return out


def _extend(grids, values, f_best, thr):
    """For each side not yet crossing the threshold, add points further out (up to the bound)."""
    out = []
    for j, g in enumerate(grids):
        new = {}
        for side, pts in g.items():
            pts = sorted(pts, key=lambda v: side * v)
            done = any(values.get((j, round(v, 12)), (np.inf,))[0] - f_best >= thr for v in pts)
            last = pts[-1] if pts else None
            if done or last is None or last in (0.0, 1.0):
                new[side] = pts
                continue
            step = abs(last - pts[0]) if len(pts) > 1 else 0.1
            extra = [float(np.clip(last + side * step * m, 0.0, 1.0)) for m in (0.5, 1.0, 2.0)]
            new[side] = pts + extra + [0.0 if side < 0 else 1.0]
        out.append(new)
    return out


def _interval(problem, j, name, values, best, thr) -> Profile:
    zb, fb = best
    pts = sorted((v, f - fb) for (k, v), (f, _) in values.items() if k == j)
    pts.append((float(zb[j]), 0.0))
    pts.sort()
    z = np.array([p[0] for p in pts])
    delta = np.array([p[1] for p in pts])
    ends, bounded = [], []
    for side in (-1, 1):
        order = np.argsort(side * (z - zb[j]))
        zz, dd = z[order], delta[order]
        keep = side * (zz - zb[j]) >= 0
        zz, dd = zz[keep], dd[keep]
        hit = np.flatnonzero(dd >= thr)
        if len(hit) and hit[0] > 0:
            k = hit[0]           # interpolate sqrt(rise): linear in the parameter near the optimum
            lo_, hi_ = np.sqrt(max(dd[k - 1], 0.0)), np.sqrt(dd[k])
            a = (np.sqrt(thr) - lo_) / (hi_ - lo_)
            ends.append(zz[k - 1] + a * (zz[k] - zz[k - 1]))
            bounded.append(True)
        else:
            ends.append(0.0 if side < 0 else 1.0)
            bounded.append(bool(len(hit)))
    lo, hi = problem.to_theta(_with(zb, j, ends))[:, j]
    return Profile(name, z, delta, float(lo), float(hi), bounded[0], bounded[1])


def _with(zb, j, ends):
    out = np.tile(zb, (2, 1))
    out[:, j] = ends
    return out
