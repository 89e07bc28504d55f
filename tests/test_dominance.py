"""Loop dominance (Loops That Matter): scores against Stella's reference, closed forms and the
method's own invariants."""
from pathlib import Path

import numpy as np
import pytest
from conftest import LTM, needs

import engine
from engine.dominance import analyse

DATA = LTM          # Stella's Loops That Matter reference case, read in place (not the project's)

BASS = """
scenario: bass
time: {start: 0, stop: 15, dt: 0.0625}
stocks:
  potential: {initial: 1000, outflows: [adoption]}
  adopters: {initial: 0, inflows: [adoption]}
flows:
  adoption: p * potential + q * adopters * potential / market
parameters:
  p: 0.03
  q: 0.4
  market: 1000
loops:
  word of mouth: {elements: [adopters, adoption]}
  saturation: {elements: [potential, adoption]}
"""

TWO_FLOWS = """
time: {start: 0, stop: 60, dt: 0.25}
stocks:
  population: {initial: 10, inflows: [births], outflows: [deaths]}
flows:
  births: birth_rate * population
  deaths: population / lifetime * (1 + population / capacity)
parameters:
  birth_rate: 0.2
  lifetime: 20
  capacity: 500
"""

NET_FLOW = """
time: {start: 0, stop: 60, dt: 0.25}
stocks:
  population: {initial: 10, inflows: [net_growth]}
flows:
  net_growth: births - deaths
auxiliaries:
  births: birth_rate * population
  deaths: population / lifetime * (1 + population / capacity)
parameters:
  birth_rate: 0.2
  lifetime: 20
  capacity: 500
"""


def reference():
    rows = [line.rstrip("\n").split("\t")
            for line in (DATA / "logistic_growth_ltm_results.tsv").read_text(encoding="utf-8-sig").splitlines()]
    times = np.array(rows[0][1:], dtype=float)
    return times, {r[0]: np.array(r[1:], dtype=float) for r in rows[1:]}


def by_polarity(d, run=0):
    """Relative scores (%) of a two-loop analysis, keyed 'R' and 'B'."""
    return {lp.polarity[0]: d.relative[lp.index, :, run] * 100 for lp in d.loops}


def crossing(times, a):
    """The time (linearly interpolated) at which ``a`` first goes from positive to non-positive."""
    k = np.flatnonzero((a[:-1] > 0) & (a[1:] <= 0))[0]
    return times[k] + (times[k + 1] - times[k]) * a[k] / (a[k] - a[k + 1])


@needs(LTM)
def test_logistic_growth_matches_stella_to_half_a_point():
    # Stella labels at t the step from t to t+dt (and reports 0 at the start); this engine labels
    # a step by its end. So Stella's column t is compared with ours at t + dt (the run is taken one
    # dt past Stella's stop for its last column), and both report 0 at the start.
    ref_t, ref = reference()
    m = engine.load(DATA / "logistic_growth.stmx")
    d = analyse(m.with_time(stop=m.model.time.stop + m.model.time.dt))
    np.testing.assert_array_equal(d.times[:-1], ref_t)
    ours = by_polarity(d)
    assert ref["r1"][0] == ours["R"][0] == 0 and ref["b1"][0] == ours["B"][0] == 0
    worst = max(np.max(np.abs(ours["R"][2:] - ref["r1"][1:])), np.max(np.abs(ours["B"][2:] - ref["b1"][1:])))
    assert worst < 0.5
    assert worst < 0.06         # the reference is rounded to three significant digits


@needs(LTM)
def test_logistic_crossover_at_half_the_carrying_capacity():
    m = engine.load(DATA / "logistic_growth.stmx")
    d = analyse(m)
    rel = by_polarity(d)
    pop = d.result["population"][:, 0]
    t = d.times
    t_half = crossing(t, 500 - pop)
    dt = m.model.time.dt
    t_cross = crossing(t[1:], rel["R"][1:] + rel["B"][1:]) - dt      # the step's start
    assert abs(t_cross - t_half) < dt


def test_bass_dominance_passes_at_the_inflection_time(build):
    d = analyse(build(BASS), every=None)
    wom, sat = d.loop("word of mouth"), d.loop("saturation")
    assert (wom.polarity, sat.polarity) == ("R", "B")
    dt, p, q = 0.0625, 0.03, 0.4
    a = np.abs(d.relative[wom.index, 1:, 0]) - np.abs(d.relative[sat.index, 1:, 0])
    t_switch = crossing(d.times[1:], a) - dt
    assert abs(t_switch - np.log(q / p) / (p + q)) < dt
    periods = d.periods()
    assert list(periods["dominant"][1:]) == [wom.label, sat.label]


