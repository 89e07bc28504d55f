"""XMILE arrays of any number of dimensions: each form of equation, references, reductions, cells."""
import pytest

import engine
from engine.errors import ModelError

NS = "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"
SPECS = "<sim_specs><start>0</start><stop>2</stop><dt>1</dt></sim_specs>"
DIMS = ('<dimensions><dim name="Region"><elem name="north"/><elem name="south"/>'
        '<elem name="east"/></dim><dim name="Pair"><elem name="x"/><elem name="y"/></dim></dimensions>')
ONE = '<dimensions><dim name="Region"/></dimensions>'


def load(tmp_path, variables):
    p = tmp_path / "a.xmile"
    p.write_text(f'<xmile version="1.0" xmlns="{NS}">{SPECS}{DIMS}'
                 f"<model><variables>{variables}</variables></model></xmile>")
    return engine.load(p)


def values(m, *names):
    """Values at the start (constant elements are parameters, not saved series)."""
    r = m.run()
    return [m.parameters[n].value if n in m.parameters else float(r[n][0, 0]) for n in names]


ELEMS = ("v[north]", "v[south]", "v[east]")


def test_constant_list(tmp_path):
    m = load(tmp_path, f'<aux name="v">{ONE}<eqn>1, -2, 3.5</eqn></aux>')
    assert values(m, *ELEMS) == [1, -2, 3.5]


def test_non_apply_to_all_elements(tmp_path):
    m = load(tmp_path, f'<aux name="v">{ONE}<element subscript="south"><eqn>2</eqn></element>'
                       '<element subscript="north"><eqn>1</eqn></element>'
                       '<element subscript="east"><eqn>v[north] + v[south]</eqn></element></aux>')
    assert values(m, *ELEMS) == [1, 2, 3]


def test_one_eqn_per_element_in_order(tmp_path):
    m = load(tmp_path, f'<aux name="v">{ONE}<eqn>1</eqn><eqn>2</eqn><eqn>TIME + 3</eqn></aux>')
    assert values(m, *ELEMS) == [1, 2, 3]


def test_apply_to_all_takes_the_same_element(tmp_path):
    m = load(tmp_path, f'<aux name="base">{ONE}<eqn>1, 2, 3</eqn></aux>'
                       f'<aux name="v">{ONE}<eqn>base[Region] * 10 + base[*] + ABS(base) + k</eqn></aux>'
                       '<aux name="k"><eqn>0.5</eqn></aux>')
    assert values(m, *ELEMS) == [12.5, 24.5, 36.5]


@pytest.mark.parametrize("eqn, expected", [
    ("MIN(base[Region])", 1), ("MAX(base[*])", 4), ("SUM(base[*])", 7), ("MEAN(base[Region])", 7 / 3),
    ("base[east] - base[north]", 3),
])
def test_references_and_reductions(tmp_path, eqn, expected):
    m = load(tmp_path, f'<aux name="base">{ONE}<eqn>1, 2, 4</eqn></aux>'
                       f'<aux name="s"><eqn>{eqn}</eqn></aux>')
    assert values(m, "s") == [pytest.approx(expected)]


def test_arrayed_stock_flows_through_same_element(tmp_path):
    m = load(tmp_path, f'<stock name="s">{ONE}<eqn>0</eqn><inflow>f</inflow></stock>'
                       f'<flow name="f">{ONE}<eqn>1, 2, 3</eqn></flow>')
    r = m.run()
    assert [float(r[f"s[{e}]"][-1, 0]) for e in ("north", "south", "east")] == [2, 4, 6]


def test_two_dimensions_every_form(tmp_path):
    m = load(tmp_path, '<aux name="w"><dimensions><dim name="Region"/><dim name="Pair"/></dimensions>'
                       '<eqn>1, 2; 3, 4; 5, 6;</eqn></aux>'
                       '<aux name="t"><dimensions><dim name="Pair"/><dim name="Region"/></dimensions>'
                       '<eqn>w[Region, Pair] * 10</eqn></aux>'
                       '<aux name="row"><dimensions><dim name="Region"/></dimensions><eqn>SUM(w[Region, *])</eqn></aux>'
                       '<aux name="col"><dimensions><dim name="Pair"/></dimensions><eqn>MAX(w[*, Pair])</eqn></aux>'
                       '<aux name="e"><dimensions><dim name="Region"/><dim name="Pair"/></dimensions>'
                       '<element subscript="north, x"><eqn>w[east, y]</eqn></element>'
                       '<element subscript="north, y"><eqn>Pair</eqn></element>'
                       '<element subscript="south, x"><eqn>Region</eqn></element>'
                       '<element subscript="south, y"><eqn>0</eqn></element>'
                       '<element subscript="east, x"><eqn>SIZE(w[*, *])</eqn></element>'
                       '<element subscript="east, y"><eqn>w[INT(TIME) + 1, 1]</eqn></element></aux>')
    assert values(m, "w[south,y]", "t[y,east]", "row[east]", "col[x]") == [4, 60, 11, 5]
    assert values(m, "e[north,x]", "e[north,y]", "e[south,x]", "e[east,x]", "e[east,y]") == [6, 2, 2, 6, 1]
    assert [float(v) for v in m.run()["e[east,y]"][:, 0]] == [1, 3, 5]     # a position computed as it runs


@pytest.mark.parametrize("variables, message", [
    (f'<aux name="w">{ONE}<eqn>1, 2, 3</eqn></aux><aux name="v"><eqn>w[north, x]</eqn></aux>',
     "'w' has 1 dimension (Region) but is written with 2 subscripts"),
    ((f'<aux name="w">{ONE}<eqn>1, 2, 3</eqn></aux>'
      '<aux name="v"><dimensions><dim name="Pair"/></dimensions><eqn>w[Region]</eqn></aux>'),
     "names a whole array where one value is needed"),
    ('<aux name="v"><dimensions><dim name="Region"/></dimensions><eqn>1, 2; 3, 4</eqn></aux>',
     "4 values for 3 array elements"),
    ('<aux name="v"><dimensions><dim name="Region"/></dimensions><eqn>v2</eqn></aux>'
     '<aux name="v2"><dimensions><dim name="Pair"/></dimensions><eqn>1</eqn></aux>',
     "'v2' is arrayed over (Pair) but this equation is over (Region)"),
    ('<aux name="v"><dimensions><dim name="Region"/></dimensions><eqn>w[nowhere]</eqn></aux>'
     f'<aux name="w">{ONE}<eqn>1</eqn></aux>',
     "unknown name 'nowhere'"),
])
def test_array_mistakes_are_named(tmp_path, variables, message):
    with pytest.raises(ModelError) as e:
        load(tmp_path, variables)
    assert message in str(e.value) and "a.xmile" in str(e.value)


def test_whole_array_in_scalar_is_an_error(tmp_path):
    with pytest.raises(ModelError, match="whole array"):
        load(tmp_path, f'<aux name="w">{ONE}<eqn>1, 2, 3</eqn></aux><aux name="v"><eqn>w[*] + 1</eqn></aux>')


def test_wrong_count_is_an_error(tmp_path):
    with pytest.raises(ModelError, match="2 values for 3"):
        load(tmp_path, f'<aux name="w">{ONE}<eqn>1, 2</eqn></aux>')


def test_output_columns_match_elements():
    from engine.conformance import _match_key
    assert _match_key("add substract[sub1]") == _match_key("add_substract[sub1]")
    assert _match_key("var1[A, B]") == _match_key("var1[A,B]") != _match_key("var1")
