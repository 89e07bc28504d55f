"""Many small least-squares problems solved together: Levenberg-Marquardt in which every problem's
Jacobian, and every problem's trial steps, are one batch of model runs.

Each problem starts at a point of the unit cube and may hold one coordinate fixed (a point of a
likelihood profile). Steps are accepted when the objective (the negative log-posterior, not just
the sum of squares) falls; three damping levels are tried at once.
"""
from __future__ import annotations

import numpy as np

DAMPING = (0.1, 1.0, 10.0)


def solve_many(problem, z0: np.ndarray, fixed: np.ndarray, iterations: int = 20, h: float = 1e-5,
               tol: float = 1e-9):
    """Minimise the objective from each row of ``z0`` (problems x d); ``fixed[p]`` is the index of
    the coordinate problem p holds (or -1). Returns (z, objective) per problem."""
    z = np.array(z0, float)
    P, d = z.shape
    ev = problem.evaluate(z)
    f, r, sc = ev.nll.copy(), ev.residuals, ev.scales.copy()
    lam = np.full(P, 1e-3)
    active = np.isfinite(f)
    quiet = np.zeros(P, int)
    for _ in range(iterations):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        J = _jacobians(problem, z[idx], r[idx], sc[idx], fixed[idx], h)
        trials, steps = [], []
        for k, p in enumerate(idx):
            for m in DAMPING:
                steps.append(_step(J[k], r[p], lam[p] * m, fixed[p]))
                trials.append(np.clip(z[p] + steps[-1], 0.0, 1.0))
        tev = problem.evaluate(np.array(trials))
        tf = tev.nll.reshape(len(idx), len(DAMPING))
        best = np.argmin(tf, axis=1)
        for k, p in enumerate(idx):
            fb = tf[k, best[k]]
            if fb < f[p]:
                gain = f[p] - fb
                row = k * len(DAMPING) + best[k]
                z[p], f[p], r[p], sc[p] = trials[row], fb, tev.residuals[row], tev.scales[row]
                lam[p] *= DAMPING[best[k]] / 3.0
                quiet[p] = quiet[p] + 1 if gain <= tol * max(1.0, abs(fb)) else 0
            else:
                lam[p] *= 100.0
                quiet[p] += 1
            if quiet[p] >= 2 or lam[p] > 1e8:
                active[p] = False
    return z, f


def _jacobians(problem, z, r, scales, fixed, h):
    """Forward-difference Jacobians of the residuals (problems x residuals x d), one batch. The
    perturbed residuals are standardised by the base point's scales: an estimated scale is held
    while the direction is found (else the standardised sum of squares would not move at all)."""
    P, d = z.shape
    pts = np.repeat(z, d, axis=0).reshape(P, d, d)
    steps = np.where(z + h <= 1.0, h, -h)
    for i in range(d):
        pts[:, i, i] += steps[:, i]
    ev = problem.evaluate(pts.reshape(P * d, d))
    rr = ev.standardise(np.repeat(scales, d, axis=0)).reshape(P, d, -1)
    J = (rr - r[:, None, :]) / steps[:, :, None]
    J = np.where(np.isfinite(J), J, 0.0)
    for p in range(P):
        if fixed[p] >= 0:
            J[p, fixed[p], :] = 0.0
    return np.transpose(J, (0, 2, 1))


def _step(J, r, lam, fixed):
    """The damped Gauss-Newton step (J'J + lam diag(J'J)) dz = -J'r (the fixed coordinate stays)."""
    A = J.T @ J
    g = J.T @ r
    D = np.diag(np.diag(A)) + 1e-12 * np.eye(len(A))
    dz = -np.linalg.lstsq(A + lam * D, g, rcond=None)[0]
    if fixed >= 0:
        dz[fixed] = 0.0
    return np.clip(dz, -0.5, 0.5)
