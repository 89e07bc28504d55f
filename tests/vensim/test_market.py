"""Vensim's FIND MARKET PRICE, DEMAND AT PRICE and SUPPLY AT PRICE: the price against closed
forms (rectangular profiles make the market a straight line) and against scipy's root finder on
the same curves, the market clearing at that price, numpy against numba, and what is refused."""
import re

import numpy as np
import pytest
from scipy.optimize import brentq

from engine.api import Loaded, load
from engine.builtins import profiles
from engine.errors import ModelError
from engine.frontends.vensim import read

CONTROL = """
INITIAL TIME = 0 ~ Month ~ |
FINAL TIME = {stop} ~ Month ~ |
TIME STEP = 1 ~ Month [0,?] ~ |
SAVEPER = TIME STEP ~ Month ~ |
"""

# two demanders and three suppliers, their profiles of one kind (`kind`), the demand growing with Time
MARKET = """
pprofile: ptype, ppriority, pwidth, pextra ~~|
demander: (d1-d2) ~~|
supplier: (s1-s3) ~~|
kind = {kind} ~~|
demand[d1] = (1 + Time) * 40 ~~|
demand[d2] = (1 + Time) * 25 ~~|
dprofile[demander, ptype] = kind ~~|
dprofile[demander, ppriority] = 3, 5 ~~|
dprofile[demander, pwidth] = 2, 4 ~~|
dprofile[demander, pextra] = 0 ~~|
supply[supplier] = 200, 300, 450 ~~|
sprofile[supplier, ptype] = kind ~~|
sprofile[supplier, ppriority] = 2, 4, 6 ~~|
sprofile[supplier, pwidth] = 1, 2, 3 ~~|
sprofile[supplier, pextra] = 0 ~~|
price = FIND MARKET PRICE(demand[d1], dprofile[d1, ptype], supply[s1], sprofile[s1, ptype]) ~~|
taken[demander] = DEMAND AT PRICE(demand[demander], dprofile[demander, ptype], price) ~~|
given[supplier] = SUPPLY AT PRICE(supply[supplier], sprofile[supplier, ptype], price) ~~|
"""
DEMAND = ((3, 2), (5, 4))          # (priority, width) per demander
SUPPLY = ((2, 1), (4, 2), (6, 3))


def model(tmp_path, body: str, stop=8, name="m.mdl"):
    p = tmp_path / name
    p.write_text("{UTF-8}\n" + body + CONTROL.format(stop=stop))
    return p


def excess(kind, t, price):
    """What the demanders take less what the suppliers give, written from the profiles' shares."""
    d = sum(q * profiles.served(kind, p, w, price) for q, (p, w) in zip(((1 + t) * 40, (1 + t) * 25), DEMAND))
    s = sum(q * (1 - profiles.served(kind, p, w, price)) for q, (p, w) in zip((200, 300, 450), SUPPLY))
    return d - s


@pytest.mark.parametrize("kind", [1, 2, 3, 4])
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_the_market_clears_at_the_price_scipy_finds(tmp_path, kind, backend):
    r = load(model(tmp_path, MARKET.format(kind=kind))).run(backend=backend)
    for k, t in enumerate(r.times):
        price = float(r["price"][k, 0])
        root = brentq(lambda x, t=t: excess(kind, t, x), -40, 40, xtol=1e-14)
        assert price == pytest.approx(root, abs=1e-9), (t, price, root)
        taken = sum(float(r[f"taken[d{i}]"][k, 0]) for i in (1, 2))
        given = sum(float(r[f"given[s{i}]"][k, 0]) for i in (1, 2, 3))
        assert taken == pytest.approx(given, rel=1e-9), t
        taken_d1 = (1 + t) * 40 * profiles.served(kind, 3, 2, price)
        assert float(r["taken[d1]"][k, 0]) == pytest.approx(taken_d1, rel=1e-12)


def test_rectangular_profiles_give_the_price_in_closed_form(tmp_path):
    """Demand 100 over a priority 10 wide 4, supply 80 over 8 wide 4: 100 (12 - p) / 4 = 80 (p - 6) / 4
    at p = 28 / 3, where each side moves 66.67."""
    body = ("pp: pt, pr, pw, pe ~~|\nd: d1 ~~|\ns: s1 ~~|\nq[d] = 100 ~~|\ndp[d, pp] = 1, 10, 4, 0 ~~|\n"
            "sq[s] = 80 ~~|\nsp[s, pp] = 1, 8, 4, 0 ~~|\n"
            "price = FIND MARKET PRICE(q[d], dp[d, pt], sq[s], sp[s, pt]) ~~|\n"
            "bought = DEMAND AT PRICE(q[d1], dp[d1, pt], price) ~~|\n"
            "sold = SUPPLY AT PRICE(sq[s1], sp[s1, pt], price) ~~|\n")
    for backend in ("numpy", "numba"):
        r = load(model(tmp_path, body)).run(backend=backend)
        assert float(r["price"][0, 0]) == pytest.approx(28 / 3, abs=1e-12)
        assert float(r["bought"][0, 0]) == pytest.approx(100 * (12 - 28 / 3) / 4, rel=1e-12)
        assert float(r["sold"][0, 0]) == pytest.approx(float(r["bought"][0, 0]), rel=1e-12)


