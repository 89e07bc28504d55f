"""Vensim's NPV, DEPRECIATE STRAIGHTLINE, LOOKUP FORWARD / BACKWARD / AREA and GAMMA LN, and VECTOR
SELECT's error action given as a named constant: each against a closed form or a hand computation
written here, on the numpy and numba backends (the registry's kernels also against each other and
their JavaScript twins); bad calls name the element and the function. The same builtins in YAML."""
import math
import re

import numpy as np
import pytest

from engine import builtins
from engine.api import Loaded, load
from engine.builtins import cells, scalar, vector
from engine.errors import ModelError
from engine.frontends.vensim import read
from engine.frontends.vensim.errors import Unsupported

CONTROL = """
INITIAL TIME = 0 ~ Year ~ |
FINAL TIME = {stop} ~ Year ~ |
TIME STEP = {dt} ~ Year [0,?] ~ |
SAVEPER = TIME STEP ~ Year ~ |
"""
BACKENDS = ["numpy", pytest.param("numba", marks=pytest.mark.slow)]


def model(tmp_path, body: str, stop=10, dt=1, name="m.mdl"):
    """A .mdl file of ``body`` and a control section."""
    p = tmp_path / name
    p.write_text("{UTF-8}\n" + body + CONTROL.format(stop=stop, dt=dt))
    return p


def run(path, backend="numpy"):
    """A model's result on one backend."""
    return Loaded(read(path)).run(check=False, backend=backend)


# ---------------------------------------------------------------- NPV
@pytest.mark.parametrize("backend", BACKENDS)
def test_npv_discounts_each_step_by_one_plus_rate_dt(tmp_path, backend):
    # a constant stream s from the start: df after k steps is q^k, q = 1 / (1 + r dt); NPV counts the
    # current step's stream too, so at step k it is (init + s dt (1 + q + ... + q^k)) * factor
    p = model(tmp_path, """
s = 12 ~ $/Year ~ |
r = 0.1 ~ 1/Year ~ |
a = NPV(s, r, 0, 1) ~ $ ~ |
b = NPV(s, r, 5, 2) ~ $ ~ |
""", stop=8, dt=0.5)
    r = run(p, backend)
    k = np.arange(17.0)
    q = 1 / (1 + 0.1 * 0.5)
    geometric = 12 * 0.5 * (1 - q ** (k + 1)) / (1 - q)
    assert np.allclose(r["a"][:, 0], geometric, rtol=1e-12)
    assert np.allclose(r["b"][:, 0], (5 + geometric) * 2, rtol=1e-12)


def test_npv_of_an_investment_and_a_revenue(tmp_path):
    # -100 at step 2, then +30 per step: NPV at step k = sum over j <= k of stream_j q^j (dt = 1)
    p = model(tmp_path, """
stream = -100 * PULSE(2, 1) + STEP(30, 3) ~~|
value = NPV(stream, 0.05, 0, 1) ~~|
""", stop=6)
    r = run(p)
    q = 1 / 1.05
    stream = [0, 0, -100, 30, 30, 30, 30]
    want = np.cumsum([x * q ** j for j, x in enumerate(stream)])
    assert np.allclose(r["value"][:, 0], want, rtol=1e-12)


# ---------------------------------------------------------------- DEPRECIATE STRAIGHTLINE
@pytest.mark.parametrize("backend", BACKENDS)
def test_depreciate_straightline_spreads_each_investment_over_its_life(tmp_path, backend):
    # dt = 1, life 4: 100 invested at 2 and 60 at 4 give 25 over steps 2-5 and 15 over steps 4-7
    p = model(tmp_path, """
invest = IF THEN ELSE(Time = 2, 100, IF THEN ELSE(Time = 4, 60, 0)) ~ $/Year ~ |
dep = DEPRECIATE STRAIGHTLINE(invest, 4, 1, 0) ~ $/Year ~ |
held = DEPRECIATE STRAIGHTLINE(invest, 4, TIME STEP, 8) ~ $/Year ~ |
""", stop=9)
    r = run(p, backend)
    want = np.array([0, 0, 25, 25, 40, 40, 15, 15, 0, 0])
    assert np.allclose(r["dep"][:, 0], want, rtol=0, atol=1e-12)
    # initial 8: as if 8 had been invested every step before the start (so that a stream staying at
    # 8 keeps the output at 8), each giving 8 / 4 per step for four steps; the stream is 0 from the
    # start, so the three steps before it give 6 at 0, then 4 and 2
    before = np.array([6, 4, 2, 0, 0, 0, 0, 0, 0, 0])
    assert np.allclose(r["held"][:, 0], want + before, rtol=0, atol=1e-12)