def test_splitting_a_net_flow_leaves_the_loop_scores_unchanged(build):
    two = by_polarity(analyse(build(TWO_FLOWS, "two.yaml"), every=None))
    net = by_polarity(analyse(build(NET_FLOW, "net.yaml"), every=None))
    assert set(two) == set(net) == {"R", "B"}
    for k in two:
        np.testing.assert_allclose(two[k], net[k], rtol=1e-9, atol=1e-9)
    assert np.abs(two["R"]).max() > 10 and np.abs(two["B"]).max() > 10


@pytest.mark.parametrize("flow,sign", [("outflows: [loss]", -1.0), ("inflows: [loss]", 1.0)])
def test_one_stock_one_loop_scores_a_hundred_percent(build, flow, sign):
    d = analyse(build(f"""
        time: {{start: 0, stop: 20, dt: 0.5}}
        stocks:
          level: {{initial: 100, {flow}}}
        flows:
          loss: level / 8
        """), every=None)
    assert len(d.loops) == 1
    rel = d.relative[0, :, 0]
    assert rel[0] == 0                  # no step before the first time
    np.testing.assert_array_equal(rel[1:], sign)
    assert d.loops[0].polarity == ("B" if sign < 0 else "R") and d.loops[0].confidence == 1


def test_a_batch_gives_the_scores_of_its_runs_one_at_a_time(build):
    m = build(NET_FLOW)
    rates = np.array([0.1, 0.2, 0.35])
    batch = analyse(m, params={"birth_rate": rates}, every=2.0)
    for i, r in enumerate(rates):
        one = analyse(m, params={"birth_rate": r}, every=2.0)
        assert [lp.elements for lp in one.loops] == [lp.elements for lp in batch.loops]
        np.testing.assert_allclose(batch.relative[:, :, i], one.relative[:, :, 0], rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(batch.dominant[:, :, i], one.dominant[:, :, 0])


def test_smooth_stages_carry_loops_and_their_own_loops_are_left_out():
    d = analyse(engine.load(Path(__file__).parent / "models" / "goal_seeking.yaml"))
    paths = {lp.visible for lp in d.loops}
    assert ("inventory", "desired_production", "production") in paths
    assert all(any(":" not in e for e in lp.elements) for lp in d.loops)
    assert any(any(":" in e for e in lp.elements) for lp in d.loops)     # through the hidden stage


ARMS_RACE = """
scenario: arms race
time: {start: 0, stop: 100, dt: 0.25}
stocks:
  arms_a: {initial: 50, inflows: [change_a]}
  arms_b: {initial: 100, inflows: [change_b]}
  arms_c: {initial: 150, inflows: [change_c]}
flows:
  change_a: (target_a - arms_a) / adjustment_time
  change_b: (target_b - arms_b) / adjustment_time
  change_c: (target_c - arms_c) / adjustment_time
auxiliaries:
  target_a: arms_b + 0.9 * arms_c
  target_b: arms_a + 1.1 * arms_c
  target_c: 1.1 * arms_a + 0.9 * arms_b
parameters:
  adjustment_time: 5
"""


def test_strongest_path_finds_the_dominant_loops_beyond_the_cap(build):
    m = build(ARMS_RACE)
    every = analyse(m, every=10)
    assert every.found[0].method == "exhaustive" and len(every.loops) == 8
    capped = analyse(m, every=10, cap=3)
    f = capped.found[0]
    assert f.method == "strongest path" and f.total == 8 and 3 < f.found < 8
    assert 0 < f.share_min <= f.share_mean < 1
    dominant = {every.loops[i].elements for i in np.flatnonzero(every.dominant.any(axis=(1, 2)))}
    assert len(dominant) >= 4
    assert dominant <= {lp.elements for lp in capped.loops}
    three_party = {lp.elements for lp in every.loops if len(lp.elements) == 9}
    assert len(three_party) == 2 and three_party <= {lp.elements for lp in capped.loops}


@needs(LTM)
def test_ensemble_shares_follow_each_run_crossover(build):
    m = engine.load(DATA / "logistic_growth.stmx")
    rates = np.linspace(0.08, 0.2, 25)
    d = analyse(m, params={"maximum_growth_rate": rates}, every=5)
    r1 = next(lp for lp in d.loops if lp.polarity == "R")
    share = d.shares().loc[r1.label].to_numpy()
    pop = d.result["population"]
    t_half = np.array([crossing(d.times, 500 - pop[:, i]) for i in range(len(rates))])
    for b, (start, end) in enumerate(d.spans):
        if b == 0:
            continue
        surely = np.mean(t_half > end + 2)          # R dominates the whole bin
        maybe = np.mean(t_half > start - 2)
        assert surely - 1e-9 <= share[b] <= maybe + 1e-9
    assert share[1] == 1 and share[-1] == 0
    bands = d.bands((0.05, 0.5, 0.95)).sel(loop=r1.label)
    assert np.all(bands.sel(quantile=0.05) <= bands.sel(quantile=0.5) + 1e-12)
    assert np.all(bands.sel(quantile=0.5) <= bands.sel(quantile=0.95) + 1e-12)


def test_relative_scores_survive_overflowing_loop_scores():
    from engine.dominance.loopscores import loop_scores, relative_scores
    ls = np.ones((4, 3, 2))
    ls[:, 1, :] = [[1e200], [-1e200], [1e199], [1e199]]     # products overflow at time 1
    ls[:, 2, :] = [[2.0], [-1.0], [1.0], [0.5]]
    rows = [[0, 1], [2, 3]]
    scores = loop_scores(rows, ls)
    assert np.isinf(scores[:, 1]).all()
    rel = relative_scores(scores, [np.arange(2)], rows, ls)
    np.testing.assert_allclose(rel[:, 1, 0], [-1 / 1.01, 0.01 / 1.01], rtol=1e-12)
    np.testing.assert_allclose(rel[:, 2, 1], [-2 / 2.5, 0.5 / 2.5], rtol=1e-12)
    np.testing.assert_allclose(rel[:, 0, 0], [0.5, 0.5])


def test_dominance_seen_from_one_variable(build):
    m = build(ARMS_RACE)
    d = analyse(m, every=10)
    view = d.through("target_a")
    assert {lp.elements for lp in view.loops} == {lp.elements for lp in d.loops if "target_a" in lp.elements}
    assert len(view.loops) == 4                 # A's pairs with B and C, and both three-party loops
    np.testing.assert_allclose(np.abs(view.relative[:, 1:, 0]).sum(axis=0), 1.0)
    assert np.all(np.abs(view.relative[:, 1:, 0]) >= np.abs(d.relative[[lp.elements in
                  {v.elements for v in view.loops} for lp in d.loops]][:, 1:, 0]) - 1e-12)
    with pytest.raises(engine.ModelError, match="no loop"):
        d.through("adjustment_time")


GROWTH_NAMED = """
scenario: growth
time: {start: 0, stop: 40, dt: 0.25}
stocks:
  population: {initial: 10, inflows: [births], outflows: [deaths]}
flows:
  births: birth_rate * population * room
  deaths: population / lifetime
auxiliaries:
  room: 1 - population / capacity
parameters:
  birth_rate: {value: 0.3, range: [0.05, 1]}
  lifetime: {value: 30, range: [1, 100]}
  capacity: 1000
loops:
  B1 crowding: {elements: [population, room]}
"""


def test_one_label_per_loop_in_the_listing_and_the_analysis(build):
    m = build(GROWTH_NAMED)
    listed = {frozenset(lp.elements): lp.label for lp in m.loops()}
    assert sorted(listed.values()) == ["B1 crowding", "B2", "R1"]     # B1 is the declared name's code
    d = m.dominance()
    assert {frozenset(lp.elements): lp.label for lp in d.loops} == listed
    assert [lp.title for lp in d.loops if lp.name] == ["B1 crowding"]


def test_moving_a_parameter_relabels_no_loop(build):
    # a short lifetime makes the deaths loop stronger than the crowding loop: their order by
    # strength flips, their labels do not
    m = build(GROWTH_NAMED)
    a, b = m.dominance(), m.dominance(params={"lifetime": 1.5})
    strongest = [max((lp for lp in x.loops if lp.polarity.startswith("B")), key=lambda lp: lp.importance)
                 for x in (a, b)]
    assert strongest[0].elements != strongest[1].elements
    assert {lp.elements: lp.label for lp in a.loops} == {lp.elements: lp.label for lp in b.loops}
