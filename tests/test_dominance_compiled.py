"""The compiled scoring of loop dominance (engine/dominance/compiled.py) against the numpy
reference path: same link, loop and relative scores, same dominance.

Tolerance: the link, loop and relative scores and their means over bins are computed with the
same floating-point operations in the same order on both paths (a bin's sum pairwise, as numpy
adds it up), so they must be identical, and so must the dominant sets; only each loop's sums of
positive and negative relative scores over all bins and runs (its polarity and confidence) are
added in another order, so they agree to rounding: 1e-12 relative. (Where loop scores overflow,
relative scores come from sums of log magnitudes, which numpy adds pairwise or one by one
depending on how many times of a block overflowed: there the two agree to 1e-12 relative, logs
of some hundreds being exact to about 1e-13.)"""
import numpy as np
import pytest
from conftest import LTM, needs

import engine
from engine.dominance import analyse
from engine.errors import ModelError

pytest.importorskip("numba")

ARMS_RACE = """
scenario: arms race
time: {start: 0, stop: 40, dt: 0.25}
stocks:
  arms_a: {initial: 50, inflows: [change_a]}
  arms_b: {initial: 100, inflows: [change_b], outflows: [scrapping_b]}
  arms_c: {initial: 150, inflows: [change_c]}
flows:
  change_a: (target_a - arms_a) / adjustment_time
  change_b: (target_b - arms_b) / adjustment_time
  scrapping_b: arms_b / 30
  change_c: (target_c - arms_c) / adjustment_time
auxiliaries:
  target_a: arms_b + 0.9 * arms_c
  target_b: arms_a + 1.1 * arms_c * (1 + step(0.5, 10))
  target_c: 1.1 * arms_a + 0.9 * arms_b
parameters:
  adjustment_time: 5
"""


def same(a, b):
    """The two analyses agree: scores identical, bins and polarity to rounding."""
    assert [lp.elements for lp in a.loops] == [lp.elements for lp in b.loops]
    for name in ("link_scores", "scores", "relative"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None)
        if x is not None:
            np.testing.assert_array_equal(x, y, err_msg=name)
    np.testing.assert_array_equal(a.signed, b.signed)
    np.testing.assert_array_equal(a.magnitude, b.magnitude)
    np.testing.assert_array_equal(a.dominant, b.dominant)
    assert [lp.polarity for lp in a.loops] == [lp.polarity for lp in b.loops]
    np.testing.assert_allclose([lp.confidence for lp in a.loops], [lp.confidence for lp in b.loops],
                               rtol=1e-12, atol=1e-14)
    assert [lp.importance for lp in a.loops] == [lp.importance for lp in b.loops]


def both(m, **kw):
    return analyse(m, scoring="compiled", **kw), analyse(m, scoring="numpy", **kw)


def test_compiled_scores_equal_numpy_on_a_batch(build):
    m = build(ARMS_RACE)
    a, b = both(m, params={"adjustment_time": np.linspace(2, 9, 7)}, every=2)
    assert len(a.loops) > 8 and a.relative is not None
    same(a, b)
    assert a.dominant.any()
    for every in (None, 0.75, 2.25, 40):        # bins of 1 to 161 steps: every way numpy sums a bin
        same(*both(m, params={"adjustment_time": np.linspace(2, 9, 3)}, every=every))


def test_compiled_scores_equal_numpy_beyond_the_cap(build):
    m = build(ARMS_RACE)
    same(*both(m, params={"adjustment_time": np.linspace(2, 9, 5)}, cap=3, every=5))


def test_compiled_scores_equal_numpy_block_by_block_and_chunk_by_chunk(build, monkeypatch):
    import engine.dominance.analysis as an
    import engine.dominance.compiled as cc
    m = build(ARMS_RACE)
    params = {"adjustment_time": np.linspace(2, 9, 5)}
    whole = analyse(m, params=params, every=2, scoring="numpy")
    monkeypatch.setattr(an, "COMPILED_BLOCK", 2)         # two runs per block (and 1 in the last)
    monkeypatch.setattr(cc, "WINDOW_CELLS", 10)           # five steps per window
    same(analyse(m, params=params, every=2, scoring="compiled"), whole)
    monkeypatch.setattr(an, "FULL_LIMIT", 0)              # only the bins kept
    small = analyse(m, params=params, every=2, scoring="compiled", memory_mb=1e-6)    # one run per chunk
    assert small.relative is None
    np.testing.assert_array_equal(small.signed, whole.signed)
    np.testing.assert_array_equal(small.dominant, whole.dominant)


@needs(LTM)
def test_compiled_scores_equal_numpy_on_the_ltm_reference():
    m = engine.load(LTM / "logistic_growth.stmx")
    same(*both(m))
    same(*both(m, params={"maximum_growth_rate": np.linspace(0.08, 0.2, 9)}, every=5))