def test_depreciate_straightline_with_a_short_step_depreciates_what_each_step_invests(tmp_path):
    # dt = 0.5, life 2 (4 steps): 100 per year for one step at t = 1 invests 50, which leaves at
    # 25 per year over 4 steps of 0.5 (2 years): everything invested is depreciated
    p = model(tmp_path, """
invest = IF THEN ELSE(Time = 1, 100, 0) ~~|
dep = DEPRECIATE STRAIGHTLINE(invest, 2, TIME STEP, 0) ~~|
""", stop=5, dt=0.5)
    r = run(p)
    t = r.times
    want = np.where((t >= 1 - 1e-9) & (t < 3 - 1e-9), 25.0, 0.0)
    assert np.allclose(r["dep"][:, 0], want, rtol=0, atol=1e-12)
    assert math.isclose(float(r["dep"][:, 0].sum() * 0.5), 50.0)


@pytest.mark.parametrize("body, says", [
    ("x = 1 ~~|\ny = DEPRECIATE STRAIGHTLINE(x, 4, 2, 0) ~~|\n",
     "DEPRECIATE STRAIGHTLINE with a fiscal period (2) other than TIME STEP (1)"),
    ("x = 1 ~~|\ny = DEPRECIATE STRAIGHTLINE(x, 2.5, 1, 0) ~~|\n",
     "DEPRECIATE STRAIGHTLINE whose depreciation time (2.5) is not a whole number of time steps (1)"),
])
def test_depreciate_straightline_refuses_what_it_does_not_compute(tmp_path, body, says):
    with pytest.raises(Unsupported, match=re.escape(says)) as caught:
        read(model(tmp_path, body))
    assert caught.value.element == "y" and caught.value.line == 3


# ---------------------------------------------------------------- LOOKUP FORWARD / BACKWARD / AREA
@pytest.mark.parametrize("backend", BACKENDS)
def test_lookup_forward_and_backward_read_the_points_as_steps(tmp_path, backend):
    p = model(tmp_path, """
g((0,0),(1,10),(2,20),(4,5)) ~~|
x = Time / 2 - 1 ~~|
fwd = LOOKUP FORWARD(g, x) ~~|
bwd = LOOKUP BACKWARD(g, x) ~~|
""", stop=12)
    r = run(p, backend)
    x = np.arange(13.0) / 2 - 1         # -1, -0.5, 0, 0.5, ..., 5
    # forward: the first point at or after x (the last one beyond); backward: the last at or before
    fwd = [0, 0, 0, 10, 10, 20, 20, 5, 5, 5, 5, 5, 5]
    bwd = [0, 0, 0, 0, 10, 10, 20, 20, 20, 20, 5, 5, 5]
    assert list(x[[2, 4, 6, 10]]) == [0, 1, 2, 4]        # the points themselves give their own y
    assert np.array_equal(r["fwd"][:, 0], fwd)
    assert np.array_equal(r["bwd"][:, 0], bwd)


@pytest.mark.parametrize("backend", BACKENDS)
def test_lookup_area_integrates_the_lookup_held_at_its_ends(tmp_path, backend):
    # Vensim's own example: LOOK((0,1),(1,1),(2,2)): from 0 to 1 is 1, from 2 to 4 is 4, from 0.5
    # to 2.5 is 0.5 + 1.5 + 1 = 3; backwards the area is negative; before the first point the
    # first value holds (from -1 to 0: 1)
    p = model(tmp_path, """
LOOK((0,1),(1,1),(2,2)) ~~|
a = LOOKUP AREA(LOOK, 0, 1) ~~|
b = LOOKUP AREA(LOOK, 2, 4) ~~|
c = LOOKUP AREA(LOOK, 0.5, 2.5) ~~|
d = LOOKUP AREA(LOOK, 1, 0) ~~|
e = LOOKUP AREA(LOOK, -1, 1.5) ~~|
grow = LOOKUP AREA(LOOK, 0, Time / 4) ~~|
""", stop=8)
    r = run(p, backend)
    assert [float(r[v][0, 0]) for v in "abcde"] == [1.0, 4.0, 3.0, -1.0, 1 + 1 + 0.5 * (1 + 1.5) / 2]
    u = np.arange(9.0) / 4
    # 0..1: u; 1..2: 1 + (u - 1) + (u - 1)^2 / 2
    want = np.where(u <= 1, u, 1 + (u - 1) + (u - 1) ** 2 / 2)
    assert np.allclose(r["grow"][:, 0], want, rtol=1e-14)


