"""Export to XMILE: round trip through the importer, events as STEP/RAMP, stock resets as flows,
checks as auxiliaries; what has no XMILE form refused (or, asked for, left out and named)."""
import numpy as np
import pytest

import engine
from engine.cli import main
from engine.frontends.xmile import read
from engine.outputs.xmile import write as export_xmile

MODEL = """
scenario: exp
time: {start: 0, stop: 20, dt: 0.5, method: euler}
stocks:
  stock_a: {initial: 10, inflows: [inflow_a], outflows: [outflow_a], non_negative: true}
flows:
  inflow_a: {equation: "rate * table(time) + pulse(3, 2) + smooth(stock_a, 2) / 10"}
  outflow_a: {equation: "if stock_a > 12 and not (rate == 0) then clip(stock_a / 4, 0, 3) else zidz(1, 0)"}
auxiliaries:
  delayed: {equation: "delay_fixed(stock_a, 2, 10) + max(rate, 1, 2) + ramp(0.1, 5) + step(1, 4)"}
  trend_a: {equation: "trend(stock_a, 3) + delay3(inflow_a, 2) + logistic(0.5) * exp(-1) + int(-1.5)"}
  modulo: {equation: "mod(time - 7, 3) + mod(7 - time, -2.5) + int(time / 3 - 2)"}
parameters:
  rate: {value: 0.5}
lookups:
  table: {points: [[0, 1], [10, 2], [20, 0.5]]}
"""


def test_round_trip_matches(write, tmp_path):
    m = engine.load(write(MODEL))
    notes = export_xmile(m.model, tmp_path / "m.xmile")
    assert notes == []
    back = engine.load(tmp_path / "m.xmile")
    a, b = m.run(), back.run()
    for name in ("stock_a", "inflow_a", "outflow_a", "delayed", "trend_a", "modulo"):
        np.testing.assert_allclose(b[name], a[name], rtol=1e-12, err_msg=name)


def test_events_become_step_and_ramp(write, tmp_path):
    m = engine.load(write(MODEL.replace("parameters:", """events:
  - {name: raise, at: 4, set: {rate: 1.5}}
  - {name: ease, at: 10, ramp: {rate: {to: 0.5, over: 4}}}
parameters:""")))
    notes = export_xmile(m.model, tmp_path / "m.xmile")
    assert notes == []
    text = (tmp_path / "m.xmile").read_text()
    assert "STEP(" in text and "RAMP(" in text
    a = m.run(keep=["stock_a", "inflow_a"])
    b = engine.load(tmp_path / "m.xmile").run()
    np.testing.assert_allclose(b["inflow_a"], a["inflow_a"], rtol=1e-12)


def test_a_stock_reset_and_a_check_export_with_their_numbers(write, tmp_path):
    m = engine.load(write(MODEL.replace("parameters:", """events:
  - {name: reset, at: 5, set: {stock_a: stock_a / 2 + rate}}
  - {name: top up, every: 4, start: 2, set: {stock_a: stock_a + outflow_a}}
checks:
  - {name: trivial, lhs: stock_a, rhs: stock_a}
parameters:""")))
    assert export_xmile(m.model, tmp_path / "m.xmile") == []
    back = engine.load(tmp_path / "m.xmile")
    a, b = m.run(), back.run()
    for name in ("stock_a", "inflow_a", "outflow_a", "delayed"):
        np.testing.assert_allclose(b[name], a[name], rtol=1e-12, atol=1e-12, err_msg=name)
    assert np.all(b["trivial_check"] == 0)
    assert back.model.elements["stock_a_before_events"].kind == "stock"


def test_what_has_no_xmile_form_is_refused_unless_lossy(write, tmp_path):
    m = engine.load(write(MODEL.replace("parameters:", """events:
  - {name: shock, when: stock_a > 11, set: {rate: 0}}
  - {name: drain, when: stock_a > 15, set: {stock_a: 0}}
parameters:""")))
    with pytest.raises(engine.ModelError, match="without changing what it computes") as err:
        export_xmile(m.model, tmp_path / "n.xmile")
    assert "shock" in str(err.value) and "drain" in str(err.value) and "conditional" in str(err.value)
    assert not (tmp_path / "n.xmile").exists()
    notes = export_xmile(m.model, tmp_path / "n.xmile", lossy=True)
    assert len(notes) == 2 and (tmp_path / "n.xmile").exists()


def test_a_reset_under_rk4_is_refused(write, tmp_path):
    m = engine.load(write(MODEL.replace("method: euler", "method: rk4").replace("parameters:", """events:
  - {name: reset, at: 5, set: {stock_a: 10}}
parameters:""")))
    with pytest.raises(engine.ModelError, match="RK4"):
        export_xmile(m.model, tmp_path / "n.xmile")


