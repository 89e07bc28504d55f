"""The flagship reproduces the seeds' figures (read from scenarios/data/, each file citing its seed)."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import engine

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "scenarios"
DATA = SCEN / "data"


def table(name):
    return pd.read_csv(DATA / f"{name}.csv", comment="#")


def figure(name):
    return table("seed_figures").set_index("figure").loc[name]


def single(name):
    return table(name)["value"].iloc[0], table(name)["time"].iloc[0]


@pytest.fixture(scope="module")
def default():
    m = engine.load(SCEN / "default.yaml")
    return m, m.run()


@pytest.mark.parametrize("row", ["baseline", "moderate", "advanced"])
def test_table3_row(row):
    """Seed 000 Table 3 with its own parameter set (scenarios/seed000-table3.yaml): the NEV share of
    sales in 2030 and the emissions avoided against a run whose NEV share stays at its 2021 level."""
    t3 = table("seed000_table3").set_index("scenario").loc[row]
    m = engine.load(SCEN / f"{row}.yaml")
    r = m.run(params={"nev_share_frozen": [0, 1]},
              keep=["carbon_price_usd", "nev_sales_share", "ev_emission_reduction"])
    assert r.at("carbon_price_usd", 2030)[0] == pytest.approx(t3["carbon_price_usd_per_t"], rel=1e-9)
    assert r.at("nev_sales_share", 2030)[0] == pytest.approx(t3["ev_adoption_2030_percent"] / 100, rel=0.10)
    assert r.at("nev_sales_share", 2030)[1] == pytest.approx(r.at("nev_sales_share", 2021)[1])
    avoided = r.at("ev_emission_reduction", 2030)
    assert avoided[0] - avoided[1] == pytest.approx(t3["emission_reduction_mt_per_year"], rel=0.10)


def test_table3_parameter_set_is_slower_than_history():
    """Table 3's world is documented as slower than 2021-24: its 2024 NEV share stays below the
    observed 40.9 % (scenarios/data/nev_share.csv), which the default run meets."""
    observed = table("nev_share").set_index("time").loc[2024, "value"] / 100
    shares = []
    for name in ("seed000-table3", "default"):
        r = engine.load(SCEN / f"{name}.yaml").with_time(stop=2025).run(keep=["nev_sales_share"])
        shares.append(np.mean(r["nev_sales_share"][(r.times >= 2024) & (r.times < 2025), 0]))
    assert shares[0] < observed - 0.05 and shares[1] == pytest.approx(observed, abs=0.03)


def test_table1_second_cycle(default):
    """Seed 000 Table 1, "Second Cycle" (465.0 Mt, 27.0 bn yuan "by mid-July" 2024, read as 16 July
    2024); see docs/model/carbon_price.md."""
    _, r = default
    for series, variable in (("seed000_table1_volume", "cumulative_traded_volume"),
                             ("seed000_table1_turnover", "cumulative_traded_value")):
        value, time = single(series)
        assert r.at(variable, time)[0] == pytest.approx(value, rel=0.10)


def test_table1_first_cycle_has_no_date_in_the_public_series(default):
    """The "First Cycle" level (316.5 Mt, 14.2 bn yuan) matches the public series at no date: the
    model, calibrated to the public year-end values, passes 316.5 Mt late in 2023 (between the end-2022
    and end-2023 values) with a cumulative value well above 14.2 bn yuan (docs/model/carbon_price.md)."""
    _, r = default
    first = table("seed000_table1").set_index("cycle").loc["First Cycle"]
    cum = table("ets_cumulative_volume").set_index("time")["value"]
    k = int(np.argmax(r["cumulative_traded_volume"][:, 0] >= first["volume_mt"]))
    assert cum[2023] < first["volume_mt"] < cum[2024] and 2023 < r.times[k] < 2024
    assert r["cumulative_traded_value"][k, 0] > 1.1 * first["value_bn_yuan"]


def test_range_example(tmp_path):
    """0.45 kWh/kg x 500 kg / 0.2 kWh/km = 1125 km (seed 000) with the technology mature."""
    p = tmp_path / "mature.yaml"
    p.write_text(f"scenario: mature\nextends: {SCEN / 'default.yaml'}\nexogenous:\n  ssb_maturity: 1\n")
    r = engine.load(p).with_time(stop=2022).run(keep=["ssb_range_example", "ssb_energy_density"])
    assert r.at("ssb_energy_density", 2021)[0] == pytest.approx(450)
    assert r.at("ssb_range_example", 2021)[0] == pytest.approx(figure("range_example")["value"], rel=1e-12)


def test_maturity_midpoint_2028_to_2030(default):
    _, r = default
    s = r["ssb_maturity"][:, 0]
    midpoint = r.times[np.argmax(s >= 0.5)]
    f = figure("ssb_maturity_midpoint")
    assert s[0] < 0.5 and f["low"] <= midpoint <= f["high"]


def test_ssb_shipments_2030(default):
    m, r = default
    target = figure("ssb_shipments_2030")["value"]
    assert r.at("ssb_shipments", 2030)[0] == pytest.approx(target, rel=0.20)
    # RK4 integrates the fast Bass growth more accurately (docs/model/index.md): still in range
    rk4 = m.with_time(method="rk4").run(keep=["ssb_shipments"])
    assert rk4.at("ssb_shipments", 2030)[0] == pytest.approx(target, rel=0.20)


def test_endogenous_price_2024(default):
    _, r = default
    f = figure("carbon_price_2024")
    t = r.times
    p = r["carbon_price"][(t >= 2024) & (t < 2025), 0]
    assert f["low"] <= p.mean() <= f["high"]
    assert f["low"] <= r.at("carbon_price", 2024)[0] <= f["high"]
    assert f["low"] <= r.at("carbon_price", 2024.5)[0] <= f["high"]


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
    """At the default's prices (~100-200 yuan/t) the price -> NEV link is weak; at the moderate row's
    $75/t, cutting it (buyers see the 2021 price) must cut the 2030 NEV share by more than 10 %."""
    m = engine.load(SCEN / "moderate.yaml")
    r = m.run(params={"coupling_price_to_ev": [1, 0]}, keep=["nev_sales_share"])
    share = r.at("nev_sales_share", 2030)
    assert share[1] < 0.9 * share[0]
