"""Vensim's vector and matrix functions (VECTOR SELECT, ELM MAP, SORT ORDER, RANK, REORDER,
ALLOCATE AVAILABLE, ALLOCATE BY PRIORITY, INVERT MATRIX) and XMILE's RANK: the kernels against
hand computations and closed forms, numpy against the scalar (numba) twins, the functions in small
models on both backends and in JavaScript, and the suite's vector_order model (its data given as
lookups) against Vensim's own output."""
import math
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.api import Loaded, load
from engine.builtins import cells, profiles
from engine.errors import ModelError
from engine.frontends.vensim import read
from engine.frontends.vensim.errors import Unsupported

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT.parent / "shared" / "test-models"
needs_suite = pytest.mark.skipif(not SUITE.is_dir(), reason=f"the SDXorg test models are not at {SUITE}")
sys.path.insert(0, str(ROOT / "tests"))

CONTROL = """
INITIAL TIME = 0 ~ Month ~ |
FINAL TIME = {stop} ~ Month ~ |
TIME STEP = 1 ~ Month [0,?] ~ |
SAVEPER = TIME STEP ~ Month ~ |
"""


def kernel_fn(name: str):
    """A kernel of the vector functions (``cells.py``) or of the priority profiles (``profiles.py``)."""
    return getattr(cells, name, None) or getattr(profiles, name)


def model(tmp_path, body: str, stop=2, name="m.mdl") -> Path:
    """A .mdl file of ``body`` and a control section."""
    p = tmp_path / name
    p.write_text("{UTF-8}\n" + body + CONTROL.format(stop=stop))
    return p


def run(path, backend="numpy"):
    """A model's result."""
    return Loaded(read(path)).run(check=False, backend=backend)


