"""Forms of the Vensim language the reader accepts as Vensim does: comments inside equations,
mappings onto subranges, mapped ranges as values, documentation with a further '~', data read
inside an equation, INVERT MATRIX over one range twice; each with the numbers worked out by hand,
and the mistakes near each form named by file, line and element."""
from pathlib import Path

import numpy as np
import pytest

from engine.api import Loaded
from engine.errors import ModelError
from engine.frontends.vensim import read

CONTROL = """
INITIAL TIME = 0 ~~|
FINAL TIME = {stop} ~~|
TIME STEP = 1 ~~|
SAVEPER = TIME STEP ~~|
"""


def refused(p, says: str, line: int, element: str) -> None:
    """Reading ``p`` is an error that says ``says`` and names the file, the line and the element."""
    with pytest.raises(ModelError) as caught:
        read(p)
    e = caught.value
    assert says in str(e), str(e)
    assert e.file == str(p) and e.line == line and e.element == element, str(e)


def model(tmp_path, body: str, stop=1, tail="") -> Path:
    """A .mdl file of ``body``, a control section and ``tail`` (a sketch and settings)."""
    p = tmp_path / "m.mdl"
    p.write_text("{UTF-8}\n" + body + CONTROL.format(stop=stop) + tail)
    return p


def run(path):
    """A model's result on the numpy backend."""
    return Loaded(read(path)).run(check=False, backend="numpy")


# ---------------------------------------------------------------- comments
def test_comments_anywhere_in_an_equation_and_nested(tmp_path):
    p = model(tmp_path, """
a[DimA] = 10, {first} 20, {second
  spans two lines} 30 ~~|
DimA: A1, A2, A3 ~~|
b = 3 {a comment after the equation} ~~|
c = 41 {first part} + 1 {second {nested} part} + Time ~~|
d = 8760 + Time
  {
  The leap year rule, kept as a comment:
  IF THEN ELSE(MODULO(Time, 4) = 0, 8784 {leap year}, 8760 {normal year})
  }
  ~ hours ~ the hours of a year ~ :SUPPLEMENTARY
  |
e = a[A2] {the middle} * b + Time ~~|
total = SUM(a[DimA!]) + Time {a sum {of all three}} ~~|
""", stop=1)
    r = run(p)
    t = np.array([0.0, 1.0])
    assert np.array_equal(r["c"][:, 0], 42 + t) and np.array_equal(r["d"][:, 0], 8760 + t)
    assert np.array_equal(r["e"][:, 0], 20 * 3 + t)
    assert np.array_equal(r["total"][:, 0], 10 + 20 + 30 + t)


def test_an_unclosed_comment_is_named(tmp_path):
    p = model(tmp_path, "x = 1 ~~|\ny = 2 {a comment {nested} never closed\n ~~|\n")
    refused(p, "a comment '{' is never closed with '}'", 3, "y")


# ---------------------------------------------------------------- mappings and :EXCEPT:
def test_a_mapping_onto_a_subrange_and_an_element(tmp_path):
    # B1 stands for A1 and A2 (the subrange), B2 for A3: a[A1] = a[A2] = b[B1] * 10, a[A3] = b[B2] * 10
    p = model(tmp_path, """
DimA: A1, A2, A3 ~~|
SubA: A1, A2 ~~|
DimB: B1, B2 -> (DimA: SubA, A3) ~~|
b[DimB] = 1, 2 ~~|
a[DimA] = b[DimB] * 10 + Time ~~|
""")
    r = run(p)
    t = np.array([0.0, 1.0])
    assert np.array_equal(r["a[A1]"][:, 0], 10 + t) and np.array_equal(r["a[A2]"][:, 0], 10 + t)
    assert np.array_equal(r["a[A3]"][:, 0], 20 + t)


