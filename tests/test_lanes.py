"""A whole batch in one kernel call (``Kernel.run_all``): numba steps blocks of runs side by side
(a structure of arrays for small plans without events, the scalar step per run otherwise) and
writes the records straight into their final layout; every run keeps the numbers of its single
run and numpy's to 1e-12."""
import numpy as np
import pytest
from conftest import BACKENDS

from engine.errors import SimulationError

pytestmark = pytest.mark.skipif("numba" not in BACKENDS, reason="numba is not installed")

# a pipeline delay, a stock held at zero or above, a stock that is not saved, timed and 'when' events
PIPELINE = """
time: {start: 0, stop: 12, dt: 0.25, method: METHOD}
stocks:
  level: {initial: 10, inflows: [fill], outflows: [drain], non_negative: true}
  hidden: {initial: 1, inflows: [creep]}
flows:
  fill: "rate * (1 + 0.5 * sin(time))"
  drain: "lagged / tau"
  creep: "0.01 * hidden"
auxiliaries:
  lagged: delay_fixed(level, lag, 2)
parameters:
  rate: {value: 2, range: [0, 10]}
  tau: {value: 3, range: [0.5, 20]}
  lag: {value: 1.5, range: [0.25, 5]}
events:
  - {name: boost, at: 4, set: {rate: "rate * 1.5"}}
  - {name: brake, when: "level >= 14", set: {rate: 0.5}}
"""

PLAIN = """
time: {start: 0, stop: 8, dt: 0.125}
stocks:
  pool: {initial: 100, outflows: [out], non_negative: true}
  unseen: {initial: 0, inflows: [back]}
flows:
  out: "pool / tau + step(2, 3)"
  back: "ln(q - time)"
parameters:
  tau: {value: 4, range: [0.5, 50]}
  q: {value: 100, range: [0, 1000]}
"""


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_a_batch_with_pipelines_and_events_gives_each_run_its_single_run(build, method):
    """70 runs: blocks of 8 with a short last one; timed and 'when' events applied in the kernel."""
    m = build(PIPELINE.replace("METHOD", method))
    rng = np.random.default_rng(3)
    n = 70
    params = {"rate": rng.uniform(1, 4, n), "tau": rng.uniform(1, 6, n), "lag": rng.uniform(0.25, 3, n)}
    a = m.run(params=params, backend="numba")
    b = m.run(params=params, backend="numpy")
    assert a.provenance["events_applied_by"] == "kernel"
    assert a.provenance["events_applied"] == b.provenance["events_applied"]
    assert any(e[1] == "brake" for e in a.provenance["events_applied"])     # some runs reach the condition
    assert np.allclose(a.data, b.data, rtol=1e-12, atol=1e-12)
    for i in (0, 7, 8, 63, 64, n - 1):
        single = m.run(params={k: v[i] for k, v in params.items()}, backend="numba")
        assert np.array_equal(single.data[:, :, 0], a.data[:, :, i]), f"run {i} differs"


@pytest.mark.parametrize("n", [2, 300])
def test_a_batch_of_a_plain_plan_gives_each_run_its_single_run(build, n):
    """Without events a small plan's runs step as lanes of a structure of arrays (300: in parallel
    on more than one thread, with a short last block)."""
    m = build(PLAIN)
    tau = np.linspace(0.5, 40, n)
    a = m.run(params={"tau": tau}, backend="numba", keep=["pool", "out"])
    b = m.run(params={"tau": tau}, backend="numpy", keep=["pool", "out"])
    assert np.allclose(a.data, b.data, rtol=1e-12, atol=1e-12)
    assert (a["pool"] >= 0).all() and len({float(v) for v in a["pool"][-1]}) > 1
    for i in sorted({0, 1, n // 2, n - 1}):
        single = m.run(params={"tau": tau[i]}, backend="numba", keep=["pool", "out"])
        assert np.array_equal(single.data[:, :, 0], a.data[:, :, i]), f"run {i} differs"


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_a_stock_that_is_not_saved_going_bad_in_one_lane_is_named_with_its_run(build, backend):
    m = build(PLAIN)        # ln(3.5 - time) is -inf at 3.5: the stock, one step later
    with pytest.raises(SimulationError, match=r"in 'unseen': value became NaN or infinite at time 3.625 in run 2"):
        m.run(params={"q": [100.0, 50.0, 3.5, 4.0]}, backend=backend, keep=["pool"])