def both(kernel: str, *args):
    """A kernel's value from its vectorised and its scalar implementation, which must agree."""
    a = float(kernel_fn(f"np_{kernel}")(*args))
    b = float(kernel_fn(kernel)(*map(float, args)))
    assert a == b or (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12 * abs(b), (kernel, args, a, b)
    return a


# ---------------------------------------------------------------- the kernels, by hand
X = (5.0, 3.0, 4.0, 1.0, 2.0, 3.0)


def test_rank_and_sort_order_by_hand():
    # ascending 1, 2, 3, 3, 4, 5: ties keep the cells' order ascending, the reverse descending
    assert [both("rank_of", k, 1, *X) for k in range(1, 7)] == [6, 3, 5, 1, 2, 4]
    assert [both("rank_of", k, 0, *X) for k in range(1, 7)] == [1, 4, 2, 6, 5, 3]
    assert [both("sorted_index", k, 1, *X) for k in range(1, 7)] == [3, 4, 1, 5, 2, 0]
    assert [both("sorted_index", k, 0, *X) for k in range(1, 7)] == [0, 2, 5, 1, 4, 3]
    assert both("sorted_index", -1, 1, *X) == 0 and math.isnan(both("sorted_index", 7, 1, *X))
    order = [both("sorted_index", k, 1, *X) for k in range(1, 7)]
    assert [both("pick", i, *X) for i in order] == sorted(X)


def test_pick_outside_is_na():
    assert both("pick", 0, *X) == 5 and both("pick", 5.9, *X) == 3
    assert math.isnan(both("pick", 6, *X)) and math.isnan(both("pick", -1, *X))


@pytest.mark.parametrize("action, want", [
    (0, 1 * 3 + 2 * 5), (1, (1 * 3) * (2 * 5)), (2, 3), (3, 10), (4, 6.5), (5, 3 ** 1 * 5 ** 2),
    (6, 8), (7, 15), (8, 3), (9, 5), (10, 4)])
def test_vector_select_actions_by_hand(action, want):
    assert both("select_cells", action, -1, 1, 0, 2, 3, 4, 5) == want
    assert both("select_cells", action, -1, 0, 0, 0, 3, 4, 5) == -1      # nothing selected
    assert math.isnan(both("select_cells", 11, -1, 1, 0, 2, 3, 4, 5))


def test_vector_lookup_by_hand():
    y = (0.0, 10.0, 5.0)                # the points (0, 0), (2, 10), (4, 5)
    assert [both("lookup_cells", x, 0, 4, 0, *y) for x in (1, 3, 4, -1, 5)] == [5, 7.5, 5, 0, 5]
    assert [both("lookup_cells", x, 0, 4, 1, *y) for x in (-1, 5)] == [-5, 2.5]       # extrapolated


def test_invert_matrix_closed_form():
    a = (4.0, 7.0, 2.0, 6.0)        # inverse: [[6, -7], [-2, 4]] / 10
    got = [both("inverse_cell", i, j, *a) for i in (1, 2) for j in (1, 2)]
    assert np.allclose(got, [0.6, -0.7, -0.2, 0.4], rtol=1e-15)
    m = np.array([[3.0, 0, 2], [2, 0, -2], [0, 1, 1]])
    inv = np.array([[both("inverse_cell", i, j, *m.ravel()) for j in (1, 2, 3)] for i in (1, 2, 3)])
    assert np.allclose(inv @ m, np.eye(3), atol=1e-14)
    assert math.isnan(both("inverse_cell", 1, 1, 1.0, 2.0, 2.0, 4.0))        # singular


def test_allocation_rectangular_by_hand():
    # requests 500, 300, 750 at priorities 5, 7, 3 (widths 2, 4, 4), 600 available: the second is
    # served in full; the level x solves 300 + 250 (6 - x) + 187.5 (5 - x) = 600, x = 2137.5 / 437.5
    g = (500, 1, 5, 2, 0, 300, 1, 7, 4, 0, 750, 1, 3, 4, 0)
    x = 2137.5 / 437.5
    want = [250 * (6 - x), 300, 187.5 * (5 - x)]
    assert np.allclose([both("allocation", k, 600, *g) for k in (1, 2, 3)], want, rtol=1e-12)
    assert [both("allocation", k, 2000, *g) for k in (1, 2, 3)] == [500, 300, 750]      # enough for all
    assert [both("allocation", k, 0, *g) for k in (1, 2, 3)] == [0, 0, 0]


def normal_below(z):
    """Abramowitz and Stegun 26.2.16: the normal distribution below z > 0, within 1e-5."""
    t = 1 / (1 + 0.33267 * z)
    return 1 - math.exp(-z * z / 2) / math.sqrt(2 * math.pi) * (0.4361836 * t - 0.1201676 * t ** 2 + 0.9372980 * t ** 3)


@pytest.mark.parametrize("kind, fraction", [
    (2, 1 - 2 * 0.25 ** 2),                         # triangular of width 4, 1 below its centre
    (3, normal_below(1 / 1.5)),                     # normal of sd 1.5, 1 below its centre
    (4, 1 - 0.5 * math.exp(-1 / 1.5))])             # exponential of width 1.5
def test_allocation_profiles_closed_form(kind, fraction):
    # two requests of 100 with mirrored priorities 4 and 6 and half of all available: by symmetry
    # the level is 5, where the first gets 100 (1 - F) and the second 100 F
    width = 4 if kind == 2 else 1.5
    g = (100, kind, 4, width, 0, 100, kind, 6, width, 0)
    got = [both("allocation", k, 100, *g) for k in (1, 2)]
    assert np.allclose(got, [100 * (1 - fraction), 100 * fraction], rtol=1e-9)
    if kind == 3:                                   # Vensim's normal is the normal distribution to 1e-5
        assert abs(fraction - 0.5 * math.erfc(-1 / (1.5 * math.sqrt(2)))) < 1e-5


def test_allocation_over_runs_equals_run_by_run():
    g = (500, 3, 5, 2, 0, 300, 2, 7, 4, 0, 750, 4, 3, 4, 0)
    avail = np.array([0.0, 100.0, 600.0, 1000.0, 3000.0])
    got = profiles.np_allocation(2, avail, *g)
    assert np.allclose(got, [profiles.allocation(2.0, a, *map(float, g)) for a in avail], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel, args", [
    ("rank_of", (2, "R", 3, "R", 1)),
    ("sorted_index", ("R", 1, 3, "R", 1)),
    ("pick", ("R", 3, "R", 1)),
    ("lookup_cells", ("R", 0, 3, 0, 1, "R", 2)),
    ("select_cells", (0, -1, "R", 0, 1, 2, "R", 3)),
    ("select_cells", (0, -1, 1, 0, 2, 2, "R", 3)),
    ("inverse_cell", (1, 2, "R", 1, 2, 3)),
    ("allocation", (1, "R", 100, 1, 3, 2, 0, 80, 2, "R", 3, 0, 50, 3, 5, 1.5, 0))])
