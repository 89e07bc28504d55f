"""GET XLS / GET DIRECT functions on arrayed left-hand sides and inside expressions, arrayed data
variables, GET SUBSCRIPT ranges and named cell ranges: each value checked against the cell of the
file it must come from (written by the test)."""
from pathlib import Path

import numpy as np
import pytest

from engine.api import Loaded
from engine.errors import ModelError
from engine.frontends.vensim import read
from engine.frontends.vensim.errors import Unsupported

CONTROL = """
INITIAL TIME = 0 ~ Month ~ |
FINAL TIME = {stop} ~ Month ~ |
TIME STEP = 1 ~ Month [0,?] ~ |
SAVEPER = TIME STEP ~ Month ~ |
"""
T = np.arange(11.0)


def model(tmp_path, body: str, stop=10) -> Path:
    """A .mdl file of ``body`` and a control section."""
    p = tmp_path / "m.mdl"
    p.write_text("{UTF-8}\n" + body + CONTROL.format(stop=stop))
    return p


def run(path):
    """A model's result on the numpy backend."""
    return Loaded(read(path)).run(check=False, backend="numpy")


def at0(r, name) -> float:
    """The value of ``name`` at the initial time (a constant's: its parameter value)."""
    return float(r.params[name][0]) if name in r.params else float(r.at(name, 0)[0])


# ---------------------------------------------------------------- constants
TABLE = "x,c1,c2,c3\nr1,1,2,3\nr2,4,5,6\n"      # B2:D3 holds 1..6, row by row


def test_constants_fill_a_table_row_by_row_and_transposed_with_a_star(tmp_path):
    (tmp_path / "t.csv").write_text(TABLE)
    body = """row: r1, r2 ~~|
col: c1, c2, c3 ~~|
m[row, col] = GET DIRECT CONSTANTS('t.csv', ',', 'B2') ~~|
t[col, row] = GET DIRECT CONSTANTS('t.csv', ',', 'B2*') ~~|
v[col] = GET DIRECT CONSTANTS('t.csv', ',', 'B3') ~~|
w[row] = GET DIRECT CONSTANTS('t.csv', ',', 'C2*') ~~|
"""
    r = run(model(tmp_path, body))
    assert [at0(r, f"m[{a},{b}]") for a in ("r1", "r2") for b in ("c1", "c2", "c3")] == [1, 2, 3, 4, 5, 6]
    # '*': the first subscript runs across the columns: t[c, r] is the cell of row r, column c
    assert [at0(r, f"t[{b},{a}]") for a in ("r1", "r2") for b in ("c1", "c2", "c3")] == [1, 2, 3, 4, 5, 6]
    assert [at0(r, f"v[{b}]") for b in ("c1", "c2", "c3")] == [4, 5, 6]      # one range: along a row
    assert [at0(r, f"w[{a}]") for a in ("r1", "r2")] == [2, 5]              # '*': down a column
    assert read(model(tmp_path, body)).elements["m[r2,c3]"].kind == "parameter"


def test_constants_inside_an_expression_and_on_part_of_a_range(tmp_path):
    (tmp_path / "t.csv").write_text(TABLE)
    body = """row: r1, r2 ~~|
col: c1, c2, c3 ~~|
first: c1, c2 ~~|
double[col] = 2 * GET DIRECT CONSTANTS('t.csv', ',', 'B2') + Time ~~|
women[row, c2] = GET DIRECT CONSTANTS('t.csv', ',', 'C2*') ~~|
part[first] = GET DIRECT CONSTANTS('t.csv', ',', 'B3') ~~|
part[c3] = 10 ~~|
but[col] :EXCEPT: [c2] = GET DIRECT CONSTANTS('t.csv', ',', 'B3') + Time ~~|
but[c2] = -1 ~~|
"""
    r = run(model(tmp_path, body))
    assert np.allclose(r["but[c3]"][:, 0], 6 + T) and np.allclose(r["but[c2]"][:, 0], -1)   # E3, not C3
    assert np.allclose(r["double[c3]"][:, 0], 6 + T)
    assert at0(r, "women[r1,c2]") == 2 and at0(r, "women[r2,c2]") == 5    # a single element: no column
    assert "women[r1,c1]" not in r.names                                    # defined for c2 only
    assert [at0(r, f"part[{c}]") for c in ("c1", "c2", "c3")] == [4, 5, 10]


