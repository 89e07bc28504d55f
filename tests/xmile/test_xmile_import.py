"""XMILE import: sim specs, names, stocks and flows, graphical functions, builtins, modules, macros."""
import numpy as np
import pytest

import engine

NS = "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"
SPECS = "<sim_specs><start>0</start><stop>10</stop><dt>1</dt></sim_specs>"


@pytest.fixture
def xmile(tmp_path):
    def _make(variables, specs=SPECS, extra="", ns=NS, suffix=".xmile", outside=""):
        p = tmp_path / f"m{suffix}"
        p.write_text(f'<?xml version="1.0"?>\n<xmile version="1.0" xmlns="{ns}">{specs}{extra}'
                     f"<model><variables>{variables}</variables></model>{outside}</xmile>")
        return engine.load(p)
    return _make


def series(loaded, name, **kw):
    return loaded.run(**kw)[name][:, 0]


def test_teacup_quoted_names_and_case(xmile):
    m = xmile('<flow name="Heat Loss"><eqn>("Tea Temp" - room_temp) / CHAR_time</eqn></flow>'
              '<aux name="Room Temp"><eqn>70</eqn></aux><aux name="Char Time"><eqn>10</eqn></aux>'
              '<stock name="Tea Temp"><outflow>Heat_Loss</outflow><eqn>180</eqn></stock>')
    temp = series(m, "Tea_Temp")
    assert temp[1] == pytest.approx(180 - 11)
    assert m.parameters["Char_Time"].value == 10        # constants become sweepable parameters


def test_reciprocal_dt_and_rk4(xmile):
    m = xmile('<stock name="s"><inflow>f</inflow><eqn>1</eqn></stock><flow name="f"><eqn>s</eqn></flow>',
              specs='<sim_specs method="RK4"><start>0</start><stop>1</stop><dt reciprocal="true">4</dt>'
                    '</sim_specs>')
    assert m.model.time.dt == 0.25 and m.model.time.method == "rk4"
    assert series(m, "s")[-1] == pytest.approx(np.e, rel=1e-3)


def test_pre_oasis_namespace(xmile):
    m = xmile('<aux name="a"><eqn>TIME * 2</eqn></aux>', ns="http://www.systemdynamics.org/XMILE",
              suffix=".stmx")
    assert series(m, "a")[3] == 6


def test_uniflow_and_non_negative_stock(xmile):
    m = xmile('<stock name="s"><outflow>out</outflow><eqn>3</eqn><non_negative/></stock>'
              '<flow name="out"><eqn>TIME - 2</eqn><non_negative/></flow>'
              '<stock name="t"><outflow>out</outflow><eqn>3</eqn><non_negative>false</non_negative></stock>')
    r = m.run()
    assert list(r["out"][:4, 0]) == [0, 0, 0, 1]
    assert r["s"][-1, 0] == 0 and r["t"][-1, 0] < 0


def test_behavior_default_non_negative(xmile):
    m = xmile('<stock name="s"><outflow>out</outflow><eqn>1</eqn></stock><flow name="out"><eqn>-1 + 2</eqn>'
              '</flow>', extra="<behavior><stock><non_negative/></stock></behavior>")
    assert series(m, "s")[-1] == 0


def test_graphical_functions(xmile):
    pts = "<xpts>0,1,2</xpts><ypts>0,10,30</ypts>"
    m = xmile(f'<gf name="g">{pts}</gf><aux name="c"><eqn>g(TIME / 2)</eqn></aux>'
              f'<aux name="e"><eqn>TIME</eqn><gf type="extrapolate">{pts}</gf></aux>'
              f'<aux name="d"><eqn>TIME / 2</eqn><gf type="discrete">{pts}</gf></aux>'
              '<aux name="x"><eqn>LOOKUP(g, 0.5)</eqn></aux>'
              '<aux name="s"><eqn>TIME</eqn><gf><xscale min="0" max="4"/><ypts>0,1,4</ypts></gf></aux>')
    r = m.run()
    assert r["c"][1, 0] == pytest.approx(5) and r["c"][10, 0] == 30          # clamped
    assert r["e"][3, 0] == pytest.approx(50)                                  # extrapolated
    assert r["d"][1, 0] == 0 and r["d"][3, 0] == 10                           # steps
    assert r["x"][0, 0] == pytest.approx(5)
    assert r["s"][1, 0] == pytest.approx(0.5) and r["s"][3, 0] == pytest.approx(2.5)


