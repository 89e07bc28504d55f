"""Flagship structure: closed forms as special cases, balance checks in every scenario, loops."""
import functools
from pathlib import Path

import numpy as np
import pytest
from conftest import BACKENDS

import engine

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "scenarios"
FLAGSHIP = [SCEN / f"{name}.yaml" for name in (
    "default", "baseline", "moderate", "advanced", "no-expansion", "high-auction", "price-floor",
    "rd-fund", "procurement-subsidy", "talent-plan", "ccer-limit", "no-coupling")]


@pytest.fixture(scope="module")
def rk4():
    return engine.load(SCEN / "default.yaml").with_time(method="rk4")


def test_maturity_is_the_sigmoid_when_k_is_constant(rk4):
    """dS/dt = k S (1-S) with k_eff = k: S(t) = 1/(1+exp(-k (t - t_m))) (seed 000)."""
    r = rk4.run(params={"rd_elasticity": 0, "talent_elasticity": 0}, keep=["ssb_maturity"])
    k, tm = 0.5, 2029.5
    assert rk4.parameters["maturity_rate_base"].value == k
    assert rk4.parameters["maturity_midpoint_reference"].value == tm
    expected = 1 / (1 + np.exp(-k * (r.times - tm)))
    assert np.max(np.abs(r["ssb_maturity"][:, 0] - expected)) < 1e-7


@pytest.mark.slow
def test_traded_volume_is_exponential_without_saturation(rk4):
    """dL/dt = r L, dV/dt = L with L0 = r V0: V(t) = V0 exp(r t) (seed 000), once compliance
    trading is off and turnover never saturates."""
    r = rk4.run(params={"trade_saturation_share": 1e6, "market_open_year": 2021, "compliance_trade_share": 0},
                keep=["cumulative_traded_volume"])
    v0 = rk4.parameters["opening_trade_volume"].value
    rate = rk4.parameters["trade_growth_rate"].value
    expected = v0 * np.exp(rate * (r.times - 2021))
    got = r["cumulative_traded_volume"][:, 0]
    early = r.times <= 2035          # before the (huge) saturation turnover is approached at all
    assert np.max(np.abs(got[early] / expected[early] - 1)) < 1e-5
    # with saturation (the default) the volume falls short of the pure exponential by 2040
    sat = rk4.run(params={"market_open_year": 2021}, keep=["cumulative_traded_volume"])
    assert sat.at("cumulative_traded_volume", 2040)[0] < 0.5 * v0 * np.exp(rate * 19)


def test_compliance_trading_only_while_an_obligation_is_due(rk4):
    """No obligation awaits surrender in 2022 (the first period was settled at the end of 2021, the
    second closes at the start of 2023): compliance trading stops for that year."""
    r = rk4.run(keep=["compliance_trading", "obligation_due", "deadline_weight"])
    t = r.times
    in_2022 = (t > 2022) & (t < 2023)
    assert np.all(r["obligation_due"][in_2022, 0] == 0) and np.all(r["compliance_trading"][in_2022, 0] == 0)
    assert np.all(r["compliance_trading"][(t > 2023) & (t < 2024), 0] > 0)
    # the deadline weight averages 1 over a year (left rectangle over monthly steps: to 0.2 %)
    assert np.mean(r["deadline_weight"][(t >= 2030) & (t < 2031), 0]) == pytest.approx(1, rel=2e-3)


def test_ssb_share_is_bass_with_constant_coefficients(rk4):
    """dF/dt = p(1-F) + qF(1-F), F(0) = 0: F = (1-e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}) (seed 004)."""
    r = rk4.run(params={"bass_p_maturity_gain": 0, "bass_q_cost_elasticity": 0, "ssb_share_initial": 0},
                keep=["ssb_market_share"])
    p, q = 0.001, 0.63
    assert rk4.parameters["bass_q"].value == q
    e = np.exp(-(p + q) * (r.times - 2021))
    expected = (1 - e) / (1 + q / p * e)
    assert np.max(np.abs(r["ssb_market_share"][:, 0] - expected)) < 1e-6


def test_nev_share_is_logistic_when_r_and_k_are_constant(rk4):
    """ds/dt = r s (1 - s/K): s = K / (1 + (K/s0 - 1) e^{-r t}) (seed 000, A(t))."""
    params = {"running_cost_elasticity": 0, "battery_cost_elasticity": 0, "range_elasticity": 0,
              "fuel_carbon_pass_through": 0, "power_carbon_pass_through": 0}
    r = rk4.run(params=params, keep=["nev_sales_share", "nev_share_potential", "nev_growth_rate"])
    K = r["nev_share_potential"][0, 0]
    rate = r["nev_growth_rate"][0, 0]
    assert np.ptp(r["nev_share_potential"][:, 0]) == 0 and np.ptp(r["nev_growth_rate"][:, 0]) == 0
    s0 = rk4.parameters["nev_share_initial"].value
    expected = K / (1 + (K / s0 - 1) * np.exp(-rate * (r.times - 2021)))
    assert np.max(np.abs(r["nev_sales_share"][:, 0] - expected)) < 1e-7


