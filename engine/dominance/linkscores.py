"""Link scores over whole (time x run) arrays.

Every score at time t describes the step from t-dt to t; the first time has no step and scores 0.

- a link x -> z through z's equation (Schoenberg, Davidsen & Eberlein 2020):
  ``|dx_z / dz| * sign(dx_z / dx)``, where dx_z is the partial change of z due to x alone;
- a flow f into or out of a stock S (Schoenberg, Hayward & Eberlein 2023): ``+-|df / dnet|``,
  the change in the flow over the change in the stock's net flow (+ for inflows, - for outflows);
- a pipeline delay's input to its output: +1 while both change (the perfect-mixing reading).

A score is 0 where its source or target does not change: a change smaller than ``REL_TOL`` times
the quantity's size is rounding, not change.
"""
from __future__ import annotations

import numpy as np

REL_TOL = 1e-12


def changed(a: np.ndarray, scale=None) -> np.ndarray:
    """Where ``a`` (time x run) changes over each step (rows 1..T-1)."""
    if scale is None:
        scale = np.maximum(np.abs(a[1:]), np.abs(a[:-1]))
    return np.abs(a[1:] - a[:-1]) > REL_TOL * scale


class _Steps:
    """Per variable, computed once: sign of its change where it changes (else 0), and one over
    the magnitude of its change (0 where it does not change)."""

    def __init__(self, traj):
        self.traj = traj
        self.sign, self.inv = {}, {}

    def _make(self, name):
        a = self.traj[name]
        d = a[1:] - a[:-1]
        moving = changed(a)
        self.sign[name] = np.where(moving, np.sign(d), 0.0)
        with np.errstate(divide="ignore"):
            self.inv[name] = np.where(moving, 1.0 / np.abs(d), 0.0)

    def source(self, name):
        if name not in self.sign:
            self._make(name)
        return self.sign[name]

    def target(self, name):
        if name not in self.inv:
            self._make(name)
        return self.inv[name]


def _instant(steps, x, z, partial, out):
    """|dx_z / dz| * sign(dx_z / dx) = dx_z * sign(dx) / |dz| (0 where x or z does not move)."""
    np.subtract(partial, steps.traj[z][:-1], out=out)
    out *= steps.source(x)
    out *= steps.target(z)
    out[~np.isfinite(out)] = 0.0


def _net_flow(lg, stock, traj):
    el = lg.model.elements[stock]
    flows = [(traj[f], 1.0) for f in el.inflows] + [(traj[f], -1.0) for f in el.outflows]
    net = sum(sign * f for f, sign in flows)
    size = sum(np.abs(f) for f, _ in flows)
    return net, np.maximum(size[1:], size[:-1])


def _flow(flow, net, scale, sign):
    dn = net[1:] - net[:-1]
    with np.errstate(all="ignore"):
        ls = sign * np.abs(flow[1:] - flow[:-1]) / np.abs(dn)
    ok = changed(net, scale) & changed(flow) & np.isfinite(ls)
    return np.where(ok, ls, 0.0)


def link_scores(lg, link_ids, traj, partial_values: dict) -> np.ndarray:
    """Scores of the links ``link_ids`` as an array (link, time, run); ``partial_values`` maps the
    number of each 'uses' link to its partial-change value f(x(t), others(t-dt)) over steps 1..T-1."""
    any_traj = next(iter(traj.values()))
    out = np.zeros((len(link_ids),) + any_traj.shape)
    nets, steps = {}, _Steps(traj)
    with np.errstate(all="ignore"):
        for row, i in enumerate(link_ids):
            link = lg.links[i]
            if link.kind == "uses":
                _instant(steps, link.source, link.target, partial_values[i], out[row, 1:])
            elif link.kind in ("inflow", "outflow"):
                if link.target not in nets:
                    nets[link.target] = _net_flow(lg, link.target, traj)
                net, scale = nets[link.target]
                out[row, 1:] = _flow(traj[link.source], net, scale, 1.0 if link.kind == "inflow" else -1.0)
            else:
                out[row, 1:] = np.abs(steps.source(link.source) * steps.source(link.target))
    return out