@pytest.mark.parametrize("body, says", [
    ("x = 1 ~~|\ny = LOOKUP FORWARD(x, 1) ~~|\n", "the first argument of LOOKUP FORWARD must be a lookup's name"),
    ("t((0,0),(1,1)) ~~|\ny = LOOKUP BACKWARD(t) ~~|\n", "LOOKUP BACKWARD takes 2 arguments, got 1"),
    ("t((0,0),(1,1)) ~~|\ny = LOOKUP AREA(t, 1) ~~|\n", "LOOKUP AREA takes 3 arguments, got 2"),
    ("d: a, b ~~|\nt[a]((0,0),(1,1)) ~~|\nt[b]((0,1),(1,2)) ~~|\ny = LOOKUP AREA(t[a], 0, 1) ~~|\n",
     "unsupported Vensim construct: LOOKUP AREA of an arrayed lookup ('t[a]')"),
    ("y = NPV(1, 0.1, 0) ~~|\n", "NPV takes 4 arguments, got 3"),
    ("y = DEPRECIATE STRAIGHTLINE(1, 4, 1) ~~|\n", "DEPRECIATE STRAIGHTLINE takes 4 arguments, got 3"),
    ("y = GAMMA LN(1, 2) ~~|\n", "GAMMA LN takes 1 arguments, got 2"),
])
def test_bad_calls_name_the_element_and_the_function(tmp_path, body, says):
    with pytest.raises(ModelError, match=re.escape(says)) as caught:
        read(model(tmp_path, body))
    assert caught.value.element == "y"


# ---------------------------------------------------------------- GAMMA LN
@pytest.mark.parametrize("backend", BACKENDS)
def test_gamma_ln_against_closed_forms(tmp_path, backend):
    # ln(9!), ln(sqrt(pi)), ln 1, and gamma(-1/2) = -2 sqrt(pi); ln gamma(n + 1) = ln n! as Time goes
    p = model(tmp_path, """
a = GAMMA LN(10) ~~|
b = GAMMA LN(0.5) ~~|
c = GAMMA LN(1) ~~|
d = GAMMA LN(-0.5) ~~|
f = GAMMA LN(Time + 1) ~~|
""", stop=6)
    r = run(p, backend)
    assert math.isclose(float(r["a"][0, 0]), math.log(362880), rel_tol=1e-14)
    assert math.isclose(float(r["b"][0, 0]), 0.5 * math.log(math.pi), rel_tol=1e-14)
    assert float(r["c"][0, 0]) == 0.0
    assert math.isclose(float(r["d"][0, 0]), math.log(2 * math.sqrt(math.pi)), rel_tol=1e-14)
    assert np.allclose(r["f"][:, 0], [math.log(math.factorial(n)) for n in range(7)], rtol=1e-14, atol=1e-15)


