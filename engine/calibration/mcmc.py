"""The posterior by Markov chain Monte Carlo: emcee's affine-invariant ensemble sampler (Goodman and
Weare 2010; Foreman-Mackey et al. 2013) with all walkers of a move evaluated as one batch of runs.

The chain is kept in memory and written to the calibration's HDF5 file (group ``mcmc``: chain,
log_prob, accepted, the random state) every few seconds and at the end, so an interrupted sampler
resumes from its last write to the same chain an uninterrupted one gives. The walkers start in a
small ball around the estimate shaped by the curvature there.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from emcee.backends import Backend


@dataclass
class Posterior:
    """Draws (after burn-in and thinning, in parameter units) and the sampler's diagnostics."""
    names: list
    draws: np.ndarray               # draws x parameters
    log_prob: np.ndarray            # per draw
    acceptance: np.ndarray          # per walker
    tau: np.ndarray                 # integrated autocorrelation time per parameter (steps)
    walkers: int
    steps: int
    burn: int
    thin: int

    @property
    def evaluations(self) -> int:
        """Model runs the sampler makes (walkers x steps)."""
        return self.walkers * self.steps

    @property
    def effective_samples(self) -> np.ndarray:
        """Independent draws the chain is worth, per parameter: walkers x kept steps / tau."""
        return self.walkers * (self.steps - self.burn) / np.maximum(self.tau, 1.0)


def walkers_for(spec_walkers: int, dim: int) -> int:
    """The number of walkers: as given, else 8 per parameter (at least 32); even, >= 2 x dim + 2."""
    n = spec_walkers or max(32, 8 * dim)
    n = max(n, 2 * dim + 2)
    return n + n % 2


def sample(problem, z_best, cov_z, mc, seed: int, path, progress=False, flushed=None) -> Posterior:
    """Run (or resume) the ensemble sampler in the unit cube; returns draws and diagnostics.
    ``flushed`` is called each time the chain is written (the calibration checkpoints its
    work done then)."""
    import emcee
    d = problem.dim
    W = walkers_for(mc.walkers, d)
    backend = FlushingBackend(path, flushed=flushed)
    resume = backend.load(W, d)

    def log_prob(z):
        z = np.atleast_2d(z)
        out = np.full(len(z), -np.inf)
        inside = np.all((z >= 0) & (z <= 1), axis=1)
        if inside.any():
            out[inside] = -problem.objective(z[inside])
        return out

    sampler = emcee.EnsembleSampler(W, d, log_prob, vectorize=True, backend=backend)
    if resume:
        start = None
    else:
        sampler.random_state = np.random.RandomState(seed % 2 ** 32).get_state()
        start = _initial_ball(problem, z_best, cov_z, W, seed, log_prob)
    todo = mc.steps - backend.iteration
    try:
        if todo > 0:
            sampler.run_mcmc(start, todo, progress=progress)
    finally:
        backend.flush()
    return _posterior(problem, backend, W, mc)


class FlushingBackend(Backend):
    """emcee's in-memory chain, written to HDF5 (group ``mcmc``) every ``every`` seconds."""

    def __init__(self, path, every: float = 2.0, flushed=None):
        super().__init__()
        self.path, self.every, self.last = str(path), every, time.monotonic()
        self.flushed = flushed

    def load(self, nwalkers, ndim) -> bool:
        """Start empty, or from the chain in the file when it has this shape; True if resumed."""
        import h5py
        self.reset(nwalkers, ndim)
        try:
            with h5py.File(self.path, "r") as f:
                g = f.get("mcmc")
                if g is None or tuple(g["chain"].shape[1:]) != (nwalkers, ndim) or not g.attrs["iteration"]:
                    return False
                self.chain, self.log_prob = g["chain"][()], g["log_prob"][()]
                self.accepted, self.iteration = g["accepted"][()], int(g.attrs["iteration"])
                self.random_state = ("MT19937", g["random_key"][()], int(g.attrs["random_pos"]),
                                     int(g.attrs["random_has_gauss"]), float(g.attrs["random_gauss"]))
                return True
        except (OSError, KeyError):
            return False

    def save_step(self, state, accepted):
        """Save a step of the chain, and the backend file every few seconds."""
        super().save_step(state, accepted)
        if time.monotonic() - self.last > self.every:
            self.flush()

    def flush(self):
        """Write the chain so far (and the random state that continues it)."""
        import h5py
        if not self.initialized or self.random_state is None:
            return
        with h5py.File(self.path, "a") as f:
            if "mcmc" in f:
                del f["mcmc"]
            g = f.create_group("mcmc")
            n = self.iteration
            g["chain"], g["log_prob"], g["accepted"] = self.chain[:n], self.log_prob[:n], self.accepted
            kind, key, pos, has_gauss, gauss = self.random_state
            g["random_key"] = key
            g.attrs.update(iteration=n, nwalkers=self.nwalkers, ndim=self.ndim, random_pos=pos,
                           random_has_gauss=has_gauss, random_gauss=gauss)
        self.last = time.monotonic()
        if self.flushed is not None:
            self.flushed()


def _initial_ball(problem, z_best, cov_z, W, seed, log_prob):
    """Walkers around the estimate: a tenth of the curvature's spread, redrawn until finite."""
    rng = np.random.default_rng(seed)
    d = len(z_best)
    sd = np.sqrt(np.clip(np.diag(cov_z), 1e-12, None))
    sd = np.minimum(0.1 * sd, 0.02)
    pts = _reflect(z_best + rng.standard_normal((W, d)) * sd)
    for _ in range(20):
        bad = ~np.isfinite(log_prob(pts))
        if not bad.any():
            break
        pts[bad] = _reflect(z_best + rng.standard_normal((int(bad.sum()), d)) * sd * 0.3)
    return pts


def _reflect(z):
    """Fold positions back into the unit cube (walkers must not pile up on a bound)."""
    z = np.abs(z)
    return np.where(z > 1.0, 2.0 - z, z).clip(0.0, 1.0)


def _posterior(problem, backend, W, mc) -> Posterior:
    steps = backend.iteration
    burn = min(mc.burn, max(steps - 1, 0))
    chain = backend.get_chain(discard=burn, thin=mc.thin, flat=True)
    lp = backend.get_log_prob(discard=burn, thin=mc.thin, flat=True)
    tau = autocorrelation_time(backend.get_chain(discard=burn))
    acc = backend.accepted / max(steps, 1)
    return Posterior(list(problem.names), problem.to_theta(chain), lp, acc, np.asarray(tau, float),
                     W, steps, burn, mc.thin)


def autocorrelation_time(chain) -> np.ndarray:
    """Integrated autocorrelation time per parameter (steps), as emcee estimates it; a warning-free
    estimate even for chains shorter than 50 times it (then a lower bound)."""
    import logging

    from emcee.autocorr import integrated_time
    log = logging.getLogger("emcee.autocorr")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        return np.asarray(integrated_time(chain, quiet=True), float)
    finally:
        log.setLevel(level)


def read_draws(path) -> tuple[list, np.ndarray]:
    """(parameter names, draws) stored by a calibration in its HDF5 file (group ``posterior``)."""
    import h5py
    with h5py.File(path, "r") as f:
        if "posterior" not in f:
            return [], np.zeros((0, 0))
        g = f["posterior"]
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in g["parameter"][()]]
        return names, g["draws"][()]
