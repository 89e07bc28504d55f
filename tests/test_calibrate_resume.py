"""Interrupted calibrations: Ctrl-C keeps the best so far, and re-running resumes to the numbers of an
uninterrupted run (from the checkpoint Ctrl-C writes, or from one a kill leaves behind)."""
import shutil
from pathlib import Path

import numpy as np
import pytest

import engine
from engine.calibration import checkpoint, optimise, run
from engine.errors import ModelError
from engine.frontends.yaml.yamlio import load_file

MODELS = Path(__file__).parent / "models"


@pytest.fixture
def spec(tmp_path):
    t = np.arange(1.0, 16.0)
    y = 0.8 / (1 + (0.8 / 0.01 - 1) * np.exp(-0.5 * t)) + 0.01 * np.sin(3 * t)
    (tmp_path / "share.csv").write_text("time,value\n" + "".join(f"{a:g},{b:.10g}\n" for a, b in zip(t, y)))
    return {"calibration": "resume", "scenario": str(MODELS / "logistic_adoption.yaml"), "seed": 9,
            "parameters": {"r": {"bounds": [0.1, 2]}, "K": {"bounds": [0.2, 1]},
                           "s0": {"bounds": [0.001, 0.1], "scale": "log"}},
            "series": {"share": {"file": str(tmp_path / "share.csv"), "units": "dmnl",
                                 "variable": "adopters", "error": "normal", "scale": 0.01}},
            "optimizer": {"population": 6, "generations": 25, "tolerance": 0},
            "mcmc": {"walkers": 16, "steps": 40, "burn": 10}}


def _interrupt_at(monkeypatch, generation):
    real = optimise.search_generation

    def gen(problem, state, opt):
        if state.generation == generation:
            raise KeyboardInterrupt
        return real(problem, state, opt)
    monkeypatch.setattr(run, "search_generation", gen)


def test_ctrl_c_keeps_the_best_and_the_rerun_resumes(spec, tmp_path, monkeypatch):
    whole = engine.calibrate(spec, output=tmp_path / "whole", figures_too=False)
    _interrupt_at(monkeypatch, 7)
    with pytest.raises(KeyboardInterrupt):
        engine.calibrate(spec, output=tmp_path / "cut", figures_too=False)
    est, _ = load_file(tmp_path / "cut" / "estimates.yaml")
    assert est["status"] == "searching (generation 7)" and set(est["parameters"]) == {"r", "K", "s0"}
    monkeypatch.undo()
    again = engine.calibrate(spec, output=tmp_path / "cut", figures_too=False)
    assert again.objective == whole.objective
    assert again.estimates == whole.estimates
    assert np.array_equal(again.posterior.draws, whole.posterior.draws)


def test_a_kill_leaves_a_checkpoint_that_resumes(spec, tmp_path, monkeypatch):
    """What a kill leaves: the checkpoint as written after some generation (every generation here)."""
    monkeypatch.setattr(checkpoint, "EVERY", 0.0)
    real_put = checkpoint.Checkpoint.put

    def put(self, often=False, **items):
        written = real_put(self, often=often, **items)
        if written and self.data.get("search", {}).get("generation") == 12 and "polish" not in self.data:
            shutil.copytree(self.path.parent, tmp_path / "killed", dirs_exist_ok=True)
        return written
    monkeypatch.setattr(checkpoint.Checkpoint, "put", put)
    whole = engine.calibrate(spec, output=tmp_path / "whole", mcmc=False, figures_too=False)
    monkeypatch.undo()
    assert (tmp_path / "killed" / "checkpoint.npz").exists()
    killed = checkpoint.Checkpoint(tmp_path / "killed" / "checkpoint.npz", "", fresh=True)._read()
    again = engine.calibrate(spec, output=tmp_path / "killed", mcmc=False, figures_too=False)
    assert again.estimates == whole.estimates and again.objective == whole.objective
    # the evaluations of the calls before the kill count: as many as the uninterrupted run made
    assert 0 < killed["evaluations"] < whole.evaluations and again.evaluations == whole.evaluations
    assert again.seconds > killed["seconds"] > 0


def test_a_kill_during_the_sampler_counts_every_evaluation_once(spec, tmp_path, monkeypatch):
    """Killed right after the chain was written at step 20: the resumed calibration's count of
    evaluations is the uninterrupted one's."""
    from engine.calibration import mcmc
    real_save = mcmc.FlushingBackend.save_step

    def save_step(self, state, accepted):
        real_save(self, state, accepted)
        if self.iteration == 20 and not (tmp_path / "killed").exists():
            self.flush()
            shutil.copytree(Path(self.path).parent, tmp_path / "killed")
    monkeypatch.setattr(mcmc.FlushingBackend, "save_step", save_step)
    whole = engine.calibrate(spec, output=tmp_path / "whole", figures_too=False)
    monkeypatch.undo()
    again = engine.calibrate(spec, output=tmp_path / "killed", figures_too=False)
    assert np.array_equal(again.posterior.draws, whole.posterior.draws)
    assert again.evaluations == whole.evaluations


def test_another_spec_does_not_resume_a_checkpoint(spec, tmp_path):
    engine.calibrate(spec, output=tmp_path / "out", mcmc=False, figures_too=False)
    spec["seed"] = 10
    with pytest.raises(ModelError, match="another spec"):
        engine.calibrate(spec, output=tmp_path / "out", mcmc=False, figures_too=False)
    engine.calibrate(spec, output=tmp_path / "out", mcmc=False, figures_too=False, fresh=True)
