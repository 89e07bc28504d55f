"""Trajectories for the analysis: the model run with every step saved, hidden elements included.

This is the one place the dominance analysis runs a model; it compiles once and runs any batch.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np


class TrajectorySource:
    """Runs ``model`` saving the variables ``keep`` (hidden names allowed) at every dt."""

    def __init__(self, model, keep, backend: str = "auto"):
        from .. import backends
        from ..plan import compile_model
        every_step = replace(model, time=replace(model.time, save_step=None))
        self.model = model
        self.keep = list(keep)
        self.plan = compile_model(every_step, self.keep)
        self.kernel = backends.choose(self.plan, backend).kernel(self.plan)

    def run(self, params=None, n_runs=None):
        """(times, {name: time x run array}, {parameter: value per run}, Result) for a batch."""
        from ..run import run_kernel
        result = run_kernel(self.kernel, params, n_runs)
        traj = {n: result.data[:, i, :] for i, n in enumerate(result.names)}
        return np.asarray(result.times, dtype=float), traj, result.params, result
