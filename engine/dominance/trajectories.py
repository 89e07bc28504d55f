"""Trajectories for the analysis: the model run with every step saved, hidden elements included.

This is the one place the dominance analysis runs a model; it compiles once and runs any batch.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np


class TrajectorySource:
    """Runs ``model`` saving the variables ``keep`` (hidden names allowed) at every dt."""

    def __init__(self, model, keep):
        from ..compiler import compile_model
        every_step = replace(model, time=replace(model.time, save_step=None))
        conditions = tuple(ev.when for ev in model.events if ev.when is not None)
        self.model = model
        self.keep = list(keep)
        self.program = compile_model(every_step, self.keep, conditions)

    def run(self, params=None, n_runs=None):
        """(times, {name: time x run array}, {parameter: value per run}, Result) for a batch."""
        from ..simulate import run_program
        result = run_program(self.program, params, n_runs)
        traj = {n: result.data[:, i, :] for i, n in enumerate(result.names)}
        return np.asarray(result.times, dtype=float), traj, result.params, result