def test_except_and_a_part_of_a_range_read_through_a_mapping_by_subranges(tmp_path):
    # DimD maps D1 onto A2 and A3, D2 onto A1: k[A2] = k[A3] = a + j[D1] = 1 + 10; k[A1], which
    # :EXCEPT: leaves out (Vensim's k has no such cell), holds 0. m is defined on A2 and A3 alone,
    # a part of DimA, and reads j through DimA's mapping: m[A2] = j[D1], m[A3] = 2 j[D1].
    # y leaves out its corner [A3, C3], which holds 0.
    p = model(tmp_path, """
DimA: A1, A2, A3 ~~|
SubA: A2, A3 ~~|
DimC: C1, C2, C3 ~~|
SubC: C2, C3 ~~|
DimD: D1, D2 -> (DimA: SubA, A1) ~~|
a[DimA] = 1 ~~|
j[DimD] = 10, 20 ~~|
k[DimA] :EXCEPT: [A1] = a[DimA] + j[DimD] + Time ~~|
m[A2] = j[DimD] + Time ~~|
m[A3] = j[DimD] * 2 + Time ~~|
c[DimA, DimC] = 3 ~~|
y[SubA, SubC] :EXCEPT: [A3, C3] = c[SubA, SubC] + Time ~~|
""")
    r = run(p)
    t = np.array([0.0, 1.0])
    assert np.array_equal(r["k[A2]"][:, 0], 11 + t) and np.array_equal(r["k[A3]"][:, 0], 11 + t)
    assert np.array_equal(r["k[A1]"][:, 0], [0.0, 0.0])
    assert np.array_equal(r["m[A2]"][:, 0], 10 + t) and np.array_equal(r["m[A3]"][:, 0], 20 + t)
    assert "m[A1]" not in r.names
    for cell in ("y[A2,C2]", "y[A2,C3]", "y[A3,C2]"):
        assert np.array_equal(r[cell][:, 0], 3 + t)
    assert np.array_equal(r["y[A3,C3]"][:, 0], [0.0, 0.0])


def test_a_cell_except_leaves_out_reads_as_0_where_another_equation_reads_it(tmp_path):
    p = model(tmp_path, """
DimA: A1, A2, A3 ~~|
x[DimA] :EXCEPT: [A1] = 5 ~~|
z[DimA] :EXCEPT: [A1] = 5 + Time ~~|
y[DimA] = x[DimA] + z[DimA] + Time ~~|
""")
    r = run(p)
    t = np.array([0.0, 1.0])
    assert np.array_equal(r["y[A1]"][:, 0], t)
    assert np.array_equal(r["y[A2]"][:, 0], 10 + 2 * t) and np.array_equal(r["y[A3]"][:, 0], 10 + 2 * t)


@pytest.mark.parametrize("mapping, says", [
    ("DimB: B1, B2 -> (DimA: SubA) ~~|", "give one element or subrange of 'DimA' for each of its 2 elements "
                                         "(there are 1)"),
    ("DimB: B1, B2 -> (DimA: SubA, A2) ~~|", "maps both 'B1' and 'B2' onto element 'A2' of 'DimA'"),
    ("DimB: B1, B2 -> (DimA: A1, SubA) ~~|", "maps both 'B1' and 'B2' onto element 'A1' of 'DimA'"),
    ("DimB: B1, B2, B3 -> (DimA: SubA, A3, C1) ~~|", "maps element 'B3' onto 'C1', which is not in 'DimA'"),
])
def test_a_mapping_by_subranges_that_is_not_one_element_per_target_is_named(tmp_path, mapping, says):
    p = model(tmp_path, f"""
DimA: A1, A2, A3, A4 ~~|
SubA: A1, A2 ~~|
DimC: C1 ~~|
{mapping}
b[DimB] = 1 ~~|
a[DimA] = b[DimB] ~~|
""")
    with pytest.raises(ModelError) as caught:
        read(p)
    e = caught.value
    assert says in str(e) and e.file == str(p) and e.line == 6 and e.element == "DimB"


def test_a_mapping_by_subranges_that_leaves_a_target_element_out_is_named(tmp_path):
    p = model(tmp_path, """
DimA: A1, A2, A3, A4 ~~|
SubA: A1, A2 ~~|
DimB: B1, B2 -> (DimA: SubA, A3) ~~|
""")
    with pytest.raises(ModelError, match="no element of it stands for A4") as caught:
        read(p)
    assert caught.value.line == 5 and caught.value.element == "DimB"


# ---------------------------------------------------------------- a mapped range as a value
def test_a_range_mapped_onto_the_equations_range_is_its_elements_position(tmp_path):
    # DimB maps onto DimA in reverse: A1 stands for B3 (position 3), A2 for B2, A3 for B1
    p = model(tmp_path, """
DimA: A1, A2, A3 ~~|
DimB: B1, B2, B3 -> (DimA: A3, A2, A1) ~~|
DimC: C1, C2, C3 -> DimA ~~|
s[DimA] = DimB + Time ~~|
u[DimA] = DimC * 10 + Time ~~|
""")
    r = run(p)
    t = np.array([0.0, 1.0])
    for cell, b in (("A1", 3), ("A2", 2), ("A3", 1)):
        assert np.array_equal(r[f"s[{cell}]"][:, 0], b + t)
    for i, cell in enumerate(("A1", "A2", "A3"), start=1):
        assert np.array_equal(r[f"u[{cell}]"][:, 0], 10 * i + t)


