"""Results convert to pandas and xarray; the HDF5 file opens in xarray and keeps provenance."""
import json

import numpy as np
import xarray as xr
from conftest import MODELS

import engine
from engine.cli import main


def test_hdf5_opens_in_xarray_with_units_and_provenance(tmp_path):
    m = engine.load(MODELS / "goal_seeking.yaml")
    r = m.run(params={"target": [80.0, 120.0, 150.0]})
    path = r.to_hdf5(tmp_path / "r.h5")
    ds = xr.open_dataset(path, engine="h5netcdf")
    assert dict(ds.sizes) == {"time": 81, "run": 3}
    assert np.array_equal(ds["inventory"].values, r["inventory"])
    assert ds["inventory"].attrs["units"] == "units"
    assert ds["target"].dims == ("run",) and list(ds["target"].values) == [80.0, 120.0, 150.0]
    assert "inventory:" in ds.attrs["scenario_text"] or "inventory" in ds.attrs["scenario_text"]
    assert json.loads(ds.attrs["time_settings"])["dt"] == 0.25
    assert ds.attrs["engine_version"] == engine.__version__
    ds.close()


def test_pandas_and_xarray_views():
    r = engine.load(MODELS / "goal_seeking.yaml").run(params={"adjust_time": [2.0, 8.0]})
    df = r.to_pandas(run=1)
    assert df.index.name == "time" and df["inventory"].iloc[-1] == r["inventory"][-1, 1]
    long = r.to_pandas(run=None)
    assert long.loc[(1, 20.0), "inventory"] == r["inventory"][-1, 1]
    ds = r.to_xarray()
    assert ds["shipments"].sel(run=0).values[-1] == r["shipments"][-1, 0]


def test_keep_limits_saved_variables_and_keeps_numbers():
    m = engine.load(MODELS / "goal_seeking.yaml")
    full = m.run()
    few = m.run(keep=["inventory"])
    assert few.names == ["inventory"] and m.run(keep="inventory").names == ["inventory"]
    assert np.array_equal(few["inventory"], full["inventory"])


def test_cli_run_writes_outputs(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(MODELS / "goal_seeking.yaml")]) == 0
    out = capsys.readouterr().out
    assert "inventory" in out and "wrote" in out
    assert (tmp_path / "outputs" / "goal_seeking" / "results.h5").exists()
    # no report section: one figure of the stocks per unit (inventory in units, backlog in none)
    assert (tmp_path / "outputs" / "goal_seeking" / "stocks_units.png").exists()
    assert (tmp_path / "outputs" / "goal_seeking" / "stocks_no_units.png").exists()


def test_cli_help_lists_commands(capsys):
    import pytest
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for cmd in ("run", "validate", "loops", "graph"):
        assert cmd in text


def test_a_result_prints_a_short_summary():
    r = engine.load(MODELS / "goal_seeking.yaml").run(params={"target": [80.0, 150.0]})
    assert repr(r).startswith("<carbonloop result 'goal_seeking': 2 runs, 81 times 0..20")
    text = str(r)
    assert len(text.splitlines()) <= 11 and "inventory" in text and "min..max over runs" in text
    low, high = r["inventory"][-1].min(), r["inventory"][-1].max()
    assert f"{low:.6g}..{high:.6g}" in text


def test_at_takes_several_times():
    r = engine.load(MODELS / "goal_seeking.yaml").run(params={"target": [80.0, 120.0, 150.0]})
    several = r.at("inventory", [0, 5, 20])
    assert several.shape == (3, 3)
    for row, t in zip(several, (0, 5, 20)):
        assert np.array_equal(row, r.at("inventory", t))


def test_hdf5_parameters_carry_units_and_descriptions_and_time_its_units(tmp_path, build):
    m = build("""
        time: {start: 0, stop: 4, dt: 1, units: day}
        stocks:
          water: {initial: 5, inflows: [rain], units: mm}
        flows:
          rain: {equation: intensity, units: mm/day}
        parameters:
          intensity: {value: 2, units: mm/day, doc: rain per day, range: [0, 10]}
        """)
    r = m.run(params={"intensity": [1.0, 3.0]})
    ds = xr.open_dataset(r.to_hdf5(tmp_path / "r.h5"), engine="h5netcdf")
    assert ds["intensity"].attrs["units"] == "mm/day" and ds["intensity"].attrs["description"] == "rain per day"
    assert ds["time"].attrs["units"] == "day"
    assert r.to_xarray()["intensity"].attrs["units"] == "mm/day"
    ds.close()


