"""Distributions of varied parameters: how a sweep spec writes them, and their inverse CDFs on the
unit interval (every sampler draws unit-cube positions and maps them through these)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..model.check import is_finite_number

DISTRIBUTIONS = ("uniform", "normal", "triangular", "lognormal", "levels", "posterior")
TAIL = 1e-3     # unbounded distributions map the unit-cube corners 0 and 1 to these quantiles


@dataclass(frozen=True)
class Parameter:
    """One varied parameter: a distribution given by its inverse CDF on the unit interval."""
    name: str
    distribution: str
    args: tuple                     # ((key, value), ...) as written, for provenance
    line: int | None = None

    @property
    def a(self) -> dict:
        """The distribution's arguments as a mapping."""
        return dict(self.args)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at unit-interval positions ``u`` (quantiles)."""
        a, u = self.a, np.asarray(u, dtype=float)
        if self.distribution == "posterior":       # joint draws of a calibration (engine/calibration)
            from ..calibration.posterior import posterior_values
            return posterior_values(a["file"], a["sha256"], self.name, u)
        if self.distribution == "levels":
            lv = np.asarray(a["levels"], dtype=float)
            return lv[np.minimum((u * len(lv)).astype(np.int64), len(lv) - 1)]
        if self.distribution == "uniform":
            return a["low"] + u * (a["high"] - a["low"])
        from scipy import stats
        if self.distribution == "triangular":
            lo, hi = a["low"], a["high"]
            return stats.triang.ppf(u, (a["mode"] - lo) / (hi - lo), loc=lo, scale=hi - lo)
        if self.distribution == "normal":
            dist = stats.norm(loc=a["mean"], scale=a["sd"])
        else:
            dist = stats.lognorm(a["sigma"], scale=a["median"])
        if "low" in a or "high" in a:       # truncated: the quantiles between the bounds
            lo, hi = dist.cdf(a.get("low", -np.inf)), dist.cdf(a.get("high", np.inf))
            return np.clip(dist.ppf(lo + u * (hi - lo)), a.get("low", -np.inf), a.get("high", np.inf))
        return dist.ppf(np.where(u <= 0.0, TAIL, np.where(u >= 1.0, 1.0 - TAIL, u)))

    def grid(self, points: int) -> np.ndarray:
        """The values a full grid uses: the levels, or ``points`` values across the distribution."""
        if self.distribution == "levels":
            return np.asarray(self.a["levels"], dtype=float)
        if self.distribution == "uniform":
            return np.linspace(self.a["low"], self.a["high"], points)
        return self.ppf((np.arange(points) + 0.5) / points)

    def describe(self) -> str:
        """The distribution as text: 'normal(mean=1, sd=0.1)'."""
        return f"{self.distribution}(" + ", ".join(f"{k}={v}" for k, v in self.args) + ")"



OPTIONAL = {"normal": ("low", "high"), "lognormal": ("low", "high")}   # truncation bounds
REQUIRED = {"uniform": ("low", "high"), "normal": ("mean", "sd"), "triangular": ("low", "mode", "high"),
            "lognormal": ("median", "sigma"), "levels": ("levels",)}


def parse_parameter(name, spec, w, block) -> Parameter:
    """One varied parameter from its spec entry (a distribution, a range, levels, 'declared' or a
    posterior); every mistake is a ModelError naming the spec file, line and parameter."""
    line = block.line_of(name) if hasattr(block, "line_of") else None
    bad = lambda msg, hint=None: ModelError(msg, file=w.file, line=line, element=name, hint=hint)  # noqa: E731
    if spec == "declared":
        return Parameter(name, "declared", (), line)
    if not isinstance(spec, dict):
        raise bad("a parameter needs a distribution, e.g. {distribution: uniform, low: 0, high: 1}, "
                  "{range: [lo, hi]}, {levels: [...]} or 'declared'")
    spec = dict(spec)
    if "posterior" in spec:             # {posterior: calibration.h5}: joint draws, engine/calibration/posterior.py
        from ..calibration.posterior import file_digest
        path = str((Path(w.file).parent if w.file else Path(".")) / str(spec["posterior"]))
        return Parameter(name, "posterior", (("file", path), ("sha256", file_digest(path))), line)
    if "range" in spec:
        r = spec.pop("range")
        if not (isinstance(r, list) and len(r) == 2):
            raise bad("'range' must be [low, high]")
        spec.update(distribution="uniform", low=r[0], high=r[1])
    dist = str(spec.pop("distribution", "levels" if "levels" in spec else "")).lower()
    if dist not in DISTRIBUTIONS:
        raise bad(f"unknown distribution '{dist}'" if dist else "no distribution given",
                  hint="one of " + ", ".join(DISTRIBUTIONS))
    extra = [k for k in spec if k not in REQUIRED[dist] + OPTIONAL.get(dist, ())]
    missing = [k for k in REQUIRED[dist] if k not in spec]
    if extra or missing:
        what = f"unknown field '{extra[0]}'" if extra else f"missing '{missing[0]}'"
        raise bad(f"{dist} distribution: {what}", hint=f"{dist} takes " + ", ".join(
            REQUIRED[dist] + tuple(f"optional {k}" for k in OPTIONAL.get(dist, ()))))
    if dist == "levels":
        lv = spec["levels"]
        if not isinstance(lv, list) or not lv or not all(_is_num(x) for x in lv):
            raise bad("'levels' must be a non-empty list of numbers")
        return Parameter(name, dist, (("levels", tuple(float(x) for x in lv)),), line)
    for k, v in spec.items():
        if not _is_num(v):
            raise bad(f"{dist} distribution: '{k}' must be a finite number, not {v!r}")
    a = {k: float(v) for k, v in spec.items()}
    problem = {"uniform": a.get("low", 0) >= a.get("high", 0) and "needs low < high",
               "triangular": not (a.get("low", 0) <= a.get("mode", 0) <= a.get("high", 0)
                                  and a.get("low", 0) < a.get("high", 0))
               and "needs low <= mode <= high and low < high",
               "normal": a.get("sd", 1) <= 0 and "needs a positive sd",
               "lognormal": (a.get("median", 1) <= 0 or a.get("sigma", 1) <= 0)
                            and "needs a positive median and a positive sigma"}[dist]
    if not problem and a.get("low", -math.inf) >= a.get("high", math.inf):
        problem = "needs the truncation bound low < high"
    if not problem and dist == "lognormal" and a.get("high", 1) <= 0:
        problem = "needs a positive truncation bound 'high'"
    if problem:
        raise bad(f"invalid {dist} distribution: " + problem + " (" +
                  ", ".join(f"{k}={v:g}" for k, v in a.items()) + ")")
    keys = REQUIRED[dist] + tuple(k for k in OPTIONAL.get(dist, ()) if k in a)
    return Parameter(name, dist, tuple((k, a[k]) for k in keys), line)




def _is_num(x) -> bool:
    return is_finite_number(x)