# ---------------------------------------------------------------- data and lookups
SERIES = "time,a,b\n0,1,10\n4,,30\n10,21,\n"     # a: 1 -> 21 (missing at 4), b: 10 -> 30 (missing at 10)


def test_arrayed_data_reads_one_series_per_element_across_missing_values(tmp_path):
    (tmp_path / "s.csv").write_text(SERIES)
    body = """d: a, b ~~|
v[d] := GET DIRECT DATA('s.csv', ',', 'A', 'B2') ~~|
h[d] :HOLD BACKWARD::= GET DIRECT DATA('s.csv', ',', 'A', 'B2') ~~|
y[d] = v[d] * 2 ~~|
"""
    r = run(model(tmp_path, body))
    assert np.allclose(r["v[a]"][:, 0], 1 + 2 * T)                      # straight across the gap at 4
    assert np.allclose(r["v[b]"][:, 0], np.minimum(10 + 5 * T, 30))     # held after its last point
    assert np.allclose(r["y[a]"][:, 0], 2 + 4 * T)
    assert np.allclose(r["h[b]"][:, 0], np.where(T < 4, 10, 30))


def test_data_inside_the_expression_of_a_data_equation(tmp_path):
    (tmp_path / "s.csv").write_text(SERIES)
    body = """d: a, b ~~|
v[d] := 2 * GET DIRECT DATA('s.csv', ',', 'A', 'B2') + Time ~~|
w := GET DIRECT DATA('s.csv', ',', 'A', 'C2') - GET DIRECT DATA('s.csv', ',', 'A', 'B2') ~~|
k = WITH LOOKUP(GET DIRECT CONSTANTS('s.csv', ',', 'C2'), ((0, 0), (20, 40))) ~~|
"""
    r = run(model(tmp_path, body))
    assert np.allclose(r["v[a]"][:, 0], 2 * (1 + 2 * T) + T)
    assert np.allclose(r["v[b]"][:, 0], 2 * np.minimum(10 + 5 * T, 30) + T)
    assert np.allclose(r["w"][:, 0], np.minimum(10 + 5 * T, 30) - (1 + 2 * T))
    assert at0(r, "k") == 20                    # the lookup at 10


def test_data_along_a_row_one_element_per_row(tmp_path):
    (tmp_path / "s.csv").write_text("t,0,10\nn,1,11\ns,5,-5\n")
    body = "d: north, south ~~|\nv[d] := GET DIRECT DATA('s.csv', ',', '1', 'B2') ~~|\n"
    r = run(model(tmp_path, body))
    assert np.allclose(r["v[north]"][:, 0], 1 + T) and np.allclose(r["v[south]"][:, 0], 5 - T)


def test_arrayed_lookups_from_a_file_called_with_some_subscripts_fixed(tmp_path):
    (tmp_path / "s.csv").write_text("x,0,10\nra,0,10\nrb,0,20\nsa,0,30\nsb,0,40\n")
    body = """dim: p, q ~~|
rows: ra, rb ~~|
lk[p, rows]( GET DIRECT LOOKUPS('s.csv', ',', '1', 'B2') ) ~~|
lk[q, rows] = GET DIRECT LOOKUPS('s.csv', ',', '1', 'B4') ~~|
one = GET DIRECT LOOKUPS('s.csv', ',', '1', 'B5') ~~|
fixed[dim] = lk[dim, rb](Time) ~~|
all[dim, rows] = lk[dim, rows](Time / 2) ~~|
other = one(Time) ~~|
"""
    r = run(model(tmp_path, body))
    assert np.allclose(r["fixed[p]"][:, 0], 2 * T) and np.allclose(r["fixed[q]"][:, 0], 4 * T)
    assert np.allclose(r["all[q,ra]"][:, 0], 1.5 * T)
    assert np.allclose(r["other"][:, 0], 4 * T)