def test_wright_law_and_learning_rate():
    """C(Q) = C_mat + C0 (Q/Q0)^-b with LR = 1 - 2^-b (seed 000); without the lithium price surge
    the materials cost is constant, so the cost is exactly Wright's law on top of it."""
    m = engine.load(SCEN / "default.yaml")
    p = {k: m.parameters[k].value for k in ("liion_learning_rate", "liion_material_cost",
                                             "liion_processing_cost_initial", "liion_cumulative_initial")}
    r = m.run(params={"material_price_surge": 0},
              keep=["liion_cost", "cumulative_liion_production", "liion_learning_exponent"])
    b = r["liion_learning_exponent"][0, 0]
    assert 1 - 2 ** -b == pytest.approx(p["liion_learning_rate"])
    q = r["cumulative_liion_production"][:, 0]
    expected = p["liion_material_cost"] + p["liion_processing_cost_initial"] * (q / p["liion_cumulative_initial"]) ** -b
    assert np.allclose(r["liion_cost"][:, 0], expected, rtol=1e-12)
    # the surge lifts 2022 above 2021 and is gone by mid-2024 (the shape of the BNEF survey)
    d = m.run(keep=["liion_cost", "liion_material_price"])
    assert d.at("liion_cost", 2022.5)[0] > d.at("liion_cost", 2021)[0]
    assert d.at("liion_material_price", 2024.5)[0] == pytest.approx(p["liion_material_cost"])


@functools.cache
def _default_digest(method: str) -> str:
    return engine.load(SCEN / "default.yaml").with_time(method=method).plan().digest


def _balance_backend(m, method) -> str:
    """Euler on numpy, the reference; RK4 on numba where it is installed and the scenario shares
    the default's structure, so that one compiled kernel (also built by test_backends.py, in the
    same test process) serves them all. numba's RK4 is held to numpy's there."""
    same = m.plan().digest == _default_digest(method)
    return "numba" if method == "rk4" and "numba" in BACKENDS and same else "numpy"


@pytest.mark.parametrize("method", ["euler", pytest.param("rk4", marks=pytest.mark.xdist_group("flagship-numba"))])
@pytest.mark.parametrize("path", FLAGSHIP, ids=lambda p: p.stem)
def test_balance_checks_hold(path, method):
    m = engine.load(path).with_time(method=method)
    names = {c.name for c in m.model.checks}
    assert {"allowance balance", "vehicle balance"} <= names
    r = m.run(backend=_balance_backend(m, method))     # raises if a check fails
    for c in m.model.checks:
        assert np.max(r[f"check:{c.name}"]) <= 1e-9, c.name
    # the stocks really move: settlements surrender allowances, vehicles are scrapped
    assert r.at("allowances_surrendered", 2060)[0] > 1e4
    assert r.at("vehicles_scrapped", 2060)[0] > 100 and r.at("vehicles_exported", 2060)[0] > 10


def test_settlements_are_discrete_and_bank_above_banking_cap_is_cancelled():
    m = engine.load(SCEN / "default.yaml")
    r = m.run(params={"banking_limit_years": [0.5, 0.0]},
              keep=["allowances_surrendered", "obligation_due", "allowances_cancelled"])
    t = r.times
    steps = np.flatnonzero(np.diff(r["allowances_surrendered"][:, 0]) > 0) + 1
    assert list(np.round(t[steps[:4]], 6)) == [2022, 2024, 2025, 2026]   # two-year cycles, then annual
    assert r.at("allowances_cancelled", 2060)[1] > r.at("allowances_cancelled", 2060)[0]


def test_sector_expansion_year_is_a_parameter():
    m = engine.load(SCEN / "default.yaml")
    r = m.run(params={"expansion_year": [2024, 2030]}, keep=["covered_industry_emissions"])
    assert r.at("covered_industry_emissions", 2023.9)[0] == 0 < r.at("covered_industry_emissions", 2024)[0]
    assert r.at("covered_industry_emissions", 2029.9)[1] == 0 < r.at("covered_industry_emissions", 2030)[1]


EXPECTED = {"B1 scarcity": "balancing", "R1 learning": "reinforcing", "R2 carbon-funded R&D": "reinforcing",
            "Electrification load": "reinforcing", "Bass word of mouth": "reinforcing",
            "Bass saturation": "balancing"}


@pytest.mark.slow
def test_declared_loops_are_found_with_their_polarity():
    m = engine.load(SCEN / "default.yaml")
    assert {lp.label for lp in m.model.loops} == set(EXPECTED)
    named = {lp.name: lp for lp in m.loops() if lp.name}      # longer loops are searched for names
    assert set(named) == set(EXPECTED)
    for label, polarity in EXPECTED.items():
        lp = named[label]
        wanted = next(lp.elements for lp in m.model.loops if lp.label == label)
        assert set(wanted) <= set(lp.elements), label
        assert lp.polarity == polarity, (label, lp.elements, lp.signs)


@pytest.mark.parametrize("name", ["default", "baseline", "no-coupling"])
def test_units_are_consistent(name):
    assert [str(i) for i in engine.load(SCEN / f"{name}.yaml").check_units()] == []
