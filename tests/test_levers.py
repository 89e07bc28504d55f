"""The levers: section of a scenario: what it accepts, every kind of mistake, and the flagship's levers."""
import pytest
from conftest import ROOT

import engine
from engine.cli import main
from engine.errors import ModelError
from engine.levers import Lever, lever_groups

TEACUP = """
scenario: cup
time: {start: 0, stop: 10, dt: 0.5, units: minute}
stocks:
  temperature: {initial: 180, outflows: [loss], units: degF}
flows:
  loss: {equation: (temperature - room) / tau, units: degF/minute}
parameters:
  room: {value: 70, units: degF, range: [0, 100]}
  tau: {value: 10, units: minute, range: [1, 100]}
  free: {value: 3, units: dmnl}
"""


def cup(levers: str) -> str:
    return TEACUP + "levers:\n" + levers


def test_levers_grouped_with_defaults_from_the_parameter(build):
    m = build(cup("""
  Room:
    - {parameter: room, label: Room temperature}
  Cup:
    - {parameter: tau, label: Cooling time, range: [2, 40], step: 2, doc: how fast the tea cools}
    - {parameter: free, label: Free parameter, range: [0, 5], step: 0.5}
"""))
    room, tau, free = m.model.levers
    assert room == Lever(parameter="room", label="Room temperature", group="Room", low=0, high=100,
                         step=1.0, units="degF", doc="", value=70, line=room.line)
    assert (tau.low, tau.high, tau.step, tau.units, tau.doc, tau.group) == (2, 40, 2, "minute",
                                                                           "how fast the tea cools", "Cup")
    assert free.value == 3 and not free.is_switch
    assert [g for g, _ in lever_groups(m.model.levers)] == ["Room", "Cup"]
    assert room.to_dict()["switch"] is False


def test_a_plain_list_is_one_group_and_a_two_position_lever_is_a_switch(build):
    m = build(cup("""
  - {parameter: free, label: Switch, range: [0, 5], step: 5}
"""))
    (lever,) = m.model.levers
    assert lever.group == "Levers" and lever.is_switch


def test_scenarios_without_levers_have_none(build):
    assert build(TEACUP).model.levers == ()


def test_levers_reach_the_scenarios_that_extend_one(write):
    write(cup("""
  Room:
    - {parameter: room, label: Room temperature, range: [50, 90]}
"""), "base.yaml")
    child = write("scenario: warm\nextends: base.yaml\noverrides: {room: 80}\n", "warm.yaml")
    (lever,) = engine.load(child).model.levers
    assert (lever.parameter, lever.value, lever.low, lever.high) == ("room", 80, 50, 90)


def test_a_bad_lever_inherited_through_extends_names_the_file_it_is_written_in(write):
    base = write(cup("  Room:\n    - {parameter: room, label: Room, range: [80, 90]}\n"), "base.yaml")
    child = write("scenario: warm\nextends: base.yaml\noverrides: {tau: 20}\n", "warm.yaml")
    with pytest.raises(ModelError) as err:
        engine.load(child)
    assert str(err.value).startswith(f"{base}:{TEACUP.count(chr(10)) + 3}: in 'room': the scenario's value 70")


@pytest.mark.parametrize("levers, message", [
    ("  G:\n    - {parameter: rooom, label: R}\n", "'rooom' is not a parameter of the model (did you mean 'room'?)"),
    ("  G:\n    - {parameter: temperature, label: T}\n", "'temperature' is a stock, not a parameter"),
    ("  G:\n    - {parameter: room}\n", "a lever needs a label"),
    ("  G:\n    - {label: Room}\n", "a lever needs 'parameter:'"),
    ("  G:\n    - {parameter: room, label: R, range: [-10, 50]}\n",
     "the lever's range [-10, 50] goes outside the parameter's declared range [0, 100]"),
    ("  G:\n    - {parameter: room, label: R, range: [80, 60]}\n", "two numbers with low < high"),
    ("  G:\n    - {parameter: room, label: R, range: [0, 20]}\n",
     "the scenario's value 70 is outside the lever's range [0, 20]"),
    ("  G:\n    - {parameter: room, label: R, step: 0}\n", "a lever's step must be a number above 0"),
    ("  G:\n    - {parameter: room, label: R, step: 500}\n", "at most the width of its range (100)"),
    ("  G:\n    - {parameter: room, label: R, step: fast}\n", "a lever's step must be a number"),
    ("  G:\n    - {parameter: room, label: R, units: K}\n", "the lever's units 'K' differ from the parameter's"),
    ("  G:\n    - {parameter: room, label: R, colour: red}\n", "unknown lever field 'colour'"),
    ("  G:\n    - {parameter: free, label: F}\n", "the parameter declares no range"),
    ("  G:\n    - {parameter: room, label: R}\n  H:\n    - {parameter: room, label: S}\n",
     "'room' has two levers (the first in group 'G'"),
    ("  G: {parameter: room, label: R}\n", "the lever group 'G' must be a list of levers"),
    ("  G:\n    - room\n", "a lever is a mapping"),
])
def test_each_mistake_in_a_lever_is_named_with_file_line_and_lever(write, levers, message):
    path = write(cup(levers))
    with pytest.raises(ModelError) as err:
        engine.load(path)
    text = str(err.value)
    assert message in text
    assert f"{path}:" in text                       # the file and a line
    line = int(text.split(f"{path}:")[1].split(":")[0])
    assert line > TEACUP.count("\n")                # the line is in the levers section


