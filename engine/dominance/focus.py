"""Dominance seen from one variable: only the loops through it, their relative scores renormalised
among themselves (for a single stock this is the stock-specific view of the pathway participation
metric, which loop scores reduce to on one stock)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import ModelError
from .periods import binned, bins, dominant


def _renormalise(a: np.ndarray) -> np.ndarray:
    total = np.abs(a).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, a / np.where(total > 0, total, 1.0), 0.0)


def through(d, name: str):
    """A view of the analysis ``d`` restricted to the loops through ``name``."""
    keep = [lp for lp in d.loops if name in lp.elements]
    if not keep:
        from ..model.check import suggest
        names = sorted({e for lp in d.loops for e in lp.visible})
        raise ModelError(f"no loop of this analysis passes through '{name}'", element=name,
                         hint=suggest(name, names))
    idx = np.array([lp.index for lp in keep])
    loops = [replace(lp, index=i) for i, lp in enumerate(keep)]
    parts = sorted({lp.partition for lp in loops})
    groups = [np.array([i for i, lp in enumerate(loops) if lp.partition == p.number], dtype=int)
              for p in d.partitions]
    if d.relative is not None:
        rel = np.zeros((len(idx),) + d.relative.shape[1:])
        for g in groups:
            if len(g):
                rel[g] = _renormalise(d.relative[idx[g]])
        index, _ = bins(d.times, d.every)
        signed, mag, _, _ = binned(rel, index, groups)
    else:
        rel = None
        signed, mag = d.signed[idx].copy(), d.magnitude[idx].copy()
        for g in groups:
            if len(g):
                total = mag[g].sum(axis=0)
                with np.errstate(invalid="ignore", divide="ignore"):
                    scale = np.where(total > 0, 1.0 / np.where(total > 0, total, 1.0), 0.0)
                signed[g] *= scale
                mag[g] *= scale
    importance = mag.mean(axis=(1, 2)) if mag.size else np.zeros(len(loops))
    loops = [replace(lp, importance=float(v)) for lp, v in zip(loops, importance)]
    return replace(d, loops=loops, groups=groups, signed=signed, magnitude=mag,
                   dominant=dominant(mag, groups), relative=rel,
                   scores=None if d.scores is None else d.scores[idx],
                   model_name=f"{d.model_name} (loops through {name}, {len(parts)} partition"
                              f"{'s' if len(parts) > 1 else ''})")
