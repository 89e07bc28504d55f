"""Unit consistency checks against hand-worked cases."""

from engine.cli import main
from engine.model.units import parse_units, show

GOOD = """
time: {start: 0, stop: 10, dt: 0.5, units: year}
stocks:
  fleet: {initial: 100, inflows: [sales], outflows: [scrappage], units: vehicles}
flows:
  sales: {equation: "demand * share", units: vehicles/year}
  scrappage: {equation: "fleet / lifetime", units: vehicle/yr}
auxiliaries:
  share: {equation: "min(1, exp(-price / price_scale) + 0.1)", units: "1"}
  cost_per_km: {equation: "price * intensity / 1000", units: yuan/km}
parameters:
  demand: {value: 20, units: vehicles/year}
  lifetime: {value: 14.5, units: years}
  price: {value: 50, units: yuan/t}
  price_scale: {value: 100, units: yuan/t}
  intensity: {value: 0.17, units: kg/km}
"""


def test_parse_and_show():
    assert parse_units("yuan/(t*year)") == {"yuan": 1, "t": -1, "year": -1}
    assert parse_units("kWh^2/kg") == {"kWh": 2, "kg": -1}
    assert parse_units("vehicles/yr") == parse_units("vehicle/year")
    assert parse_units("1") == {} and parse_units("") is None
    assert show(parse_units("yuan/(t*year)")) == "yuan/(t*year)"


def test_consistent_model_has_no_issues(build):
    assert [str(i) for i in build(GOOD.replace("kg/km", "t/km")).check_units()] == []


def test_equation_against_declaration(build):
    issues = [str(i) for i in build(GOOD).check_units()]
    assert issues == [i for i in issues if "cost_per_km" in i] and len(issues) == 1
    assert "the equation gives kg*yuan/(km*t) but the units are declared as yuan/km" in issues[0]


def test_flow_units_must_match_stock_over_time(build):
    issues = [str(i) for i in build(GOOD.replace("kg/km", "t/km").replace(
        "units: vehicle/yr}", "units: vehicles}")).check_units()]
    assert any("flow 'scrappage' is in vehicle; a flow of this stock must be in vehicle/year" in i
               for i in issues), issues


def test_dimensioned_exponent_argument_and_sum(build):
    text = GOOD.replace("kg/km", "t/km").replace("exp(-price / price_scale)", "exp(-price)")
    issues = [str(i) for i in build(text).check_units()]
    assert any("EXP needs a dimensionless argument, got yuan/t" in i for i in issues), issues
    text = GOOD.replace("kg/km", "t/km").replace("demand * share", "demand + share")
    issues = [str(i) for i in build(text).check_units()]
    assert any("'+' joins vehicle/year and 1" in i for i in issues), issues


def test_validate_strict_units_exit_status(write, capsys):
    p = write(GOOD)
    assert main(["validate", str(p)]) == 0
    assert "warning: units:" in capsys.readouterr().err
    assert main(["validate", "--strict-units", str(p)]) == 2
    assert main(["validate", "--strict-units", str(write(GOOD.replace("kg/km", "t/km"), "ok.yaml"))]) == 0


def test_a_negative_power_of_a_quantity_has_its_units(build):
    m = build("""
time: {start: 0, stop: 1, dt: 1, units: year}
auxiliaries:
  rate: {equation: "period ^ -1", units: 1/year}
  area_inverse: {equation: "side ^ -2", units: 1/m^2}
parameters:
  period: {value: 4, units: year}
  side: {value: 3, units: m}
""")
    assert m.check_units() == []


def test_strict_units_names_each_element_without_units(write, capsys):
    p = write("""
time: {start: 0, stop: 1, dt: 1, units: year}
stocks:
  water: {initial: 1, inflows: [rain], units: mm}
flows:
  rain: {equation: "intensity"}
parameters:
  intensity: {value: 2, units: mm/year}
""")
    assert main(["validate", str(p)]) == 0
    assert main(["validate", "--strict-units", str(p)]) == 2
    err = capsys.readouterr().err
    assert "in 'rain': the flow declares no units" in err and "'water'" not in err


def test_run_prints_the_unit_warnings_and_still_runs(write, tmp_path, capsys):
    p = write(GOOD)
    assert main(["run", str(p), "-o", str(tmp_path / "r.h5"), "--no-figures"]) == 0
    out, err = capsys.readouterr()
    assert "warning: units: " in err and "cost_per_km" in err
    assert (tmp_path / "r.h5").exists()
    assert main(["run", str(write(GOOD.replace("kg/km", "t/km"), "ok.yaml")), "-o", str(tmp_path / "s.h5"),
                 "--no-figures"]) == 0
    assert "units" not in capsys.readouterr().err
