"""The calibration objective: a batch of candidate parameter sets in, one batch of model runs over
the calibration period, negative log-posterior and standardised residuals out.

Candidates live in the unit cube (``z``): each free parameter maps its bounds to [0, 1], linearly
or (``scale: log``) on its logarithm. The model runs only to one step past the last observation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..model.noise import RUN_ID
from .data import conversion
from .discrepancy import Ar1
from .likelihood import known_scale, prior_terms, pseudo, raw_residuals, series_terms
from .readouts import Reader, reading_time, reading_times

MAX_BATCH = 4096            # runs per model call; larger populations are split


@dataclass
class Evaluation:
    """What one batch of candidates gives: objective per run, residuals, readings per series."""
    nll: np.ndarray             # runs
    raw: np.ndarray             # runs x (fitted observations + priors): residuals before scaling
    scales: np.ndarray          # runs x (fitted observations + priors): the scale of each
    readings: list              # per series: observations x runs (all rows, held-out ones too)
    robust: np.ndarray          # per residual column: Huber's loss applies
    weight: np.ndarray          # per residual column: the series' weight

    @property
    def residuals(self) -> np.ndarray:
        """Standardised residuals (runs x columns): half their sum of squares is the loss."""
        return self.standardise(self.scales)

    def standardise(self, scales) -> np.ndarray:
        """Residuals standardised by other scales (e.g. those of a base point, for Jacobians)."""
        with np.errstate(all="ignore"):
            return pseudo(self.raw / scales, self.robust, self.weight)


class Problem:
    """A checked calibration spec bound to its model, ready to evaluate batches of candidates."""

    def __init__(self, spec, loaded, backend=None):
        self.spec = spec
        self.loaded = loaded
        self.params = spec.parameters
        self.names = spec.names
        self.low = np.array([p.low for p in self.params])
        self.high = np.array([p.high for p in self.params])
        self.log = np.array([p.scale == "log" for p in self.params])
        self.run_options = {} if backend is None else {"backend": backend}
        t = loaded.model.time
        last = max(reading_times(s.read, a, b)[1] for s in spec.series
                   for a, b in zip(s.series.time, s.series.end))
        steps = min(t.n_steps, math.ceil((last - t.start) / t.dt - 1e-9) + 1)
        self.model = loaded.with_time(stop=t.start + steps * t.dt)
        mt = self.model.model.time
        self.times = mt.start + np.array(mt.save_steps, dtype=float) * mt.dt
        self.keep = sorted({s.variable for s in spec.series})
        self.readers, self.observed, self.se, self.fit_rows, self.held_rows = [], [], [], [], []
        self.scales = []            # per series, the error scale in model units
        els = loaded.model.elements
        for s in spec.series:
            f, _ = conversion(s.series, els[s.variable].units)
            self.observed.append(s.series.value * f)
            self.se.append(s.series.se * f)
            absolute = s.scale[0] == "absolute" and s.error != "lognormal"
            self.scales.append(("absolute", s.scale[1] * f) if absolute else s.scale)
            self.readers.append(Reader(s.variable, [s.read] * len(s.series), s.series.time, s.series.end,
                                       self.times))
            needs = np.array([reading_times(s.read, a, b)[1] for a, b in zip(s.series.time, s.series.end)])
            held = np.zeros(len(s.series), bool) if spec.holdout is None else needs > spec.holdout + 1e-9
            self.held_rows.append(held)
            self.fit_rows.append(~held & s.fit)
        self.x = [np.array([reading_time(s.read, a, b) for a, b in zip(s.series.time, s.series.end)])
                  for s in spec.series]
        self.ar1 = [self._ar1(i, s) if s.discrepancy == "ar1" else None for i, s in enumerate(spec.series)]
        self.n_evals = 0

    def _ar1(self, i, s) -> Ar1:
        """The AR(1) discrepancy of series i over its fitted rows."""
        fit, y = self.fit_rows[i], self.observed[i]
        sigma = known_scale(s.error, self.scales[i], y[fit], self.se[i][fit])
        size = 1.0 if s.error == "lognormal" else float(np.mean(np.abs(y[fit] if fit.any() else y)))
        sd_max = s.sd_max * size
        sd_min = s.floor * size if sigma is None else 1e-3 * sd_max
        return Ar1(self.x[i][fit], np.zeros(int(fit.sum())) if sigma is None else sigma, sd_max,
                   min(sd_min, 0.1 * sd_max))

    def measurement_scale(self, i, m, rows) -> np.ndarray:
        """The measurement error's scale of series i at ``rows`` (rows x runs; 0 where an AR(1)
        discrepancy carries the whole error), on the error model's scale; an estimated scale is
        each run's estimate from the fitted rows."""
        s = self.spec.series[i]
        y, se, fit = self.observed[i], self.se[i], self.fit_rows[i]
        R = m.shape[1]
        sigma = known_scale(s.error, self.scales[i], y, se)
        if sigma is not None:
            out = np.broadcast_to(sigma[rows][:, None], (int(np.sum(rows)), R)).copy()
            if self.scales[i][0] == "relative" and s.error != "lognormal":
                out = self.scales[i][1] * np.abs(m[rows])        # the model's value, not the data's
            return out
        if s.discrepancy == "ar1" or not fit.any():
            return np.zeros((int(np.sum(rows)), R))
        _, _, sc = series_terms(s.error, self.scales[i], y[fit], se[fit], m[fit], 1.0, s.floor)
        return np.broadcast_to(sc[:1], (int(np.sum(rows)), R)).copy()

    @property
    def dim(self) -> int:
        """Number of free parameters."""
        return len(self.params)

    def to_theta(self, z) -> np.ndarray:
        """Parameter values of unit-cube positions (runs x parameters)."""
        z = np.clip(np.atleast_2d(np.asarray(z, float)), 0.0, 1.0)
        lin = self.low + z * (self.high - self.low)
        with np.errstate(all="ignore"):
            logv = np.exp(np.log(self.low) + z * (np.log(self.high) - np.log(self.low)))
        return np.clip(np.where(self.log, logv, lin), self.low, self.high)

    def to_z(self, theta) -> np.ndarray:
        """Unit-cube positions of parameter values."""
        theta = np.atleast_2d(np.asarray(theta, float))
        with np.errstate(all="ignore"):
            lz = (np.log(theta) - np.log(self.low)) / (np.log(self.high) - np.log(self.low))
        return np.where(self.log, lz, (theta - self.low) / (self.high - self.low))

    def run(self, theta, keep=None):
        """One batch of model runs (a Result) at the given parameter values."""
        theta = np.atleast_2d(theta)
        params = {n: theta[:, j].copy() for j, n in enumerate(self.names)}
        params.update(self.spec.fixed)
        if RUN_ID in self.model.model.elements and RUN_ID not in params:
            params[RUN_ID] = 0.0        # random functions: every candidate under the same noise
        self.n_evals += theta.shape[0]
        return self.model.run(params=params, keep=keep or self.keep, check=False, **self.run_options)

    def readings(self, theta) -> list:
        """Model readings of every series (observations x runs), in batches of MAX_BATCH runs."""
        theta = np.atleast_2d(theta)
        parts = []
        for k in range(0, theta.shape[0], MAX_BATCH):
            r = self.run(theta[k:k + MAX_BATCH])
            parts.append([rd.values(r) for rd in self.readers])
        return [np.concatenate([p[i] for p in parts], axis=1) for i in range(len(self.readers))]

    def evaluate(self, z) -> Evaluation:
        """Objective (negative log-posterior in the search coordinates) of unit-cube positions."""
        theta = self.to_theta(z)
        readings = self.readings(theta)
        nll, prior_res = prior_terms(self.params, theta)
        raw: list = []
        scales: list = []
        robust: list = []
        weight: list = []
        for i, s in enumerate(self.spec.series):
            fit, y, se, m = self.fit_rows[i], self.observed[i], self.se[i], readings[i]
            if not fit.any():
                continue
            if self.ar1[i] is not None:
                v, e, sc = self.ar1[i].terms(raw_residuals(s.error, y[fit], m[fit]))
                v = s.weight * v
            else:
                v, e, sc = series_terms(s.error, self.scales[i], y[fit], se[fit], m[fit], s.weight, s.floor)
            nll = nll + v
            raw.append(e.T)
            scales.append(sc.T)
            robust += [s.error == "robust"] * int(fit.sum())
            weight += [s.weight] * int(fit.sum())
        k = prior_res.shape[1]
        residuals = np.concatenate(raw + [prior_res], axis=1)
        all_scales = np.concatenate(scales + [np.ones_like(prior_res)], axis=1)
        bad = ~np.isfinite(residuals).all(axis=1)
        nll = np.where(bad | ~np.isfinite(nll), np.inf, nll)
        return Evaluation(nll, residuals, all_scales, readings, np.array(robust + [False] * k),
                          np.array(weight + [1.0] * k))

    def objective(self, z) -> np.ndarray:
        """The objective alone (runs,)."""
        return self.evaluate(z).nll
