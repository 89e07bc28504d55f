"""Events on the simpy clock: scheduled, swept per run, periodic, conditional, ramps, order."""
import numpy as np
import pytest

BASE = """
time: {start: 0, stop: 10, dt: 0.125, method: euler}
stocks:
  total: {initial: 0, inflows: [accrual]}
flows:
  accrual: rate
parameters:
  rate: 1
  policy_year: {value: 4, range: [0, 10]}
"""


def test_scheduled_set_applies_at_its_time(build, backend):
    m = build(BASE + """
events:
  - {name: raise rate, at: 4, set: {rate: 3}}
""")
    r = m.run(backend=backend)
    # total(t) = t before 4, 4 + 3 (t - 4) after: exact under Euler for a piecewise-constant rate
    t = r.times
    assert np.allclose(r["total"][:, 0], np.where(t <= 4, t, 4 + 3 * (t - 4)), rtol=0, atol=1e-12)


def test_event_time_swept_per_run_equals_single_runs(build, backend):
    m = build(BASE + """
events:
  - {name: raise rate, at: policy_year, set: {rate: "rate * 2"}}
""")
    years = np.array([1.0, 2.5, 3.3, 7.0, 9.9])
    batch = m.run(params={"policy_year": years}, backend=backend)
    for i, y in enumerate(years):
        single = m.run(params={"policy_year": y}, backend=backend)
        assert np.array_equal(single.data[:, :, 0], batch.data[:, :, i])
    # an event between two steps applies at the next step
    k = np.ceil(3.3 / 0.125)
    t_apply = k * 0.125
    assert batch.at("total", 10)[2] == pytest.approx(t_apply + 2 * (10 - t_apply))


def test_periodic_event_settles_a_stock(build, backend):
    m = build(BASE + """
events:
  - {name: settlement, every: 2, start: 2, set: {total: 0}}
""")
    r = m.run(backend=backend)
    tot = r["total"][:, 0]
    for t in (2, 4, 6, 8, 10):
        assert r.at("total", t)[0] == 0.0
    assert r.at("total", 3)[0] == pytest.approx(1.0)
    assert tot.max() == pytest.approx(2 - 0.125)


def test_when_event_fires_once_when_condition_first_holds(build, backend):
    m = build(BASE + """
events:
  - {name: cap reached, when: "total >= 5", set: {rate: 0}}
""")
    r = m.run(backend=backend)
    assert r.at("total", 10)[0] == pytest.approx(5.0)
    assert r.at("accrual", 4.875)[0] == 1.0 and r.at("accrual", 5)[0] == 0.0


def test_when_event_per_run(build, backend):
    m = build(BASE + """
events:
  - {name: cap reached, when: "total >= policy_year", set: {rate: 0}}
""")
    caps = np.array([2.0, 5.0, 10.0])
    r = m.run(params={"policy_year": caps}, backend=backend)
    assert np.allclose(r.at("total", 10), [2.0, 5.0, 10.0])


def test_ramp_reaches_target_linearly(build, backend):
    m = build(BASE + """
events:
  - {name: phase in, at: 2, ramp: {rate: {to: 5, over: 4}}}
""")
    r = m.run(backend=backend)
    assert r.at("accrual", 2)[0] == pytest.approx(1.0)
    assert r.at("accrual", 4)[0] == pytest.approx(3.0)
    assert r.at("accrual", 6)[0] == pytest.approx(5.0)
    assert r.at("accrual", 9)[0] == pytest.approx(5.0)
    # area under the piecewise-linear rate, integrated by left Riemann sums
    t = np.arange(0, 10, 0.125)
    rate = np.clip(1 + (t - 2), 1, 5)
    assert r.at("total", 10)[0] == pytest.approx(np.sum(rate) * 0.125)


def test_events_at_one_time_apply_in_listed_order(build, backend):
    m = build(BASE + """
events:
  - {name: first, at: 5, set: {rate: 2}}
  - {name: second, at: 5, set: {rate: "rate * 10"}}
""")
    assert m.run(backend=backend).at("accrual", 6)[0] == 20.0