def test_a_batch_of_runs_equals_run_by_run(kernel, args):
    # arrays over three runs beside numbers (three cells too: a run axis must not pass for cells)
    runs = np.array([0.5, 1.5, 2.5])
    got = kernel_fn(f"np_{kernel}")(*[runs if a == "R" else a for a in args])
    for r, want in enumerate(runs):
        one = kernel_fn(kernel)(*[float(want if a == "R" else a) for a in args])
        assert got[r] == pytest.approx(one, rel=1e-12, nan_ok=True), (kernel, r)


# ---------------------------------------------------------------- the functions in models
VECTORS = """
d: (a1-a4) ~~|
s: (s1-s4) -> d ~~|
x[d] = 3, 1, 4, 2 ~~|
sel[d] = 0, 1, 0, 2 ~~|
rank[d] = VECTOR RANK(x[d], 1) ~~|
rank down[d] = VECTOR RANK(x[d], 0) ~~|
order[s] = VECTOR SORT ORDER(x[d], 1) ~~|
sorted[s] = VECTOR REORDER(x[d], order[s]) ~~|
shifted[d] = VECTOR ELM MAP(x[a1], 4 - d) ~~|
moving[d] = VECTOR ELM MAP(x[d], Time) ~~|
picked = VECTOR SELECT(sel[d!], x[d!], -1, 0, 0) ~~|
largest = VECTOR SELECT(sel[d!], x[d!], -1, 9, 0) ~~|
r: r1, r2 ~~|
c: c1, c2 ~~|
m[r, c] = 4, 7; 2, 6; ~~|
inv[r, c] = INVERT MATRIX(m[r, c], 2) ~~|
demand[d] = 500, 300, 750, 0 ~~|
priority[d] = 5, 7, 3, 1 ~~|
supply = 300 * Time ~~|
by priority[d] = ALLOCATE BY PRIORITY(demand[d], priority[d], ELMCOUNT(d), 4, supply) ~~|
p: ptype, ppriority, pwidth, pextra ~~|
profile[d, ptype] = 1 ~~|
profile[d, ppriority] = 5, 7, 3, 1 ~~|
profile[d, pwidth] = 4 ~~|
profile[d, pextra] = 0 ~~|
available[d] = ALLOCATE AVAILABLE(demand[d], profile[d, ptype], supply) ~~|
looked = VECTOR LOOKUP(x[a1], Time, 0, 3, 0) ~~|
table((0,3),(1,1),(2,4),(3,2)) ~~|
as table = table(Time) ~~|
"""


def check_vectors(r):
    """The VECTORS model's values, by hand."""
    def v(name, cells_):
        return [float(r[f"{name}[{c}]"][0, 0]) for c in cells_]
    d, s = ("a1", "a2", "a3", "a4"), ("s1", "s2", "s3", "s4")
    assert v("rank", d) == [3, 1, 4, 2] and v("rank_down", d) == [2, 4, 1, 3]
    assert v("order", s) == [1, 3, 0, 2] and v("sorted", s) == [1, 2, 3, 4]
    assert v("shifted", d) == [2, 4, 1, 3]                       # x[a1] moved on by 4 - position
    assert [float(r["moving[a1]"][t, 0]) for t in (0, 1, 2)] == [3, 1, 4]
    assert np.isnan(r["moving[a4]"][1:, 0]).all()                # past the last element: :NA:
    assert np.array_equal(r["looked"], r["as_table"])         # x as a lookup's values at 0, 1, 2, 3
    assert float(r["picked"][0, 0]) == 1 * 1 + 2 * 2 and float(r["largest"][0, 0]) == 2
    assert np.allclose([float(r[f"inv[{i}]"][0, 0]) for i in ("r1,c1", "r1,c2", "r2,c1", "r2,c2")],
                       [0.6, -0.7, -0.2, 0.4], rtol=1e-14)
    # 600 available at time 2: ALLOCATE BY PRIORITY is ALLOCATE AVAILABLE with rectangular profiles
    x = (4 * 600 - 4 * 300 - 500 * 7 - 750 * 5) / -(500 + 750)   # the level: 300 + 125 (7 - x) + 187.5 (5 - x) = 600
    assert np.allclose([float(r[f"by_priority[{c}]"][2, 0]) for c in d],
                       [125 * (7 - x), 300, 187.5 * (5 - x), 0], rtol=1e-9)
    for c in d:
        assert np.allclose(r[f"by_priority[{c}]"], r[f"available[{c}]"], rtol=1e-12, atol=1e-12)