def test_raw_data_only_where_every_step_is_a_data_time(tmp_path):
    (tmp_path / "s.csv").write_text("t," + ",".join(map(str, range(11))) + "\nv," + ",".join(
        str(i * i) for i in range(11)) + "\n")
    r = run(model(tmp_path, "v :RAW::= GET DIRECT DATA('s.csv', ',', '1', 'B2') ~~|\n"))
    assert np.allclose(r["v"][:, 0], T * T)
    (tmp_path / "s.csv").write_text("t,0,5,10\nv,0,5,10\n")
    with pytest.raises(Unsupported, match=":RAW: with values missing"):
        read(model(tmp_path, "v :RAW::= GET DIRECT DATA('s.csv', ',', '1', 'B2') ~~|\n"))


# ---------------------------------------------------------------- subscripts and named ranges
def test_a_subscript_range_read_from_a_file(tmp_path):
    (tmp_path / "s.csv").write_text("name,1,2,3\nvalue,7,8,9\n")
    body = """depth: GET DIRECT SUBSCRIPT('s.csv', ',', 'B1', 'D1', 'level') ~~|
v[depth] = GET DIRECT CONSTANTS('s.csv', ',', 'B2') ~~|
"""
    m = read(model(tmp_path, body))
    assert {d.name: d.elements for d in m.dimensions}["depth"] == ("level1", "level2", "level3")
    r = run(model(tmp_path, body))
    assert [at0(r, f"v[level{i}]") for i in (1, 2, 3)] == [7, 8, 9]


def test_named_cell_ranges_of_a_workbook_and_of_a_sheet(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from openpyxl.workbook.defined_name import DefinedName
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "In"
    for j, (t, v) in enumerate([(0, 3), (10, 13)], start=2):
        ws.cell(row=1, column=j, value=t)
        ws.cell(row=2, column=j, value=v)
    ws.cell(row=4, column=1, value=5)
    ws.cell(row=5, column=1, value=6)
    wb.defined_names["times"] = DefinedName("times", attr_text="In!$B$1:$C$1")
    wb.defined_names["values"] = DefinedName("values", attr_text="In!$B$2:$C$2")
    ws.defined_names["pair"] = DefinedName("pair", attr_text="In!$A$4:$A$5")      # the sheet's own
    wb.save(tmp_path / "in.xlsx")
    body = """d: a, b ~~|
v := GET DIRECT DATA('in.xlsx', 'In', 'times', 'values') ~~|
k[d] = GET DIRECT CONSTANTS('in.xlsx', 'In', 'pair*') ~~|
"""
    r = run(model(tmp_path, body))
    assert np.allclose(r["v"][:, 0], 3 + T)
    assert at0(r, "k[a]") == 5 and at0(r, "k[b]") == 6
    p = model(tmp_path, "d: a, b, c ~~|\nk[d] = GET DIRECT CONSTANTS('in.xlsx', 'In', 'pair*') ~~|\n")
    with pytest.raises(ModelError, match="'pair' of 'in.xlsx' is 2 x 1 cells; the left-hand side needs 3 x 1"):
        read(p)


@pytest.mark.parametrize("body, says", [
    ("k[d] = GET DIRECT CONSTANTS('t.csv', ',', 'valuev') ~~|\n",
     "'valuev' is neither a cell address like B2 nor a named cell range"),
    ("k[d] = GET DIRECT CONSTANTS('t.csv', ',', 'C2') ~~|\n", r"cell E2 of 't.csv' holds no number \(read from C2\)"),
    ("e: x, y ~~|\nf: u, v ~~|\nk[d, e, f] = GET DIRECT CONSTANTS('t.csv', ',', 'B2') ~~|\n",
     "at most two dimensions"),
    ("k = 1 + GET DIRECT LOOKUPS('t.csv', ',', '1', 'B2') ~~|\n", "GET DIRECT LOOKUPS inside an expression"),
])
def test_files_of_the_wrong_shape_are_named(tmp_path, body, says):
    (tmp_path / "t.csv").write_text(TABLE)
    p = model(tmp_path, "d: a, b, c ~~|\n" + body)
    with pytest.raises(ModelError, match=says):
        read(p)