def test_a_range_used_as_a_value_where_nothing_maps_it_is_named(tmp_path):
    p = model(tmp_path, """
DimA: A1, A2 ~~|
DimE: E1, E2 ~~|
s[DimA] = DimE + Time ~~|
""")
    refused(p, "dimension 'DimE' is used as a value", 5, "s")
    refused(p, "neither over 'DimE'", 5, "s")


# ---------------------------------------------------------------- blocks of one family defined apart
def test_blocks_of_a_range_defined_apart_and_the_cells_between_them(tmp_path):
    # DimAB holds A1..A3 and B1..B3; x is defined on A x A' and on B x B' (18 cells, as Vensim has);
    # the cells between the blocks (x[A1,B1] ...) are not Vensim's and hold 0
    p = model(tmp_path, """
DimA: A1, A2, A3 ~~|
DimA' <-> DimA ~~|
DimB: B1, B2, B3 ~~|
DimB' <-> DimB ~~|
DimAB1: A1, B1 ~~|
DimAB2: A2, B2 ~~|
DimAB3: A3, B3 ~~|
DimAB: DimAB1, DimAB2, DimAB3 ~~|
rank[DimA] = 1, 2, 3 ~~|
rank[DimB] = 1, 2, 3 ~~|
w[DimAB] = 100 ~~|
x[DimA, DimA'] = IF THEN ELSE(rank[DimA] >= rank[DimA'], w[DimA] - rank[DimA'], 666) + Time ~~|
x[DimB, DimB'] = IF THEN ELSE(rank[DimB] >= rank[DimB'], w[DimB] + rank[DimB'], 777) + Time ~~|
""")
    r = run(p)
    t = np.array([0.0, 1.0])
    for i in range(1, 4):
        for j in range(1, 4):
            assert np.array_equal(r[f"x[A{i},A{j}]"][:, 0], (100 - j if i >= j else 666) + t)
            assert np.array_equal(r[f"x[B{i},B{j}]"][:, 0], (100 + j if i >= j else 777) + t)
    assert np.array_equal(r["x[A1,B1]"][:, 0], [0.0, 0.0])


def test_definitions_that_no_range_holds_together_are_named(tmp_path):
    p = model(tmp_path, """
DimA: A1, A2 ~~|
DimE: E1, E2 ~~|
x[DimA] = 1 + Time ~~|
x[DimE] = 2 + Time ~~|
""")
    refused(p, "no subscript range holds every subscript of 'x' at position 1", 5, "x")


# ---------------------------------------------------------------- documentation after a third '~'
def test_documentation_continued_after_a_third_tilde(tmp_path):
    p = model(tmp_path, """
a = 2 * Time
  ~ widget
  ~ the first part of the documentation
  ~ and its second part
  |
b = a + 1 ~~~ :SUPPLEMENTARY
  |
""")
    m = read(p)
    assert m.elements["a"].doc == "the first part of the documentation\nand its second part"
    assert m.elements["a"].units == "widget"
    r = run(p)
    assert np.array_equal(r["b"][:, 0], [1.0, 3.0])


def test_a_missing_bar_is_still_named_after_a_fourth_tilde(tmp_path):
    p = model(tmp_path, """
a = 1
  ~ widget
  ~ the bar after this documentation is missing

b = a * 2 ~ widget ~ the second |
""")
    refused(p, "the definition has a fourth '~': the '|' that ends it is missing", 3, "a")


# ---------------------------------------------------------------- data files named by tags
SETTINGS = "\\\\\\---/// Sketch information\n///---\\\\\\\n:L\x7f<%^E!@\n9:m\n30:?hist=series.csv\n30:?K=const.csv\n"


def _data_files(folder):
    (folder / "series.csv").write_text("Time,v\n0,1\n10,21\n")                 # v = 1 + 2 t
    (folder / "two.csv").write_text("Time,a1,a2\n0,0,10\n10,10,30\n")          # a1 = t, a2 = 10 + 2 t
    (folder / "const.csv").write_text("a,b\n4.5,6\n")