def test_the_functions_in_a_model(tmp_path):
    check_vectors(run(model(tmp_path, VECTORS)))


@pytest.mark.slow
def test_the_functions_in_a_model_on_numba(tmp_path):
    pytest.importorskip("numba")
    p = model(tmp_path, VECTORS)
    a, b = run(p), run(p, backend="numba")
    check_vectors(b)
    for n in a.names:
        assert np.allclose(a[n], b[n], rtol=1e-12, atol=1e-12, equal_nan=True), n


def test_the_functions_in_javascript(tmp_path):
    from js_support import NODE
    if NODE is None:
        pytest.skip("Node.js is not installed")
    from test_javascript_backend import compare
    finite = "".join(line + "\n" for line in VECTORS.splitlines() if not line.startswith("moving"))
    p = model(tmp_path, finite + "profile2[d, ptype] = 1, 2, 3, 4 ~~|\nprofile2[d, ppriority] = 5, 7, 3, 1 ~~|\n"
                                  "profile2[d, pwidth] = 4 ~~|\nprofile2[d, pextra] = 0 ~~|\n"
                                  "mixed[d] = ALLOCATE AVAILABLE(demand[d], profile2[d, ptype], supply) ~~|\n")
    assert compare(load(p), tmp_path) <= 1e-9


def test_a_converted_model_keeps_its_numbers(tmp_path):
    from engine.cli import main
    p = model(tmp_path, VECTORS)
    assert main(["convert", str(p), "-o", str(tmp_path / "m.yaml")]) == 0
    a, b = run(p), load(tmp_path / "m.yaml").run(check=False, backend="numpy")
    for n in a.names:
        assert np.allclose(a[n], b[n], rtol=1e-12, atol=1e-12, equal_nan=True), n