# ---------------------------------------------------------------- the kernels, each against its twins
def test_the_kernels_agree_with_their_scalar_twins_over_runs():
    pts = (0.0, 1.0, 3.0, 0.0, 10.0, 4.0)            # x 0, 1, 3; y 0, 10, 4
    x = np.array([-2.0, 0.0, 0.4, 1.0, 2.0, 3.0, 7.0, np.nan])
    for direction in (1.0, -1.0):
        got = cells.np_lookup_step(x, direction, *pts)
        twin = [cells.lookup_step(v, direction, *pts) for v in x]
        assert np.array_equal(got, twin, equal_nan=True)
    assert list(cells.np_lookup_step(x, 1.0, *pts)[:-1]) == [0, 0, 10, 10, 4, 4, 4]
    assert list(cells.np_lookup_step(x, -1.0, *pts)[:-1]) == [0, 0, 0, 10, 10, 4, 4]
    # from 0 to 3: 5 (0..1) + 14 (1..3); from -2 to 0: 0; to 7: + 4 * 4
    ends = np.array([3.0, 0.0, 7.0, np.nan])
    area = cells.np_lookup_area(np.array([0.0, -2.0, 0.0, 0.0]), ends, *pts)
    assert np.array_equal(area, [19.0, 0.0, 35.0, np.nan], equal_nan=True)
    assert np.array_equal(area, [cells.lookup_area(s, e, *pts) for s, e in zip([0.0, -2.0, 0.0, 0.0], ends)],
                          equal_nan=True)
    g = np.array([10.0, 0.5, 1.0, -0.5, 0.0, -3.0, -np.inf, np.inf, np.nan, 1e-300, 171.5])
    # scipy's gammaln and C's lgamma (numba's) agree within a few units in the last place
    assert np.allclose(vector.gamma_ln(g), [scalar.gamma_ln(v) for v in g], rtol=1e-14, atol=0, equal_nan=True)
    assert list(vector.gamma_ln(np.array([0.0, -3.0, -np.inf]))) == [np.inf] * 3     # the poles


def test_the_registry_gives_each_builtin_its_arity_units_and_kernels():
    for name, lo, hi in (("gamma_ln", 1, 1), ("npv", 2, 4), ("depreciate_straightline", 2, 3)):
        b = builtins.get(name)
        assert (b.min_args, b.max_args) == (lo, hi)
    assert builtins.get("gamma_ln").units == "dimensionless" and builtins.get("gamma_ln").javascript
    assert builtins.get("npv").units == "integral" and builtins.is_stateful("npv")
    assert builtins.get("lookup_step").javascript and builtins.get("lookup_area").javascript
    assert {"lookup_step", "lookup_area"} <= builtins.CELL_FUNCTIONS


# ---------------------------------------------------------------- VECTOR SELECT's error action by name
def test_vector_select_reads_its_error_action_from_a_named_constant(tmp_path):
    body = """
d: a1, a2, a3 ~~|
sel[d] = 1, 0, 1 ~~|
x[d] = 2, 3, 4 ~~|
NONE == 0 ~~|
ATLEASTONE == 1 ~~|
y = VECTOR SELECT(sel[d!], x[d!], -1, 0, NONE) ~~|
"""
    r = run(model(tmp_path, body))
    assert float(r["y"][0, 0]) == 6.0
    with pytest.raises(ModelError, match="VECTOR SELECT with an error action other than 0"):
        run(model(tmp_path, body.replace("0, NONE)", "0, ATLEASTONE)")))