def test_export_command(tmp_path, capsys):
    from pathlib import Path
    scen = Path(__file__).resolve().parents[2] / "scenarios" / "teacup.yaml"
    out = tmp_path / "teacup.xmile"
    assert main(["export", str(scen), "-o", str(out)]) == 0
    assert read(out).elements["teacup_temperature"].kind == "stock"


PERIODIC = """
scenario: periodic
time: {start: 2020, stop: 2030, dt: 0.25, method: euler}
stocks:
  fund: {initial: 0, inflows: [saving]}
flows:
  saving: {equation: rate}
parameters:
  rate: {value: 1, range: [0, 1000]}
events:
"""


@pytest.mark.parametrize("events", [
    "  - {name: yearly raise, every: 1, set: {rate: rate * 1.1}}",                 # no start: one period in
    "  - {name: raise, every: 2, start: 2021, end: 2027, set: {rate: rate + 1}}",
    "  - {name: once, at: 2024.5, set: {rate: rate * 3}}\n  - {name: back, at: 2026, set: {rate: 1}}",
])
def test_periodic_and_self_referencing_events_export_with_their_numbers(write, tmp_path, events):
    import xml.etree.ElementTree as ET
    m = engine.load(write(PERIODIC + events + "\n"))
    assert export_xmile(m.model, tmp_path / "p.xmile") == []
    eqns = {el.get("name"): el.findtext("{*}eqn") for el in ET.parse(tmp_path / "p.xmile").iter()
            if el.get("name") and el.find("{*}eqn") is not None}
    assert "rate" not in eqns["rate"].lower()      # set from itself, yet no algebraic loop
    assert eqns["rate"].count("STEP(") <= 12                        # one term per firing, not one per year
    a = m.run()
    b = engine.load(tmp_path / "p.xmile").run()
    np.testing.assert_allclose(b["fund"], a["fund"], rtol=1e-12)


def test_a_periodic_event_without_start_first_fires_one_period_after_the_start(write, tmp_path):
    m = engine.load(write(PERIODIC + "  - {name: tick, every: 1, set: {rate: rate + 1}}\n"))
    export_xmile(m.model, tmp_path / "p.xmile")
    r = engine.load(tmp_path / "p.xmile").run()
    rate = np.diff(r["fund"][:, 0]) / 0.25
    assert rate[0] == 1 and rate[int(1 / 0.25)] == 2        # rate 1 during 2020, 2 from 2021


def _close(a, b, scale):
    """Largest relative difference of two (time x run) arrays; a value near zero (one that cancels
    to zero, as max(0, bank - surrender - cap)) compares on a floor of 1e-6 of ``scale``, the
    largest value of the run: what a few roundings of the largest numbers leave."""
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-6 * scale)))


@pytest.mark.slow
@pytest.mark.parametrize("half", [0, 1])
def test_every_flagship_scenario_exports_and_imports_with_the_same_numbers(tmp_path, half):
    # the settlement and period-close resets and the balance checks included: the file computes
    # what the engine computes (1e-9 relative), or the export would refuse to write it (the
    # scenarios in two halves, spread over the test workers)
    from conftest import ROOT

    from engine.app.service import scan
    found = scan(ROOT / "scenarios")
    assert {"default", "baseline", "no-coupling", "price-floor"} <= set(found)
    for name in sorted(found)[half::2]:
        f = found[name]
        m = engine.load(f["path"])
        path = tmp_path / f"{name}.xmile"
        assert export_xmile(m.model, path) == [], name
        back = engine.load(path)
        a, b = m.run(backend="numpy"), back.run(backend="numpy")
        compared = [n for n in a.visible if n in b.names]
        assert len(compared) == len(a.visible), (name, sorted(set(a.visible) - set(b.names)))
        scale = max(float(np.max(np.abs(a[n]))) for n in compared)
        worst = max((_close(a[n], b[n], scale), n) for n in compared)
        assert worst[0] <= 1e-9, (name, worst)
        if m.model.checks:
            assert any(n.endswith("_check") for n in b.names)


def test_a_reset_reading_state_kept_by_a_builtin_through_an_earlier_event_is_refused(write, tmp_path):
    m = engine.load(write(MODEL.replace("parameters:", """events:
  - {name: first, at: 5, set: {stock_a: 1}}
  - {name: second, at: 5, set: {stock_a: trend_a + 1}}
parameters:""")))
    with pytest.raises(engine.ModelError, match="event 'second' sets 'stock_a' from '.*', which keeps state"):
        export_xmile(m.model, tmp_path / "n.xmile")