# ---------------------------------------------------------------- XMILE and YAML: RANK
def test_rank_over_a_yaml_array(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("time: {start: 0, stop: 1, dt: 1}\ndimensions:\n  r: [a, b, c, d]\nparameters:\n"
                 "  x[r]: {value: [3, 1, 4, 2]}\nauxiliaries:\n  low: rank(x[*], 1)\n  second: rank(x, 2)\n"
                 "  top: rank(x[*], -1)\n  none: rank(x[*], 5)\n")
    r = load(p).run(check=False, backend="numpy")
    assert [float(r[n][0, 0]) for n in ("low", "second", "top")] == [2, 4, 3]       # 1-based indices
    assert np.isnan(r["none"][0, 0])


def test_rank_in_xmile(tmp_path):
    p = tmp_path / "m.xmile"
    p.write_text("""<?xml version="1.0" encoding="utf-8"?>
<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">
<header><vendor>test</vendor><product version="1">test</product></header>
<sim_specs><start>0</start><stop>1</stop><dt>1</dt></sim_specs>
<dimensions><dim name="r"><elem name="a"/><elem name="b"/><elem name="c"/></dim></dimensions>
<model><variables>
<aux name="x"><dimensions><dim name="r"/></dimensions>
<element subscript="a"><eqn>3</eqn></element><element subscript="b"><eqn>1</eqn></element>
<element subscript="c"><eqn>2</eqn></element></aux>
<aux name="smallest"><eqn>RANK(x[*], 1)</eqn></aux>
<aux name="largest"><eqn>RANK(x[*], -1)</eqn></aux>
</variables></model></xmile>
""")
    r = load(p).run(check=False, backend="numpy")
    assert float(r["smallest"][0, 0]) == 2 and float(r["largest"][0, 0]) == 1


# ---------------------------------------------------------------- refused, by name
@pytest.mark.parametrize("body, says", [
    ("d: a, b ~~|\nx[d] = 1, 2 ~~|\ny = VECTOR SELECT(x[d!], x[d!], 0, 0, 1) ~~|\n",
     "VECTOR SELECT with an error action other than 0 is not supported"),
    ("d: a, b ~~|\np: pt, pp, pw, pe ~~|\nq[d] = 1, 2 ~~|\npr[d, p] = 0, 1, 1, 0; 1, 2, 1, 0; ~~|\n"
     "y[d] = ALLOCATE AVAILABLE(q[d], pr[d, pt], 1) ~~|\n",
     "ALLOCATE AVAILABLE with priority profile kind 0 (fixed quantity) is not supported"),
    ("d: a, b ~~|\nx[d] = 1, 2 ~~|\ny = VECTOR RANK(x[d], 1) ~~|\n",
     "VECTOR RANK gives one value per element of 'd': this equation must be over 'd'"),
    ("r: a, b ~~|\nc: e, f, g ~~|\nm[r, c] = 1 ~~|\ny[r, c] = INVERT MATRIX(m[r, c], 2) ~~|\n",
     "INVERT MATRIX needs a square matrix"),
    ("d: a, b ~~|\nx[d] = 1, 2 ~~|\ny = VECTOR LOOKUP(x[a], Time, 0, 1, 1) ~~|\n",
     "VECTOR LOOKUP with mode 1 (LOOKUP AREA) is not supported"),
])
def test_what_is_not_supported_is_named(tmp_path, body, says):
    with pytest.raises(ModelError, match=re.escape(says)):
        Loaded(read(model(tmp_path, body)))


def test_matrix_multiply_is_refused_by_name(tmp_path):
    with pytest.raises(Unsupported, match="MATRIX MULTIPLY"):
        read(model(tmp_path, "d: a, b ~~|\nx[d] = 1, 2 ~~|\ny[d] = MATRIX MULTIPLY(x[d], x[d]) ~~|\n"))


# ---------------------------------------------------------------- the suite's vector_order
def vector_order_without_data(folder: Path) -> Path:
    """The suite's vector_order model with its data (GET DIRECT DATA from input.xlsx, read in place)
    given as lookups over time, beside a copy of its output: the vector functions checked against
    Vensim's output without the data reader."""
    import openpyxl
    src = SUITE / "tests" / "vector_order"
    wb = openpyxl.load_workbook(src / "input.xlsx", data_only=True)
    ws = wb["Sheet1"]
    times = [c.value for c in ws[1][1:]]

    def block(first, last):
        return [[c.value for c in ws[r][1:]] for r in range(first, last + 1)]
    blocks = {"rev": block(2, 6)}
    for region in "ABC":
        first, last = re.findall(r"\$(\d+)", wb.defined_names[f"revenue_{region}"].attr_text)
        blocks[region] = block(int(first), int(last))
    eqs, _, sketch = (src / "test_vector_order.mdl").read_text().partition("\\\\\\---///")
    kept = [rec for rec in eqs.split("|") if "GET DIRECT DATA" not in rec]
    lines = [f"data {k}[company{i}](" + ",".join(f"({t},{v})" for t, v in zip(times, row)) + ") ~~|"
             for k, rows in blocks.items() for i, row in enumerate(rows, 1)]
    lines.append("revenue[company] = data rev[company](Time) ~~|")
    for region in "ABC":
        lines.append(f"revenue2A[company, {region}] = data {region}[company](Time) ~~|")
        lines.append(f"revenue2B[{region}, company] = data {region}[company](Time) ~~|")
        lines += [f"revenue3[{region}, {p}, company] = data {region}[company](Time) ~~|" for p in "XY"]
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "vector_order.mdl"
    out.write_text("|".join(kept[:-1]) + "|\n" + "\n".join(lines) + "\n" + kept[-1] + "\\\\\\---///" + sketch)
    shutil.copy(src / "output.tab", folder / "output.tab")
    return out


@needs_suite
def test_vector_order_against_vensim(tmp_path):
    pytest.importorskip("openpyxl")
    from engine.conformance import check
    outcome = check(vector_order_without_data(tmp_path / "vector_order"), backend="numpy")
    assert outcome.status == "pass", outcome.detail