def test_compiled_relative_scores_survive_overflowing_loop_scores():
    from engine.dominance import compiled as cc
    from engine.dominance.loopscores import loop_scores, relative_scores
    ls = np.ones((4, 3, 2))
    ls[:, 1, :] = [[1e200], [-1e200], [1e199], [1e199]]     # products overflow at time 1
    ls[:, 2, :] = [[2.0], [-1.0], [1.0], [0.5]]
    rows = [[0, 1], [2, 3]]
    ref = relative_scores(loop_scores(rows, ls), [np.arange(2)], rows, ls)
    lstart, lrows, order, shared, gstart = cc.loop_tables(rows, [np.arange(2)])
    for t in range(3):
        rel, count = np.empty((2, 2)), np.zeros((1, 2))
        lt = np.ascontiguousarray(ls[:, t, :])
        cc._loops_at(lt, lstart, lrows, order, shared, np.empty((2, 2)), rel)
        cc._relative_at(lt, lstart, lrows, gstart, rel, np.empty(2), count)
        np.testing.assert_array_equal(rel, ref[:, t, :])
        np.testing.assert_array_equal(count, [[1, 1]])
    np.testing.assert_allclose(ref[:, 1, 0], [-1 / 1.01, 0.01 / 1.01], rtol=1e-12)


def test_an_unknown_scoring_is_refused(build):
    with pytest.raises(ModelError, match="unknown scoring 'fast'"):
        analyse(build(ARMS_RACE), scoring="fast")


def test_compiled_strongest_path_search_finds_the_same_loops():
    import networkx as nx

    from engine.dominance.discovery import StrongestPaths

    class Graph:            # the parts of a link graph the search reads
        def __init__(self, g):
            self.graph = g
            self.index = {e: i for i, e in enumerate(g.edges)}

    class Part:
        def __init__(self, nodes, states):
            self.nodes, self.states = frozenset(nodes), states

    rng = np.random.default_rng(3)
    found = 0
    for trial in range(20):
        g = nx.gnp_random_graph(14, 0.3, seed=trial, directed=True)
        g = nx.relabel_nodes(g, {i: f"n{i:02d}" for i in g})
        lg, part = Graph(g), Part(g.nodes, tuple(sorted(g.nodes))[:5])
        sp = StrongestPaths(lg, part, list(range(len(lg.index))))
        for _ in range(5):
            w = np.log(rng.random(len(lg.index)) * 10)
            w[rng.random(len(w)) < 0.2] = -np.inf                   # inactive links
            w[rng.random(len(w)) < 0.2] = 0.0                       # ties
            loops = sp.search(w.tolist())
            assert sp.search(w, True) == loops
            found += len(loops)
    assert found > 100


def test_compiled_share_of_the_loops_found_equals_numpy(build):
    m = build(ARMS_RACE)
    a, b = both(m, params={"adjustment_time": np.linspace(2, 9, 5)}, cap=3, every=5, verify=True)
    fa, fb = a.found[0], b.found[0]
    assert fa.method == "strongest path" and fa.total == fb.total > 3 and 0 < fb.share_min < 1
    assert fa.share_mean == pytest.approx(fb.share_mean, rel=1e-12)
    assert fa.share_min == pytest.approx(fb.share_min, rel=1e-12)


def test_a_loop_negative_only_by_a_hair_is_mostly_reinforcing_on_both_paths():
    # P and N are summed sign by sign: (sum |r| - sum r) / 2 would round a negative score of
    # 1e-20 among scores of 0.5 away, or not, depending on the order of the sums
    from engine.dominance.loopscores import polarity
    from engine.dominance.periods import binned
    rel = np.array([[[0.5], [-1e-20], [0.5]]])
    _, _, pos, neg = binned(rel, np.zeros(3, dtype=int), [np.arange(1)])
    assert pos[0] == 1.0 and neg[0] == 1e-20
    assert polarity(pos[0], neg[0]) == ("Ru", 1.0)
    assert polarity(1.0, 0.0) == ("R", 1.0)


def test_compiled_scoring_without_numba_is_refused_and_auto_falls_back(build, monkeypatch):
    from engine import backends
    m = build(ARMS_RACE)
    monkeypatch.setattr(backends, "available", lambda name: name != "numba")
    with pytest.raises(ModelError, match="compiled scoring needs numba"):
        analyse(m, scoring="compiled", backend="numpy")
    assert analyse(m, backend="numpy").dominant.any()      # 'auto' scores with numpy


SUPPLY_CHAIN = """
scenario: supply chain
time: {start: 0, stop: 30, dt: 0.25}
stocks:
  inventory: {initial: 100, inflows: [arrivals], outflows: [shipments]}
  backlog: {initial: 20, inflows: [orders_in], outflows: [shipments]}
flows:
  arrivals: delay_fixed(production, 2, 10)
  shipments: min(backlog / delivery_time, inventory / 2)
  orders_in: demand * (1 + 0.1 * step(1, 5))
auxiliaries:
  expected_demand: smooth(shipments, 3)
  production: max(0, expected_demand + (target - inventory) / adjust_time)
  target: cover * expected_demand
  demand: 10
parameters:
  delivery_time: 2
  cover: 8
  adjust_time: 4
events:
  - {name: longer cover, at: 12, set: {cover: 12}}
"""


def test_compiled_scores_equal_numpy_with_delays_smooth_and_events(build):
    m = build(SUPPLY_CHAIN)
    a, b = both(m, params={"adjust_time": np.linspace(2, 8, 4)}, every=1)
    assert any(":" in e for lp in a.loops for e in lp.elements)        # through hidden stages
    same(a, b)
