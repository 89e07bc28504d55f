"""A batch of N parameter sets gives exactly the numbers of N separate runs."""
import numpy as np
import pytest
from conftest import MODELS

import engine


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_a_batch_gives_each_run_the_numbers_of_its_single_run(backend, method):
    """600 runs (on numba, over 256 runs take the parallel loop, in chunks of 64). Runs at the
    chunks' edges and at a stride between are checked against their own single runs."""
    m = engine.load(MODELS / "goal_seeking.yaml").with_time(method=method)
    rng = np.random.default_rng(42)
    n = 600
    params = {"target": rng.uniform(50, 200, n), "adjust_time": rng.uniform(1, 10, n),
              "production_delay": rng.uniform(0.5, 5, n), "demand_boost": rng.uniform(0, 1, n)}
    batch = m.run(params=params, backend=backend)
    assert batch.data.shape[2] == n and batch.provenance["backend"] == backend
    assert len({float(v) for v in batch["inventory"][-1]}) == n      # the runs really differ
    for i in sorted(set(range(0, n, 7)) | {1, 63, 64, 65, 255, 256, 511, 512, n - 1}):
        single = m.run(params={k: v[i] for k, v in params.items()}, backend=backend)
        assert np.array_equal(single.data[:, :, 0], batch.data[:, :, i]), f"run {i} differs"


def test_rk4_and_euler_agree_at_small_dt():
    m = engine.load(MODELS / "goal_seeking.yaml").with_time(dt=1 / 64, save_step=0.25)
    e = m.run()["inventory"][:, 0]
    r = m.with_time(method="rk4").run()["inventory"][:, 0]
    assert np.max(np.abs(e - r)) / np.max(np.abs(r)) < 5e-3