def test_keeping_what_has_no_trajectory_is_a_clear_error():
    import pytest
    m = engine.load(MODELS / "goal_seeking.yaml")
    with pytest.raises(engine.ModelError, match="cannot keep 'wave': it is a lookup"):
        m.run(keep=["wave"])
    with pytest.raises(engine.ModelError, match="cannot keep 'nothing': it is not an element of the model"):
        m.run(keep=["nothing"])


def test_printing_a_result_shows_the_report_summary_variables(build):
    m = build("""
time: {start: 0, stop: 4, dt: 1}
stocks:
  a: {initial: 1, inflows: [fa]}
  b: {initial: 2, inflows: [fb]}
flows:
  fa: 1
  fb: 2
report:
  summary: [b]
""")
    rows = [line.split()[0] for line in str(m.run()).splitlines()[2:]]
    assert rows == ["b", "..."]         # b, then how many more there are


def test_the_summary_table_marks_a_value_taken_just_after_a_reset(build):
    from engine.outputs.report import summary_table
    m = build("""
time: {start: 0, stop: 10, dt: 0.5}
stocks:
  bank: {initial: 0, inflows: [deposits]}
flows:
  deposits: 2
events:
  - {name: settlement, every: 5, start: 5, set: {bank: 0}}
report:
  summary: [bank]
  years: [4, 5]
""")
    table = summary_table(m, m.run())
    row = next(line for line in table.splitlines() if line.startswith("bank"))
    assert row.split()[1:3] == ["8", "0*"]          # 2 a year for 4 years; emptied at 5
    assert "* bank at 5: the value just after event 'settlement' applied at that time; one saved step " \
           "earlier, at 4.5: 9" in table


def test_a_failed_hdf5_write_leaves_no_partial_file(tmp_path, monkeypatch):
    import engine.results.hdf5 as hdf5
    r = engine.load(MODELS / "goal_seeking.yaml").run(backend="numpy")

    def broken(obj, attrs):
        raise OSError("disk full")
    monkeypatch.setattr(hdf5, "write_attrs", broken)
    try:
        r.to_hdf5(tmp_path / "r.h5")
    except OSError:
        pass
    assert list(tmp_path.iterdir()) == []


HOLDER = """
import sys, tempfile
from pathlib import Path
from engine.outputs.report import STAGING, _hold
staging = Path(tempfile.mkdtemp(prefix=STAGING, dir=sys.argv[1]))
lock = _hold(staging)
print(staging, flush=True)
sys.stdin.read()
"""


def test_a_killed_run_leaves_no_staging_folder_once_outputs_are_written_again(tmp_path):
    """A process writing outputs holds its staging folder's lock; killed, it leaves the folder
    behind, and the next run writing into that folder removes it, but never a live one's."""
    import os
    import subprocess
    import sys

    from engine.outputs.report import remove_stale_staging
    folder = tmp_path / "out"
    folder.mkdir()
    env = {**os.environ, "PYTHONPATH": str(MODELS.parents[1])}
    p = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, env=env)
    staging = folder / os.path.basename(p.stdout.readline().strip())    # the holder says it is writing
    assert staging.is_dir()
    assert remove_stale_staging(folder) == [] and staging.is_dir()      # alive: left alone
    p.kill()
    p.wait()
    p.stdin.close()
    p.stdout.close()
    assert staging.is_dir()                                             # killed: left behind
    assert main(["run", str(MODELS / "goal_seeking.yaml"), "-o", str(folder / "results.h5"),
                 "--no-figures", "--backend", "numpy"]) == 0
    assert not staging.exists()
    assert sorted(p.name for p in folder.iterdir()) == ["results.h5"]


def test_hdf5_holds_a_model_of_many_cells(tmp_path):
    # every dataset is attached to the time and run scales; the earliest HDF5 format keeps the list
    # of attached datasets in one attribute of at most 64 KB and failed past about 4,000 of them
    path = tmp_path / "many.yaml"
    path.write_text("scenario: many\ntime: {start: 0, stop: 2, dt: 1}\ndimensions:\n  cell: 5000\n"
                    "stocks:\n  s[cell]: {initial: 1, inflows: [f]}\nflows:\n  f[cell]: cell * 0.5\n")
    r = engine.load(path).run(backend="numpy")
    out = r.to_hdf5(tmp_path / "many.h5")
    ds = xr.open_dataset(out, engine="h5netcdf")
    assert ds["s"].dims == ("time", "cell", "run")
    assert np.array_equal(ds["s"].values[:, :, 0], 1 + np.arange(3)[:, None] * 0.5 * np.arange(1, 5001)[None, :])
    assert "s[4999]" not in ds and "f[1]" not in ds      # the cells are in their arrays' datasets
    ds.close()
