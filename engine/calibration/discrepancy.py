"""The model's discrepancy: an error model for the dynamics, not only for the measurements.

With ``discrepancy: ar1`` a series' residuals (y - m, or ln y - ln m under a log-normal error) are
e = delta + eps: eps the measurement error of the series' scale (independent), delta a stationary
first-order autoregressive process in time (in continuous time: an Ornstein-Uhlenbeck process),

    cov(delta(s), delta(t)) = sd^2 phi^|s - t|     (phi: the correlation one time unit apart),

the part of the data the model's structure misses and which persists from one year to the next.
Its two numbers are estimated with the parameters: they are integrated out on a grid (phi 0.05,
0.15, ..., 0.95, uniform; sd on a geometric grid up to ``sd_max`` with the weights of a uniform
prior on [0, sd_max], the non-informative choice for a scale of few observations, Gelman 2006), so
for each run the objective is -ln of the marginal likelihood sum_g w_g N(e; 0, Sigma_g), Sigma_g =
sd_g^2 R(phi_g) + diag(scale^2). When the series' scale is estimated, the process carries all of the
error (no separate measurement part). A forecast conditions delta on the run's fitted residuals
(mean A e, covariance K** - A K_f*, A = K*f Sigma^-1): it starts from the last misses and its
variance grows with the horizon towards sd^2. Everything is one batch over runs.
"""
from __future__ import annotations

import numpy as np

PHI = (np.arange(10) + 0.5) / 10
N_SD = 24
JITTER = 1e-9


class Ar1:
    """The AR(1) discrepancy of one series over its fitted observations (times ``x``, measurement
    standard deviations ``sigma``, 0 where the process carries all the error)."""

    def __init__(self, x, sigma, sd_max: float, sd_min: float):
        self.x = np.asarray(x, float)
        self.sigma = np.asarray(sigma, float)
        edges = np.geomspace(sd_min, sd_max, N_SD + 1)
        sd = np.sqrt(edges[:-1] * edges[1:])
        w = np.diff(edges) / (edges[-1] - edges[0])
        self.sd = np.repeat(sd, len(PHI))
        self.phi = np.tile(PHI, N_SD)
        self.logw = np.log(np.repeat(w, len(PHI)) / len(PHI))
        self._factor()

    @classmethod
    def at(cls, x, sigma, sd: float, phi: float) -> Ar1:
        """The process with known sd and phi (a grid of one point)."""
        self = cls.__new__(cls)
        self.x, self.sigma = np.asarray(x, float), np.asarray(sigma, float)
        self.sd, self.phi, self.logw = np.array([sd]), np.array([phi]), np.zeros(1)
        self._factor()
        return self

    def _factor(self):
        """The covariance of the fitted residuals at every grid point, its inverse and log det."""
        n = len(self.x)
        if n:
            diag = self.sigma[None, :] ** 2 + JITTER * self.sd[:, None] ** 2
            S = self.cov(self.x, self.x) + diag[:, :, None] * np.eye(n)[None]
            self.S = S
            self.logdet = np.linalg.slogdet(S)[1]
            self.Sinv = np.linalg.inv(S)
        else:
            self.S = self.Sinv = np.zeros((len(self.sd), 0, 0))
            self.logdet = np.zeros(len(self.sd))

    def cov(self, a, b) -> np.ndarray:
        """The process's covariance between times ``a`` and ``b`` for every grid point (g x a x b)."""
        d = np.abs(np.asarray(a, float)[:, None] - np.asarray(b, float)[None, :])
        return self.sd[:, None, None] ** 2 * self.phi[:, None, None] ** d[None]

    def log_terms(self, e) -> np.ndarray:
        """ln w_g + ln N(e_r; 0, Sigma_g) without the 2 pi constant (grid x runs)."""
        e = np.asarray(e, float)
        with np.errstate(all="ignore"):
            q = np.sum((self.Sinv @ e) * e[None], axis=1) if len(self.x) else np.zeros((len(self.sd), e.shape[1]))
        return self.logw[:, None] - 0.5 * q - 0.5 * self.logdet[:, None]

    def terms(self, e):
        """(negative log marginal likelihood per run, whitened residuals, unit scales) of residuals
        (obs x runs). The residuals are whitened by the Cholesky factor of the run's posterior-mean
        covariance sum_g p_g Sigma_g, so that Gauss-Newton steps and the curvature see the errors'
        correlation."""
        lp = self.log_terms(e)
        top = np.max(lp, axis=0)
        with np.errstate(all="ignore"):
            post = np.exp(lp - top)
            total = post.sum(axis=0)
            nll = -(top + np.log(total))
        nll = np.where(np.isfinite(nll), nll, np.inf)
        n, R = e.shape
        if not n:
            return nll, e, np.ones_like(e)
        w = np.where(np.isfinite(total) & (total > 0), post / np.where(total > 0, total, 1.0), 1.0 / len(self.sd))
        w = np.nan_to_num(w)
        phis, k = np.unique(self.phi, return_inverse=True)
        var = np.zeros((len(phis), R))
        np.add.at(var, k, w * self.sd[:, None] ** 2)                       # E[sd^2; phi] (phi x runs)
        corr = phis[:, None, None] ** np.abs(self.x[:, None] - self.x[None, :])[None]
        S = (var.T[:, :, None] * corr.reshape(len(phis), n * n)[None]).sum(axis=1).reshape(R, n, n)
        S += (self.sigma ** 2)[None, :, None] * np.eye(n)[None] + JITTER * S * np.eye(n)[None]
        L = np.linalg.cholesky(S)
        white = np.linalg.solve(L, np.transpose(e)[:, :, None])[:, :, 0].T
        return nll, white, np.ones_like(e)

    def posterior(self, e) -> np.ndarray:
        """Posterior weights of the grid points for each run (grid x runs)."""
        lp = self.log_terms(e)
        with np.errstate(all="ignore"):
            post = np.exp(lp - np.max(lp, axis=0))
            return post / post.sum(axis=0)

    def draw(self, e, x_new, rng) -> np.ndarray:
        """Draws of the process at times ``x_new`` given each run's residuals (new x runs): one grid
        point per run from its posterior, then the Gaussian conditional on the residuals."""
        e = np.asarray(e, float)
        R = e.shape[1]
        post = self.posterior(np.nan_to_num(e))
        cdf = np.cumsum(post, axis=0)
        g = np.minimum((cdf < rng.random(R)[None, :]).sum(axis=0), len(self.sd) - 1)
        x_new = np.asarray(x_new, float)
        Kss = self.cov(x_new, x_new)
        if len(self.x):
            Ksf = self.cov(x_new, self.x)
            A = Ksf @ self.Sinv
            C = Kss - A @ np.transpose(Ksf, (0, 2, 1))
            mean = np.einsum("rij,jr->ir", A[g], np.nan_to_num(e))
        else:
            C = Kss
            mean = np.zeros((len(x_new), R))
        C = 0.5 * (C + np.transpose(C, (0, 2, 1)))
        vals, vecs = np.linalg.eigh(C)
        root = vecs * np.sqrt(np.clip(vals, 0, None))[:, None, :]
        z = rng.standard_normal((len(x_new), R))
        return mean + np.einsum("rij,jr->ir", root[g], z)

    def summary(self, e) -> dict:
        """Posterior means of the process's sd and phi, averaged over runs."""
        post = self.posterior(np.nan_to_num(np.asarray(e, float)))
        return {"sd": float(np.mean(post.T @ self.sd)), "phi": float(np.mean(post.T @ self.phi))}
