"""Error models and priors: how far a batch of model readings lies from the data, as a negative
log-likelihood per run and as standardised residuals (for Gauss-Newton steps).

Error models (per series): ``normal`` (residual y - m), ``lognormal`` (ln y - ln m, for positive
quantities whose errors grow with their size), ``robust`` (y - m under Huber's loss, quadratic
within 1.345 scales and linear beyond, so one outlier cannot dominate). The scale is given (a number,
a fraction of each value, or the data's standard errors) or estimated: then it is replaced by its
maximum-likelihood value for each run (the root mean square residual, or 1.4826 x the median
absolute residual for ``robust``), floored at ``floor`` x the mean |value| (log units for
``lognormal``). With a normal error the estimated scale gives -(n/2) ln(SSR) + constant, which is
also the likelihood with the scale integrated out under the prior 1/sigma.
"""
from __future__ import annotations

import numpy as np

HUBER = 1.345


def huber(z):
    """Huber's loss rho(z): z^2/2 within HUBER, linear beyond."""
    a = np.abs(z)
    return np.where(a <= HUBER, 0.5 * z * z, HUBER * a - 0.5 * HUBER * HUBER)


def raw_residuals(error: str, y: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Residuals (observations x runs) on the scale the error model works on."""
    with np.errstate(all="ignore"):
        if error == "lognormal":
            return np.log(y)[:, None] - np.where(m > 0, np.log(np.where(m > 0, m, 1.0)), np.nan)
        return y[:, None] - m


def known_scale(error: str, scale: tuple, y: np.ndarray, se: np.ndarray) -> np.ndarray | None:
    """The scale of each observation when it is given, or None when it is estimated."""
    kind = scale[0]
    if kind == "estimate":
        return None
    if kind == "se":
        return se / y if error == "lognormal" else se.copy()
    if kind == "absolute":
        return np.full(len(y), scale[1])
    return np.full(len(y), scale[1]) if error == "lognormal" else scale[1] * np.abs(y)


def series_terms(error, scale, y, se, m, weight=1.0, floor=0.01):
    """(negative log-likelihood per run, residuals obs x runs, scales obs x runs) of one series.

    The residuals are on the error model's scale (y - m, or ln y - ln m); divided by the scales
    (and passed through ``pseudo``) they are the standardised residuals."""
    e = raw_residuals(error, y, m)
    sigma = known_scale(error, scale, y, se)
    n = len(y)
    with np.errstate(all="ignore"):
        if sigma is None:
            low = floor if error == "lognormal" else floor * float(np.mean(np.abs(y)))
            if error == "robust":
                s = 1.4826 * np.median(np.abs(e), axis=0)
            else:
                s = np.sqrt(np.mean(e * e, axis=0))
            s = np.maximum(s, low)
            scales = np.broadcast_to(s[None, :], e.shape)
            log_sigma = n * np.log(s)
        else:
            scales = np.broadcast_to(sigma[:, None], e.shape)
            log_sigma = np.sum(np.log(sigma))
        z = e / scales
        rho = huber(z) if error == "robust" else 0.5 * z * z
        nll = weight * (np.sum(rho, axis=0) + log_sigma)
    nll = np.where(np.isfinite(nll), nll, np.inf)
    return nll, e, scales


def pseudo(z: np.ndarray, robust: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Standardised residuals whose squares sum to twice the loss: z, or under Huber's loss
    sign(z) sqrt(2 rho(z)); times the square root of the series' weight (columns)."""
    with np.errstate(all="ignore"):
        out = np.where(robust, np.sign(z) * np.sqrt(2 * huber(z)), z)
    return out * np.sqrt(weight)


def prior_terms(params, theta: np.ndarray):
    """(negative log prior density in the search coordinates per run, prior residuals runs x k).

    Without a prior a parameter is uniform over its bounds in its search scale (log-uniform for
    ``scale: log``). A normal prior is a density of the value, a lognormal one of its logarithm;
    on a log search scale the change of variables adds -ln(value)."""
    nll = np.zeros(theta.shape[0])
    res = []
    with np.errstate(all="ignore"):
        for j, p in enumerate(params):
            if p.prior is None:
                continue
            x = theta[:, j]
            kind, a, b = p.prior
            r = (x - a) / b if kind == "normal" else (np.log(x) - np.log(a)) / b
            nll += 0.5 * r * r + (np.log(x) if kind == "lognormal" else 0.0)
            if p.scale == "log":
                nll -= np.log(x)
            res.append(r)
    return nll, (np.array(res).T if res else np.zeros((theta.shape[0], 0)))
