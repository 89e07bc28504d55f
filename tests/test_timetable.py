"""The run's timetable: firing steps, saved steps and NaN/infinity checks resolved before the first
step, one rule whether a time is a constant or a parameter; kernels hold no per-call state."""
import threading

import numpy as np
import pytest
from conftest import BACKENDS

from engine.errors import ModelError, SimulationError

COUNTER = """
time: {start: 0, stop: 4, dt: 1}
stocks:
  count: {initial: 0}
parameters:
  p: {value: 0.25, range: [0.01, 10]}
events:
"""


def firings(r) -> int:
    return len(r.provenance["events_applied"])


def test_a_period_set_by_a_parameter_shorter_than_dt_fires_every_time(build, backend):
    # 0, 0.25, ..., 4: 17 firings, four of them in each step after the first
    m = build(COUNTER + '  - {name: tick, every: p, start: 0, set: {count: "count + 1"}}\n')
    r = m.run(backend=backend)
    assert r["count"][-1, 0] == 17.0 and firings(r) == 17
    assert r["count"][:, 0].tolist() == [1.0, 5.0, 9.0, 13.0, 17.0]


def test_the_same_period_written_as_a_constant_follows_the_same_rule(build, backend):
    m = build(COUNTER + '  - {name: tick, every: 0.25, start: 0, set: {count: "count + 1"}}\n')
    r = m.run(backend=backend)
    assert r["count"][:, 0].tolist() == [1.0, 5.0, 9.0, 13.0, 17.0]


def test_two_times_within_one_step_both_fire_in_order(build, backend):
    # 1.2 and 1.5 both fall in the step ending at 2: both apply there, the second after the first
    m = build(COUNTER + '  - {name: twice, at: [1.2, 1.5], set: {count: "count * 10 + 1"}}\n')
    r = m.run(backend=backend)
    assert r["count"][:, 0].tolist() == [0.0, 0.0, 11.0, 11.0, 11.0]
    assert r.provenance["events_applied"] == [[2.0, "twice", 1], [2.0, "twice", 1]]


def test_a_batch_of_periods_fires_per_run_as_its_single_runs(build):
    m = build(COUNTER + '  - {name: tick, every: p, start: 0, set: {count: "count + 1"}}\n')
    periods = np.array([0.25, 0.5, 1.0, 3.0, 0.3])
    batch = m.run(params={"p": periods})
    assert batch["count"][-1].tolist() == [17.0, 9.0, 5.0, 2.0, 14.0]
    for i, p in enumerate(periods):
        assert np.array_equal(m.run(params={"p": p}).data[:, :, 0], batch.data[:, :, i])


def test_a_period_that_is_not_positive_is_refused_constant_or_parameter(build):
    with pytest.raises(ModelError, match="period .'every'. must be positive, not 0"):
        build(COUNTER + '  - {name: tick, every: 0, set: {count: 1}}\n')
    m = build(COUNTER.replace("range: [0.01, 10]", "range: [-1, 10]") +
              '  - {name: tick, every: p, set: {count: 1}}\n')
    with pytest.raises(ModelError, match="period .'every'. must be positive, not -0.5"):
        m.run(params={"p": [1.0, -0.5]})


def test_a_save_step_not_a_multiple_of_dt_is_refused(build):
    with pytest.raises(ModelError, match=r"save_step 1.5 is not a whole multiple of dt=1"):
        build(COUNTER.replace("dt: 1}", "dt: 1, save_step: 1.5}") + '  - {name: t, at: 1, set: {count: 1}}\n')


def test_the_final_time_is_always_saved(build, backend):
    m = build("""
time: {start: 0, stop: 10, dt: 0.5, save_step: 3}
stocks:
  s: {initial: 0, inflows: [f]}
flows:
  f: 1
""")
    r = m.run(backend=backend)
    assert r.times.tolist() == [0.0, 3.0, 6.0, 9.0, 10.0]
    assert r["s"][:, 0].tolist() == [0.0, 3.0, 6.0, 9.0, 10.0]


def test_a_saved_variable_that_reaches_the_stocks_only_through_a_comparison_is_checked(build, backend):
    m = build("""
time: {start: 0, stop: 8, dt: 1}
stocks:
  s: {initial: 0, inflows: [f]}
flows:
  f: "if a > 0 then 1 else 0"
auxiliaries:
  a: ln(5 - time)
""")
    with pytest.raises(SimulationError, match=r"in 'a': value became infinite at time 5"):
        m.run(backend=backend)
    assert m.run(backend=backend, check=False)["s"][-1, 0] == 4.0       # the stock itself stays finite


@pytest.mark.parametrize("path", ["reductions", "dot product"])
def test_the_finite_check_of_the_records_finds_any_nan_or_infinity_and_only_them(path, monkeypatch):
    from engine.run import simulate
    if path == "dot product":
        monkeypatch.setattr(simulate, "BLAS_CHECK", 1)
    data = np.full((7, 5, 3), 1e300)          # huge but finite: squares would overflow
    data[0, 0, 0] = -1e308
    assert simulate._all_finite(data) and simulate._all_finite(np.zeros((0, 4, 1)))
    for bad in (np.nan, np.inf, -np.inf):
        for where in ((0, 0, 0), (6, 4, 2), (3, 2, 1)):
            d = data.copy()
            d[where] = bad
            assert not simulate._all_finite(d), (bad, where)


