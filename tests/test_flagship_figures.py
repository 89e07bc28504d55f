"""The flagship reproduces the seeds' figures with its default parameters (MODEL.md)."""
from pathlib import Path
import time

import numpy as np
import pytest

import engine

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "scenarios"

# seed 000_135981136908b52c.txt, Table 3: price ($/t), EV share of sales in 2030, reduction (Mt/yr)
TABLE3 = {"baseline": (50, 0.30, 200), "moderate": (75, 0.50, 350), "advanced": (100, 0.70, 500)}


@pytest.fixture(scope="module")
def default():
    m = engine.load(SCEN / "default.yaml")
    return m, m.run()


@pytest.mark.parametrize("row", sorted(TABLE3))
def test_table3_row(row):
    price, share, reduction = TABLE3[row]
    m = engine.load(SCEN / f"{row}.yaml")
    # run 0: the row; run 1: the counterfactual whose EV share stays at its 2021 level
    r = m.run(params={"ev_share_frozen": [0, 1]},
              keep=["carbon_price_usd", "ev_sales_share", "ev_emission_reduction"])
    assert r.at("carbon_price_usd", 2030)[0] == pytest.approx(price, rel=1e-9)
    assert r.at("ev_sales_share", 2030)[0] == pytest.approx(share, rel=0.10)
    assert r.at("ev_sales_share", 2030)[1] == pytest.approx(r.at("ev_sales_share", 2021)[1])
    avoided = r.at("ev_emission_reduction", 2030)
    assert avoided[0] - avoided[1] == pytest.approx(reduction, rel=0.10)


def test_table1_cumulative_trading(default):
    """Seed 000 Table 1; 'first cycle' mapped to 1 Jan 2023 (end of the 2021-22 period),
    'second cycle' to 16 July 2024 (the seed's 'mid-July'); see docs/model/carbon_price.md."""
    _, r = default
    assert r.at("cumulative_traded_volume", 2023.0)[0] == pytest.approx(316.5, rel=0.10)
    assert r.at("cumulative_traded_value", 2023.0)[0] == pytest.approx(14.2, rel=0.10)
    assert r.at("cumulative_traded_volume", 2024.54)[0] == pytest.approx(465.0, rel=0.10)
    assert r.at("cumulative_traded_value", 2024.54)[0] == pytest.approx(27.0, rel=0.10)


def test_range_example(tmp_path):
    """0.45 kWh/kg x 500 kg / 0.2 kWh/km = 1125 km (seed 000) with the technology mature."""
    p = tmp_path / "mature.yaml"
    p.write_text(f"scenario: mature\nextends: {SCEN / 'default.yaml'}\nexogenous:\n  ssb_maturity: 1\n")
    r = engine.load(p).with_time(stop=2022).run(keep=["ssb_range_example", "ssb_energy_density"])
    assert r.at("ssb_energy_density", 2021)[0] == pytest.approx(450)
    assert r.at("ssb_range_example", 2021)[0] == pytest.approx(0.45 * 500 / 0.2, rel=1e-12)


def test_maturity_midpoint_2028_to_2030(default):
    _, r = default
    s = r["ssb_maturity"][:, 0]
    midpoint = r.times[np.argmax(s >= 0.5)]
    assert s[0] < 0.5 and 2028 <= midpoint <= 2030


def test_ssb_shipments_2030(default):
    m, r = default
    assert r.at("ssb_shipments", 2030)[0] == pytest.approx(614.1, rel=0.20)
    # RK4 integrates the fast Bass growth more accurately (docs/model/index.md): still in range
    rk4 = m.with_time(method="rk4").run(keep=["ssb_shipments"])
    assert rk4.at("ssb_shipments", 2030)[0] == pytest.approx(614.1, rel=0.20)


def test_endogenous_price_2024(default):
    _, r = default
    t = r.times
    in_2024 = (t >= 2024) & (t < 2025)
    p = r["carbon_price"][in_2024, 0]
    assert 50 <= p.mean() <= 100
    assert 50 <= r.at("carbon_price", 2024)[0] <= 100
    assert 50 <= r.at("carbon_price", 2024.5)[0] <= 100


def test_no_coupling_changes_price_and_ssb_cost(default):
    _, r = default
    nc = engine.load(SCEN / "no-coupling.yaml").run(keep=["carbon_price", "ssb_cost"])
    for name in ("carbon_price", "ssb_cost"):
        a, b = r.at(name, 2040)[0], nc.at(name, 2040)[0]
        assert abs(b - a) / a > 0.01, name


@pytest.mark.parametrize("switch, name", [("coupling_price_to_rd", "ssb_cost"),
                                          ("coupling_battery_to_price", "carbon_price")])
def test_each_link_matters_in_2040(default, switch, name):
    _, r = default
    cut = engine.load(SCEN / "default.yaml").run(params={switch: 0}, keep=[name])
    assert abs(cut.at(name, 2040)[0] / r.at(name, 2040)[0] - 1) > 0.01


def test_price_to_ev_link_matters_at_table3_prices():
    """At the default's prices (~150-200 yuan/t) the price -> EV link is weak; at the moderate row's
    $75/t, cutting it (EVs see the 2021 price) must cut the 2030 EV share by more than 10 %."""
    m = engine.load(SCEN / "moderate.yaml")
    r = m.run(params={"coupling_price_to_ev": [1, 0]}, keep=["ev_sales_share"])
    share = r.at("ev_sales_share", 2030)
    assert share[1] < 0.9 * share[0]


def test_default_run_is_quick():
    m = engine.load(SCEN / "default.yaml")
    m.run()                       # compile once
    best = min(_timed(m.run) for _ in range(3))
    assert best < 1.0


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0
