"""Fit statistics of a model series against data: RMSE, MAPE, R^2, Theil's inequality statistic and
its decomposition (Sterman 1984), and the Durbin-Watson statistic of the residuals.

With simulated values S and data A (n points in time order), error e = A - S:
  MSE = mean(e^2) = (mean S - mean A)^2 + (s_S - s_A)^2 + 2 (1 - r) s_S s_A,
with s the standard deviations (divisor n) and r the correlation of S and A. The three terms over
MSE are U^M (bias), U^S (unequal variation) and U^C (unequal covariation); they sum to 1.
Theil's U = RMSE / (sqrt(mean S^2) + sqrt(mean A^2)) lies in [0, 1], 0 for a perfect fit.
R^2 = 1 - sum(e^2) / sum((A - mean A)^2), the share of the data's variation the model reproduces
(negative when the model does worse than the data's mean). DW = sum (e_t - e_t-1)^2 / sum e_t^2:
near 2 when residuals are uncorrelated, toward 0 when they persist (a systematic miss).
"""
from __future__ import annotations

import math

import numpy as np

NAMES = ("n", "rmse", "mape", "r2", "theil_u", "um", "us", "uc", "dw")


def fit_statistics(model, data) -> dict:
    """The statistics of one series (NaN where n is too small for one of them)."""
    s = np.asarray(model, float)
    a = np.asarray(data, float)
    n = len(a)
    e = a - s
    mse = float(np.mean(e * e)) if n else math.nan
    out = dict.fromkeys(NAMES, math.nan)
    out["n"] = n
    if not n:
        return out
    out["rmse"] = math.sqrt(mse)
    with np.errstate(all="ignore"):
        out["mape"] = float(np.mean(np.abs(e) / np.abs(a)) * 100)
    denom = math.sqrt(float(np.mean(s * s))) + math.sqrt(float(np.mean(a * a)))
    out["theil_u"] = out["rmse"] / denom if denom > 0 else math.nan
    if n >= 2:
        sst = float(np.sum((a - a.mean()) ** 2))
        out["r2"] = 1 - float(np.sum(e * e)) / sst if sst > 0 else math.nan
        ss, sa = float(s.std()), float(a.std())
        r = float(np.corrcoef(s, a)[0, 1]) if ss > 0 and sa > 0 else 0.0
        if mse > 0:
            out["um"] = (float(s.mean()) - float(a.mean())) ** 2 / mse
            out["us"] = (ss - sa) ** 2 / mse
            out["uc"] = 2 * (1 - r) * ss * sa / mse
        se2 = float(np.sum(e * e))
        out["dw"] = float(np.sum(np.diff(e) ** 2)) / se2 if se2 > 0 else math.nan
    return out