def test_transfer_within_one_event_conserves(build, backend):
    m = build("""
time: {start: 0, stop: 6, dt: 0.5}
stocks:
  bank: {initial: 0, inflows: [issue]}
  surrendered: {initial: 0}
flows:
  issue: 10
events:
  - name: settle
    every: 1
    set: {bank: "bank - 0.5 * bank", surrendered: "surrendered + 0.5 * bank"}
checks:
  - {name: conservation, lhs: "10 * time", rhs: "bank + surrendered"}
""")
    r = m.run(backend=backend)
    assert np.allclose(r["bank"][:, 0] + r["surrendered"][:, 0], 10 * r.times)


def test_firings_too_many_for_a_batch_are_refused_before_their_times_are_held(build):
    """A period set by a parameter may be short on purpose; the times of every firing of every
    run are held at once, so their number over the batch is capped before anything is allocated."""
    m = build("""
time: {start: 0, stop: 100000, dt: 1}
stocks:
  s: {initial: 0, inflows: [f]}
flows:
  f: 1
parameters:
  period: {value: 10, range: [1, 100]}
events:
  - {name: tick, every: period, set: {s: 0}}
""")
    from engine.errors import ModelError
    with pytest.raises(ModelError, match=r"fire 1e\+05 times in each of 1,000 run\(s\).*50,000,000 over a batch"):
        m.run(params={"period": np.ones(1000)}, keep=["s"])
    assert m.run(params={"period": [10.0, 20.0]}, keep=["s"])["s"][-1].tolist() == [0.0, 0.0]


def test_a_constant_event_time_outside_the_run_is_refused_but_a_swept_one_may_be(build):
    from engine.errors import ModelError
    with pytest.raises(ModelError, match=r"set for time 12, outside the run \(0..10\); it would never fire"):
        build(BASE + "events:\n  - {name: late, at: 12, set: {rate: 3}}\n")
    m = build(BASE.replace("range: [0, 10]", "range: [0, 50]") +
              "events:\n  - {name: late, at: policy_year, set: {rate: 3}}\n")
    r = m.run(params={"policy_year": [5.0, 30.0]})
    assert r["total"][-1].tolist() == [5 + 3 * 5, 10]          # the second run's event falls after the run


def test_an_event_value_outside_the_declared_range_is_refused_when_it_fires(build):
    from engine.errors import ModelError, SimulationError
    with pytest.raises(ModelError, match=r"sets 'policy_year' to 12, outside its declared range \[0, 10\]"):
        build(BASE + "events:\n  - {name: late, at: 2, set: {policy_year: 12}}\n")      # a number: at assembly
    m = build(BASE + "events:\n  - {name: push, at: 2, set: {policy_year: 'policy_year + rate * 4'}}\n")
    m.run()                                                                     # 4 + 1 * 4 = 8: inside
    with pytest.raises(SimulationError, match=r"sets 'policy_year' to 12 at time 2, outside its declared range"):
        m.run(params={"rate": 2})


def test_events_and_conditions_read_the_reserved_variables(build):
    m = build(BASE + """events:
  - {name: near the end, when: "time >= final_time - 4 * dt and pi > 3", set: {rate: 0}}
  - {name: start plus two, at: initial_time + 2, set: {rate: 2}}
""")
    r = m.run()
    assert r.provenance["events_applied"] == [[2.0, "start plus two", 1], [9.5, "near the end", 1]]


def test_a_ramp_keeps_its_place_in_the_listed_order_at_every_step(build, backend):
    # the ramp (listed first) reaches 10 at t = 3; the set (listed second) applies after it there
    m = build(BASE.replace("  rate: 1\n", "  rate: {value: 1, range: [0, 1000]}\n") + """
events:
  - {name: ramp up, at: 1, ramp: {rate: {to: 10, over: 2}}}
  - {name: override, at: 3, set: {rate: 100}}
""")
    r = m.run(backend=backend)
    assert r.at("accrual", 2)[0] == pytest.approx(5.5)
    assert r.at("accrual", 3)[0] == 100.0 and r.at("accrual", 5)[0] == 100.0