def test_a_fixed_quantity_is_taken_whatever_the_price(tmp_path):
    """A demander of kind 0 takes its quantity at any price: the price is where the suppliers give
    it (rectangular supply 80 over 8 wide 4 gives 50 at 8.5); every side fixed: no price (:NA:)."""
    body = ("pp: pt, pr, pw, pe ~~|\nd: d1 ~~|\ns: s1 ~~|\nq[d] = 50 ~~|\ndp[d, pp] = 0, 10, 4, 0 ~~|\n"
            "sq[s] = 80 ~~|\nsp[s, pp] = {k}, 8, 4, 0 ~~|\n"
            "price = FIND MARKET PRICE(q[d], dp[d, pt], sq[s], sp[s, pt]) ~~|\n"
            "bought = DEMAND AT PRICE(q[d1], dp[d1, pt], 123) ~~|\n")
    r = load(model(tmp_path, body.format(k=1))).run()
    assert float(r["price"][0, 0]) == pytest.approx(8.5, abs=1e-12)
    assert float(r["bought"][0, 0]) == 50
    r = load(model(tmp_path, body.format(k=0), name="fixed.mdl")).run(check=False)
    assert np.isnan(r["price"][0, 0])


@pytest.mark.parametrize("kind, spread", [(1, 0.5), (2, 0.5), (3, 5.0), (4, 10.0)])
def test_a_market_with_nothing_demanded_gets_the_lowest_price_searched(tmp_path, kind, spread):
    """Vensim's output shows the range searched: priorities -/+ width / 2 (rectangular,
    triangular), 5 widths (normal), 10 (exponential), over every profile; with nothing demanded the
    price is its low end."""
    lowest = min(p - spread * w for p, w in DEMAND + SUPPLY)
    body = MARKET.format(kind=kind).replace("(1 + Time) * 40", "0").replace("(1 + Time) * 25", "0")
    r = load(model(tmp_path, body, stop=1)).run()
    assert float(r["price"][0, 0]) == lowest
    assert all(float(r[f"taken[d{i}]"][0, 0]) == 0 for i in (1, 2))


def test_over_runs_the_price_is_the_price_of_each_run():
    """The vectorised kernel (a batch of runs) gives each run the scalar kernel's price: the same
    bisection, numpy's exp against math's the only difference (an ulp of a share)."""
    rng = np.random.default_rng(5)
    n = 64
    for kind in (1.0, 2.0, 3.0, 4.0):
        g = []
        for _ in range(5):
            g += [rng.uniform(0, 300, n), np.full(n, kind), rng.uniform(0, 8, n), rng.uniform(0.5, 3, n), np.zeros(n)]
        batch = profiles.np_market_price(2.0, *g)
        alone = np.array([profiles.market_price(2.0, *[float(x[i]) for x in g]) for i in range(n)])
        np.testing.assert_allclose(batch, alone, rtol=1e-13, atol=1e-13)
        for side in (0.0, 1.0):
            shares = profiles.np_at_price(side, g[0], g[1], g[2], g[3], batch)
            alone = [profiles.at_price(side, *(float(x[i]) for x in (g[0], g[1], g[2], g[3], batch))) for i in range(n)]
            np.testing.assert_allclose(shares, alone, rtol=1e-13, atol=1e-12)


@pytest.mark.parametrize("body, says", [
    ("pp: pt, pr, pw, pe ~~|\nd: d1 ~~|\nq[d] = 1 ~~|\ndp[d, pp] = 5, 1, 1, 0 ~~|\n"
     "y = DEMAND AT PRICE(q[d1], dp[d1, pt], 1) ~~|\n", "DEMAND AT PRICE with priority profile kind 5 (constant "
                                                        "elasticity) is not supported"),
    ("pp: pt, pr, pw, pe ~~|\nd: d1 ~~|\nq[d] = 1 ~~|\ndp[d, pp] = 1, 1, 1, 0 ~~|\n"
     "y = SUPPLY AT PRICE(q[d1], dp[d1, pw], 1) ~~|\n", "the priority profile needs 4 elements from 'pw' on"),
    ("pp: pt, pr, pw, pe ~~|\nd: d1 ~~|\nq[d] = 1 ~~|\ndp[d, pp] = 1, 1, 1, 0 ~~|\n"
     "y = FIND MARKET PRICE(q[d1], dp[d1, pt], 5, dp[d1, pt]) ~~|\n",
     "the supply quantity of FIND MARKET PRICE must be an arrayed variable"),
    ("pp: pt, pr, pw, pe ~~|\nd: d1 ~~|\nq[d] = 1 ~~|\ndp[d, pp] = 1, 1, 1, 0 ~~|\n"
     "y = FIND MARKET PRICE(q[d1], dp[d1, pt], q[d1]) ~~|\n", "FIND MARKET PRICE takes 4 arguments"),
])
def test_what_is_wrong_or_not_supported_is_named(tmp_path, body, says):
    with pytest.raises(ModelError, match=re.escape(says)):
        Loaded(read(model(tmp_path, body)))