# ---------------------------------------------------------------- the same builtins in YAML
def test_npv_depreciation_and_gamma_ln_in_yaml(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("""
time: {start: 0, stop: 6, dt: 1}
auxiliaries:
  stream: 12
  value: npv(stream, 0.1)
  invest: if time = 1 then 30 else 0
  dep: depreciate_straightline(invest, 3)
  lg: gamma_ln(time + 1)
""")
    r = load(p).run(check=False, backend="numpy")
    k = np.arange(7.0)
    q = 1 / 1.1
    assert np.allclose(r["value"][:, 0], 12 * (1 - q ** (k + 1)) / (1 - q), rtol=1e-12)
    assert np.allclose(r["dep"][:, 0], [0, 10, 10, 10, 0, 0, 0], rtol=0, atol=1e-12)
    assert np.allclose(r["lg"][:, 0], [math.log(math.factorial(n)) for n in range(7)], rtol=1e-14, atol=1e-15)


def test_a_depreciation_life_that_is_not_whole_steps_names_the_element_in_yaml(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("""
time: {start: 0, stop: 6, dt: 1}
auxiliaries:
  dep: depreciate_straightline(5, 2.5)
""")
    with pytest.raises(ModelError, match=re.escape("DEPRECIATE_STRAIGHTLINE's life of 2.5 time units is not a "
                                                   "whole number of time steps")) as caught:
        load(p).run(check=False, backend="numpy")
    assert caught.value.element == "dep"


# ---------------------------------------------------------------- JavaScript, and converted models
ALL = """
g((0,0),(1,10),(2,20),(4,5)) ~~|
x = Time / 2 - 1 ~~|
fwd = LOOKUP FORWARD(g, x) ~~|
bwd = LOOKUP BACKWARD(g, x) ~~|
area = LOOKUP AREA(g, -0.5, x) ~~|
lg = GAMMA LN(Time + 0.5) + GAMMA LN(-Time / 3 - 0.3) ~~|
stream = 10 + STEP(5, 3) - 50 * PULSE(2, 1) ~~|
value = NPV(stream, 0.08, 3, 1.5) ~~|
dep = DEPRECIATE STRAIGHTLINE(stream, 2, TIME STEP, 4) ~~|
"""


def test_the_functions_in_javascript(tmp_path):
    from js_support import NODE
    if NODE is None:
        pytest.skip("Node.js is not installed")
    from test_javascript_backend import compare
    assert compare(load(model(tmp_path, ALL, stop=12, dt=0.5)), tmp_path) <= 1e-9


def test_a_converted_model_keeps_its_numbers(tmp_path):
    from engine.cli import main
    p = model(tmp_path, ALL, stop=12, dt=0.5)
    assert main(["convert", str(p), "-o", str(tmp_path / "m.yaml")]) == 0
    a, b = run(p), load(tmp_path / "m.yaml").run(check=False, backend="numpy")
    for n in a.names:
        assert np.allclose(a[n], b[n], rtol=1e-12, atol=1e-12, equal_nan=True), n


def test_xmile_has_no_form_for_them_and_says_so(tmp_path, capsys):
    from engine.cli import main
    p = model(tmp_path, ALL, stop=12, dt=0.5)
    assert main(["convert", str(p), "-o", str(tmp_path / "m.xmile")]) == 2
    err = capsys.readouterr().err
    for fn in ("LOOKUP_STEP", "LOOKUP_AREA", "GAMMA_LN", "NPV", "DEPRECIATE_STRAIGHTLINE"):
        assert f"function {fn} has no XMILE form" in err


def test_vector_lookup_reads_its_elements_as_steps_in_modes_2_and_4(tmp_path):
    # the elements 0, 10, 20 at x = 1, 2, 3 (evenly spaced from 1 to 3); x = Time / 2 + 0.5
    p = model(tmp_path, """
d: e1, e2, e3 ~~|
y[d] = 0, 10, 20 ~~|
x = Time / 2 + 0.5 ~~|
bwd = VECTOR LOOKUP(y[e1], x, 1, 3, 2) ~~|
fwd = VECTOR LOOKUP(y[e1], x, 1, 3, 4) ~~|
""", stop=7)
    r = run(p)
    # x: 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4
    assert np.array_equal(r["bwd"][:, 0], [0, 0, 0, 10, 10, 20, 20, 20])
    assert np.array_equal(r["fwd"][:, 0], [0, 0, 10, 10, 20, 20, 20, 20])


# ---------------------------------------------------------------- units and arrays
def test_units_npv_is_the_stream_times_time_and_depreciation_the_stream(tmp_path):
    p = model(tmp_path, """
d: a1, a2 ~~|
s[d] = 10, 20 ~ $/Year ~|
v[d] = NPV(s[d], 0.1, 0, 1) ~ $ ~|
dep[d] = DEPRECIATE STRAIGHTLINE(s[d], 2, 1, 0) ~ $/Year ~|
wrong = NPV(s[a1], 0.1, 0, 1) ~ $/Year ~|
lg = GAMMA LN(3) ~ dmnl ~|
""", stop=3)
    m = Loaded(read(p))
    issues = m.check_units()
    assert [(i.element, i.message) for i in issues] == [
        ("wrong", "the equation gives $ but the units are declared as $/Year")]
    r = m.run(check=False, backend="numpy")
    q = 1 / 1.1
    for cell, s in (("a1", 10), ("a2", 20)):        # each cell keeps its own discount and window
        assert np.allclose(r[f"v[{cell}]"][:, 0], s * np.cumsum(q ** np.arange(4.0)), rtol=1e-12)
        assert np.allclose(r[f"dep[{cell}]"][:, 0], [s / 2, s, s, s], rtol=1e-12)
