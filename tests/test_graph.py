"""Feedback graph: evaluation order, loops through stocks and their polarity, DOT/PNG output."""
import engine
from conftest import MODELS
from engine.cli import main

LOOPS = """
time: {start: 0, stop: 30, dt: 0.25}
stocks:
  population: {initial: 100, inflows: [births], outflows: [deaths]}
flows:
  births: population * birth_rate
  deaths: population / lifetime * crowding
auxiliaries:
  crowding: 1 + population / capacity
parameters:
  birth_rate: 0.05
  lifetime: 40
  capacity: 1000
"""


def test_loops_and_polarity(build):
    m = build(LOOPS)
    loops = {tuple(lp.elements): lp.polarity for lp in m.loops()}
    assert loops[("population", "births")] == "reinforcing"
    assert loops[("population", "deaths")] == "balancing"
    assert loops[("population", "crowding", "deaths")] == "balancing"
    assert len(loops) == 3


def test_declared_polarity_overrides_measured(build):
    m = build(LOOPS.replace("crowding: 1 + population / capacity",
                            "crowding: {equation: 1 + population / capacity, polarity: {population: '-'}}"))
    loops = {tuple(lp.elements): lp.polarity for lp in m.loops()}
    assert loops[("population", "crowding", "deaths")] == "reinforcing"


def test_loops_through_builtins_are_found(build):
    m = engine.load(MODELS / "goal_seeking.yaml")
    loops = m.loops()
    pol = {lp.visible: lp.polarity for lp in loops}
    assert pol[("inventory", "desired_production", "production")] == "balancing"


def test_cli_loops_and_graph(write, tmp_path, capsys):
    p = write(LOOPS)
    assert main(["loops", str(p)]) == 0
    out = capsys.readouterr().out
    assert "R1" in out and "B1" in out and "3 loops (1 reinforcing, 2 balancing" in out
    assert main(["graph", str(p), "-o", str(tmp_path / "g")]) == 0
    dot = (tmp_path / "g.dot").read_text()
    assert '"births" -> "population"' in dot and (tmp_path / "g.png").stat().st_size > 1000


def test_declared_loop_names_the_shortest_matching_loop(build):
    m = build(LOOPS + "loops:\n  crowding limit: {elements: [population, deaths]}\n")
    named = [lp for lp in m.loops() if lp.name]
    assert len(named) == 1 and named[0].name == "crowding limit"
    assert named[0].elements == ("population", "deaths") and named[0].polarity == "balancing"