@pytest.mark.parametrize("eqn, expected", [
    ("-2^2", -4), ("2^3^2", 512), ("4^-1^2", 0.25), ("7 MOD 3", 1), ("-7 MOD 3", -1), ("INT(-2.5)", -2),
    ("INT(2.5)", 2),
    ("IF 1 = 1 AND NOT (2 <> 2) THEN 5 ELSE 6", 5), ("MIN(3, 4) + MAX(3, 4)", 7),
    ("SAFEDIV(1, 0, 9)", 9), ("ZIDZ(1, 0)", 0), ("XIDZ(4, 2, 9)", 2), ("ABS(-2) + SQRT(9)", 5),
    ("LN(EXP(2)) + LOG10(100)", 4), ("STARTTIME + STOPTIME + DT", 11), ("SIN(PI) + COS(0)", 1),
    ("1 + IF TIME > 100 THEN 1 ELSE 0 {a comment}", 1),
])
def test_stateless_builtins(xmile, eqn, expected):
    m = xmile(f'<aux name="a"><eqn>{eqn.replace("<", "&lt;").replace(">", "&gt;")}</eqn></aux>'
              '<aux name="b"><eqn>a + TIME * 0</eqn></aux>')
    assert series(m, "b")[0] == pytest.approx(expected, abs=1e-12)


def test_time_builtins(xmile):
    m = xmile('<aux name="s"><eqn>STEP(2, 3)</eqn></aux><aux name="r"><eqn>RAMP(1, 2, 5)</eqn></aux>'
              '<aux name="p"><eqn>PULSE(4, 2)</eqn></aux><aux name="q"><eqn>PULSE(1, 1, 3)</eqn></aux>')
    r = m.run()
    assert list(r["s"][:5, 0]) == [0, 0, 0, 2, 2]
    assert list(r["r"][:8, 0]) == [0, 0, 0, 1, 2, 3, 3, 3]
    assert list(r["p"][:4, 0]) == [0, 0, 4, 0]
    assert list(r["q"][:8, 0]) == [0, 1, 0, 0, 1, 0, 0, 1]


def test_stateful_builtins(xmile):
    m = xmile('<aux name="x"><eqn>STEP(10, 2)</eqn></aux>'
              '<aux name="s1"><eqn>SMTH1(x, 2)</eqn></aux><aux name="s3"><eqn>SMTH3(x, 3, 1)</eqn></aux>'
              '<aux name="sn"><eqn>SMTHN(x, 3, 2)</eqn></aux><aux name="d"><eqn>DELAY(x, 3)</eqn></aux>'
              '<aux name="d1"><eqn>DELAY1(x, 2)</eqn></aux><aux name="d3"><eqn>DELAY3(x, 3)</eqn></aux>'
              '<aux name="dn"><eqn>DELAYN(x, 3, 2)</eqn></aux><aux name="tr"><eqn>TREND(x + 1, 2)</eqn></aux>'
              '<aux name="fc"><eqn>FORCST(x + 1, 2, 1)</eqn></aux><aux name="i"><eqn>INIT(TIME + 5)</eqn></aux>'
              '<aux name="pv"><eqn>PREVIOUS(TIME, -1)</eqn></aux>')
    r = m.run()
    assert r["s1"][3, 0] == pytest.approx(5)
    assert r["s3"][0, 0] == 1
    assert list(r["d"][:7, 0]) == [0, 0, 0, 0, 0, 10, 10]
    assert r["d1"][3, 0] == pytest.approx(5)
    assert r["i"][-1, 0] == 5 and list(r["pv"][:3, 0]) == [-1, 0, 1]
    assert r["tr"][0, 0] == 0 and r["tr"][3, 0] > 0 and r["fc"][3, 0] > r["tr"][3, 0]
    assert np.all(np.isfinite(r["sn"])) and np.all(np.isfinite(r["dn"])) and np.all(np.isfinite(r["d3"]))


def test_modules_with_connections(xmile):
    m = xmile('<module name="Sub"><connect to="inp" from=".Rate"/></module><aux name="Rate"><eqn>3</eqn></aux>'
              '<aux name="total"><eqn>Sub.level * 2</eqn></aux>',
              outside='<model name="Sub"><variables><aux name="inp"><eqn>{unhooked}</eqn></aux>'
                      '<stock name="level"><inflow>fill</inflow><eqn>0</eqn></stock>'
                      '<flow name="fill"><eqn>inp</eqn></flow></variables></model>')
    r = m.run()
    assert r["Sub__level"][2, 0] == 6 and r["total"][2, 0] == 12
    mods = {mod.name: mod for mod in m.model.modules}
    assert "Sub__level" in mods["Sub"].outputs and "Rate" in mods["Sub"].inputs