def test_levers_must_be_a_mapping_or_a_list(write):
    with pytest.raises(ModelError, match="levers must be a mapping of group headings"):
        engine.load(write(cup("  just text\n")))


def test_every_mistake_is_reported_at_once(write):
    with pytest.raises(ModelError) as err:
        engine.load(write(cup("  G:\n    - {parameter: nope, label: A}\n    - {parameter: room}\n")))
    assert "'nope' is not a parameter" in str(err.value) and "needs a label" in str(err.value)


def test_the_cli_reports_a_bad_lever_with_status_2(write, capsys):
    path = write(cup("  G:\n    - {parameter: room, label: R, step: -1}\n"))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("error") == 1 and "in 'room'" in err and "step must be" in err


FLAGSHIP_LEVERS = {
    "Carbon-price policy": {"price_floor", "auction_share_final", "ccer_limit_share", "expansion_year",
                            "expansion2_year"},
    "R&D and industrial policy": {"special_rd_fund", "revenue_recycling_share",
                                  "procurement_subsidy_share", "talent_retention", "graduates_per_year"},
    "Technology": {"liion_learning_rate", "ssb_learning_rate"},
    "Coupling switches": {"coupling_price_to_rd", "coupling_price_to_ev", "coupling_battery_to_price"},
}


def test_the_flagship_declares_its_policy_technology_and_coupling_levers():
    m = engine.load(ROOT / "scenarios" / "default.yaml").model
    groups = dict(lever_groups(m.levers))
    assert list(groups) == list(FLAGSHIP_LEVERS)
    for group, wanted in FLAGSHIP_LEVERS.items():
        assert wanted <= {lv.parameter for lv in groups[group]}
    for lever in m.levers:
        el = m.elements[lever.parameter]
        assert el.range[0] <= lever.low < lever.high <= el.range[1] and lever.value == el.value
        assert lever.units == el.units
    assert all(lv.is_switch for lv in groups["Coupling switches"])


def test_policy_scenarios_start_their_levers_at_their_own_values():
    m = engine.load(ROOT / "scenarios" / "rd-fund.yaml").model
    levers = {lv.parameter: lv for lv in m.levers}
    assert levers["special_rd_fund"].value == 6 and levers["revenue_recycling_share"].value == 0.5


def test_the_documented_examples_load(tmp_path):
    text = (ROOT / "docs" / "app.md").read_text()
    example = text.split("The teacup with two levers")[1].split("```yaml\n")[1].split("```")[0]
    path = tmp_path / "cup.yaml"
    path.write_text(example)
    groups = dict(lever_groups(engine.load(path).model.levers))
    assert {g: [lv.parameter for lv in levers] for g, levers in groups.items()} == {
        "The room": ["room_temperature"], "The cup": ["characteristic_time"]}
    flagship = text.split("## Declaring levers")[1].split("```yaml\n")[1].split("```")[0]
    declared = {lv.parameter: lv for lv in engine.load(ROOT / "scenarios" / "default.yaml").model.levers}
    for line in flagship.splitlines():
        if "parameter:" in line:
            name = line.split("parameter:")[1].split(",")[0].strip()
            assert name in declared and declared[name].label in line
