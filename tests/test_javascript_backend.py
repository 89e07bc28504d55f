"""The JavaScript backend against the numpy reference: the module runs in Node.js, its records are
compared on every saved variable within 1e-9 relative (Math.exp and C's exp may differ in the last
bit). Flagship scenarios, random lever settings, Euler and RK4, the tutorial, the closed-form
models, conformance models, every builtin, pipelines, smooths, events of every kind, and the
errors a run in the page gives."""
import dataclasses
import re

import numpy as np
import pytest
from conftest import ROOT, TEST_MODELS, needs
from js_support import needs_node, rel_diff, run_js, run_many
from test_closed_forms import CASES
from test_tutorial import blocks

import engine
from engine import builtins
from engine.backends.javascript import JavascriptBackend, module_source
from engine.errors import ModelError

pytestmark = needs_node
RTOL = 1e-9
SCENARIOS = ["default", "advanced", "baseline", "ccer-limit", "high-auction", "moderate", "no-coupling",
             "no-expansion", "price-floor", "procurement-subsidy", "rd-fund", "seed000-table3", "talent-plan"]
CONFORMANCE = ["abs", "builtin_max", "comparisons", "delay_xmile", "eval_order", "exp", "exponentiation",
               "lookups", "lookups_inline", "non_negative_stocks", "rounding", "sqrt", "xidz_zidz"]


def agree(plan, js, ref):
    """Every saved variable within RTOL of numpy's (balance-check residuals, which are rounding
    noise, within RTOL in absolute terms); returns the largest relative difference."""
    ref = ref[:, :, 0] if ref.ndim == 3 else ref
    assert not isinstance(js, str), js
    checks = [i for i, n in enumerate(plan.saved_names) if n.startswith("check:")]
    rest = [i for i in range(len(plan.saved)) if i not in checks]
    worst = rel_diff(js[:, rest], ref[:, rest])
    assert worst <= RTOL
    assert np.abs(js[:, checks] - ref[:, checks]).max(initial=0.0) <= RTOL
    return worst


def reference(m, settings):
    """numpy's records for each setting, as one batch (a setting leaves the other parameters as
    the model has them)."""
    names = sorted({k for s in settings for k in s})
    params = {k: [s.get(k, m.model.elements[k].value) for s in settings] for k in names}
    data = m.run(params=params, n_runs=len(settings), backend="numpy").data
    return [data[:, :, i] for i in range(len(settings))]


def compare(m, tmp_path, settings=({},), got=None):
    plan = m.plan()
    got = got if got is not None else run_js(plan, list(settings), tmp_path)
    return max(agree(plan, js, ref) for js, ref in zip(got, reference(m, settings)))


@pytest.fixture(scope="module")
def flagships(tmp_path_factory):
    """Every flagship scenario and its module's records, from one node process."""
    models = {name: engine.load(ROOT / "scenarios" / f"{name}.yaml") for name in SCENARIOS}
    got = run_many([(m.plan(), [{}]) for m in models.values()], tmp_path_factory.mktemp("flagships"))
    return {name: (m, js) for (name, m), js in zip(models.items(), got)}


@pytest.mark.slow
@pytest.mark.xdist_group("javascript-flagships")    # the scenarios' modules run in node once
@pytest.mark.parametrize("name", SCENARIOS)
def test_flagship_scenarios_agree_on_every_saved_variable(name, flagships, tmp_path):
    m, got = flagships[name]
    assert compare(m, tmp_path, got=got) <= RTOL


@pytest.mark.slow
def test_flagship_with_random_levers_and_rk4(tmp_path):
    m = engine.load(ROOT / "scenarios" / "default.yaml")
    rng = np.random.default_rng(7)
    levers = list(m.model.levers)
    settings = [{lv.parameter: float(rng.uniform(lv.low, lv.high)) for lv in levers} for _ in range(4)]
    assert compare(m, tmp_path, settings) <= RTOL
    assert compare(m.with_time(method="rk4"), tmp_path) <= RTOL