def test_a_tag_names_the_file_the_settings_give_it(tmp_path):
    _data_files(tmp_path)
    p = model(tmp_path, """
v := GET DIRECT DATA('?hist', ',', 'A', 'B2') ~~|
k = GET DIRECT CONSTANTS('?k', ',', 'B2') ~~|
w = v * k ~~|
""", stop=10, tail=SETTINGS)
    r = run(p)
    t = np.arange(11.0)
    assert np.allclose(r["v"][:, 0], 1 + 2 * t, rtol=0, atol=1e-12)
    assert np.allclose(r["w"][:, 0], 6 * (1 + 2 * t), rtol=0, atol=1e-12)


def test_a_tag_the_settings_do_not_give_is_named(tmp_path):
    _data_files(tmp_path)
    p = model(tmp_path, "x = 1 ~~|\nv := GET DIRECT DATA('?missing', ',', 'A', 'B2') ~~|\n", tail=SETTINGS)
    with pytest.raises(ModelError) as caught:
        read(p)
    e = caught.value
    assert "the data file tag '?missing' is not given a file by the model's settings" in str(e)
    assert "'?hist', '?k'" in str(e) and "30:?missing=file.xlsx" in e.hint
    assert e.file == str(p) and e.line == 3 and e.element == "v"


# ---------------------------------------------------------------- GET DATA inside an equation
def test_get_direct_data_inside_an_equation(tmp_path):
    _data_files(tmp_path)
    p = model(tmp_path, """
DimA: A1, A2 ~~|
y = GET DIRECT DATA('series.csv', ',', 'A', 'B2') * 2 + GET DIRECT DATA('two.csv', ',', 'A', 'C2') ~~|
z[DimA] = GET DIRECT DATA('two.csv', ',', 'A', 'B2') + 1 ~~|
""", stop=10)
    r = run(p)
    t = np.arange(11.0)
    assert np.allclose(r["y"][:, 0], 2 * (1 + 2 * t) + (10 + 2 * t), rtol=0, atol=1e-12)
    assert np.allclose(r["z[A1]"][:, 0], t + 1, rtol=0, atol=1e-12)
    assert np.allclose(r["z[A2]"][:, 0], 10 + 2 * t + 1, rtol=0, atol=1e-12)


def test_get_direct_lookups_inside_an_expression_is_still_refused(tmp_path):
    _data_files(tmp_path)
    p = model(tmp_path, "x = 1 ~~|\nw = 1 + GET DIRECT LOOKUPS('series.csv', ',', 'A', 'B2') ~~|\n")
    refused(p, "GET DIRECT LOOKUPS inside an expression", 3, "w")


# ---------------------------------------------------------------- INVERT MATRIX over one range twice
def test_invert_matrix_of_a_matrix_written_over_one_range_twice(tmp_path):
    # m = [[4, 7], [2, 6]] + Time * I; det = (4 + t)(6 + t) - 14; inverse = [[6 + t, -7], [-2, 4 + t]] / det.
    # m[src, src] names the matrix m (over src x tgt) whole, as Vensim reads it
    p = model(tmp_path, """
code: c1, c2 ~~|
src: c1, c2 ~~|
tgt: c1, c2 ~~|
m[src, tgt] = IF THEN ELSE(src = tgt, Time, 0) + base[src, tgt] ~~|
base[src, tgt] = 4, 7; 2, 6; ~~|
inv[src, tgt] = INVERT MATRIX(m[src, src], ELMCOUNT(code)) ~~|
""")
    r = run(p)
    t = np.array([0.0, 1.0])
    det = (4 + t) * (6 + t) - 14
    expect = {"c1,c1": (6 + t) / det, "c1,c2": -7 / det, "c2,c1": -2 / det, "c2,c2": (4 + t) / det}
    for cell, want in expect.items():
        assert np.allclose(r[f"inv[{cell}]"][:, 0], want, rtol=1e-12, atol=0)


def test_invert_matrix_over_one_range_twice_into_an_equation_of_another_size_is_named(tmp_path):
    p = model(tmp_path, """
src: c1, c2 ~~|
tgt: c1, c2 ~~|
big: d1, d2, d3 ~~|
m[src, tgt] = 1, 2; 3, 4; ~~|
inv[src, big] = INVERT MATRIX(m[src, src], 2) + Time ~~|
""")
    refused(p, "INVERT MATRIX of the 2 x 2 matrix 'm' fills an equation whose last two ranges have 2 "
               "elements", 7, "inv")
