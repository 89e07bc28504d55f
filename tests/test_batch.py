"""A batch of N parameter sets gives exactly the numbers of N separate runs."""
import numpy as np
from conftest import MODELS

import engine


def test_batch_of_1000_equals_1000_single_runs(backend):
    m = engine.load(MODELS / "goal_seeking.yaml")
    rng = np.random.default_rng(42)
    n = 1000
    params = {"target": rng.uniform(50, 200, n), "adjust_time": rng.uniform(1, 10, n),
              "production_delay": rng.uniform(0.5, 5, n), "demand_boost": rng.uniform(0, 1, n)}
    batch = m.run(params=params, backend=backend)
    assert batch.data.shape[2] == n and batch.provenance["backend"] == backend
    for i in range(n):
        single = m.run(params={k: v[i] for k, v in params.items()}, backend=backend)
        assert np.array_equal(single.data[:, :, 0], batch.data[:, :, i]), f"run {i} differs"


def test_rk4_batch_equals_single_runs(backend):
    m = engine.load(MODELS / "goal_seeking.yaml").with_time(method="rk4")
    vals = np.linspace(1, 10, 17)       # more than a thread's share: the parallel loop on numba
    batch = m.run(params={"adjust_time": vals}, backend=backend)
    for i, v in enumerate(vals):
        single = m.run(params={"adjust_time": v}, backend=backend)
        assert np.array_equal(single.data[:, :, 0], batch.data[:, :, i])


def test_rk4_and_euler_agree_at_small_dt():
    m = engine.load(MODELS / "goal_seeking.yaml").with_time(dt=1 / 64, save_step=0.25)
    e = m.run()["inventory"][:, 0]
    r = m.with_time(method="rk4").run()["inventory"][:, 0]
    assert np.max(np.abs(e - r)) / np.max(np.abs(r)) < 5e-3