def test_a_stock_that_is_not_saved_is_checked_at_every_saved_step(build, backend):
    # x goes infinite at 6 and an event sets it back at 8: the final values are all finite
    m = build("""
time: {start: 0, stop: 10, dt: 1}
stocks:
  x: {initial: 0, inflows: [g]}
  s: {initial: 0, inflows: [h]}
flows:
  g: "if time < 5.5 then ln(q - time) else 0"
  h: 1
parameters:
  q: 10
events:
  - {name: reset, at: 8, set: {x: 0}}
""")
    assert m.run(backend=backend, check=False, keep=["x"], params={"q": 5})["x"][-1, 0] == 0.0
    with pytest.raises(SimulationError, match=r"in 'x': value became NaN or infinite at time 6 in run 1"):
        m.run(backend=backend, keep=["s"], params={"q": [10.0, 5.0, 5.0]})


def test_one_loaded_model_runs_batches_of_different_sizes_from_two_threads(build, backend):
    """Two threads, each running its own batch size on the same kernel, in lockstep (each run is
    long enough for the interpreter to switch threads within it)."""
    m = build("""
time: {start: 0, stop: 100, dt: 0.125}
stocks:
  s: {initial: 1, inflows: [f], outflows: [g]}
flows:
  f: delay_fixed(s * k, 1, 0.1)
  g: s * k
parameters:
  k: 0.1
""")
    sizes = (3, 5)
    params = {n: {"k": np.linspace(0.05, 0.2, n)} for n in sizes}
    want = {n: m.run(params=params[n], backend=backend).data for n in sizes}
    barrier = threading.Barrier(len(sizes))
    failures = []

    def work(n):
        try:
            for _ in range(30):
                barrier.wait()
                if not np.array_equal(m.run(params=params[n], backend=backend).data, want[n]):
                    failures.append(f"{n} runs: different numbers")
        except Exception as exc:            # noqa: BLE001 - reported below
            failures.append(f"{n} runs: {exc!r}")
            barrier.abort()

    threads = [threading.Thread(target=work, args=(n,)) for n in sizes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_the_run_stage_uses_only_simpys_public_api():
    from pathlib import Path
    run = Path(__file__).resolve().parents[1] / "engine" / "run"
    for f in run.glob("*.py"):
        assert "._ok" not in f.read_text() and "._value" not in f.read_text(), f.name


MIXED = """
time: {start: 0, stop: 10, dt: 0.125, method: euler}
stocks:
  total: {initial: 0, inflows: [accrual]}
flows:
  accrual: rate
parameters:
  rate: {value: 1, range: [0, 100]}
  policy_year: {value: 4, range: [0, 10]}
events:
  - {name: raise, at: policy_year, set: {rate: "rate * 2"}}
  - {name: cap, when: "total >= 6", set: {rate: 0.5}}
  - {name: tick, every: 3, set: {total: "total - 1"}}
  - {name: twice, at: [5.01, 5.02], set: {total: "total * 1.5"}}
"""


@pytest.mark.skipif("numba" not in BACKENDS, reason="numba is not installed")
def test_events_applied_inside_the_kernel_match_the_run_stage(build):
    """numba applies timed and 'when' events inside one kernel call; numpy in the run stage."""
    m = build(MIXED)
    years = np.array([1.0, 2.5, 3.3, 7.0, 9.9])
    a = m.run(params={"policy_year": years}, backend="numba")
    b = m.run(params={"policy_year": years}, backend="numpy")
    assert a.provenance["events_applied_by"] == "kernel"
    assert b.provenance["events_applied_by"] == "run stage (the numpy kernel applies no events itself)"
    assert np.allclose(a.data, b.data, rtol=1e-12, atol=0)
    assert a.provenance["events_applied"] == b.provenance["events_applied"]
    for i, y in enumerate(years):          # a batch gives each run the numbers of its single run
        assert np.array_equal(m.run(params={"policy_year": y}, backend="numba").data[:, :, 0], a.data[:, :, i])
    many = np.linspace(0.5, 9.5, 600)      # a batch large enough for the kernel's parallel segment
    a = m.run(params={"policy_year": many}, backend="numba")
    b = m.run(params={"policy_year": many}, backend="numpy")
    assert np.allclose(a.data, b.data, rtol=1e-12, atol=0)
    assert a.provenance["events_applied"] == b.provenance["events_applied"]


@pytest.mark.skipif("numba" not in BACKENDS, reason="numba is not installed")
def test_a_value_failing_its_check_inside_the_kernel_is_reported_as_in_the_run_stage(build):
    m = build(MIXED + "  - {name: push, at: 2, set: {policy_year: 'policy_year + rate * 4'}}\n")
    for backend in ("numba", "numpy"):
        m.run(backend=backend)                                                 # 4 + 1 * 4 = 8: inside
        with pytest.raises(SimulationError, match=r"sets 'policy_year' to 12 at time 2, outside its declared range"):
            m.run(params={"rate": [1.0, 2.0]}, backend=backend)


@pytest.mark.skipif("numba" not in BACKENDS, reason="numba is not installed")
def test_a_ramp_keeps_the_events_in_the_run_stage_and_says_so(build):
    m = build(MIXED + "  - {name: phase in, at: 2, ramp: {rate: {to: 5, over: 4}}}\n")
    a, b = m.run(backend="numba"), m.run(backend="numpy")
    assert a.provenance["events_applied_by"] == "run stage (the event 'phase in' ramps a value)"
    assert np.allclose(a.data, b.data, rtol=1e-12, atol=0)