@pytest.mark.parametrize("inner", ["_x", "__x", "x_"])
def test_a_name_with_leading_or_trailing_underscores_inside_a_module(xmile, inner):
    """XMILE folds '_' like a space and trims it: 'Sub._x' and the module's own '_x' are one name."""
    m = xmile(f'<module name="Sub"/><aux name="total"><eqn>Sub.{inner} * 2</eqn></aux>',
              outside=f'<model name="Sub"><variables><aux name="{inner}"><eqn>TIME + 1</eqn></aux>'
                      f'<aux name="y"><eqn>{inner} * 3</eqn></aux></variables></model>')
    r = m.run()
    assert list(r["total"][:3, 0]) == [2, 4, 6] and list(r["Sub__y"][:3, 0]) == [3, 6, 9]


def test_macros_expression_and_stock(xmile):
    m = xmile('<aux name="a"><eqn>TWICE(TIME) + 1</eqn></aux><aux name="b"><eqn>ACC(1) + ACC(2)</eqn></aux>',
              outside='<macro name="twice"><parm>x</parm><eqn>2 * x</eqn></macro>'
                      '<macro name="ACC"><parm>r</parm><eqn>level</eqn><variables>'
                      '<stock name="level"><inflow>f</inflow><eqn>0</eqn></stock>'
                      '<flow name="f"><eqn>r</eqn></flow></variables></macro>')
    r = m.run()
    assert r["a"][3, 0] == 7
    assert r["b"][4, 0] == 12          # two independent copies of the macro's stock


def test_previous_of_self(xmile):
    """Stella's PREVIOUS(SELF, init): the variable's own value one step earlier (doubling from 1)."""
    m = xmile('<aux name="x"><eqn>PREVIOUS(SELF, 1) * 2</eqn></aux>')
    assert list(series(m, "x")[:5]) == [2, 4, 8, 16, 32]


def test_self_outside_previous_is_a_circular_definition(xmile):
    with pytest.raises(engine.ModelError, match="algebraic loop"):
        xmile('<aux name="x"><eqn>SELF + 1</eqn></aux>').run()


@pytest.mark.parametrize("ref", ['"Hare Pop".level', 'Hare_Pop.level', '"Hare Pop.level"', 'hare_pop."level"'])
def test_a_module_named_by_its_display_name(xmile, ref):
    """A module whose name holds a space is named quoted, with underscores, or as one quoted path."""
    m = xmile('<module name="Hare Pop"><connect to="inp" from="&quot;Birth Rate&quot;"/></module>'
              f'<aux name="Birth Rate"><eqn>3</eqn></aux><aux name="total"><eqn>{ref} * 2</eqn></aux>',
              outside='<model name="Hare Pop"><variables><aux name="inp"><eqn>0</eqn></aux>'
                      '<stock name="level"><inflow>fill</inflow><eqn>0</eqn></stock>'
                      '<flow name="fill"><eqn>inp</eqn></flow></variables></model>')
    assert list(series(m, "total")[:4]) == [0, 6, 12, 18]


DIMS = ('<dimensions><dim name="D1"><elem name="a"/><elem name="b"/></dim><dim name="D2" size="3"/>'
        '<dim name="X" size="3"/><dim name="Y" size="2"/></dimensions>')
MATRIX = '<aux name="m"><dimensions><dim name="D1"/><dim name="D2"/></dimensions><eqn>D1 * 10 + D2</eqn></aux>'


@pytest.mark.parametrize("dims", [("X", "Y"), ("D2", "D1")])
def test_transposition(xmile, dims):
    """m' is m with its dimensions reversed: by name where they agree, else by position."""
    t = "".join(f'<dim name="{d}"/>' for d in dims)
    m = xmile(MATRIX + f"<aux name=\"t\"><dimensions>{t}</dimensions><eqn>m' * 2</eqn></aux>", extra=DIMS)
    r = m.run()
    assert r["t"][0, ..., 0].tolist() == (2 * r["m"][0, ..., 0].T).tolist() == [[22, 42], [24, 44], [26, 46]]


@pytest.mark.parametrize("target", ['<dimensions><dim name="Y"/><dim name="X"/></dimensions>', ""])
def test_transposition_that_does_not_fit_is_refused(xmile, target):
    with pytest.raises(engine.ModelError, match=r"'m'' has dimensions D2, D1, which do not match"):
        xmile(MATRIX + f"<aux name=\"t\">{target}<eqn>m'</eqn></aux>", extra=DIMS)