@pytest.mark.parametrize("method", ["euler", "rk4"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_closed_form_models(build, case, method, tmp_path):
    text, _, _ = CASES[case]
    compare(build(text.replace("DT", "0.05").replace("METHOD", method)), tmp_path)


def test_the_tutorial_models(tmp_path):
    for name, text in zip(("market.yaml", "market-floor.yaml"), blocks()):
        (tmp_path / name).write_text(text)
        compare(engine.load(tmp_path / name), tmp_path)


@needs(TEST_MODELS)
@pytest.mark.parametrize("name", CONFORMANCE)
def test_conformance_models(name, tmp_path):
    folder = TEST_MODELS / "tests" / name
    files = sorted(folder.glob("*.xmile")) or sorted(folder.glob("*.stmx"))
    compare(engine.load(files[0]), tmp_path)


EVERY_BUILTIN = """
time: {start: 0, stop: 12, dt: 0.25, method: METHOD}
stocks:
  level: {initial: 1, inflows: [grow], non_negative: true}
flows:
  grow: 0.1 * level - 0.3 * step(1, 6)
auxiliaries:
  s: step(2, 3)
  r: ramp(1.5, 2, 6) + ramp(0.5, 8)
  p: pulse(4, 1) + pulse(7)
  pt: pulse_train(1, 0.5, 3, 8)
  lk_clamp: table(time)
  lk_extra: table_x(time - 2)
  cond: if time > 5 and not (time > 9) or time = 1 then 1 else 0
  mm: min(time, 4) + max(time, 10, 3) - clip(time, 2, 3)
  safe: xidz(1, time - 6, 99) + zidz(4, time - 6) + safediv(1, time - 5)
  fixed: delay_fixed(level, lag, -1)
  prev: previous(time, -5)
  first: init(time + 7)
  tr: trend(exp(0.1 * time), 0.5, 0.1)
  fc: forecast(level, 2, 3)
  sm: smooth(level, 2) + smooth3(step(1, 2), 3) + smoothn(level, 3, 4, 1)
  dl: delay1(level, 2) + delay3(level, 2) + delayn(level, 2, 5)
  powers: 2 ^ 3 ^ 2 - (-2) ^ 2 + power(level, 0.5)
  maths: abs(time - 6) + exp(-time) + ln(level) + log10(level) + sqrt(level) + sin(time) + cos(time)
  trig: tan(0.1 * time) + arcsin(0.05 * time) + arccos(0.05 * time) + arctan(time)
  hyper: sinh(0.1 * time) + cosh(0.1 * time) + tanh(time - 6) + expm1(-0.01 * time) + log1p(0.5 * time)
  whole: int(time / 3 - 0.5) + round(time - 0.5) + sign(time - 6) + logistic(time - 6)
  mods: mod(time - 5, 3) + mod(time, -2.5)
  vensim: integer(time / 3 - 2.5) + quantum(time - 5.5, 2) + quantum(time, 0) + sample_if_true(time > 4, level, -1)
  vdelay: vensim_delay_n(level, 2 + step(1, 5), 0.5, 3)
  reserved: time + dt + initial_time + final_time + pi
  ranks: rank_of(2, 1, time, level, 3) + sorted_index(1, 0, time, level, 3) + pick(time / 5, level, time, 2)
  looks: lookup_cells(time, 0, 12, 0, 1, level, 2) + lookup_cells(time, 2, 8, 1, 1, 5, level)
  picked: select_cells(int(time / 2), -1, step(1, 3), 0, 1, time, level, 2) + inverse_cell(1, 2, level, 1, 2, 3 + time)
  shares: allocation(2, 20 * time, 100, 1, 3, 2, 0, 80, 2, 4, 3, 0, 50, 3, 5, 1.5, 0, 60, 4, 2, 1, 0)
  market: market_price(2, 10 * time, 3, 3, 2, 0, level, 4, 5, 1, 0, 60, 3, 2, 1, 0)
  market2: market_price(1, time, 1, 4, 2, 0, 30, 2, 3, 2, 0)
  at_prices: at_price(1, level, 4, 5, 1, time / 2) + at_price(0, 60, 3, 2, 1, time / 2)
  at_fixed: at_price(1, 7, 0, 1, 1, time) + at_price(0, 9, 2, 4, 3, time)
  steps: lookup_step(time / 2, 1, 0, 1, 3, 0, level, 2) + lookup_step(time / 2, -1, 0, 1, 3, 0, level, 2)
  area: lookup_area(1, time / 3 - 1, 0, 1, 3, 0, level, 2)
  gamma: gamma_ln(0.5 + time) + gamma_ln(time - 6.3) + gamma_ln(1e-3 + level)
  finance: npv(level, 0.05, 1, 2) + npv(time, lag / 10) + depreciate_straightline(level, 1.5, 2)
parameters:
  lag: {value: 1.5, range: [0.25, 5]}
lookups:
  table: {points: [[0, 0], [4, 8], [8, 0]]}
  table_x: {points: [[0, 0], [4, 8], [8, 0]], extrapolate: true}
"""


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_every_builtin_pipelines_and_smooths(build, method, tmp_path):
    m = build(EVERY_BUILTIN.replace("METHOD", method))
    assert compare(m, tmp_path, [{}, {"lag": 0.25}, {"lag": 3.3}]) <= RTOL
    used = {n.fn for t in m.plan().equations if t is not None for n in engine.lang.walk(t)
            if isinstance(n, engine.lang.Call)}
    assert {b.name for b in builtins.REGISTRY.values() if b.javascript} - {"xidz", "zidz", "power"} <= used
    # every builtin with an implementation has its JavaScript form (stateful ones are stocks by now;
    # random functions are refused by name, see test_random_functions_are_refused_by_name)
    assert all(b.javascript for b in builtins.REGISTRY.values() if b.kind not in ("stateful", "select", "random"))


EVENTS = """
time: {start: 0, stop: 10, dt: 0.125, method: euler}
stocks:
  total: {initial: 0, inflows: [accrual]}
  bank: {initial: 0, inflows: [issue]}
  surrendered: {initial: 0}
flows:
  accrual: rate
  issue: 10
parameters:
  rate: {value: 1, range: [0, 1000]}
  policy_year: {value: 4, range: [0, 10]}
  cap: {value: 6, range: [0, 100]}
events:
  - {name: ramp up, at: 1, ramp: {rate: {to: 10, over: 2}}}
  - {name: override, at: 3, set: {rate: 100}}
  - {name: policy, at: policy_year, set: {rate: "rate / 10"}}
  - {name: cap reached, when: "total >= cap * 10", set: {rate: 0.5}}
  - {name: again, when: "total >= cap * 20", ramp: {rate: {to: 0, over: 1.3}}}
  - name: settle
    every: 0.75
    start: 0.5
    end: 8
    set: {bank: "bank - 0.5 * bank", surrendered: "surrendered + 0.5 * bank"}
  - {name: yearly, every: 1, set: {bank: "bank * 0.9"}}
checks:
  - {name: conservation, lhs: "10 * time", rhs: "bank + surrendered", tolerance: 0.5}
"""


def test_events_of_every_kind_in_their_order(build, tmp_path):
    m = build(EVENTS)
    settings = [{}, {"policy_year": 2.2, "cap": 1}, {"policy_year": 9.9, "cap": 0.5}, {"cap": 100},
                {"policy_year": 3}]
    assert compare(m, tmp_path, settings) <= RTOL


def test_the_timetable_rules_as_the_run_stage_applies_them(build, tmp_path):
    """Two firings of one event within a step both apply; a period shorter than dt fires every
    time; the final time is saved off the save_step grid (docs/engine.md, "Run")."""
    m = build("""
time: {start: 0, stop: 10, dt: 1, save_step: 3}
stocks:
  count: {initial: 0}
parameters:
  p: {value: 0.25, range: [0.01, 10]}
events:
  - {name: tick, every: p, start: 0, set: {count: "count + 1"}}
  - {name: twice, at: [1.2, 1.5], set: {count: "count * 10 + 1"}}
""")
    assert compare(m, tmp_path, [{}, {"p": 0.3}, {"p": 2}]) <= RTOL
    assert m.plan().save_times.tolist() == [0.0, 3.0, 6.0, 9.0, 10.0]


def test_errors_a_run_gives(build, tmp_path):
    m = build(EVENTS.replace("range: [0, 1000]", "range: [0, 50]").replace("{rate: 100}", "{rate: policy_year * 25}"))
    plan = m.plan()
    errors = run_js(plan, [{"rate": 2e3}, {"nope": 1}, {"cap": None}, {}], tmp_path)
    assert errors[0] == "in 'rate': value 2000 is outside the declared range [0, 50]"
    assert errors[1] == "'nope' is not a parameter of the model"
    assert errors[2] == "in 'cap': value null is not a finite number"      # not a number at all
    assert errors[3] == "in 'override': sets 'rate' to 100 at time 3, outside its declared range [0, 50]"
    with pytest.raises(Exception, match="sets 'rate' to 100 at time 3, outside its declared range"):
        m.run()
    broken = build("""
        time: {start: 0, stop: 4, dt: 0.5}
        stocks:
          s: {initial: 1, inflows: [f]}
        flows:
          f: ln(2 - time) * s
        """, "broken.yaml")
    [msg] = run_js(broken.plan(), [{}], tmp_path)
    assert msg == "in 'f': value became infinite at time 2"             # as the engine says it
    with pytest.raises(Exception, match=re.escape(msg)):
        broken.run()


def test_what_it_cannot_write_is_named(build, monkeypatch):
    m = build("""
        time: {start: 0, stop: 4, dt: 0.5}
        auxiliaries:
          growth: exp(time)
        """)
    assert JavascriptBackend().supports(m.plan()) is None
    monkeypatch.setitem(builtins.REGISTRY, "exp", dataclasses.replace(builtins.REGISTRY["exp"], javascript=None))
    assert JavascriptBackend().supports(m.plan()) == "the function EXP has no JavaScript implementation in 'growth'"
    with pytest.raises(ModelError, match="the javascript backend cannot write this model: the function EXP"):
        module_source(m.plan())
    with pytest.raises(ModelError, match="writes a module for a web page; it does not run in Python"):
        JavascriptBackend().kernel(m.plan())


def test_names_are_data_not_code(build):
    src = module_source(build("""
        time: {start: 0, stop: 1, dt: 0.5}
        stocks:
          s: {initial: 1, inflows: [f]}
        flows:
          f: 1
        events:
          - {name: "</script><script>alert(1)</script>", at: 0.5, set: {s: 0}}
        """).plan())
    assert "</script>" not in src and "alert(1)" in src


def test_arrayed_models(tmp_path):
    from test_arrays import PAIRS
    for pair in PAIRS:
        p = tmp_path / f"{pair.__name__}.yaml"
        p.write_text(f"scenario: {pair.__name__}\n" + pair()[0])
        m = engine.load(p)
        assert m.model.arrays
        assert compare(m, tmp_path) <= RTOL


def test_random_functions_are_refused_by_name(build):
    from engine.backends.javascript import JavascriptBackend
    m = build("time: {start: 0, stop: 4, dt: 1}\nauxiliaries:\n  a: RANDOM NORMAL(-1, 1, 0, 1, 0)\n")
    assert "RANDOM_NORMAL has no JavaScript implementation in 'a'" in JavascriptBackend().supports(m.plan())


LONG_DELAY = """
time: {start: 0, stop: 5, dt: 0.5}
auxiliaries:
  x: time
  by_parameter: delay_fixed(x, lag, -1)
  by_expression: delay_fixed(x, max(1, round(lag / dt)) * dt, -2)
  previous_long: delay_fixed(x, lag * 0 + 2, -3)
parameters:
  lag: {value: 1e300}
"""


def test_a_delay_longer_than_the_run_gives_its_start_value_on_every_backend(build, tmp_path):
    """A delay time far beyond the run (1e300, however it is computed) needs no more history than
    the run's steps: its start value throughout, on numpy, numba and in JavaScript."""
    m = build(LONG_DELAY)
    for backend in ("numpy", "numba"):
        r = m.run(backend=backend)
        assert np.all(r["by_parameter"] == -1) and np.all(r["by_expression"] == -2), backend
        assert list(r["previous_long"][:, 0]) == [-3, -3, -3, -3, 0, 0.5, 1, 1.5, 2, 2.5, 3]
    assert compare(m, tmp_path, [{}, {"lag": 2.0}]) <= RTOL
