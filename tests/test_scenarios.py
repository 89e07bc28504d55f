"""Scenarios: modules wired by name, extends, overrides, exogenous series, YAML number forms."""
import numpy as np
import pytest

import engine
from engine.errors import ModelError

SUPPLY = """
module: supply
inputs: [price]
outputs: [production]
stocks:
  capacity: {initial: 10, inflows: [investment]}
flows:
  investment: {equation: "capacity * 0.01 * price / 50", units: units/year}
auxiliaries:
  production: {equation: capacity * utilisation}
parameters:
  utilisation: {value: 0.8, range: [0, 1]}
"""
MARKET = """
module: market
inputs: [production]
outputs: [price]
stocks:
  price: {initial: 50, inflows: [price_change]}
flows:
  price_change: "price * (demand - production) / demand / 2"
parameters:
  demand: {value: 9, range: [1, 100]}
"""


@pytest.fixture
def two_modules(write):
    write(SUPPLY, "supply.yaml")
    write(MARKET, "market.yaml")
    return write


def test_modules_wired_by_name(two_modules):
    p = two_modules("modules: [supply.yaml, market.yaml]\ntime: {start: 0, stop: 20, dt: 0.25}\n",
                    "s.yaml")
    r = engine.load(p).run()
    # production starts below demand, so the price rises and capacity grows; once production
    # passes demand the price falls: each module reacts to the other's output
    price = r["price"][:, 0]
    assert r.at("production", 0)[0] == 8.0 and r.at("production", 20)[0] > 9
    assert price.max() > 50 and price[-1] < price.max()
    assert r.times[np.argmax(price)] == pytest.approx(r.times[np.argmax(r["production"][:, 0] > 9)], abs=0.3)
    assert "price" in r and "capacity" in r


def test_undeclared_input_is_an_error(two_modules):
    two_modules(MARKET.replace("inputs: [production]", "inputs: []"), "market.yaml")
    p = two_modules("modules: [supply.yaml, market.yaml]\ntime: {start: 0, stop: 20, dt: 0.25}\n", "s.yaml")
    with pytest.raises(ModelError, match="uses 'production' from module 'supply' without declaring it"):
        engine.load(p)


def test_missing_input_is_an_error(two_modules):
    p = two_modules("modules: [supply.yaml]\ntime: {start: 0, stop: 20, dt: 0.25}\n", "s.yaml")
    with pytest.raises(ModelError, match="input 'price' of module 'supply' is not provided"):
        engine.load(p)


def test_exogenous_replaces_a_module_and_a_stock(two_modules):
    p = two_modules("""
modules: [supply.yaml]
time: {start: 0, stop: 10, dt: 0.5}
exogenous:
  price: {table: [[0, 50], [10, 100]]}
""", "s.yaml")
    r = engine.load(p).run()
    assert r.at("price", 5)[0] == 75.0
    p2 = two_modules("""
extends: s.yaml
exogenous:
  price: "50 + 5 * time"
  capacity: 20
""", "s2.yaml")
    r2 = engine.load(p2).run()
    assert r2.at("price", 5)[0] == 75.0 and np.all(r2["capacity"] == 20)


def test_extends_and_overrides(two_modules):
    two_modules("modules: [supply.yaml, market.yaml]\ntime: {start: 0, stop: 20, dt: 0.25}\n", "base.yaml")
    p = two_modules("extends: base.yaml\nscenario: tight\noverrides: {demand: 12}\ntime: {dt: 0.125}\n",
                    "tight.yaml")
    m = engine.load(p)
    assert m.name == "tight" and m.model.time.dt == 0.125 and m.model.time.stop == 20
    assert m.parameters["demand"].value == 12


def test_unknown_override_and_run_parameter(two_modules):
    p = two_modules("modules: [supply.yaml, market.yaml]\ntime: {start: 0, stop: 20, dt: 0.25}\n"
                    "overrides: {demnd: 3}\n", "s.yaml")
    with pytest.raises(ModelError, match="'demnd' is not a parameter.*did you mean 'demand'"):
        engine.load(p)
    p = two_modules("modules: [supply.yaml, market.yaml]\ntime: {start: 0, stop: 20, dt: 0.25}\n", "ok.yaml")
    m = engine.load(p)
    with pytest.raises(ModelError, match="'price' is a stock, not a parameter"):
        m.run(params={"price": 3})
    with pytest.raises(ModelError, match="outside the declared range"):
        m.run(params={"utilisation": [0.5, 1.5]})


def test_yaml_number_forms(build):
    m = build("""
time: {start: 0, stop: 1, dt: 1/8}
stocks:
  s: {initial: 1e3}
parameters:
  big: {value: 2e6, range: [0, 1e7]}
""")
    assert m.model.time.dt == 0.125 and m.parameters["big"].range == (0, 1e7)
    assert m.run()["s"][0, 0] == 1000.0


@pytest.mark.parametrize("written, meant", [("false", False), ('"false"', False), ("'no'", False), ("off", False),
                                            ("true", True), ('"True"', True), ("yes", True)])
def test_flags_written_as_words_or_quoted_words(build, written, meant):
    m = build(f"""
time: {{start: 0, stop: 4, dt: 1}}
stocks:
  s: {{initial: 1, outflows: [drain], non_negative: {written}}}
flows:
  drain: 2
lookups:
  curve: {{points: [[0, 0], [1, 1]], extrapolate: {written}}}
auxiliaries:
  beyond: curve(3)
""")
    assert m.model.elements["s"].non_negative is meant and m.model.elements["curve"].extrapolate is meant
    r = m.run()
    assert bool(r["s"][-1, 0] == 0) is meant and r["beyond"][0, 0] == (3 if meant else 1)


def test_a_check_with_tolerance_zero_keeps_it(build):
    text = """
time: {start: 0, stop: 1, dt: 0.5}
stocks:
  s: {initial: 0.1, inflows: [f]}
flows:
  f: 0.2
checks:
  - {name: exact, lhs: s, rhs: s, tolerance: 0}
  - {name: rounding, lhs: "s + 0.3", rhs: "(s * 10 + 3) / 10", tolerance: TOL}
"""
    build(text.replace("TOL", "1e-9")).run()                       # 0.1 + 0.3 vs 0.4: rounding only
    m = build(text.replace("TOL", "0"))
    assert [c.tolerance for c in m.model.checks] == [0.0, 0.0]
    with pytest.raises(engine.SimulationError, match="balance check 'rounding'.* > 0"):
        m.run()
