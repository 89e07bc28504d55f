"""Absurd sizes are refused before anything is allocated, with the size and the limit named."""
import numpy as np
import pytest

import engine
from engine.backends import base
from engine.errors import ModelError
from engine.frontends import READERS, files
from engine.frontends.yaml import elements
from engine.run import simulate

CUP = """
time: {start: 0, stop: 10, dt: 1}
stocks:
  tea: {initial: 180, outflows: [loss]}
flows:
  loss: (tea - 70) / 10
"""


def test_a_file_over_the_size_limit_is_refused_unread(write, monkeypatch):
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 50)
    with pytest.raises(ModelError, match="model.yaml: the file is larger than"):
        engine.load(write(CUP))
    with pytest.raises(ModelError, match="model.xmile: the file is larger than"):
        engine.load(write("<xmile>" + " " * 100 + "</xmile>", "model.xmile"))


def test_records_over_the_memory_limit_are_refused_before_the_run(build, monkeypatch):
    m = build(CUP)
    monkeypatch.setattr(simulate, "record_limit", lambda: 10_000)
    with pytest.raises(ModelError, match=r"keeping 2 variables of 1,000 runs at 11 saved times needs .* GB, "
                                         r"more than the .* GB allowed"):
        m.run(n_runs=1000)
    assert m.run(n_runs=50)["tea"].shape == (11, 50)


def test_a_delay_longer_than_the_run_holds_the_runs_steps_and_the_limit_is_checked_when_set(build, monkeypatch):
    m = build(CUP + "auxiliaries:\n  late: delay_fixed(tea, lag, 0)\n"
              "parameters:\n  lag: {value: 2, range: [0, 1e12]}\n")
    assert m.run()["late"][:3, 0].tolist() == [0, 0, 180]
    assert np.all(m.run(params={"lag": 1e10})["late"] == 0)      # its start value throughout
    monkeypatch.setattr(base, "MAX_DELAY_BYTES", 8 * 11 * 50)     # the run's 11 steps of history, 50 runs
    assert np.all(m.run(params={"lag": 1e10}, n_runs=50)["late"] == 0)
    with pytest.raises(ModelError, match=r"model.yaml:8: in 'late': the pipeline delays need .* GB of history"):
        m.run(params={"lag": 1e10}, n_runs=51)


def test_a_lookup_over_the_points_limit_is_refused(build, monkeypatch):
    monkeypatch.setattr(elements, "MAX_LOOKUP_POINTS", 3)
    with pytest.raises(ModelError, match=r"in 'curve': a lookup needs points.*\(1 to 3\)"):
        build(CUP + "lookups:\n  curve: {points: [[0, 0], [1, 1], [2, 4], [3, 9]]}\n")


def test_files_are_read_by_their_suffix(write, tmp_path):
    assert {".yaml", ".yml", ".xmile", ".stmx"} <= set(READERS)
    with pytest.raises(ModelError, match=r"model.txt: no reader for '.txt'"):
        engine.load(write(CUP, "model.txt"))
    assert np.array_equal(engine.load(write(CUP, "model.yml")).run()["tea"], engine.load(write(CUP)).run()["tea"])
