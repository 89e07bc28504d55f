"""The 'dominance' command, focused causal graphs, files written, and bad input (exit status 2)."""
import h5py
import numpy as np
import xarray as xr

from engine.cli import main

GROWTH = """
scenario: growth
time: {start: 0, stop: 40, dt: 0.25}
stocks:
  population: {initial: 10, inflows: [births], outflows: [deaths]}
flows:
  births: birth_rate * population * room
  deaths: population / lifetime
auxiliaries:
  room: 1 - population / capacity
parameters:
  birth_rate: {value: 0.3, range: [0.05, 1]}
  lifetime: 30
  capacity: 1000
loops:
  growth: {elements: [population, births]}
"""

NO_LOOPS = """
scenario: open
time: {start: 0, stop: 10, dt: 1}
stocks:
  tank: {initial: 0, inflows: [inflow]}
flows:
  inflow: 2
"""


def test_dominance_command_prints_periods_and_writes_scores(write, tmp_path, capsys):
    p = write(GROWTH)
    out_dir = tmp_path / "dom"
    assert main(["dominance", str(p), "-o", str(out_dir)]) == 0
    out = capsys.readouterr().out
    assert "all 3 loops" in out and "growth +" in out     # the declared name is the loop's label
    assert (out_dir / "loops.csv").read_text().count("\n") == 4
    assert (out_dir / "stacked_P1.png").stat().st_size > 1000
    assert any(out_dir.glob("loop_*.png"))
    ds = xr.open_dataset(out_dir / "dominance.h5", group="dominance", engine="h5netcdf")
    assert sorted(ds["polarity"].values) == ["B", "B", "R"]
    np.testing.assert_allclose(np.abs(ds["relative_score"]).sum("loop").isel(time=slice(1, None)), 1.0)
    with h5py.File(out_dir / "dominance.h5") as f:
        assert "population" in f and "dominance" in f     # the run's trajectories beside the scores


def test_dominance_over_a_sweep_spec(write, tmp_path, capsys):
    write(GROWTH, "growth.yaml")
    spec = write("""
        sweep: growth-ensemble
        scenario: growth.yaml
        method: latin
        samples: 12
        seed: 3
        parameters:
          birth_rate: {range: [0.1, 0.6]}
        outputs:
          trajectories: [population]
        """, "spec.yaml")
    assert main(["dominance", "--sweep", str(spec), "--runs", "10", "-o", str(tmp_path / "e")]) == 0
    out = capsys.readouterr().out
    assert "over 10 runs" in out and "share of 10 runs" in out
    ds = xr.open_dataset(tmp_path / "e" / "dominance.h5", group="dominance", engine="h5netcdf")
    assert ds.sizes["run"] == 10 and (tmp_path / "e" / "ensemble_P1.png").exists()


def test_graph_focus_prints_the_causes_tree_and_draws_it(write, tmp_path, capsys):
    p = write(GROWTH)
    assert main(["graph", str(p), "--focus", "births", "--depth", "1", "-o", str(tmp_path / "f")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("births") and any("<- population" in line for line in out)
    assert (tmp_path / "f.png").stat().st_size > 1000
    assert '"population" -> "births"' in (tmp_path / "f.dot").read_text()
    assert main(["graph", str(p), "--focus", "population", "--direction", "uses", "-o", str(tmp_path / "u")]) == 0
    assert "-> deaths" in capsys.readouterr().out


def test_unknown_focus_variable_exits_2(write, capsys):
    p = write(GROWTH)
    assert main(["graph", str(p), "--focus", "birth"]) == 2
    err = capsys.readouterr().err
    assert "'birth'" in err and "did you mean 'births'" in err and "model.yaml" in err


def test_a_scenario_with_no_loops_exits_2(write, capsys):
    p = write(NO_LOOPS)
    assert main(["dominance", str(p)]) == 2
    err = capsys.readouterr().err
    assert "no feedback loops" in err and "model.yaml" in err and "Traceback" not in err


def test_bad_options_exit_2(write, capsys):
    p = write(GROWTH)
    assert main(["dominance", str(p), "--cap", "0"]) == 2
    assert main(["graph", str(p), "--focus", "births", "--depth", "0"]) == 2
    assert "depth" in capsys.readouterr().err


MANY = """
scenario: many
time: {start: 0, stop: 10, dt: 0.25}
stocks:
  x: {initial: 100, inflows: [i1, i2, i3, i4, i5, i6], outflows: [o1, o2, o3, o4, o5, o6]}
flows:
""" + "".join(f"  i{k}: x * {0.01 * k:g}\n  o{k}: x * {0.011 * k:g}\n" for k in range(1, 7))


def test_the_period_table_cites_only_loops_the_listing_shows(write, tmp_path, capsys):
    assert main(["dominance", str(write(MANY)), "-o", str(tmp_path / "dom"), "--top", "1", "--no-figures"]) == 0
    out = capsys.readouterr().out
    listing, periods = out.split("partition ")[0], out.split("partition ")[1]
    listed = {line.split()[0] for line in listing.splitlines()[4:] if line and not line.startswith(" ")}
    cited = {part.split()[0] for line in periods.splitlines()[1:] if line.startswith("P1")
             for part in line.split("  ")[-1].split(", ") if "none active" not in line}
    assert cited and cited <= listed, (cited, listed)
    assert "more loops in P1 (every loop with its label: loops.csv" in listing
    table = (tmp_path / "dom" / "loops.csv").read_text()
    assert all(f"\n{label}," in table for label in cited)
